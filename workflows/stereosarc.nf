/*
 * The protocol, in order: pre-flight validation; TMB per tumour sample; ctDNA per plasma
 * sample (with the panel of normals), then cohort calling; IHC, blood and clinical endpoints;
 * the per-patient merge; association statistics; the HTML report.
 * Stages whose inputs are absent are skipped; main.nf warns at launch when rows of a skipped
 * stage exist (lib/StereosarcSummary.groovy, skippedStages).
 */

include { VALIDATE                  } from '../modules/local/validate/main'
include { TMB                       } from '../modules/local/tmb/main'
include { COLLECT_TABLE as COLLECT_TMB } from '../modules/local/collect_table/main'
include { CTDNA_COUNT               } from '../modules/local/ctdna_count/main'
include { CTDNA_CALL                } from '../modules/local/ctdna_call/main'
include { IHC_MARKERS               } from '../modules/local/ihc_markers/main'
include { LABS_MARKERS              } from '../modules/local/labs_markers/main'
include { CLINICAL_ENDPOINTS        } from '../modules/local/clinical_endpoints/main'
include { MERGE_BIOMARKERS          } from '../modules/local/merge_biomarkers/main'
include { COLLECT_REJECTS           } from '../modules/local/collect_rejects/main'
include { ASSOCIATIONS              } from '../modules/local/associations/main'
include { REPORT                    } from '../modules/local/report/main'

def optionalFile(value) {
    value ? file(value, checkIfExists: true) : []
}

def paramsJson() {
    def plain = params.collectEntries { key, value -> [key, value instanceof Path ? value.toString() : value] }
    groovy.json.JsonOutput.toJson(new TreeMap(plain))
}

def workflowVersions() {
    "\"Workflow\":\n  nextflow: ${workflow.nextflow.version.toString()}\n  stereosarc-biomarkers: ${workflow.manifest.version}\n".toString()
}

// Every existing file a samplesheet row names (vcf, bam and their indexes), relative paths
// resolved against the samplesheet's folder. Anything unreadable is left to pre-flight.
def samplesheetFiles(samplesheet) {
    def separator = samplesheet.name.toLowerCase().endsWith('.csv') ? ',' : '\t'
    def lines = samplesheet.readLines().findAll { it.trim() }
    if (lines.size() < 2) {
        return []
    }
    def header = lines[0].split(separator, -1)*.trim()
    def columns = ['vcf', 'bam'].collect { header.indexOf(it) }.findAll { it >= 0 }
    def names = lines.drop(1).collectMany { line ->
        def fields = line.split(separator, -1)*.trim()
        columns.findAll { it < fields.size() && fields[it] }.collect { fields[it] }
    }
    def suffixes = ['', '.bai', '.csi', '.crai', '.tbi']
    names.collectMany { name ->
        def base = samplesheet.parent.resolve(name).toString()
        suffixes.collect { java.nio.file.Paths.get(base + it) } +
            [java.nio.file.Paths.get(base.replaceAll(/\.(bam|cram)$/, '.bai'))]
    }.findAll { java.nio.file.Files.isRegularFile(it) }.unique().sort { it.toString() }
}

def sampleMeta(row) {
    [id: row.sample, patient: row.patient ?: null, type: row.type, timepoint: row.timepoint ?: null]
}

// Table options passed to pre-flight, staged under tables/ so a changed table re-validates.
def validationInputs() {
    def options = [clinical: params.clinical, ihc: params.ihc, qupath: params.qupath, labs: params.labs,
                   'tissue-cn': params.tissue_cn, 'panel-bed': params.panel_bed,
                   'ctdna-targets': params.ctdna_targets, 'ctdna-sites': params.ctdna_sites, fasta: params.fasta]
        .findAll { name, value -> value }
    def files = options.collect { name, value -> file(value, checkIfExists: true) }
    def args = options.collect { name, value -> "--${name} tables/${file(value).name}" }.join(' ')
    [files, args]
}

