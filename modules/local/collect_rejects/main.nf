process COLLECT_REJECTS {
    tag 'cohort'
    label 'process_single'

    input:
    path stage_rejects, stageAs: 'stages/*'

    output:
    path 'rejects.tsv',  emit: table
    path 'versions.yml', emit: versions

    script:
    def args = task.ext.args ?: ''
    """
    stereosarc-rejects ${args} --out rejects.tsv ${stage_rejects}
    stereosarc-versions --process ${task.process} --packages stereosarc-biomarkers pandas --out versions.yml
    """

    stub:
    """
    touch rejects.tsv
    stereosarc-versions --process ${task.process} --packages stereosarc-biomarkers --out versions.yml
    """
}
