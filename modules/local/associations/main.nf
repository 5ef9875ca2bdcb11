process ASSOCIATIONS {
    tag 'cohort'
    label 'process_low'

    input:
    path biomarkers
    path ctdna

    output:
    path 'associations.tsv', emit: table
    path 'km.tsv',           emit: km
    path 'versions.yml',     emit: versions

    script:
    def args = task.ext.args ?: ''
    def ctdna_arg = ctdna ? "--ctdna ${ctdna}" : ''
    """
    outcome-associate --biomarkers ${biomarkers} ${ctdna_arg} ${args} --out associations.tsv --out-km km.tsv
    stereosarc-versions --process ${task.process} --packages stereosarc-biomarkers lifelines scipy statsmodels scikit-learn --out versions.yml
    """

    stub:
    """
    touch associations.tsv km.tsv
    stereosarc-versions --process ${task.process} --packages stereosarc-biomarkers --out versions.yml
    """
}
