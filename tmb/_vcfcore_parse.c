/* Records of VCF body text read into per-allele rows (tmb/_vcfcore.h; rules: docs/tmb.md). */
#include "_vcfcore.h"

static int int_tuple(PyObject *seq, int *out, int *n) {
    if (!PyTuple_Check(seq) || PyTuple_GET_SIZE(seq) > MAX_FIELDS)
        return PyErr_SetString(PyExc_ValueError, "plan: expected a short tuple of ints"), -1;
    *n = (int)PyTuple_GET_SIZE(seq);
    for (int i = 0; i < *n; i++)
        if ((out[i] = (int)PyLong_AsLong(PyTuple_GET_ITEM(seq, i))) == -1 && PyErr_Occurred())
            return -1;
    return 0;
}

static int bytes_tuple(PyObject *seq, span_t *out, int *n) {
    if (!PyTuple_Check(seq) || PyTuple_GET_SIZE(seq) > MAX_FIELDS)
        return PyErr_SetString(PyExc_ValueError, "plan: expected a short tuple of bytes"), -1;
    *n = (int)PyTuple_GET_SIZE(seq);
    for (int i = 0; i < *n; i++) {
        char *s;
        if (PyBytes_AsStringAndSize(PyTuple_GET_ITEM(seq, i), &s, &out[i].n) < 0) return -1;
        out[i].s = s;
    }
    return 0;
}

/* ((key bytes, role), ...) of the FORMAT keys to read (tmb/core.py BodyPlan.format_keys). */
static int read_keys(PyObject *seq, plan_t *p) {
    if (!PyTuple_Check(seq) || PyTuple_GET_SIZE(seq) > MAX_KEYS)
        return PyErr_SetString(PyExc_ValueError, "plan: expected at most 8 FORMAT keys"), -1;
    for (int r = 0; r < N_ROLES; r++) p->key_of[r] = -1;
    p->n_keys = (int)PyTuple_GET_SIZE(seq);
    for (int k = 0; k < p->n_keys; k++) {
        char *s;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(seq, k), "y#i", &s, &p->key[k].n, &p->role[k]))
            return -1;
        p->key[k].s = s;
        if (p->role[k] < 0 || p->role[k] >= N_ROLES)
            return PyErr_SetString(PyExc_ValueError, "plan: unknown FORMAT role"), -1;
        p->key_of[p->role[k]] = k;
    }
    return 0;
}

/* The plan tuple of tmb/core.py Plan.as_tuple(); its bytes stay owned by the caller. */
static int read_plan(PyObject *tuple, plan_t *p) {
    PyObject *pops, *info_pops, *keys;
    memset(p, 0, sizeof *p);
    if (!PyArg_ParseTuple(tuple, "iiOpiiiiiOy#Oy#", &p->n_columns, &p->sample, &keys,
                          &p->vep, &p->k_allele, &p->k_consequence,
                          &p->k_gene, &p->k_allele_num, &p->k_cosmic, &pops, &p->tag.s,
                          &p->tag.n, &info_pops, &p->info_cosmic.s, &p->info_cosmic.n))
        return -1;
    if (read_keys(keys, p) < 0 || int_tuple(pops, p->k_pop, &p->n_pop) < 0 ||
        bytes_tuple(info_pops, p->info_pop, &p->n_info_pop) < 0)
        return -1;
    if (p->n_columns <= FIRST_SAMPLE || p->sample < FIRST_SAMPLE || p->sample >= p->n_columns ||
        p->k_allele < 0 || p->k_consequence < 0)
        return PyErr_SetString(PyExc_ValueError, "plan: bad column or sub-field index"), -1;
    int most = p->k_allele > p->k_consequence ? p->k_allele : p->k_consequence;
    int optional[3] = {p->k_gene, p->k_allele_num, p->k_cosmic};
    for (int i = 0; i < 3; i++) most = optional[i] > most ? optional[i] : most;
    for (int i = 0; i < p->n_pop; i++) most = p->k_pop[i] > most ? p->k_pop[i] : most;
    if (most >= MAX_FIELDS * 16)
        return PyErr_SetString(PyExc_ValueError, "plan: sub-field index too large"), -1;
    p->width = most + 1;
    return 0;
}

