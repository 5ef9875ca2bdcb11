/*
 * Pre-flight and the channels every stage reads. The run's parameters are written once
 * (pipeline_info/params.json, collectFile) and passed on as a file; VALIDATE refuses bad
 * parameters, samplesheet or tables before any other task; the validated samplesheet gives
 * the tumour and plasma rows. Every stage waits for `samplesheet`, so a refused run starts
 * no other task.
 */

include { VALIDATE         } from '../../../modules/local/validate/main'
include { PREVIOUS_BATCHES } from '../../../modules/local/previous_batches/main'

// An optional input file: the file (checked to exist), or [] (the nf-core idiom for "none").
def optionalFile(value) {
    value ? file(value, checkIfExists: true) : []
}

// The run's parameters as JSON, keys sorted (pre-flight checks them; the report cites them).
def paramsJson() {
    def plain = params.collectEntries { key, value -> [key, value instanceof Path ? value.toString() : value] }
    groovy.json.JsonOutput.prettyPrint(groovy.json.JsonOutput.toJson(new TreeMap(plain)))
}

// Every existing file a samplesheet row names (vcf, bam and their indexes), relative paths
// resolved against the samplesheet's folder, staged into VALIDATE so that a changed file is
// re-validated and is visible inside containers. Anything unreadable is left to pre-flight.
def samplesheetFiles(samplesheet) {
    def suffixes = ['', '.bai', '.csi', '.crai', '.tbi']
    StereosarcSummary.rows(samplesheet)
        .collectMany { row -> [row.vcf, row.bam].findAll() }
        .collectMany { name ->
            def base = samplesheet.parent.resolve(name).toString()
            suffixes.collect { java.nio.file.Paths.get(base + it) } +
                [java.nio.file.Paths.get(base.replaceAll(/\.(bam|cram)$/, '.bai'))]
        }.findAll { java.nio.file.Files.isRegularFile(it) }.unique().sort { it.toString() }
}

// --previous_batches as a list of folders (comma-separated; never this run's --outdir)
def previousBatches() {
    def names = params.previous_batches ? params.previous_batches.toString().tokenize(',')*.trim().findAll() : []
    def outdir = file(params.outdir).toAbsolutePath().normalize()
    def same = names.find { file(it).toAbsolutePath().normalize() == outdir }
    if (same) {
        error "--previous_batches ${same} is this run's --outdir: give each batch its own --outdir"
    }
    names
}


// A FASTA's .fai beside it, or [] (the low-pass FASTA: contig lengths, GC per bin)
def fastaIndex(value) {
    value && file("${value}.fai").exists() ? file("${value}.fai") : []
}

// meta of a sample row; `assay` only on low-pass rows, so capture tasks keep their meta (and
// their -resume hashes) from before the column existed
def sampleMeta(row) {
    def meta = [id: row.sample, patient: row.patient ?: null, type: row.type, timepoint: row.timepoint ?: null]
    row.assay == 'lowpass_wgs' ? meta + [assay: row.assay] : meta
}

workflow INITIALISE {
    take:
    samplesheet   // path: the samplesheet as given (--input)

    main:
    ch_params_json = Channel.of(paramsJson())
        .collectFile(name: 'params.json', storeDir: "${params.outdir}/pipeline_info")
        .first()
    def schemas = [file("${projectDir}/nextflow_schema.json"), file("${projectDir}/assets/schema_input.json")]
    VALIDATE(samplesheet, ch_params_json, schemas, optionalFile(params.clinical), optionalFile(params.ihc),
             optionalFile(params.qupath), optionalFile(params.labs), optionalFile(params.tissue_cn),
             optionalFile(params.panel_bed), optionalFile(params.ctdna_targets), optionalFile(params.ctdna_sites),
             optionalFile(params.fasta), optionalFile(params.lowpass_fasta), fastaIndex(params.lowpass_fasta),
             samplesheetFiles(samplesheet))
    // Rows their stage will reject (impossible values), shown as soon as pre-flight passes
    VALIDATE.out.warnings.splitText().subscribe { line -> log.warn "pre-flight: ${line.trim()}" }

    // --previous_batches: earlier runs' per-sample results checked (pre-flight) and handed on;
    // the cohort samplesheet (every batch's rows) then gates every stage
    ch_cohort = VALIDATE.out.samplesheet
    ch_previous = Channel.empty()
    ch_versions = VALIDATE.out.versions
    def batch_names = previousBatches()
    if (batch_names) {
        PREVIOUS_BATCHES(VALIDATE.out.samplesheet, ch_params_json, batch_names,
                         batch_names.collect { file(it, checkIfExists: true, type: 'dir') },
                         optionalFile(params.panel_bed), optionalFile(params.tmb_coding_bed),
                         optionalFile(params.ctdna_targets), optionalFile(params.ctdna_sites),
                         optionalFile(params.fasta))
        ch_cohort = PREVIOUS_BATCHES.out.samplesheet
        ch_previous = PREVIOUS_BATCHES.out.tmb.mix(PREVIOUS_BATCHES.out.counts, PREVIOUS_BATCHES.out.tumour_sites)
            .flatten()
        ch_versions = ch_versions.mix(PREVIOUS_BATCHES.out.versions)
    }

    ch_rows = VALIDATE.out.samplesheet.combine(ch_cohort).map { sheet, cohort -> sheet }.splitCsv(header: true)
    ch_tumours = ch_rows
        .filter { row -> row.type == 'tumour' }
        .map { row -> [sampleMeta(row), file(row.vcf), optionalFile(row.bam), optionalFile(row.bam_index)] }
    ch_plasma = ch_rows
        .filter { row -> row.type in ['plasma', 'pon'] }
        .map { row -> [sampleMeta(row), file(row.bam), file(row.bam_index)] }

    emit:
    samplesheet = ch_cohort                  // the validated (cohort) samplesheet: the pre-flight gate
    tumours     = ch_tumours                 // [meta, vcf, bam or [], bam_index or []] of this run
    plasma      = ch_plasma                  // [meta, bam, bam_index] of this run's plasma and pon rows (meta.assay: lowpass_wgs rows)
    params_json = ch_params_json             // pipeline_info/params.json
    previous    = ch_previous                // earlier batches' reused per-sample files (flat)
    versions    = ch_versions
}
