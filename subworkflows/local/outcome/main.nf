/*
 * Outcome: clinical endpoints (PFS, 6-month PFS, OS, response), the per-patient merge of
 * every biomarker table that exists, and the association statistics (primary endpoint,
 * KM, Cox, landmark, time-varying ctDNA).
 */

include { CLINICAL_ENDPOINTS } from '../../../modules/local/clinical_endpoints/main'
include { MERGE_BIOMARKERS   } from '../../../modules/local/merge_biomarkers/main'
include { ASSOCIATIONS       } from '../../../modules/local/associations/main'

workflow OUTCOME {
    take:
    clinical      // clinical table, after pre-flight
    tmb           // cohort tables, each empty when its stage did not run
    ctdna
    ihc
    labs

    main:
    CLINICAL_ENDPOINTS(clinical)
    MERGE_BIOMARKERS(CLINICAL_ENDPOINTS.out.table, tmb.ifEmpty([]), ctdna.ifEmpty([]), ihc.ifEmpty([]),
                     labs.ifEmpty([]))
    ASSOCIATIONS(MERGE_BIOMARKERS.out.table, ctdna.ifEmpty([]))

    emit:
    biomarkers   = MERGE_BIOMARKERS.out.table   // cohort/biomarkers.tsv
    associations = ASSOCIATIONS.out.table       // cohort/associations.tsv
    km           = ASSOCIATIONS.out.km
    primary      = ASSOCIATIONS.out.primary     // cohort/primary_endpoint.tsv
    irecist      = ASSOCIATIONS.out.irecist     // cohort/irecist.tsv
    multivariable = ASSOCIATIONS.out.multivariable // cohort/multivariable.tsv
    validation   = ASSOCIATIONS.out.validation  // cohort/model_validation.tsv
    missingness  = ASSOCIATIONS.out.missingness // cohort/missingness.tsv
    rejects      = CLINICAL_ENDPOINTS.out.rejects.mix(MERGE_BIOMARKERS.out.rejects)
    versions     = CLINICAL_ENDPOINTS.out.versions.mix(MERGE_BIOMARKERS.out.versions, ASSOCIATIONS.out.versions)
}
