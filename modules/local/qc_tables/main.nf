process QC_TABLES {
    tag 'cohort'
    label 'process_single'

    input:
    path samplesheet
    path tmb, stageAs: 'tables/*'            // or [] (no TMB stage)
    path ctdna, stageAs: 'tables/*'          // or [] (no ctDNA stage)
    path site_counts, stageAs: 'sites/*'     // per-sample tables of ctdna-count, or []
    path target_depth, stageAs: 'depth/*'
    path background, stageAs: 'background/*'
    path read_stats, stageAs: 'read_stats/*'  // or []: reads, duplicates, fragment lengths

    output:
    path 'tmb_qc.tsv',   emit: tmb, optional: true
    path 'ctdna_qc.tsv', emit: ctdna, optional: true
    path 'versions.yml', emit: versions

    script:
    def args = task.ext.args ?: ''
    def tmb_args = tmb ? "--tmb ${tmb} --out-tmb tmb_qc.tsv" : ''
    def ctdna_arg = ctdna ? "--ctdna ${ctdna}" : ''
    def count_args = site_counts ? "--site-counts ${site_counts} --target-depth ${target_depth} --background ${background} --out-ctdna ctdna_qc.tsv" : ''
    def read_stats_arg = site_counts && read_stats ? "--read-stats ${read_stats}" : ''
    """
    qc-tables --samplesheet ${samplesheet} ${tmb_args} ${ctdna_arg} ${count_args} ${read_stats_arg} ${args} --versions-out "${task.process}" versions.yml
    """

    stub:
    """
    ${tmb ? 'touch tmb_qc.tsv' : ''}
    ${site_counts ? 'touch ctdna_qc.tsv' : ''}
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
