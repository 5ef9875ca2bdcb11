/* The tumour sample's FORMAT values of the compiled VCF reader (tmb/_vcfcore.h): the plan's
 * keys located per record, parsed by role, and turned into allele depths, depth and VAF by
 * the caller's rule (tmb/callers.py; docs/tmb.md, "Callers"). */
#include "_vcfcore.h"

/* Roles whose values are Floats (AF) or percentages (FREQ); all others are Integers. */
static int role_is_float(int role) { return role == R_AF || role == R_FREQ; }

/* Where each plan key sits in the record's FORMAT keys (first occurrence; -1 absent). */
static void locate_format_keys(parser_t *p, span_t format) {
    if (p->format.s && span_eq(format, p->format)) return;
    p->format = format;
    int n = p->plan.n_keys;
    for (int k = 0; k < n; k++) p->key_at[k] = -1;
    const char *c = format.s, *end = format.s + format.n;
    for (int j = 0; c <= end; j++) {
        const char *colon = find1(c, end, ':');
        span_t key = {c, (colon ? colon : end) - c};
        for (int k = 0; k < n; k++)
            if (p->key_at[k] < 0 && span_eq(key, p->plan.key[k])) p->key_at[k] = j;
        if (!colon) break;
        c = colon + 1;
    }
}

/* The texts of the plan keys in the tumour sample ("" where its FORMAT lacks the key). */
static void sample_fields(parser_t *p, span_t sample, span_t *out) {
    span_t none = {sample.s + sample.n, 0};
    int n = p->plan.n_keys;
    for (int k = 0; k < n; k++) out[k] = none;
    const char *c = sample.s, *end = sample.s + sample.n;
    for (int j = 0; c <= end; j++) {
        const char *colon = find1(c, end, ':');
        span_t field = {c, (colon ? colon : end) - c};
        for (int k = 0; k < n; k++)
            if (p->key_at[k] == j) out[k] = field;
        if (!colon) break;
        c = colon + 1;
    }
}

/* Comma-separated numbers of plan key k into raw[k]: '.'/'' entries NaN, negative
 * counts NaN; a percentage (FREQ '25.5%') divided by 100; a field that is '.' or '' has no
 * entry. Returns the entry count or -1. */
static Py_ssize_t format_numbers(parser_t *p, int k, span_t text) {
    buf_t *b = &p->raw[k];
    int role = p->plan.role[k], real = role_is_float(role);
    b->n = 0;
    if (span_missing(text)) return 0;
    const char *c = text.s, *end = text.s + text.n;
    for (;;) {
        const char *comma = find1(c, end, ',');
        span_t part = {c, (comma ? comma : end) - c};
        int percent = role == R_FREQ && part.n > 0 && part.s[part.n - 1] == '%';
        if (percent) part.n--;
        double v = NAN;
        if (!span_missing(part)) {
            int bad = real ? parse_float(part, &v) : parse_int(part, &v);
            if (bad) {
                snprintf(p->key_label, sizeof p->key_label, "FORMAT/%.*s",
                         (int)p->plan.key[k].n, p->plan.key[k].s);
                return fail(p, p->key_label, "'%.*s' is not %s", SHOWN(part), part.s,
                            real ? "a number" : "an integer");
            }
            if (!real && v < 0) v = NAN; /* negative counts are missing, as cyvcf2's sentinels */
            if (role == R_FREQ) v /= 100; /* VarScan2 FREQ is a percentage, '%' or not */
        }
        if (buf_add(b, &v, sizeof v) < 0) return oom(p);
        if (!isnan(v)) p->seen[SEEN_FORMAT + k]++;
        if (!comma) break;
        c = comma + 1;
    }
    return (Py_ssize_t)(b->n / sizeof(double));
}

/* Numbers of role r in the tumour sample (NULL, 0 when the plan or the record lacks it). */
static const double *role_values(parser_t *p, int r, Py_ssize_t *n) {
    int k = p->plan.key_of[r];
    *n = k < 0 ? 0 : (Py_ssize_t)(p->raw[k].n / sizeof(double));
    return k < 0 ? NULL : (const double *)p->raw[k].v;
}

