/*
 * ctdna-count over a group of plasma/PoN samples in one task (params.ctdna_count_group_size
 * > 1): one Python start-up per group, the per-sample tables exactly as CTDNA_COUNT writes
 * them. Each BAM is staged with its index in a folder of its own (bamN/), each tumour VCF of
 * the group once (tumourN/); the manifest names, per sample, its BAM and its tumours.
 */
process CTDNA_COUNT_GROUP {
    tag "${group_id}"
    label 'process_single'

    input:
    tuple val(group_id), val(metas), path(bams, stageAs: 'bam*/*'), path(bam_indexes, stageAs: 'bam*/*'), val(sample_tumours), val(tumour_ids), path(tumour_vcfs, stageAs: 'tumour*/*')
    path targets
    path fasta
    path sites

    output:
    tuple val(metas), path('*.site_counts.tsv'),   emit: sites
    tuple val(metas), path('*.target_depth.tsv'),  emit: depth
    tuple val(metas), path('*.background.tsv'),    emit: background
    tuple val(metas), path('*.rejects_count.tsv'), emit: rejects
    tuple val(metas), path('*.read_stats.tsv'),    emit: read_stats
    tuple val(metas), path('*.ctdna_count.provenance.json'), emit: provenance
    path 'versions.yml',                           emit: versions

    script:
    def args = task.ext.args ?: ''
    def fasta_arg = fasta ? "--fasta ${fasta}" : ''
    def sites_arg = sites ? "--sites ${sites}" : ''
    """
    ${manifestCommand(group_id, metas, bams, sample_tumours, tumour_ids, tumour_vcfs)}
    ctdna-count --manifest ${group_id}.manifest.tsv --out-dir . --targets ${targets} ${fasta_arg} ${sites_arg} ${args} --provenance --versions-out "${task.process}" versions.yml
    """

    stub:
    def prefixes = metas.collect { meta -> meta.id }.join(' ')
    """
    ${manifestCommand(group_id, metas, bams, sample_tumours, tumour_ids, tumour_vcfs)}
    for prefix in ${prefixes}; do
        touch \$prefix.site_counts.tsv \$prefix.target_depth.tsv \$prefix.background.tsv \$prefix.rejects_count.tsv \$prefix.read_stats.tsv \$prefix.ctdna_count.provenance.json
    done
    printf '"%s":\\n  stereosarc-biomarkers: "%s"\\n' "${task.process}" "${workflow.manifest.version}" > versions.yml
    """
}

// The shell line writing GROUP.manifest.tsv (ctdna/count_manifest_io.py): per sample its id,
// its staged BAM, its tumours as TUMOUR_ID=VCF items separated by ';' and its patient ('' for a PoN).
def manifestCommand(group_id, metas, bams, sample_tumours, tumour_ids, tumour_vcfs) {
    def bam_list = bams instanceof List ? bams : [bams]
    def vcfs = tumour_vcfs instanceof List ? tumour_vcfs : [tumour_vcfs]
    def vcf_of = tumour_ids ? [tumour_ids, vcfs].transpose().collectEntries { id, vcf -> [(id): vcf] } : [:]
    def rows = [metas, bam_list, sample_tumours].transpose().collect { meta, bam, ids ->
        "'${meta.id}' '${bam}' '${ids.collect { id -> "${id}=${vcf_of[id]}" }.join(';')}' '${meta.patient ?: ''}'"
    }
    "printf '%s\\t%s\\t%s\\t%s\\n' sample bam tumours patient ${rows.join(' ')} > ${group_id}.manifest.tsv"
}
