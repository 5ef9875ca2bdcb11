process IHC_MARKERS {
    tag 'cohort'
    label 'process_single'

    input:
    path ihc                    // IHC long table, or [] (QuPath exports only)
    path qupath_dir, stageAs: 'qupath'
    val qupath_manifest
    path clinical, stageAs: 'clinical/*'   // clinical table, or []: rows of other patients rejected

    output:
    path 'ihc_patient.tsv', emit: table
    path 'rejects_ihc.tsv', emit: rejects
    path 'versions.yml',    emit: versions

    script:
    def args = task.ext.args ?: ''
    def ihc_arg = ihc ? "--ihc ${ihc}" : ''
    def qupath_arg = qupath_manifest ? "--qupath qupath/${qupath_manifest}" : ''
    def clinical_arg = clinical ? "--clinical ${clinical}" : ''
    """
    ihc-markers ${ihc_arg} ${qupath_arg} ${clinical_arg} ${args} --out ihc_patient.tsv --rejects rejects_ihc.tsv --versions-out "${task.process}" versions.yml
    """

    stub:
    """
    touch ihc_patient.tsv rejects_ihc.tsv
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
