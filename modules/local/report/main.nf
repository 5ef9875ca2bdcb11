process REPORT {
    tag 'cohort'
    label 'process_low'

    input:
    path biomarkers, stageAs: 'tables/*'
    path associations, stageAs: 'tables/*'
    path km, stageAs: 'tables/*'
    path primary, stageAs: 'tables/*'
    path irecist, stageAs: 'tables/*'
    path multivariable, stageAs: 'tables/*'
    path validation, stageAs: 'tables/*'
    path ctdna, stageAs: 'tables/*'      // or [] (no ctDNA stage)
    path dynamics, stageAs: 'tables/*'   // or []
    path cn, stageAs: 'tables/*'         // or [] (no tissue copy number)
    path rejects, stageAs: 'tables/*'
    path params_json

    output:
    path 'report.html',  emit: html
    path 'versions.yml', emit: versions

    script:
    def args = task.ext.args ?: ''
    def optional = [ctdna: ctdna, dynamics: dynamics, cn: cn]
        .findAll { option, table -> table }
        .collect { option, table -> "--${option} ${table}" }
        .join(' ')
    """
    outcome-report --biomarkers ${biomarkers} --associations ${associations} --km ${km} --primary ${primary} --irecist ${irecist} --multivariable ${multivariable} --validation ${validation} ${optional} --rejects ${rejects} --params ${params_json} ${args} --out report.html --versions-out "${task.process}" versions.yml
    """

    stub:
    """
    touch report.html
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
