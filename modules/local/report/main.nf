process REPORT {
    tag 'cohort'
    label 'process_low'

    // Every run has a report: each table is [] when its stage did not run (a ctDNA-only or
    // TMB-only batch has no biomarkers.tsv nor outcome tables; the report says which
    // sections are absent and why).
    input:
    path biomarkers, stageAs: 'tables/*'     // or [] (no --clinical)
    path associations, stageAs: 'tables/*'   // or []
    path km, stageAs: 'tables/*'             // or []
    path primary, stageAs: 'tables/*'        // or []
    path irecist, stageAs: 'tables/*'        // or []
    path multivariable, stageAs: 'tables/*'  // or []
    path validation, stageAs: 'tables/*'     // or []
    path ctdna, stageAs: 'tables/*'          // or [] (no ctDNA stage)
    path dynamics, stageAs: 'tables/*'       // or []
    path cn, stageAs: 'tables/*'             // or [] (no tissue copy number)
    path tmb, stageAs: 'tables/*'            // or [] (no TMB stage)
    path tmb_qc, stageAs: 'qc/*'             // or []
    path ctdna_qc, stageAs: 'qc/*'           // or []
    path lowpass_ratios, stageAs: 'tables/*'   // or [] (no low-pass WGS samples)
    path lowpass_segments, stageAs: 'tables/*' // or []
    path lowpass_samples, stageAs: 'tables/*'  // or []
    path rejects, stageAs: 'tables/*'
    path params_json
    path params_schema                       // nextflow_schema.json: the header's non-default parameters
    val revision                             // git revision of the pipeline, '' when not known

    output:
    path 'report.html',  emit: html
    path 'versions.yml', emit: versions

    script:
    def args = task.ext.args ?: ''
    def optional = [biomarkers: biomarkers, associations: associations, km: km, primary: primary,
                    irecist: irecist, multivariable: multivariable, validation: validation,
                    ctdna: ctdna, dynamics: dynamics, cn: cn, tmb: tmb, tmb_qc: tmb_qc, ctdna_qc: ctdna_qc,
                    lowpass_ratios: lowpass_ratios, lowpass_segments: lowpass_segments,
                    lowpass_samples: lowpass_samples]
        .findAll { option, table -> table }
        .collect { option, table -> "--${option.replace('_', '-')} ${table}" }
        .join(' ')
    """
    outcome-report ${optional} --rejects ${rejects} --params ${params_json} --params-schema ${params_schema} --pipeline-version '${workflow.manifest.version}' --git-revision '${revision}' ${args} --out report.html --versions-out "${task.process}" versions.yml
    """

    stub:
    """
    touch report.html
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
