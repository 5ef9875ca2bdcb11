process MERGE_BIOMARKERS {
    tag 'cohort'
    label 'process_single'

    input:
    path endpoints
    path tmb
    path ctdna
    path ihc
    path labs

    output:
    path 'biomarkers.tsv',      emit: table
    path 'biomarkers.parquet',  emit: parquet
    path 'rejects_merge.tsv',   emit: rejects
    path 'versions.yml',        emit: versions

    script:
    def args = task.ext.args ?: ''
    def optional = [tmb: tmb, ctdna: ctdna, ihc: ihc, labs: labs]
        .findAll { name, file -> file }
        .collect { name, file -> "--${name} ${file}" }
        .join(' ')
    """
    outcome-merge --clinical-endpoints ${endpoints} ${optional} ${args} --out biomarkers.tsv --out-rejects rejects_merge.tsv --versions-out "${task.process}" versions.yml
    """

    stub:
    """
    touch biomarkers.tsv biomarkers.parquet rejects_merge.tsv
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
