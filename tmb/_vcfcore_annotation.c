/* Annotation entries (CSQ/ANN) of the compiled VCF reader: which ALT each entry describes, the
 * union of its consequence terms and genes, the largest population AF and COSMIC count. */
#include "_vcfcore.h"

int terms_push(terms_t *t, int32_t allele, span_t text) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        term_t *v = realloc(t->v, cap * sizeof(term_t));
        if (!v) return -1;
        t->v = v, t->cap = cap;
    }
    t->v[t->n++] = (term_t){allele, text};
    return 0;
}

static int term_cmp(const void *pa, const void *pb) {
    const term_t *a = pa, *b = pb;
    if (a->allele != b->allele) return a->allele < b->allele ? -1 : 1;
    Py_ssize_t n = a->text.n < b->text.n ? a->text.n : b->text.n;
    int c = memcmp(a->text.s, b->text.s, (size_t)n);
    return c ? c : (a->text.n > b->text.n) - (a->text.n < b->text.n);
}

void terms_sort(terms_t *t) {
    if (t->n > 16) {
        qsort(t->v, t->n, sizeof(term_t), term_cmp);
        return;
    }
    for (size_t i = 1; i < t->n; i++) /* few terms per record: insertion sort */
        for (size_t j = i; j > 0 && term_cmp(&t->v[j - 1], &t->v[j]) > 0; j--) {
            term_t swap = t->v[j];
            t->v[j] = t->v[j - 1], t->v[j - 1] = swap;
        }
}

static int is_allele_number(span_t s, int *value) {
    if (s.n < 1 || s.n >= 10) return 0; /* ALLELE_NUM: 1-9 decimal digits */
    int v = 0;
    for (Py_ssize_t i = 0; i < s.n; i++) {
        if (s.s[i] < '0' || s.s[i] > '9') return 0;
        v = v * 10 + (s.s[i] - '0');
    }
    *value = v;
    return 1;
}

/* Sub-fields 0..width-1 of the entry at c ('|'-separated; missing ones empty); returns
 * where the entry ends (its ',' or the end of the value). One pass over the bytes. */
static const char *entry_fields(parser_t *p, const char *c, const char *end) {
    int k = 0, width = p->plan.width;
    const char *f = c;
    while ((c = find2(c, end, '|', ',')) < end && *c == '|') {
        p->field[k++] = (span_t){f, c - f};
        f = ++c;
        if (k == width) { /* the rest of the entry is not read */
            const char *comma = find1(c, end, ',');
            return comma ? comma : end;
        }
    }
    p->field[k++] = (span_t){f, c - f};
    for (; k < width; k++) p->field[k] = (span_t){c, 0};
    return c;
}

/* The ALT (0-based) an entry describes: ALLELE_NUM when a number, else the last ALT whose
 * key equals the entry's Allele; -1 when none. */
static int entry_allele(parser_t *p, const span_t *keys, int n_alt) {
    int number;
    if (p->plan.k_allele_num >= 0 && is_allele_number(p->field[p->plan.k_allele_num], &number))
        return number >= 1 && number <= n_alt ? number - 1 : -1;
    for (int j = n_alt - 1; j >= 0; j--)
        if (span_eq(p->field[p->plan.k_allele], keys[j])) return j;
    return -1;
}

static int add_entry(parser_t *p, int a) {
    double *pop = SCRATCH(p, pop, double), *cosmic = SCRATCH(p, cosmic, double);
    span_t csq = p->field[p->plan.k_consequence];
    const char *c = csq.s, *end = csq.s + csq.n;
    while (c < end) {
        const char *stop = find2(c, end, '&', '&');
        if (stop > c && terms_push(&p->consequences, a, (span_t){c, stop - c}) < 0) return oom(p);
        c = stop + 1;
    }
    if (p->plan.k_gene >= 0 && p->field[p->plan.k_gene].n &&
        terms_push(&p->genes, a, p->field[p->plan.k_gene]) < 0)
        return oom(p);
    for (int i = 0; i < p->plan.n_pop; i++)
        if (p->field[p->plan.k_pop[i]].n) {
            double v = max_number(p->field[p->plan.k_pop[i]]);
            p->seen[SEEN_CSQ_POP + i] += !isnan(v);
            pop[a] = fmax(pop[a], v);
        }
    if (p->plan.k_cosmic >= 0 && p->field[p->plan.k_cosmic].n) {
        double v = max_number(p->field[p->plan.k_cosmic]);
        p->seen[SEEN_COSMIC] += !isnan(v);
        cosmic[a] = fmax(cosmic[a], v);
    }
    return 0;
}

