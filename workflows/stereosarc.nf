/*
 * The protocol, in order, after pre-flight (subworkflows/local/initialise): TMB per tumour
 * sample; ctDNA per plasma sample (with the panel of normals), then cohort calling; IHC and
 * blood; clinical endpoints, the per-patient merge and association statistics; every stage's
 * rejects; the HTML report (every run, with the sections its tables allow). Stages whose
 * inputs are absent are skipped; main.nf warns at launch when rows of a skipped stage exist
 * (lib/StereosarcSummary.groovy, skippedStages).
 */

include { optionalFile                } from '../subworkflows/local/initialise/main'
include { TUMOUR_MUTATIONAL_BURDEN    } from '../subworkflows/local/tmb/main'
include { CIRCULATING_TUMOUR_DNA      } from '../subworkflows/local/ctdna/main'
include { IMMUNE_BLOOD                } from '../subworkflows/local/immune_blood/main'
include { OUTCOME                     } from '../subworkflows/local/outcome/main'
include { COLLECT_REJECTS             } from '../modules/local/collect_rejects/main'
include { REPORT                      } from '../modules/local/report/main'
include { QC_TABLES                   } from '../modules/local/qc_tables/main'
include { MULTIQC                     } from '../modules/local/multiqc/main'

// A table read only once pre-flight passed: emitted when the validated samplesheet exists.
def afterPreflight(samplesheet, table) {
    samplesheet.map { table }
}

