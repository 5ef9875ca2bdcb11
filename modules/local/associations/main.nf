process ASSOCIATIONS {
    tag 'cohort'
    label 'process_low'

    input:
    path biomarkers
    path ctdna

    output:
    path 'associations.tsv', emit: table
    path 'km.tsv',           emit: km
    path 'primary_endpoint.tsv', emit: primary
    path 'irecist.tsv',      emit: irecist
    path 'multivariable.tsv', emit: multivariable
    path 'model_validation.tsv', emit: validation
    path 'missingness.tsv',  emit: missingness
    path 'versions.yml',     emit: versions

    script:
    def args = task.ext.args ?: ''
    def ctdna_arg = ctdna ? "--ctdna ${ctdna}" : ''
    """
    outcome-associate --biomarkers ${biomarkers} ${ctdna_arg} ${args} --out associations.tsv --out-km km.tsv --out-primary primary_endpoint.tsv --out-irecist irecist.tsv --out-multivariable multivariable.tsv --out-validation model_validation.tsv --out-missingness missingness.tsv --versions-out "${task.process}" versions.yml
    """

    stub:
    """
    touch associations.tsv km.tsv primary_endpoint.tsv irecist.tsv multivariable.tsv model_validation.tsv missingness.tsv
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
