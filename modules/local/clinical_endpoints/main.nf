process CLINICAL_ENDPOINTS {
    tag 'cohort'
    label 'process_single'

    input:
    path clinical

    output:
    path 'clinical_endpoints.tsv', emit: table
    path 'rejects_clinical.tsv',   emit: rejects
    path 'versions.yml',           emit: versions

    script:
    def args = task.ext.args ?: ''
    """
    outcome-clinical --clinical ${clinical} ${args} --out clinical_endpoints.tsv --rejects rejects_clinical.tsv --versions-out "${task.process}" versions.yml
    """

    stub:
    """
    touch clinical_endpoints.tsv rejects_clinical.tsv
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
