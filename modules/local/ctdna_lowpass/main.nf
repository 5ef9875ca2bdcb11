process CTDNA_LOWPASS {
    tag 'cohort'
    label 'process_low'

    input:
    path samplesheet
    path plasma_bins, stageAs: 'plasma/*'   // every low-pass plasma sample's bins, sorted
    path pon_bins, stageAs: 'pon/*'         // the low-pass PoN's bins, sorted, or []

    output:
    path 'lowpass_samples.tsv',  emit: samples
    path 'lowpass_ratios.tsv',   emit: ratios
    path 'lowpass_segments.tsv', emit: segments
    path 'versions.yml',         emit: versions

    script:
    def args = task.ext.args ?: ''
    def pon_arg = pon_bins ? "--pon-bins ${pon_bins}" : ''
    """
    ctdna-lowpass --samplesheet ${samplesheet} --bins ${plasma_bins} ${pon_arg} ${args} --outdir . --versions-out "${task.process}" versions.yml
    """

    stub:
    """
    touch lowpass_samples.tsv lowpass_ratios.tsv lowpass_segments.tsv
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