/* Every entry of a CSQ/ANN value, added to the allele it describes. */
int annotate(parser_t *p, span_t value, const span_t *keys, int n_alt) {
    const char *c = value.s, *end = value.s + value.n;
    p->consequences.n = p->genes.n = 0;
    if (reserve(p, &p->pop, (size_t)n_alt * sizeof(double)) < 0 ||
        reserve(p, &p->cosmic, (size_t)n_alt * sizeof(double)) < 0)
        return -1;
    for (int j = 0; j < n_alt; j++)
        SCRATCH(p, pop, double)[j] = SCRATCH(p, cosmic, double)[j] = NAN;
    while (c < end) {
        const char *stop = entry_fields(p, c, end);
        int a = entry_allele(p, keys, n_alt);
        if (a >= 0 && add_entry(p, a) < 0) return -1;
        c = stop + 1;
    }
    terms_sort(&p->consequences);
    terms_sort(&p->genes);
    return 0;
}

/* Code of the sorted, de-duplicated, sep-joined terms of allele a (-1: none); *at walks the
 * sorted terms allele by allele. */
int32_t joined_terms(parser_t *p, terms_t *t, size_t *at, int32_t a, char sep, int table) {
    buf_t *out = &p->joined;
    out->n = 0;
    span_t previous = {NULL, -1};
    for (; *at < t->n && t->v[*at].allele == a; (*at)++) {
        span_t s = t->v[*at].text;
        if (span_eq(s, previous)) continue;
        if ((out->n && buf_add(out, &sep, 1) < 0) || buf_add(out, s.s, (size_t)s.n) < 0)
            return oom(p);
        previous = s;
    }
    if (previous.n < 0) return -1;
    int32_t id = intern(&p->rows.table[table], out->v, out->n);
    return id < 0 ? oom(p) : id;
}

/* The number of an INFO value for ALT j: its j-th comma-separated part, or the only part;
 * '&'-joined terms give their largest; NaN when absent or not a number. */
double info_number(span_t value, int j) {
    const char *c = value.s, *end = value.s + value.n, *comma;
    int parts = 1;
    for (const char *t = c; (t = memchr(t, ',', (size_t)(end - t))); t++) parts++;
    if (parts == 1) return max_number(value);
    for (int i = 0; i < j && c; i++) c = memchr(c, ',', (size_t)(end - c)), c = c ? c + 1 : NULL;
    if (!c || j >= parts) return NAN;
    comma = find1(c, end, ',');
    return max_number((span_t){c, (comma ? comma : end) - c});
}

/* How VEP spells each ALT in CSQ Allele: the first base trimmed when REF and every ALT
 * share it (not for symbolic '<' alleles), an empty result written '-'; else the ALT. */
void vep_keys(span_t ref, const span_t *alts, int n_alt, span_t *keys) {
    span_t ref_first = {ref.s, ref.n ? 1 : 0};
    int trim = !(ref_first.n && ref_first.s[0] == '<');
    for (int j = 0; j < n_alt && trim; j++) {
        span_t first = {alts[j].s, alts[j].n ? 1 : 0};
        trim = span_eq(first, ref_first) && !(first.n && first.s[0] == '<');
    }
    for (int j = 0; j < n_alt; j++) {
        keys[j] = alts[j];
        if (trim)
            keys[j] = alts[j].n > 1 ? (span_t){alts[j].s + 1, alts[j].n - 1} : (span_t){"-", 1};
    }
}
