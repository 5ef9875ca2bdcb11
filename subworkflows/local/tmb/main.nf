/*
 * Tumour mutational burden per tumour sample (TMB), gathered into cohort/tmb.tsv.
 * The numerator counts coding alleles, so the denominator must be coding territory:
 * --tmb_coding_bed (panel ∩ coding), or --tmb_panel_is_coding true (coding_bed = []).
 */

include { TMB                           } from '../../../modules/local/tmb/main'
include { COLLECT_TABLE as COLLECT_TMB  } from '../../../modules/local/collect_table/main'

workflow TUMOUR_MUTATIONAL_BURDEN {
    take:
    tumours      // [meta, vcf, bam or [], bam_index or []]
    panel_bed    // path
    coding_bed   // path, or [] when the panel is coding-only
    previous     // earlier batches' per-sample summaries (--previous_batches), or empty

    main:
    if (!params.tmb_coding_bed && !params.tmb_panel_is_coding) {
        error "TMB needs a coding territory: give --tmb_coding_bed CDS.bed (denominator = panel ∩ coding) or --tmb_panel_is_coding true if --panel_bed holds coding targets only"
    }
    TMB(tumours, panel_bed, coding_bed)
    COLLECT_TMB('tmb', TMB.out.summary.map { meta, table -> table }.mix(previous)
                           .collect(sort: { a, b -> a.name <=> b.name }))

    emit:
    table    = COLLECT_TMB.out.table     // cohort/tmb.tsv
    versions = TMB.out.versions.mix(COLLECT_TMB.out.versions)
}
