/*
 * ctDNA: fragments counted per plasma sample at its patient's tumour sites (a PoN sample at
 * every tumour's sites, the panel of normals), then one cohort call (detection, tumour
 * fraction, MDM2 copy number, dynamics).
 */

include { CTDNA_COUNT       } from '../../../modules/local/ctdna_count/main'
include { CTDNA_COUNT_GROUP } from '../../../modules/local/ctdna_count_group/main'
include { CTDNA_CALL        } from '../../../modules/local/ctdna_call/main'

// The tables of a task's output: one path (one sample) or a list (a group of samples).
def tableList(tables) {
    tables instanceof List ? tables : [tables]
}

// Per-sample tables of one kind, sorted by name so the cohort call is deterministic.
def sortedTables(ch) {
    ch.flatMap { meta, tables -> tableList(tables) }.collect(sort: { a, b -> a.name <=> b.name })
}

// This run's tables of one kind and the earlier batches' (--previous_batches), as [meta, tables]
def withPrevious(ch, previous, kind) {
    ch.mix(previous.filter { it.name.endsWith(".${kind}.tsv") }.map { table -> [null, table] })
}

// Samples counted together (params.ctdna_count_group_size): sorted by sample id, then cut
// in groups of `size`, so a group holds the same samples in every run (-resume per group).
// Each group: [id, metas, bams, indexes, tumour ids per sample, its tumours once: ids, VCFs].
def countingGroups(rows, int size) {
    def sorted = rows.sort(false) { a, b -> a[0].id <=> b[0].id }
    sorted.collate(size).withIndex().collect { group, i ->
        def tumours = group.collectMany { row -> [row[3], row[4]].transpose() }.unique { it[0] }
        [
            String.format('ctdna_group%04d', i + 1),
            group.collect { it[0] }, group.collect { it[1] }, group.collect { it[2] },
            group.collect { it[3] }, tumours.collect { it[0] }, tumours.collect { it[1] }
        ]
    }
}

workflow CIRCULATING_TUMOUR_DNA {
    take:
    samplesheet   // the validated samplesheet
    tumours       // [meta, vcf, bam or [], bam_index or []]
    plasma        // [meta, bam, bam_index] of plasma and pon rows
    targets       // path
    fasta         // path or []
    sites         // path or []: site table given instead of the tumour VCFs' variants
    tissue_cn     // path or []
    clinical      // path or []
    previous      // earlier batches' per-sample count tables (--previous_batches), or empty

    main:
    ch_vcf_by_patient = tumours
        .map { meta, vcf, bam, bam_index -> [meta.patient, meta.id, vcf] }
        .toSortedList { a, b -> a[1] <=> b[1] }
        .map { entries -> [entries.groupBy { it[0] }, entries] }
    ch_counting = plasma
        .combine(ch_vcf_by_patient)
        .map { meta, bam, index, by_patient, all_entries ->
            def entries = meta.type == 'pon' ? all_entries : (by_patient[meta.patient] ?: [])
            [meta, bam, index, entries.collect { it[1] }, entries.collect { it[2] }]
        }
    def group_size = params.ctdna_count_group_size as int
    if (group_size > 1) {
        CTDNA_COUNT_GROUP(
            ch_counting.toList().flatMap { rows -> countingGroups(rows, group_size) },
            targets, fasta, sites
        )
        counted = CTDNA_COUNT_GROUP.out
    } else {
        CTDNA_COUNT(ch_counting, targets, fasta, sites)
        counted = CTDNA_COUNT.out
    }
    ch_sites = sortedTables(withPrevious(counted.sites, previous, 'site_counts'))
    ch_depth = sortedTables(withPrevious(counted.depth, previous, 'target_depth'))
    ch_background = sortedTables(withPrevious(counted.background, previous, 'background'))
    ch_read_stats = sortedTables(withPrevious(counted.read_stats, previous, 'read_stats'))
    CTDNA_CALL(samplesheet, ch_sites, ch_depth, ch_background, tissue_cn, clinical)

    emit:
    ctdna     = CTDNA_CALL.out.ctdna        // cohort/ctdna.tsv
    dynamics  = CTDNA_CALL.out.dynamics     // cohort/ctdna_dynamics.tsv
    cn        = CTDNA_CALL.out.cn           // cohort/ctdna_cn.tsv (with tissue copy number)
    sites     = ch_sites                    // every sample's site counts, sorted (for QC)
    depth     = ch_depth                    // every sample's target depth, sorted
    background = ch_background              // every sample's background errors, sorted
    read_stats = ch_read_stats              // every sample's reads and fragment lengths, sorted
    rejects   = CTDNA_CALL.out.rejects.mix(counted.rejects.flatMap { meta, tables -> tableList(tables) },
                                           previous.filter { it.name.endsWith('.rejects_count.tsv') })
    versions  = counted.versions.mix(CTDNA_CALL.out.versions)
}
