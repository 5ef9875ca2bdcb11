#!/usr/bin/env nextflow
/*
 * stereosarc-biomarkers: translational biomarkers of the STEREOSARC phase II trial
 * (SBRT +/- atezolizumab in oligometastatic soft-tissue sarcoma; NCT03548428).
 *
 * main.nf only wires: initialise -> workflow -> completion. The protocol reads in
 * workflows/stereosarc.nf; every computation is a console script of the Python packages.
 */

nextflow.enable.dsl = 2

include { STEREOSARC } from './workflows/stereosarc'

workflow {
    if (!params.input) {
        error "Missing --input: a samplesheet is required (see README.md, 'Inputs')"
    }
    STEREOSARC()
}

workflow.onComplete {
    def status = workflow.success ? 'completed' : 'failed'
    log.info "stereosarc-biomarkers ${status}: results in ${params.outdir} (${workflow.duration})"
}

workflow.onError {
    log.error "stereosarc-biomarkers stopped: ${workflow.errorMessage?.readLines()?.find { it.trim() } ?: 'see .nextflow.log'}"
}
