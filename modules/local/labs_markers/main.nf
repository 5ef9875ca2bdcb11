process LABS_MARKERS {
    tag 'cohort'
    label 'process_single'

    input:
    path labs
    path clinical

    output:
    path 'labs_patient.tsv', emit: table
    path 'rejects_labs.tsv', emit: rejects
    path 'versions.yml',     emit: versions

    script:
    def args = task.ext.args ?: ''
    """
    labs-markers --labs ${labs} --clinical ${clinical} ${args} --out labs_patient.tsv --rejects rejects_labs.tsv --versions-out "${task.process}" versions.yml
    """

    stub:
    """
    touch labs_patient.tsv rejects_labs.tsv
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