/* Room for n more rows in every column. */
int rows_reserve(rows_t *r, int n) {
    for (int c = 0; c < N_COLUMNS; c++)
        if (buf_reserve(&r->col[c], (size_t)n * (size_t)COLUMN_SIZES[c]) < 0) return -1;
    return 0;
}

static void rows_free(rows_t *r) {
    for (int i = 0; i < N_COLUMNS; i++) free(r->col[i].v);
    for (int i = 0; i < N_TABLES; i++) intern_free(&r->table[i]);
}

int fail(parser_t *p, const char *column, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(p->error, sizeof p->error, format, args);
    va_end(args);
    p->error_column = column;
    p->failed = 1;
    return -1;
}

int oom(parser_t *p) { p->failed = 2; return -1; }

int reserve(parser_t *p, buf_t *b, size_t bytes) {
    b->n = 0;
    return buf_reserve(b, bytes) < 0 ? oom(p) : 0;
}

/* Refuse bytes 0-8 (a VCF is text; tab and newline are the separators). */
static int check_controls(parser_t *p, const char *s, const char *end) {
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    const char *c = s;
    for (; end - c >= 8; c += 8) { /* any byte < 9 in the word (exact as a yes/no test) */
        uint64_t w;
        memcpy(&w, c, 8);
        if ((w - ones * 9) & ~w & highs) break;
    }
    for (; c < end; c++)
        if ((unsigned char)*c < 9)
            return fail(p, "", "control character %d in the text", (unsigned char)*c);
    return 0;
}

static int split_columns(parser_t *p, const char *s, const char *end) {
    int n = p->plan.n_columns, k = 0;
    const char *c = s, *tab;
    while (k < n - 1 && (tab = find1(c, end, '\t'))) {
        p->col[k++] = (span_t){c, tab - c};
        c = tab + 1;
    }
    p->col[k++] = (span_t){c, end - c};
    if (k < n) return fail(p, "", "expected %d tab-separated columns, found %d", n, k);
    for (const char *t = c; (t = memchr(t, '\t', (size_t)(end - t))); t++) k++;
    return k == n ? 0 : fail(p, "", "expected %d tab-separated columns, found %d", n, k);
}

static int32_t interned(parser_t *p, int table, span_t s, int32_t *last, span_t *last_text) {
    if (*last >= 0 && span_eq(s, *last_text)) return *last;
    int32_t id = intern(&p->rows.table[table], s.s, (size_t)s.n);
    if (id < 0) return oom(p);
    *last = id, *last_text = s;
    return id;
}

/* Spans of the value of each wanted INFO key (KEY= at the start of INFO or after ';'; the
 * first one wins); absent keys get an empty span. */
static void info_values(parser_t *p, span_t info, span_t *tag, span_t *pops, span_t *cosmic) {
    const plan_t *plan = &p->plan;
    int found = 0, wanted = 1 + plan->n_info_pop + (plan->info_cosmic.n > 0);
    span_t none = {info.s + info.n, 0};
    *tag = *cosmic = none;
    for (int i = 0; i < plan->n_info_pop; i++) pops[i] = none;
    char seen[MAX_FIELDS + 2] = {0};
    const char *c = info.s, *end = info.s + info.n;
    while (c <= end && found < wanted) {
        const char *semi = find1(c, end, ';');
        span_t item = {c, (semi ? semi : end) - c};
        for (int i = 0; i < wanted; i++) {
            span_t key = i == 0                   ? plan->tag
                         : i <= plan->n_info_pop ? plan->info_pop[i - 1]
                                                 : plan->info_cosmic;
            if (seen[i] || item.n < key.n || memcmp(item.s, key.s, (size_t)key.n)) continue;
            span_t value = {item.s + key.n, item.n - key.n};
            *(i == 0 ? tag : i <= plan->n_info_pop ? &pops[i - 1] : cosmic) = value;
            seen[i] = 1, found++;
        }
        if (!semi) break;
        c = semi + 1;
    }
}

