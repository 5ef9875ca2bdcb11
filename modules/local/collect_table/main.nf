process COLLECT_TABLE {
    tag "${name}"
    label 'process_single'

    input:
    val name
    path tables, stageAs: 'parts/*'

    output:
    path "${name}.tsv",     emit: table
    path "${name}.parquet", emit: parquet, optional: true
    path 'versions.yml',    emit: versions

    script:
    def args = task.ext.args ?: ''
    """
    stereosarc-collect ${args} --out ${name}.tsv ${tables} --versions-out "${task.process}" versions.yml
    """

    stub:
    """
    touch ${name}.tsv
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
