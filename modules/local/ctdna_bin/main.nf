process CTDNA_BIN {
    tag "${meta.id}"
    label 'process_single'

    input:
    tuple val(meta), path(bam), path(bam_index)
    path fasta, stageAs: 'reference/*'      // the low-pass reference FASTA (GC per bin)
    path fasta_index, stageAs: 'reference/*' // its .fai, or [] (then indexed in the task)
    path map_wig, stageAs: 'mappability/*'  // mappability WIG of the same bins, or []

    output:
    tuple val(meta), path('*.lowpass_bins.tsv'), emit: bins
    path 'versions.yml',                         emit: versions

    script:
    def args = task.ext.args ?: ''
    def prefix = task.ext.prefix ?: meta.id
    def map_arg = map_wig ? "--map-wig ${map_wig}" : ''
    """
    ctdna-bin --bam ${bam} --sample ${meta.id} --fasta ${fasta} ${map_arg} ${args} --out ${prefix}.lowpass_bins.tsv --versions-out "${task.process}" versions.yml
    """

    stub:
    def prefix = task.ext.prefix ?: meta.id
    """
    touch ${prefix}.lowpass_bins.tsv
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