static int split_alts(parser_t *p, span_t alt) {
    if (reserve(p, &p->alts, sizeof(span_t) * 4) < 0) return -1;
    if (span_is(alt, ".")) return 0;
    const char *c = alt.s, *end = alt.s + alt.n;
    for (;;) {
        const char *comma = find1(c, end, ',');
        span_t part = {c, (comma ? comma : end) - c};
        if (buf_add(&p->alts, &part, sizeof part) < 0) return oom(p);
        if (!comma) break;
        c = comma + 1;
    }
    return (int)(p->alts.n / sizeof(span_t));
}

/* Row of ALT j (room reserved by the caller). */
static void emit_allele(parser_t *p, int j, int64_t pos, const int32_t *codes, const sample_t *s,
                        double pop, double cosmic, int32_t csq, int32_t genes) {
    rows_t *r = &p->rows;
    const span_t *alts = SCRATCH(p, alts, span_t);
    const double *ad = SCRATCH(p, values[0], double), *af = SCRATCH(p, values[2], double);
    int ad_ok = s->n_ad == (Py_ssize_t)(p->alts.n / sizeof(span_t)) + 1;
    double alt_reads = ad_ok ? ad[j + 1] : NAN;
    double vaf = j < s->n_af ? af[j] : NAN, total = s->ad_total;
    int8_t source = 0;
    if (isnan(vaf)) {
        vaf = ad_ok && total > 0 ? alt_reads / total : NAN;
        source = isnan(vaf) ? -1 : 1;
    }
    STORE(r, C_CHROM, int32_t, codes[0]);
    STORE(r, C_POS, int64_t, pos);
    STORE(r, C_REF_START, int64_t, p->col[3].s - p->text);
    STORE(r, C_REF_END, int64_t, p->col[3].s + p->col[3].n - p->text);
    STORE(r, C_ALT_START, int64_t, alts[j].s - p->text);
    STORE(r, C_ALT_END, int64_t, alts[j].s + alts[j].n - p->text);
    STORE(r, C_INDEX, int64_t, j + 1);
    STORE(r, C_FILTER, int32_t, codes[1]);
    STORE(r, C_DEPTH, double, s->depth);
    STORE(r, C_ALT_READS, double, alt_reads);
    STORE(r, C_VAF, double, vaf);
    STORE(r, C_SOURCE, int8_t, source);
    STORE(r, C_POP, double, pop);
    STORE(r, C_CSQ, int32_t, csq);
    STORE(r, C_GENES, int32_t, genes);
    STORE(r, C_COSMIC, double, cosmic);
}

/* What the CSQ/ANN value and the INFO fields say about each ALT of the record (into the
 * scratch pop, cosmic, consequences and genes). */
static int annotate_record(parser_t *p, int n_alt) {
    span_t tag_value, cosmic_info, pops_info[MAX_FIELDS], *alts = SCRATCH(p, alts, span_t);
    info_values(p, p->col[7], &tag_value, pops_info, &cosmic_info);
    if (reserve(p, &p->keys, (size_t)n_alt * sizeof(span_t)) < 0) return -1;
    span_t *keys = SCRATCH(p, keys, span_t);
    if (p->plan.vep) vep_keys(p->col[3], alts, n_alt, keys);
    else memcpy(keys, alts, (size_t)n_alt * sizeof(span_t));
    if (annotate(p, tag_value, keys, n_alt) < 0) return -1;
    double *pop = SCRATCH(p, pop, double), *cosmic = SCRATCH(p, cosmic, double);
    for (int j = 0; j < n_alt; j++) {
        for (int i = 0; i < p->plan.n_info_pop; i++) {
            double v = info_number(pops_info[i], j);
            p->seen[SEEN_INFO_POP + i] += !isnan(v);
            pop[j] = fmax(pop[j], v);
        }
        if (p->plan.info_cosmic.n) {
            double v = info_number(cosmic_info, j);
            p->seen[SEEN_COSMIC] += !isnan(v);
            cosmic[j] = fmax(cosmic[j], v);
        }
    }
    return 0;
}

