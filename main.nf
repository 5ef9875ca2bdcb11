#!/usr/bin/env nextflow
/*
 * stereosarc-biomarkers: translational biomarkers of the STEREOSARC phase II trial
 * (SBRT +/- atezolizumab in oligometastatic soft-tissue sarcoma; NCT03548428).
 *
 * main.nf only wires: launch checks (help, parameter check, launch summary) -> INITIALISE
 * (pre-flight, samplesheet channels, params.json) -> STEREOSARC -> completion (software
 * versions, run summary). The protocol reads in workflows/stereosarc.nf; every
 * computation is a console script of the Python packages; lib/ holds the launch helpers.
 */

nextflow.enable.dsl = 2

include { INITIALISE } from './subworkflows/local/initialise/main'
include { STEREOSARC } from './workflows/stereosarc'

def schemaFile = new File("${projectDir}/nextflow_schema.json")
if (params.help) {
    log.info StereosarcParams.help(schemaFile, params.help, workflow.manifest.version)
    exit 0
}
def unknownParams = StereosarcParams.unknown(params, StereosarcParams.properties(schemaFile).keySet(), workflow.commandLine)
if (unknownParams) {
    error unknownParams.join('\n')
}
if (!params.input) {
    error "Missing --input: a samplesheet is required (nextflow run . --help; docs/usage.md)"
}

def gitRevision() {
    def run = { String... args -> ['git', '-C', projectDir.toString(), *args].execute().with { it.waitFor() == 0 ? it.text.trim() : null } }
    def commit = run('rev-parse', '--short=12', 'HEAD')
    commit ? commit + (run('status', '--porcelain', '--untracked-files=no') ? ' (uncommitted changes)' : '') : 'unknown (not a git checkout)'
}

def samplesPerType = StereosarcSummary.samplesPerType(file(params.input))
def stageWarnings = StereosarcSummary.skippedStages(params, samplesPerType)
def launchInfo = [version: workflow.manifest.version, revision: workflow.commitId ?: gitRevision(),
                  nextflow: workflow.nextflow.version.toString(), profile: workflow.profile,
                  runName: workflow.runName, launchDir: workflow.launchDir]
def nonDefault = StereosarcParams.nonDefault(params, schemaFile, StereosarcSummary.INPUTS)
log.info StereosarcSummary.launch(launchInfo, params, nonDefault, [])
stageWarnings.each { log.warn it }
def pipelineInfo = file("${params.outdir}/pipeline_info")
pipelineInfo.mkdirs()
pipelineInfo.resolve('params_summary.txt').text = StereosarcSummary.launch(launchInfo, params, nonDefault, stageWarnings) + '\n'

workflow {
    INITIALISE(file(params.input, checkIfExists: true))
    STEREOSARC(INITIALISE.out.samplesheet, INITIALISE.out.tumours, INITIALISE.out.plasma,
               INITIALISE.out.params_json, INITIALISE.out.versions, INITIALISE.out.previous)
}

workflow.onComplete {
    def trace = session.config.navigate('trace.file') as String
    def warnings = stageWarnings.collect { "launch: WARN ${it}".toString() } +
        StereosarcSummary.taskWarnings(trace ? file(trace) : null)
    def summary = StereosarcSummary.completion([success: workflow.success, duration: workflow.duration],
                                               samplesPerType, file(params.outdir), warnings)
    log.info summary
    pipelineInfo.resolve('run_summary.txt').text = summary + '\n'
}

workflow.onError {
    def problems = (workflow.errorReport ?: '').readLines()
        .collect { it.trim() }
        .findAll { it ==~ /^ERROR stereosarc[\w.]*: .*/ }
        .collect { it.replaceFirst(/^ERROR stereosarc[\w.]*: /, '') }
    def refusedBatch = (workflow.errorReport ?: '').readLines().collect { it.trim() }
        .find { it.startsWith('stereosarc-batches: error: ') }
    if (refusedBatch) {
        log.error "stereosarc-biomarkers: pre-flight refused --previous_batches: ${refusedBatch - 'stereosarc-batches: error: '}"
    } else if (problems && workflow.errorReport.contains(':VALIDATE')) {
        log.error "stereosarc-biomarkers: pre-flight refused the run (${problems.size()} problem(s); spreadsheet rows, header = row 1):\n" + problems.collect { "  ${it}" }.join('\n')
    } else {
        log.error "stereosarc-biomarkers stopped: ${workflow.errorMessage?.readLines()?.find { it.trim() } ?: 'see .nextflow.log'}"
    }
}
