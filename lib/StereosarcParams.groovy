/*
 * Launch-time parameter handling from nextflow_schema.json, without plugins:
 * unknown or misspelled parameters (with the closest valid name), --help [NAME], and the
 * parameter summary printed at launch and written to pipeline_info/params_summary.txt.
 * The Python pre-flight (stereosarc.validate) applies the same rules to a params file.
 */

import groovy.json.JsonSlurper

class StereosarcParams {

    static final double CLOSE_MATCH_CUTOFF = 0.6  // Python difflib.get_close_matches default

    /** [group title: [name: property]] of nextflow_schema.json, in file order. */
    static Map<String, Map> groups(File schemaFile) {
        def schema = new JsonSlurper().parse(schemaFile)
        schema['$defs'].collectEntries { key, group -> [(group.title): group.properties] }
    }

    static Map<String, Map> properties(File schemaFile) {
        groups(schemaFile).values().inject([:]) { all, props -> all + props }
    }

    /** snake_case name a --kebab-case or camelCase spelling stands for (panelBed -> panel_bed). */
    static String canonical(String name) {
        name.replaceAll(/([a-z0-9])([A-Z])/, '$1_$2').toLowerCase().replace('-', '_')
    }

    /** difflib.SequenceMatcher(None, a, b).ratio(): 2 M / (|a| + |b|), M the matched characters. */
    static double ratio(String a, String b) {
        if (!a && !b) {
            return 1.0d
        }
        2.0d * matched(a, 0, a.length(), b, 0, b.length()) / (a.length() + b.length())
    }

    // Ratcliff-Obershelp: longest common block (earliest in a, then in b), then both sides.
    private static int matched(String a, int alo, int ahi, String b, int blo, int bhi) {
        int besti = alo, bestj = blo, bestk = 0
        for (int i = alo; i < ahi; i++) {
            for (int j = blo; j < bhi; j++) {
                int k = 0
                while (i + k < ahi && j + k < bhi && a.charAt(i + k) == b.charAt(j + k)) {
                    k++
                }
                if (k > bestk && !(i > alo && j > blo && a.charAt(i - 1) == b.charAt(j - 1))) {
                    besti = i; bestj = j; bestk = k
                }
            }
        }
        if (bestk == 0) {
            return 0
        }
        bestk + matched(a, alo, besti, b, blo, bestj) +
            matched(a, besti + bestk, ahi, b, bestj + bestk, bhi)
    }

    /** The closest of ``choices`` by ratio (ties: the larger string, as difflib), or null. */
    static String closest(String name, Collection<String> choices) {
        def scored = choices.collect { [ratio(name, it), it] }.findAll { it[0] >= CLOSE_MATCH_CUTOFF }
        scored ? scored.max { x, y -> x[0] <=> y[0] ?: x[1] <=> y[1] }[1] : null
    }

    /** One line per unknown parameter, in the spelling typed on the command line. */
    static List<String> unknown(Map params, Collection<String> known, String commandLine) {
        def typed = (commandLine =~ /(?:^|\s)--([A-Za-z0-9_.-]+)/).collect { it[1] }
            .collectEntries { [(canonical(it)): it] }
        def seen = [] as Set
        params.keySet().findAll { !(it in known) }.sort().findResults { String name ->
            def key = canonical(name)
            if (!seen.add(key)) {
                return null
            }
            def shown = typed[key] ?: name
            def match = key in known ? key : closest(key, known)
            "unknown parameter --${shown}" + (match ? "; did you mean --${match}?" : '; see --help for the parameters')
        }
    }

    /** --help: every group and parameter; --help NAME: one parameter or group in full. */
    static String help(File schemaFile, topic, String version) {
        def all = groups(schemaFile)
        if (topic instanceof String) {
            def name = canonical(topic.replaceFirst(/^--/, ''))
            def group = all.find { title, props -> title.equalsIgnoreCase(topic) }
            if (group) {
                return group.value.collect { n, spec -> describe(n, spec) }.join('\n\n')
            }
            def props = all.values().inject([:]) { x, y -> x + y }
            if (props[name]) {
                return describe(name, props[name])
            }
            def match = closest(name, props.keySet())
            return "unknown parameter --${topic}" + (match ? "; did you mean --${match}?" : '')
        }
        def lines = ["stereosarc-biomarkers ${version}",
                     'Usage: nextflow run . --input samplesheet.csv [--clinical clinical.csv ...] --outdir results',
                     'Details of one parameter or group: --help NAME (docs/usage.md, docs/parameters.md)']
        all.each { title, props ->
            lines << '' << "${title}:"
            props.each { n, spec ->
                def text = spec.description?.split(/(?<=\.)\s/)?.first() ?: ''
                lines << "  --${n.padRight(30)} ${text}" + (spec.default != null && spec.default != '' ? " [${spec.default}]" : '')
            }
        }
        lines.join('\n')
    }

    private static String describe(String name, Map spec) {
        def type = spec.type instanceof List ? spec.type.join('/') : spec.type
        def lines = ["--${name}", "    ${spec.description}", "    type: ${type}" +
                     (spec.enum ? " (${spec.enum.join(', ')})" : '') + (spec.pattern ? " matching ${spec.pattern}" : '')]
        ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'].findAll { spec.containsKey(it) }.each {
            lines << "    ${it}: ${spec[it]}"
        }
        lines << "    default: ${spec.default}"
        lines.join('\n')
    }

    /** Parameters (but ``skip``) whose value differs from the schema default, 'name: value'. */
    static List<String> nonDefault(Map params, File schemaFile, Collection<String> skip) {
        groups(schemaFile).collectMany { title, props ->
            props.findAll { n, spec -> n != 'help' && !(n in skip) && !same(params[n], spec.default) }
                .collect { n, spec -> "  ${n.padRight(30)}: ${params[n]}" }
        }
    }

    private static boolean same(value, defaultValue) {
        if (value instanceof Number && defaultValue instanceof Number) {
            return (value as BigDecimal) == (defaultValue as BigDecimal)
        }
        (value == null ? null : value.toString()) == (defaultValue == null ? null : defaultValue.toString())
    }
}
