process CTDNA_COUNT {
    tag "${meta.id}"
    label 'process_single'

    input:
    tuple val(meta), path(bam), path(bam_index), val(tumour_ids), path(tumour_vcfs, stageAs: 'tumour??/*')
    path targets
    path fasta
    path sites

    output:
    tuple val(meta), path('*.site_counts.tsv'),  emit: sites
    tuple val(meta), path('*.target_depth.tsv'), emit: depth
    tuple val(meta), path('*.background.tsv'),   emit: background
    tuple val(meta), path('*.rejects_count.tsv'), emit: rejects
    tuple val(meta), path('*.read_stats.tsv'),   emit: read_stats
    tuple val(meta), path('*.ctdna_count.provenance.json'), emit: provenance
    path 'versions.yml',                         emit: versions

    script:
    def args = task.ext.args ?: ''
    def prefix = task.ext.prefix ?: meta.id
    def vcfs = tumour_vcfs instanceof List ? tumour_vcfs : [tumour_vcfs]
    def tumour_args = tumour_ids ? [tumour_ids, vcfs].transpose().collect { id, vcf -> "--tumour ${id}=${vcf}" }.join(' ') : ''
    def fasta_arg = fasta ? "--fasta ${fasta}" : ''
    def sites_arg = sites ? "--sites ${sites}" : ''
    def patient_arg = meta.patient ? "--patient ${meta.patient}" : ''
    """
    ctdna-count --bam ${bam} --sample ${meta.id} ${patient_arg} ${tumour_args} --targets ${targets} ${fasta_arg} ${sites_arg} ${args} --out-sites ${prefix}.site_counts.tsv --out-targets ${prefix}.target_depth.tsv --out-background ${prefix}.background.tsv --out-rejects ${prefix}.rejects_count.tsv --out-read-stats ${prefix}.read_stats.tsv --provenance --versions-out "${task.process}" versions.yml
    """

    stub:
    def prefix = task.ext.prefix ?: meta.id
    """
    touch ${prefix}.site_counts.tsv ${prefix}.target_depth.tsv ${prefix}.background.tsv ${prefix}.rejects_count.tsv ${prefix}.read_stats.tsv ${meta.id}.ctdna_count.provenance.json
    printf '"%s":\n  stereosarc-biomarkers: "%s"\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}
