process REPORT {
    tag 'cohort'
    label 'process_low'

    input:
    path tables, stageAs: 'tables/*'
    val table_args
    val params_json

    output:
    path 'report.html',  emit: html
    path 'versions.yml', emit: versions

    script:
    def args = task.ext.args ?: ''
    """
    cat > params.json <<'PARAMS_JSON'
    ${params_json}
    PARAMS_JSON
    outcome-report ${table_args} --params params.json ${args} --out report.html
    stereosarc-versions --process ${task.process} --packages stereosarc-biomarkers matplotlib pandas --out versions.yml
    """

    stub:
    """
    touch report.html
    stereosarc-versions --process ${task.process} --packages stereosarc-biomarkers --out versions.yml
    """
}
