/*
 * ctDNA: fragments counted per plasma sample at its patient's tumour sites (a PoN sample at
 * every tumour's sites, the panel of normals), then one cohort call (detection, tumour
 * fraction, MDM2 copy number, dynamics).
 */

include { CTDNA_COUNT } from '../../../modules/local/ctdna_count/main'
include { CTDNA_CALL  } from '../../../modules/local/ctdna_call/main'

// Per-sample tables of one kind, sorted by name so the cohort call is deterministic.
def sortedTables(ch) {
    ch.map { meta, table -> table }.collect(sort: { a, b -> a.name <=> b.name })
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
    CTDNA_COUNT(ch_counting, targets, fasta, sites)
    ch_sites = sortedTables(CTDNA_COUNT.out.sites)
    ch_depth = sortedTables(CTDNA_COUNT.out.depth)
    ch_background = sortedTables(CTDNA_COUNT.out.background)
    ch_read_stats = sortedTables(CTDNA_COUNT.out.read_stats)
    CTDNA_CALL(samplesheet, ch_sites, ch_depth, ch_background, tissue_cn, clinical)

    emit:
    ctdna     = CTDNA_CALL.out.ctdna        // cohort/ctdna.tsv
    dynamics  = CTDNA_CALL.out.dynamics     // cohort/ctdna_dynamics.tsv
    cn        = CTDNA_CALL.out.cn           // cohort/ctdna_cn.tsv (with tissue copy number)
    sites     = ch_sites                    // every sample's site counts, sorted (for QC)
    depth     = ch_depth                    // every sample's target depth, sorted
    background = ch_background              // every sample's background errors, sorted
    read_stats = ch_read_stats              // every sample's reads and fragment lengths, sorted
    rejects   = CTDNA_CALL.out.rejects.mix(CTDNA_COUNT.out.rejects.map { meta, table -> table })
    versions  = CTDNA_COUNT.out.versions.mix(CTDNA_CALL.out.versions)
}