workflow STEREOSARC {
    main:
    def params_json = paramsJson()
    def (table_files, table_args) = validationInputs()
    ch_versions = Channel.empty()
    ch_rejects  = Channel.empty()

    // Pre-flight: refuses the run before any other task with file, row and column. The files
    // the samplesheet names are inputs too, so that they are re-validated when they change
    // and are visible inside containers.
    def samplesheet = file(params.input, checkIfExists: true)
    def schemas = [file("${projectDir}/nextflow_schema.json"), file("${projectDir}/assets/schema_input.json")]
    VALIDATE(samplesheet, table_files, table_args, schemas, samplesheetFiles(samplesheet), params_json)
    ch_versions = ch_versions.mix(VALIDATE.out.versions)
    // Rows their stage will reject (impossible values), shown as soon as pre-flight passes
    VALIDATE.out.warnings.splitText().subscribe { line -> log.warn "pre-flight: ${line.trim()}" }
    ch_rows = VALIDATE.out.samplesheet.splitCsv(header: true)
    // Every table-level stage waits for pre-flight, so a refused run starts no other task.
    def afterValidation = { path -> VALIDATE.out.samplesheet.map { file(path) } }

    // TMB per tumour sample
    ch_tmb = Channel.empty()
    if (params.panel_bed) {
        // The numerator counts coding alleles: the denominator must be coding territory.
        if (!params.tmb_coding_bed && !params.tmb_panel_is_coding) {
            error "TMB needs a coding territory: give --tmb_coding_bed CDS.bed (denominator = panel ∩ coding) or --tmb_panel_is_coding true if --panel_bed holds coding targets only"
        }
        ch_tumour = ch_rows
            .filter { row -> row.type == 'tumour' }
            .map { row -> [sampleMeta(row), file(row.vcf), optionalFile(row.bam), optionalFile(row.bam_index)] }
        TMB(ch_tumour, file(params.panel_bed), optionalFile(params.tmb_coding_bed))
        COLLECT_TMB('tmb', TMB.out.summary.map { meta, table -> table }.collect(sort: { a, b -> a.name <=> b.name }))
        ch_tmb = COLLECT_TMB.out.table
        ch_versions = ch_versions.mix(TMB.out.versions, COLLECT_TMB.out.versions)
    }

    // ctDNA per plasma sample (tumour-informed sites), panel of normals over every tumour's sites
    ch_ctdna = Channel.empty()
    ch_ctdna_detail = Channel.empty()
    if (params.ctdna_targets) {
        ch_vcf_by_patient = ch_rows
            .filter { row -> row.type == 'tumour' }
            .map { row -> [row.patient, row.sample, file(row.vcf)] }
            .toSortedList { a, b -> a[1] <=> b[1] }
            .map { entries -> [entries.groupBy { it[0] }, entries] }
        ch_plasma = ch_rows
            .filter { row -> row.type in ['plasma', 'pon'] }
            .map { row -> [sampleMeta(row), file(row.bam), file(row.bam_index)] }
            .combine(ch_vcf_by_patient)
            .map { meta, bam, index, by_patient, all_entries ->
                def entries = meta.type == 'pon' ? all_entries : (by_patient[meta.patient] ?: [])
                [meta, bam, index, entries.collect { it[1] }, entries.collect { it[2] }]
            }
        CTDNA_COUNT(ch_plasma, file(params.ctdna_targets), optionalFile(params.fasta), optionalFile(params.ctdna_sites))
        CTDNA_CALL(
            VALIDATE.out.samplesheet,
            CTDNA_COUNT.out.sites.map { meta, table -> table }.collect(sort: { a, b -> a.name <=> b.name }),
            CTDNA_COUNT.out.depth.map { meta, table -> table }.collect(sort: { a, b -> a.name <=> b.name }),
            CTDNA_COUNT.out.background.map { meta, table -> table }.collect(sort: { a, b -> a.name <=> b.name }),
            optionalFile(params.tissue_cn),
            optionalFile(params.clinical)
        )
        ch_ctdna = CTDNA_CALL.out.ctdna
        ch_ctdna_detail = CTDNA_CALL.out.dynamics.mix(CTDNA_CALL.out.cn)
        ch_rejects = ch_rejects.mix(CTDNA_CALL.out.rejects, CTDNA_COUNT.out.rejects.map { meta, table -> table })
        ch_versions = ch_versions.mix(CTDNA_COUNT.out.versions.first(), CTDNA_CALL.out.versions)
    }

    // Tissue immunology, blood and clinical endpoints
    // (long table, QuPath exports, or both; either alone is a normal IHC batch)
    ch_ihc = Channel.empty()
    if (params.ihc || params.qupath) {
        def qupath_dir = params.qupath ? file(params.qupath, checkIfExists: true).parent : []
        def manifest = params.qupath ? file(params.qupath).name : ''
        def ihc_table = params.ihc ? afterValidation(params.ihc) : VALIDATE.out.samplesheet.map { [] }
        IHC_MARKERS(ihc_table, qupath_dir, manifest, optionalFile(params.clinical))
        ch_ihc = IHC_MARKERS.out.table
        ch_rejects = ch_rejects.mix(IHC_MARKERS.out.rejects)
        ch_versions = ch_versions.mix(IHC_MARKERS.out.versions)
    }

    ch_biomarkers = Channel.empty()
    ch_associations = Channel.empty()
    ch_km = Channel.empty()
    ch_primary = Channel.empty()
    if (params.clinical) {
        def clinical = file(params.clinical)
        ch_labs = Channel.empty()
        if (params.labs) {
            LABS_MARKERS(afterValidation(params.labs), clinical)
            ch_labs = LABS_MARKERS.out.table
            ch_rejects = ch_rejects.mix(LABS_MARKERS.out.rejects)
            ch_versions = ch_versions.mix(LABS_MARKERS.out.versions)
        }
        CLINICAL_ENDPOINTS(afterValidation(params.clinical))
        MERGE_BIOMARKERS(
            CLINICAL_ENDPOINTS.out.table,
            ch_tmb.ifEmpty([]),
            ch_ctdna.ifEmpty([]),
            ch_ihc.ifEmpty([]),
            ch_labs.ifEmpty([])
        )
        ASSOCIATIONS(MERGE_BIOMARKERS.out.table, ch_ctdna.ifEmpty([]))
        ch_biomarkers = MERGE_BIOMARKERS.out.table
        ch_associations = ASSOCIATIONS.out.table
        ch_km = ASSOCIATIONS.out.km
        ch_primary = ASSOCIATIONS.out.primary
        ch_rejects = ch_rejects.mix(CLINICAL_ENDPOINTS.out.rejects, MERGE_BIOMARKERS.out.rejects)
        ch_versions = ch_versions.mix(CLINICAL_ENDPOINTS.out.versions, MERGE_BIOMARKERS.out.versions,
                                      ASSOCIATIONS.out.versions)
    }

    // Gated on pre-flight: a refused run collects no rejects (and starts no other task).
    ch_rejects_tables = VALIDATE.out.samplesheet
        .combine(ch_rejects.toSortedList { a, b -> a.name <=> b.name }.map { [it] })
        .map { sheet, tables -> tables }
    COLLECT_REJECTS(ch_rejects_tables)
    ch_versions = ch_versions.mix(COLLECT_REJECTS.out.versions)

    // Report over whatever tables exist; it needs the per-patient table, so a batch without
    // --clinical (ctDNA-only, TMB-only) has no report and says so.
    if (params.clinical) {
        ch_report_tables = ch_biomarkers.map { ['biomarkers', it] }
            .mix(ch_associations.map { ['associations', it] }, ch_km.map { ['km', it] },
                 ch_primary.map { ['primary', it] },
                 ch_ctdna.map { ['ctdna', it] }, ch_ctdna_detail.map { [it.baseName.replace('ctdna_', ''), it] },
                 COLLECT_REJECTS.out.table.map { ['rejects', it] })
            .toSortedList { a, b -> a[0] <=> b[0] }
        REPORT(
            ch_report_tables.map { pairs -> pairs.collect { it[1] } },
            ch_report_tables.map { pairs -> pairs.collect { name, table -> "--${name} tables/${table.name}" }.join(' ') },
            params_json
        )
        ch_versions = ch_versions.mix(REPORT.out.versions)
    }

    // pipeline_info: software versions (one entry per process) and parameters
    ch_versions
        .map { it.text }
        .unique()
        .mix(Channel.of(workflowVersions()))
        .collectFile(name: 'software_versions.yml', storeDir: "${params.outdir}/pipeline_info", sort: true)
    Channel.of(groovy.json.JsonOutput.prettyPrint(params_json))
        .collectFile(name: 'params.json', storeDir: "${params.outdir}/pipeline_info")
}
