process VALIDATE {
    tag "${samplesheet.name}"
    label 'process_single'

    input:
    path samplesheet
    path tables, stageAs: 'tables/*'
    val table_args
    tuple path(params_schema), path(input_schema)
    path data_files, stageAs: 'data/?????/*'
    val params_json

    output:
    path 'samplesheet.valid.csv', emit: samplesheet
    path 'preflight_warnings.txt', emit: warnings
    path 'versions.yml',          emit: versions

    script:
    def args = task.ext.args ?: ''
    """
    cat > params.json <<'PARAMS_JSON'
    ${params_json}
    PARAMS_JSON
    stereosarc-validate --input ${samplesheet} ${table_args} --params params.json --params-schema ${params_schema} --input-schema ${input_schema} ${args} --warnings preflight_warnings.txt --out samplesheet.valid.csv
    stereosarc-versions --process ${task.process} --packages stereosarc-biomarkers jsonschema pysam --out versions.yml
    """

    stub:
    """
    cp ${samplesheet} samplesheet.valid.csv
    touch preflight_warnings.txt
    stereosarc-versions --process ${task.process} --packages stereosarc-biomarkers --out versions.yml
    """
}
