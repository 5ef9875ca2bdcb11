process CTDNA_CALL {
    tag 'cohort'
    label 'process_low'

    input:
    path samplesheet
    path site_counts, stageAs: 'sites/*'
    path target_depth, stageAs: 'depth/*'
    path background, stageAs: 'background/*'
    path tissue_cn
    path clinical
    path lowpass, stageAs: 'lowpass/*'      // lowpass_samples.tsv of CTDNA_LOWPASS, or []

    output:
    path 'ctdna.tsv',           emit: ctdna
    path 'ctdna_dynamics.tsv',  emit: dynamics
    path 'ctdna_cn.tsv',        emit: cn, optional: true
    path 'ctdna_*.tsv',         emit: detail
    path 'rejects_ctdna.tsv',   emit: rejects
    path 'versions.yml',        emit: versions

    script:
    def args = task.ext.args ?: ''
    def cn_arg = tissue_cn ? "--tissue-cn ${tissue_cn}" : ''
    def clinical_arg = clinical ? "--clinical ${clinical}" : ''
    def lowpass_arg = lowpass ? "--lowpass ${lowpass}" : ''
    """
    ctdna-call --samplesheet ${samplesheet} --site-counts ${site_counts} --target-depth ${target_depth} --background ${background} ${cn_arg} ${clinical_arg} ${lowpass_arg} ${args} --outdir . --versions-out "${task.process}" versions.yml
    """

    stub:
    """
    touch ctdna.tsv ctdna_dynamics.tsv ctdna_sites.tsv ctdna_cn.tsv ctdna_blacklist.tsv ctdna_pon_check.tsv rejects_ctdna.tsv
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
