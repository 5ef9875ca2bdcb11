/*
 * ctDNA: fragments counted per plasma sample at its patient's tumour sites (a PoN sample at
 * every tumour's sites, the panel of normals), then one cohort call (detection, tumour
 * fraction, MDM2 copy number, dynamics). Low-pass WGS rows (assay lowpass_wgs) go instead
 * through CTDNA_BIN (fragments per genomic bin, one task per BAM) and one CTDNA_LOWPASS task
 * (copy-number tumour fraction against the low-pass PoN), whose sample table the call reads.
 */

include { CTDNA_COUNT       } from '../../../modules/local/ctdna_count/main'
include { CTDNA_COUNT_GROUP } from '../../../modules/local/ctdna_count_group/main'
include { CTDNA_CALL        } from '../../../modules/local/ctdna_call/main'
include { CTDNA_BIN         } from '../../../modules/local/ctdna_bin/main'
include { CTDNA_LOWPASS     } from '../../../modules/local/ctdna_lowpass/main'
include { optionalFile; fastaIndex } from '../initialise/main'

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

// Low-pass bins of one sample type (plasma or pon), sorted by file name
def lowpassBins(bins, String type) {
    bins.filter { meta, table -> meta.type == type }.map { meta, table -> table }
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
    plasma        // [meta, bam, bam_index] of plasma and pon rows (meta.assay: lowpass_wgs rows)
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
        .filter { meta, bam, index -> meta.assay != 'lowpass_wgs' }  // capture rows only
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
    ch_lowpass = [samples: Channel.empty(), ratios: Channel.empty(), segments: Channel.empty()]
    ch_lowpass_versions = Channel.empty()
    if (params.lowpass_fasta) {  // pre-flight refuses low-pass rows without it
        CTDNA_BIN(plasma.filter { meta, bam, index -> meta.assay == 'lowpass_wgs' },
                  optionalFile(params.lowpass_fasta), fastaIndex(params.lowpass_fasta),
                  optionalFile(params.lowpass_map_wig))
        // runs when the run has low-pass plasma; the PoN is [] when it has no low-pass pon rows
        CTDNA_LOWPASS(samplesheet,
                      lowpassBins(CTDNA_BIN.out.bins, 'plasma').collect(sort: { a, b -> a.name <=> b.name }),
                      lowpassBins(CTDNA_BIN.out.bins, 'pon').toSortedList { a, b -> a.name <=> b.name })
        ch_lowpass = [samples: CTDNA_LOWPASS.out.samples, ratios: CTDNA_LOWPASS.out.ratios,
                      segments: CTDNA_LOWPASS.out.segments]
        ch_lowpass_versions = CTDNA_BIN.out.versions.mix(CTDNA_LOWPASS.out.versions)
    }
    CTDNA_CALL(samplesheet, ch_sites, ch_depth, ch_background, tissue_cn, clinical,
               ch_lowpass.samples.ifEmpty([]))

    emit:
    ctdna     = CTDNA_CALL.out.ctdna        // cohort/ctdna.tsv
    dynamics  = CTDNA_CALL.out.dynamics     // cohort/ctdna_dynamics.tsv
    cn        = CTDNA_CALL.out.cn           // cohort/ctdna_cn.tsv (with tissue copy number)
    sites     = ch_sites                    // every sample's site counts, sorted (for QC)
    depth     = ch_depth                    // every sample's target depth, sorted
    background = ch_background              // every sample's background errors, sorted
    read_stats = ch_read_stats              // every sample's reads and fragment lengths, sorted
    lowpass_samples  = ch_lowpass.samples   // ctdna/lowpass_samples.tsv (empty without low-pass plasma)
    lowpass_ratios   = ch_lowpass.ratios    // ctdna/lowpass_ratios.tsv
    lowpass_segments = ch_lowpass.segments  // ctdna/lowpass_segments.tsv
    rejects   = CTDNA_CALL.out.rejects.mix(counted.rejects.flatMap { meta, tables -> tableList(tables) },
                                           previous.filter { it.name.endsWith('.rejects_count.tsv') })
    versions  = counted.versions.mix(CTDNA_CALL.out.versions, ch_lowpass_versions)
}