workflow STEREOSARC {
    take:
    samplesheet   // the validated samplesheet: every stage waits for pre-flight
    tumours       // [meta, vcf, bam or [], bam_index or []]
    plasma        // [meta, bam, bam_index]
    params_json   // pipeline_info/params.json
    init_versions // versions.yml of the initialisation tasks
    previous      // --previous_batches: earlier per-sample results and tumour site tables

    main:
    def clinical = optionalFile(params.clinical)
    ch_versions = Channel.empty()
    ch_rejects  = Channel.empty()

    ch_tmb = Channel.empty()
    if (params.panel_bed) {
        TUMOUR_MUTATIONAL_BURDEN(tumours, optionalFile(params.panel_bed), optionalFile(params.tmb_coding_bed),
                                 previous.filter { it.name.endsWith('.tmb.tsv') })
        ch_tmb = TUMOUR_MUTATIONAL_BURDEN.out.table
        ch_versions = ch_versions.mix(TUMOUR_MUTATIONAL_BURDEN.out.versions)
    }

    ch_ctdna = Channel.empty()
    ch_dynamics = Channel.empty()
    ch_cn = Channel.empty()
    ch_lowpass = [samples: Channel.empty(), ratios: Channel.empty(), segments: Channel.empty()]
    ch_count_tables = [sites: Channel.empty(), depth: Channel.empty(), background: Channel.empty(),
                       read_stats: Channel.empty()]
    if (params.ctdna_targets) {
        CIRCULATING_TUMOUR_DNA(samplesheet, tumours.mix(earlierTumours(samplesheet, previous)), plasma,
                               optionalFile(params.ctdna_targets),
                               optionalFile(params.fasta), optionalFile(params.ctdna_sites),
                               optionalFile(params.tissue_cn), clinical,
                               previous.filter { !it.name.endsWith('.tmb.tsv') && !it.name.endsWith('.tumour_sites.tsv') })
        ch_ctdna = CIRCULATING_TUMOUR_DNA.out.ctdna
        ch_dynamics = CIRCULATING_TUMOUR_DNA.out.dynamics
        ch_cn = CIRCULATING_TUMOUR_DNA.out.cn
        ch_lowpass = [samples: CIRCULATING_TUMOUR_DNA.out.lowpass_samples,
                      ratios: CIRCULATING_TUMOUR_DNA.out.lowpass_ratios,
                      segments: CIRCULATING_TUMOUR_DNA.out.lowpass_segments]
        ch_count_tables = [sites: CIRCULATING_TUMOUR_DNA.out.sites, depth: CIRCULATING_TUMOUR_DNA.out.depth,
                           background: CIRCULATING_TUMOUR_DNA.out.background,
                           read_stats: CIRCULATING_TUMOUR_DNA.out.read_stats]
        ch_rejects = ch_rejects.mix(CIRCULATING_TUMOUR_DNA.out.rejects)
        ch_versions = ch_versions.mix(CIRCULATING_TUMOUR_DNA.out.versions)
    }

    IMMUNE_BLOOD(afterPreflight(samplesheet, optionalFile(params.ihc)), Channel.value(optionalFile(params.qupath)),
                 afterPreflight(samplesheet, optionalFile(params.labs)), clinical)
    ch_rejects = ch_rejects.mix(IMMUNE_BLOOD.out.rejects)
    ch_versions = ch_versions.mix(IMMUNE_BLOOD.out.versions)

    // Outcome tables for the report: [] each when the run has no clinical table
    def outcome_tables = ['biomarkers', 'associations', 'km', 'primary', 'irecist', 'multivariable', 'validation']
    ch_outcome = outcome_tables.collectEntries { [(it): Channel.value([])] }
    if (params.clinical) {
        OUTCOME(afterPreflight(samplesheet, clinical), ch_tmb, ch_ctdna, IMMUNE_BLOOD.out.ihc, IMMUNE_BLOOD.out.labs)
        ch_rejects = ch_rejects.mix(OUTCOME.out.rejects)
        ch_versions = ch_versions.mix(OUTCOME.out.versions)
        ch_outcome = [biomarkers: OUTCOME.out.biomarkers, associations: OUTCOME.out.associations,
                      km: OUTCOME.out.km, primary: OUTCOME.out.primary, irecist: OUTCOME.out.irecist,
                      multivariable: OUTCOME.out.multivariable, validation: OUTCOME.out.validation]
    }

    // Gated on pre-flight: a refused run collects no rejects (and starts no other task).
    COLLECT_REJECTS(samplesheet.combine(ch_rejects.toSortedList { a, b -> a.name <=> b.name }.map { [it] })
                               .map { sheet, tables -> tables })
    ch_versions = ch_versions.mix(COLLECT_REJECTS.out.versions)

    // QC view (runs with a sequencing stage): per-sample QC tables, then MultiQC over them
    // and the run's software versions
    def qc_view = params.panel_bed || params.ctdna_targets
    ch_qc_tables = Channel.empty()
    if (qc_view) {
        QC_TABLES(samplesheet, ch_tmb.ifEmpty([]), ch_ctdna.ifEmpty([]), ch_count_tables.sites.ifEmpty([]),
                  ch_count_tables.depth.ifEmpty([]), ch_count_tables.background.ifEmpty([]),
                  ch_count_tables.read_stats.ifEmpty([]))
        ch_versions = ch_versions.mix(QC_TABLES.out.versions)
        ch_qc_tables = QC_TABLES.out.tmb.mix(QC_TABLES.out.ctdna)
    }

    // Every run has a report (header, QC, ctDNA, TMB; the clinical sections when --clinical)
    REPORT(ch_outcome.biomarkers, ch_outcome.associations, ch_outcome.km, ch_outcome.primary,
           ch_outcome.irecist, ch_outcome.multivariable, ch_outcome.validation,
           ch_ctdna.ifEmpty([]), ch_dynamics.ifEmpty([]), ch_cn.ifEmpty([]), ch_tmb.ifEmpty([]),
           qc_view ? QC_TABLES.out.tmb.ifEmpty([]) : Channel.value([]),
           qc_view ? QC_TABLES.out.ctdna.ifEmpty([]) : Channel.value([]),
           ch_lowpass.ratios.ifEmpty([]), ch_lowpass.segments.ifEmpty([]), ch_lowpass.samples.ifEmpty([]),
           COLLECT_REJECTS.out.table, params_json,
           file("${projectDir}/nextflow_schema.json", checkIfExists: true), reportRevision())
    ch_versions = ch_versions.mix(REPORT.out.versions)

    // pipeline_info/software_versions.yml: one entry per process (its first task's: the tasks
    // of a process share one environment), sorted; MultiQC, which reads it, is the last task
    ch_versions_yml = init_versions.mix(ch_versions)
        .map { it.text }
        .unique { it.readLines()[0] }
        .mix(Channel.of(workflowVersions()))
        .collectFile(name: 'software_versions.yml', storeDir: "${params.outdir}/pipeline_info", sort: true)
    if (qc_view) {
        MULTIQC(ch_qc_tables.collect().ifEmpty([]), ch_versions_yml,
                file("${projectDir}/assets/multiqc_config.yml", checkIfExists: true))
    }

    emit:
    versions = ch_versions
}

// Tumours of earlier batches, for ctDNA counting: [meta, their site table, [], []] (the site
// table stands in for the VCF; ctdna.io.read_tumour_sites), patient from the cohort samplesheet
def earlierTumours(samplesheet, previous) {
    def patients = samplesheet.splitCsv(header: true)
        .filter { row -> row.type == 'tumour' }
        .map { row -> [row.sample, row.patient] }
    previous.filter { it.name.endsWith('.tumour_sites.tsv') }
        .map { table -> [table.name - '.tumour_sites.tsv', table] }
        .join(patients)
        .map { id, table, patient -> [[id: id, patient: patient, type: 'tumour', timepoint: null], table, [], []] }
}

// The git revision in the report header: Nextflow's for a pulled pipeline, else the checkout's
def reportRevision() {
    if (workflow.commitId) { return workflow.commitId }
    def git = ['git', '-C', projectDir.toString(), 'rev-parse', '--short=12', 'HEAD'].execute()
    git.waitFor() == 0 ? git.text.trim() : ''
}

def workflowVersions() {
    "\"Workflow\":\n  nextflow: ${workflow.nextflow.version.toString()}\n  stereosarc-biomarkers: ${workflow.manifest.version}\n".toString()
}
