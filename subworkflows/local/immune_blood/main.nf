/*
 * Tissue immunology (IHC long table, QuPath exports, or both; either alone is a normal IHC
 * batch) and baseline blood markers (labs, which need the clinical start_date).
 * Which tables run follows the parameters; the tables arrive once pre-flight passed.
 */

include { IHC_MARKERS  } from '../../../modules/local/ihc_markers/main'
include { LABS_MARKERS } from '../../../modules/local/labs_markers/main'

workflow IMMUNE_BLOOD {
    take:
    ihc           // IHC long table or [], after pre-flight
    qupath        // QuPath manifest (its folder holds the exports) or []
    labs          // blood values or [], after pre-flight
    clinical      // clinical table or []: IHC rows of other patients rejected; labs need it

    main:
    ch_ihc = Channel.empty()
    ch_labs = Channel.empty()
    ch_rejects = Channel.empty()
    ch_versions = Channel.empty()
    if (params.ihc || params.qupath) {
        IHC_MARKERS(ihc, qupath.map { it ? it.parent : [] }, qupath.map { it ? it.name : '' }, clinical)
        ch_ihc = IHC_MARKERS.out.table
        ch_rejects = ch_rejects.mix(IHC_MARKERS.out.rejects)
        ch_versions = ch_versions.mix(IHC_MARKERS.out.versions)
    }
    if (params.labs && params.clinical) {
        LABS_MARKERS(labs, clinical)
        ch_labs = LABS_MARKERS.out.table
        ch_rejects = ch_rejects.mix(LABS_MARKERS.out.rejects)
        ch_versions = ch_versions.mix(LABS_MARKERS.out.versions)
    }

    emit:
    ihc      = ch_ihc     // markers/ihc_patient.tsv
    labs     = ch_labs    // markers/labs_patient.tsv
    rejects  = ch_rejects
    versions = ch_versions
}