static int put_values(parser_t *p, buf_t *b, const double *v, Py_ssize_t n) {
    return n > 0 && buf_add(b, v, (size_t)n * sizeof(double)) < 0 ? oom(p) : 0;
}

/* Tier-1 count of a one-base allele from Strelka2's AU/CU/GU/TU (NaN otherwise). */
static double strelka_tier1(parser_t *p, span_t allele) {
    static const char BASES[4] = {'A', 'C', 'G', 'T'};
    if (allele.n != 1) return NAN;
    for (int i = 0; i < 4; i++)
        if ((allele.s[0] & ~0x20) == BASES[i]) {
            Py_ssize_t n;
            const double *v = role_values(p, R_AU + i, &n);
            return n > 0 ? v[0] : NAN;
        }
    return NAN;
}

/* Allele depths (ref, ALT 1..n) into values[0] from the keys the caller writes: AD
 * (Number=R: Mutect2, DRAGEN, VarDict, FreeBayes); VarScan2 RD + AD; FreeBayes RO + AO;
 * Strelka2 indel TAR/TIR and SNV AU/CU/GU/TU, tier 1 (the first number). */
static int allele_depths(parser_t *p, int n_alt) {
    buf_t *b = &p->values[0];
    Py_ssize_t n, m;
    const double *v = role_values(p, R_AD, &n), *alt;
    b->n = 0;
    if (n == n_alt + 1) return put_values(p, b, v, n);
    int pairs[2][2] = {{R_RD, R_ALTD}, {R_RO, R_AO}};
    for (int i = 0; i < 2; i++) {
        v = role_values(p, pairs[i][0], &n), alt = role_values(p, pairs[i][1], &m);
        if (n == 1 && m == n_alt) return put_values(p, b, v, 1) < 0 ? -1 : put_values(p, b, alt, m);
    }
    v = role_values(p, R_TAR, &n), alt = role_values(p, R_TIR, &m);
    if (n > 0 && m > 0 && n_alt == 1) return put_values(p, b, v, 1) < 0 ? -1 : put_values(p, b, alt, 1);
    if (p->plan.key_of[R_AU] < 0) return 0;
    const span_t *alts = SCRATCH(p, alts, span_t);
    double count = strelka_tier1(p, p->col[3]);
    if (put_values(p, b, &count, 1) < 0) return -1;
    for (int j = 0; j < n_alt; j++)
        if ((count = strelka_tier1(p, alts[j]), put_values(p, b, &count, 1)) < 0) return -1;
    return 0;
}

int read_sample(parser_t *p, int n_alt, sample_t *s) {
    span_t text[MAX_KEYS];
    locate_format_keys(p, p->col[FIRST_SAMPLE - 1]);
    sample_fields(p, p->col[p->plan.sample], text);
    for (int k = 0; k < p->plan.n_keys; k++)
        if (format_numbers(p, k, text[k]) < 0) return -1;
    Py_ssize_t n;
    const double *v;
    if (allele_depths(p, n_alt) < 0) return -1;
    p->values[1].n = p->values[2].n = 0;
    if ((v = role_values(p, R_DP, &n), put_values(p, &p->values[1], v, n)) < 0) return -1;
    v = role_values(p, R_AF, &n);
    if (n == 0) v = role_values(p, R_FREQ, &n);
    if (put_values(p, &p->values[2], v, n) < 0) return -1;
    s->n_ad = (Py_ssize_t)(p->values[0].n / sizeof(double));
    s->n_dp = (Py_ssize_t)(p->values[1].n / sizeof(double));
    s->n_af = (Py_ssize_t)(p->values[2].n / sizeof(double));
    const double *ad = SCRATCH(p, values[0], double), *dp = SCRATCH(p, values[1], double);
    s->ad_total = NAN;
    if (s->n_ad == n_alt + 1) {
        s->ad_total = 0;
        for (int i = 0; i <= n_alt; i++) s->ad_total += ad[i]; /* NaN stays NaN */
    }
    s->depth = s->n_dp > 0 && !isnan(dp[0]) ? dp[0] : s->ad_total;
    return 0;
}

