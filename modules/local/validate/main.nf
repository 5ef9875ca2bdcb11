process VALIDATE {
    tag "${samplesheet.name}"
    label 'process_single'

    input:
    path samplesheet
    path params_json
    tuple path(params_schema), path(input_schema)
    path clinical, stageAs: 'tables/*'        // each table or reference: the file, or []
    path ihc, stageAs: 'tables/*'
    path qupath, stageAs: 'tables/*'
    path labs, stageAs: 'tables/*'
    path tissue_cn, stageAs: 'tables/*'
    path panel_bed, stageAs: 'tables/*'
    path ctdna_targets, stageAs: 'tables/*'
    path ctdna_sites, stageAs: 'tables/*'
    path fasta, stageAs: 'tables/*'
    path lowpass_fasta, stageAs: 'lowpass/*'       // the low-pass reference FASTA, or []
    path lowpass_fasta_index, stageAs: 'lowpass/*' // its .fai (contig lengths), or []
    path data_files, stageAs: 'data/?????/*'

    output:
    path 'samplesheet.valid.csv', emit: samplesheet
    path 'preflight_warnings.txt', emit: warnings
    path 'versions.yml',          emit: versions

    script:
    def args = task.ext.args ?: ''
    def tables = [clinical: clinical, ihc: ihc, qupath: qupath, labs: labs, 'tissue-cn': tissue_cn,
                  'panel-bed': panel_bed, 'ctdna-targets': ctdna_targets, 'ctdna-sites': ctdna_sites, fasta: fasta,
                  'lowpass-fasta': lowpass_fasta]
        .findAll { option, table -> table }
        .collect { option, table -> "--${option} ${table}" }
        .join(' ')
    """
    stereosarc-validate --input ${samplesheet} ${tables} --params ${params_json} --params-schema ${params_schema} --input-schema ${input_schema} ${args} --warnings preflight_warnings.txt --out samplesheet.valid.csv --versions-out "${task.process}" versions.yml
    """

    stub:
    """
    cp ${samplesheet} samplesheet.valid.csv
    touch preflight_warnings.txt
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
