process MULTIQC {
    tag 'cohort'
    label 'process_single'

    input:
    path qc_tables, stageAs: 'qc/*'
    path software_versions, stageAs: 'software_mqc_versions.yml'
    path multiqc_config

    output:
    path 'multiqc_report.html', emit: report
    path 'multiqc_data',        emit: data
    path 'versions.yml',        emit: versions

    script:
    def args = task.ext.args ?: ''
    """
    multiqc --force --no-ansi --config ${multiqc_config} ${args} .
    printf '"%s":\n  multiqc: "%s"\n' "${task.process}" "\$(multiqc --version | sed 's/.*version //')" > versions.yml
    """

    stub:
    """
    mkdir multiqc_data
    touch multiqc_report.html
    printf '"%s":\n  multiqc: "%s"\n' "${task.process}" "stub" > versions.yml
    """
}