static int parse_record(parser_t *p, const char *line, const char *end) {
    double pos;
    if (end > line && end[-1] == '\r') end--;
    if (check_controls(p, line, end) < 0 || split_columns(p, line, end) < 0) return -1;
    span_t pos_text = p->col[1];
    if (!span_missing(pos_text) && parse_int(pos_text, &pos))
        return fail(p, "POS", "'%.*s' is not an integer", SHOWN(pos_text), pos_text.s);
    if (span_missing(pos_text) || pos < 1) return fail(p, "POS", "POS must be a position >= 1");
    int n_alt = split_alts(p, p->col[4]);
    sample_t sample;
    if (n_alt < 0 || read_sample(p, n_alt, &sample) < 0 || annotate_record(p, n_alt) < 0) return -1;
    span_t filter = span_is(p->col[6], ".") ? (span_t){"PASS", 4} : p->col[6];
    int32_t codes[2] = {interned(p, T_CHROM, p->col[0], &p->last_chrom, &p->last_chrom_text),
                        interned(p, T_FILTER, filter, &p->last_filter, &p->last_filter_text)};
    if (codes[0] < 0 || codes[1] < 0) return -1;
    size_t at_csq = 0, at_gene = 0;
    if (rows_reserve(&p->rows, n_alt) < 0) return oom(p);
    for (int j = 0; j < n_alt; j++) {
        int32_t csq = joined_terms(p, &p->consequences, &at_csq, j, '&', T_CSQ);
        int32_t genes = joined_terms(p, &p->genes, &at_gene, j, ',', T_GENES);
        if (p->failed) return -1;
        emit_allele(p, j, (int64_t)pos, codes, &sample, SCRATCH(p, pop, double)[j],
                    SCRATCH(p, cosmic, double)[j], csq, genes);
    }
    return 0;
}

/* Lines from byte `at` until max_records records are read or the text ends. */
Py_ssize_t parse_lines(parser_t *p, Py_ssize_t at, Py_ssize_t max_records) {
    while (at < p->size && p->n_records < max_records) {
        const char *line = p->text + at, *newline = memchr(line, '\n', (size_t)(p->size - at));
        const char *end = newline ? newline : p->text + p->size;
        p->line = p->n_lines++;
        int blank = end == line || (end - line == 1 && line[0] == '\r');
        if (!blank) {
            if (parse_record(p, line, end) < 0) return -1;
            p->n_records++;
        }
        at = (newline ? newline + 1 : end) - p->text;
    }
    return at;
}

void parser_free(parser_t *p) {
    rows_free(&p->rows);
    buf_t *scratch[] = {&p->alts, &p->keys, &p->values[0], &p->values[1], &p->values[2], &p->pop,
                        &p->cosmic, &p->joined};
    for (size_t i = 0; i < sizeof scratch / sizeof scratch[0]; i++) free(scratch[i]->v);
    for (int k = 0; k < MAX_KEYS; k++) free(p->raw[k].v);
    free(p->consequences.v), free(p->genes.v), free(p->field), free(p->col);
    free(p);
}

parser_t *parser_new(PyObject *plan) {
    parser_t *p = calloc(1, sizeof(parser_t));
    if (!p) return (parser_t *)PyErr_NoMemory();
    if (read_plan(plan, &p->plan) < 0) return parser_free(p), NULL;
    p->field = calloc((size_t)p->plan.width, sizeof(span_t));
    p->col = calloc((size_t)p->plan.n_columns, sizeof(span_t));
    if (!p->field || !p->col) return parser_free(p), (parser_t *)PyErr_NoMemory();
    p->last_chrom = p->last_filter = -1;
    return p;
}
