process IHC_MARKERS {
    tag 'cohort'
    label 'process_single'

    input:
    path ihc
    path qupath_dir, stageAs: 'qupath'
    val qupath_manifest

    output:
    path 'ihc_patient.tsv', emit: table
    path 'rejects_ihc.tsv', emit: rejects
    path 'versions.yml',    emit: versions

    script:
    def args = task.ext.args ?: ''
    def qupath_arg = qupath_manifest ? "--qupath qupath/${qupath_manifest}" : ''
    """
    ihc-markers --ihc ${ihc} ${qupath_arg} ${args} --out ihc_patient.tsv --rejects rejects_ihc.tsv
    stereosarc-versions --process ${task.process} --packages stereosarc-biomarkers pandas --out versions.yml
    """

    stub:
    """
    touch ihc_patient.tsv rejects_ihc.tsv
    stereosarc-versions --process ${task.process} --packages stereosarc-biomarkers --out versions.yml
    """
}
