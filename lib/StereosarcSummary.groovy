/*
 * What the analyst sees at both ends of a run: the launch summary (non-default parameters,
 * inputs, profile, version, git revision, skipped stages) and the run summary at completion
 * (samples per stage, ctDNA detections, rejects by stage and by severity and code, warnings
 * raised by tasks). Both are printed and written under pipeline_info/ (docs/output.md).
 */

import java.nio.file.Files
import java.nio.file.Path

class StereosarcSummary {

    static final List<String> INPUTS = ['input', 'clinical', 'ihc', 'qupath', 'labs', 'panel_bed',
                                        'ctdna_targets', 'ctdna_sites', 'tissue_cn', 'fasta', 'outdir']
    static final String WARNING_PREFIX = 'WARNING'  // stereosarc.clikit log format: "LEVEL name: message"
    static final List<String> SEVERITIES = ['error', 'excluded_by_rule', 'info']  // stereosarc.reject_codes.SEVERITIES

    /** Rows of a CSV/TSV table as maps (no quoting: samplesheets and outputs have none). */
    static List<Map> rows(Path table) {
        if (table == null || !Files.isRegularFile(table)) {
            return []
        }
        def separator = table.fileName.toString().toLowerCase().endsWith('.csv') ? ',' : '\t'
        def lines = table.readLines().findAll { it.trim() }
        if (!lines) {
            return []
        }
        def header = lines[0].split(separator, -1)*.trim()
        lines.drop(1).collect { line ->
            def fields = line.split(separator, -1)*.trim()
            [header, fields + [''] * Math.max(0, header.size() - fields.size())].transpose().collectEntries()
        }
    }

    /** Samplesheet rows per type (tumour, plasma, pon). */
    static Map<String, Integer> samplesPerType(Path samplesheet) {
        rows(samplesheet).countBy { it.type ?: 'unknown' }
    }

    /** An explicit warning for every stage whose rows exist but whose required input is missing. */
    static List<String> skippedStages(Map params, Map<String, Integer> perType) {
        def warnings = []
        int tumour = perType.tumour ?: 0, plasma = perType.plasma ?: 0, pon = perType.pon ?: 0
        if (tumour && !params.panel_bed) {
            warnings << "TMB skipped: ${tumour} tumour row(s) with VCFs but no --panel_bed (give --panel_bed PANEL.bed to compute TMB)"
        }
        if ((plasma || pon) && !params.ctdna_targets) {
            warnings << "ctDNA skipped: ${plasma} plasma and ${pon} pon row(s) but no --ctdna_targets (give --ctdna_targets TARGETS.bed to call ctDNA)"
        }
        if (params.ctdna_sites && !params.ctdna_targets) {
            warnings << 'ctDNA skipped: --ctdna_sites given without --ctdna_targets'
        }
        if (params.tissue_cn && !params.ctdna_targets) {
            warnings << '--tissue_cn is unused: it informs ctDNA calling, which needs --ctdna_targets'
        }
        if (params.labs && !params.clinical) {
            warnings << 'blood markers skipped: --labs given without --clinical (baseline needs start_date)'
        }
        if (!params.clinical) {
            warnings << 'no --clinical: no per-patient table or associations for this batch (the report has the QC, ctDNA and TMB sections)'
        }
        warnings
    }

    /** The launch summary text (also written to pipeline_info/params_summary.txt). */
    static String launch(Map workflowInfo, Map params, List<String> nonDefault, List<String> warnings) {
        def lines = ["stereosarc-biomarkers ${workflowInfo.version} (git ${workflowInfo.revision})",
                     "Nextflow ${workflowInfo.nextflow}, profile ${workflowInfo.profile}, run ${workflowInfo.runName}",
                     "Launched from ${workflowInfo.launchDir}", '', 'Inputs:']
        INPUTS.findAll { params[it] }.each { lines << "  ${it.padRight(30)}: ${params[it]}" }
        lines << '' << 'Parameters different from their default:'
        lines.addAll(nonDefault ?: ['  (none)'])
        if (warnings) {
            lines << '' << 'Warnings:'
            warnings.each { lines << "  WARN: ${it}" }
        }
        lines.join('\n')
    }

    /** Lines starting with WARNING in the .command.err of every task of the trace file. */
    static List<String> taskWarnings(Path trace) {
        rows(trace).findAll { it.workdir && it.status in ['COMPLETED', 'CACHED', 'FAILED'] }.collectMany { task ->
            def err = java.nio.file.Paths.get(task.workdir).resolve('.command.err')
            Files.isRegularFile(err) ?
                err.readLines().findAll { it.startsWith(WARNING_PREFIX) }.collect { "${task.name}: ${it}".toString() } : []
        }
    }

    /** Rejects per stage, then per severity (error first) and, within it, per code (most
     *  frequent first): the lines of the run summary about cohort/rejects.tsv. */
    static List<String> rejectLines(List<Map> rejects) {
        def lines = ['', "Rejects (cohort/rejects.tsv): ${rejects.size()}".toString()]
        rejects.countBy { it.stage ?: 'NA' }.sort().each { stage, n -> lines << "  ${stage.padRight(21)}: ${n}".toString() }
        if (!rejects) {
            return lines
        }
        lines << 'Rejects by severity and code:'
        def found = rejects.collect { it.severity ?: 'NA' }.unique()
        (SEVERITIES.findAll { it in found } + (found - SEVERITIES).sort()).each { severity ->
            def group = rejects.findAll { (it.severity ?: 'NA') == severity }
            lines << "  ${severity.padRight(21)}: ${group.size()}".toString()
            group.countBy { it.code ?: 'NA' }.sort { a, b -> b.value <=> a.value ?: a.key <=> b.key }.each { code, n ->
                lines << "    ${code.padRight(35)}: ${n}".toString()
            }
        }
        lines
    }

    /** The run summary text (also written to pipeline_info/run_summary.txt). */
    static String completion(Map status, Map<String, Integer> perType, Path outdir, List<String> warnings) {
        def cohort = outdir.resolve('cohort')
        def lines = ["stereosarc-biomarkers ${status.success ? 'completed' : 'FAILED'} in ${status.duration}: results in ${outdir}",
                     '', 'Samples per stage:',
                     "  samplesheet          : ${perType.collect { t, n -> "${n} ${t}" }.join(', ') ?: 'not read'}"]
        [['TMB', 'tmb.tsv'], ['ctDNA', 'ctdna.tsv'], ['per-patient merge', 'biomarkers.tsv']].each { stage, name ->
            def table = cohort.resolve(name)
            lines << "  ${stage.padRight(21)}: " + (Files.isRegularFile(table) ? "${rows(table).size()} row(s) in cohort/${name}" : 'not run')
        }
        def ctdna = rows(cohort.resolve('ctdna.tsv'))
        if (ctdna) {
            def detected = ctdna.count { it.detected == '1' }, negative = ctdna.count { it.detected == '0' }
            lines << '' << "ctDNA detections: ${detected} detected, ${negative} not detected, ${ctdna.size() - detected - negative} NA of ${ctdna.size()} samples in cohort/ctdna.tsv"
        }
        lines.addAll(rejectLines(rows(cohort.resolve('rejects.tsv'))))
        lines << '' << "Warnings (at launch and raised by tasks): ${warnings.size()}"
        warnings.each { lines << "  ${it}" }
        lines.join('\n')
    }
}
