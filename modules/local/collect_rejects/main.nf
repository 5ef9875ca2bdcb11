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
    stereosarc-rejects ${args} --out rejects.tsv ${stage_rejects} --versions-out "${task.process}" versions.yml
    """

    stub:
    """
    touch rejects.tsv
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
