/* Shared declarations of the compiled VCF reader of tmb-calc (tmb._vcfcore).
 *
 * Text is handled as byte spans (span_t) of the caller's buffer; rows are built in growable
 * per-column buffers (rows_t); texts repeated within a call are interned (intern_t). The
 * tokeniser state is parser_t; the reading plan (plan_t) comes from tmb/core.py BodyPlan.
 */
#ifndef TMB_VCFCORE_H
#define TMB_VCFCORE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 64        /* population fields / FORMAT keys per plan (tmb/core.py checks) */
#define MAX_KEYS 8           /* FORMAT keys read per plan (tmb/callers.py roles) */

/* What a FORMAT key means (tmb/callers.py ROLES): allele depths R (ref, alts), depth, allele
 * fraction A; VarScan2 RD (ref depth), AD (alt depth, Number=1), FREQ ('25.5%'); FreeBayes
 * RO, AO; Strelka2 SNV tiers AU CU GU TU and indel TAR TIR (tier1,tier2). */
enum { R_AD, R_DP, R_AF, R_RD, R_ALTD, R_FREQ, R_RO, R_AO, R_AU, R_CU, R_GU, R_TU, R_TAR, R_TIR,
       N_ROLES };
#define FIRST_SAMPLE 9       /* VCF 4.x: CHROM POS ID REF ALT QUAL FILTER INFO FORMAT, samples */
#define TRACE_SCALE 1e10     /* trace floats: 10 decimals (tmb/outputs.py TRACE_DECIMALS) */
#define SHOWN(s) ((int)((s).n > 60 ? 60 : (s).n)) /* characters of a bad value in a message */
#define PLAIN_LOW (-6)       /* decimal exponents -6..9 are written in plain notation, others as */
#define PLAIN_HIGH 10        /* d.ddde+X (the layout pyarrow's float-to-string cast used before) */
#define FLOAT_CACHE 16384    /* formatted non-integral trace floats remembered (power of two) */
#define PREFETCH_ROWS 8      /* rows ahead whose REF/ALT text is prefetched while formatting */

enum { C_CHROM, C_POS, C_REF_START, C_REF_END, C_ALT_START, C_ALT_END, C_INDEX, C_FILTER,
       C_DEPTH, C_ALT_READS, C_VAF, C_SOURCE, C_POP, C_CSQ, C_GENES, C_COSMIC, N_COLUMNS };
enum { T_CHROM, T_FILTER, T_CSQ, T_GENES, N_TABLES };
extern const char *COLUMN_NAMES[N_COLUMNS];  /* per-allele columns, in tmb/core.py's order */
extern const int COLUMN_SIZES[N_COLUMNS];    /* bytes per value */
extern const char *TABLE_NAMES[N_TABLES];
extern const int TABLE_OF[N_COLUMNS];        /* the table a coded column indexes, or -1 */

typedef struct { const char *s; Py_ssize_t n; } span_t;

static inline int span_eq(span_t a, span_t b) {
    return a.n == b.n && memcmp(a.s, b.s, (size_t)a.n) == 0;
}
static inline int span_is(span_t a, const char *text) {
    size_t n = strlen(text);
    return (size_t)a.n == n && memcmp(a.s, text, n) == 0;
}
static inline int span_missing(span_t a) { return a.n == 0 || (a.n == 1 && a.s[0] == '.'); }

/* ---------------------------------------------------------------- short scans */

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
#define HAS_BYTE(w, x) ((((w) ^ (ONES * (x))) - ONES) & ~((w) ^ (ONES * (x))) & HIGHS)

/* First a or b in [c, end), or end: 8 bytes per step (fields are short; no call). The
 * lowest flagged byte of the SWAR test is exact, higher ones may be false. */
static inline const char *find2(const char *c, const char *end, char a, char b) {
    for (; end - c >= 8; c += 8) {
        uint64_t w;
        memcpy(&w, c, 8);
        uint64_t hit = HAS_BYTE(w, (unsigned char)a) | HAS_BYTE(w, (unsigned char)b);
        if (hit) return c + (__builtin_ctzll(hit) >> 3);
    }
    while (c < end && *c != a && *c != b) c++;
    return c;
}

/* First x in [c, end), or NULL (as memchr): two 8-byte words inline, as most VCF fields are
 * that short, then memchr for the rest. */
static inline const char *find1(const char *c, const char *end, char x) {
    for (int k = 0; k < 2 && end - c >= 8; k++, c += 8) {
        uint64_t w;
        memcpy(&w, c, 8);
        uint64_t hit = HAS_BYTE(w, (unsigned char)x);
        if (hit) return c + (__builtin_ctzll(hit) >> 3);
    }
    return c < end ? memchr(c, x, (size_t)(end - c)) : NULL;
}

/* ---------------------------------------------------------------- buffers, texts, numbers */

typedef struct { char *v; size_t n, cap; } buf_t;
static inline int buf_reserve(buf_t *b, size_t more) {
    if (b->n + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + more) cap *= 2;
    char *v = realloc(b->v, cap);
    if (!v) return -1;
    b->v = v, b->cap = cap;
    return 0;
}

static inline int buf_add(buf_t *b, const void *s, size_t n) {
    if (buf_reserve(b, n) < 0) return -1;
    memcpy(b->v + b->n, s, n);
    b->n += n;
    return 0;
}

typedef struct { buf_t arena; buf_t offsets; int32_t *slots; size_t n_slots; int32_t n; } intern_t;
int32_t intern(intern_t *t, const char *s, size_t n);
span_t intern_text(const intern_t *t, int32_t id);
void intern_free(intern_t *t);
PyObject *intern_list(const intern_t *t);

int parse_int(span_t s, double *out);
int parse_float(span_t s, double *out);
double max_number(span_t s);

/* ---------------------------------------------------------------- reading */

typedef struct {
    int n_columns, sample, vep;
    int n_keys, role[MAX_KEYS], key_of[N_ROLES]; /* FORMAT keys read, their roles; role -> key or -1 */
    span_t key[MAX_KEYS];
    int k_allele, k_consequence, k_gene, k_allele_num, k_cosmic, n_pop, k_pop[MAX_FIELDS];
    int width;                            /* sub-fields of an entry that are read */
    span_t tag, info_cosmic;              /* "CSQ=" / "ANN="; INFO COSMIC key with '=' or empty */
    int n_info_pop;
    span_t info_pop[MAX_FIELDS];
} plan_t;

typedef struct { buf_t col[N_COLUMNS]; intern_t table[N_TABLES]; } rows_t;

/* Values seen per read field (a declared field empty in every record is refused by
 * tmb/vcf_io.py): FORMAT AD, DP, AF; CSQ/ANN population sub-fields; INFO population
 * fields; the COSMIC field. */
enum { SEEN_FORMAT = 0, SEEN_CSQ_POP = MAX_KEYS, SEEN_INFO_POP = MAX_KEYS + MAX_FIELDS,
       SEEN_COSMIC = MAX_KEYS + 2 * MAX_FIELDS, N_SEEN };

#define STORE(r, c, type, value) \
    (*(type *)((r)->col[c].v + (r)->col[c].n) = (value), (r)->col[c].n += sizeof(type))

/* One annotation term (consequence or gene) of one allele of the current record. */
typedef struct { int32_t allele; span_t text; } term_t;
typedef struct { term_t *v; size_t n, cap; } terms_t;
int terms_push(terms_t *t, int32_t allele, span_t text);
void terms_sort(terms_t *t);

typedef struct {
    plan_t plan;
    const char *text;
    Py_ssize_t size;
    rows_t rows;
    span_t *col;                                  /* plan.n_columns columns of the current line */
    span_t *field;                                /* plan.width sub-fields of an entry */
    span_t format;                                /* FORMAT of the previous record ... */
    int key_at[MAX_KEYS];                         /* ... and where each plan key sits in it */
    buf_t raw[MAX_KEYS];                          /* numbers of each plan key (tumour sample) */
    buf_t alts, keys, values[3], pop, cosmic, joined; /* per-record scratch; values: AD, DP, AF */
    terms_t consequences, genes;
    int32_t last_chrom, last_filter;
    span_t last_chrom_text, last_filter_text;
    Py_ssize_t n_records, n_lines, line;          /* records and lines read; current line */
    Py_ssize_t seen[N_SEEN];                      /* values found per read field (SEEN_*) */
    const char *error_column;
    char key_label[48];                           /* "FORMAT/KEY" of a bad value */
    char error[320];
    int failed;                                   /* 1: input error (error set), 2: memory */
} parser_t;

#define SCRATCH(p, buffer, type) ((type *)(p)->buffer.v)

typedef struct { Py_ssize_t n_ad, n_dp, n_af; double ad_total, depth; } sample_t;
int read_sample(parser_t *p, int n_alt, sample_t *s);
int fail(parser_t *p, const char *column, const char *format, ...);
int oom(parser_t *p);
int reserve(parser_t *p, buf_t *b, size_t bytes);
parser_t *parser_new(PyObject *plan);
void parser_free(parser_t *p);
Py_ssize_t parse_lines(parser_t *p, Py_ssize_t at, Py_ssize_t max_records);
int annotate(parser_t *p, span_t value, const span_t *keys, int n_alt);
int32_t joined_terms(parser_t *p, terms_t *t, size_t *at, int32_t a, char sep, int table);
double info_number(span_t value, int j);
void vep_keys(span_t ref, const span_t *alts, int n_alt, span_t *keys);

/* ---------------------------------------------------------------- trace lines */

typedef struct {          /* the columns and tables handed to format_trace / keys */
    Py_buffer view[N_COLUMNS];
    int held;                /* views acquired */
    Py_ssize_t n;            /* rows */
    span_t *table[N_TABLES];
    Py_ssize_t table_n[N_TABLES];
} columns_t;

#define COL(c, i, type) ((const type *)(c)->view[i].buf)
int columns_get(PyObject *buffers, PyObject *tables, columns_t *c);
void columns_release(columns_t *c);
span_t text_span(const Py_buffer *text, int64_t start, int64_t end);
char *put_span(char *out, span_t s);
char *put_int(char *out, int64_t v);
char *put_float(char *out, double x);
char *trace_line(char *o, const columns_t *c, Py_ssize_t r, span_t ref, span_t alt,
                 const int8_t *flags, int n_flags, span_t reason);
Py_ssize_t line_bound(const columns_t *c, Py_ssize_t r, span_t ref, span_t alt, int n_flags,
                      span_t reason);
int row_parts(const columns_t *c, Py_ssize_t r, const Py_buffer *ref_text,
              const Py_buffer *alt_text, const int32_t *reason, PyObject *reasons,
              span_t *parts);

/* ---------------------------------------------------------------- htslib text (_vcfcore_hts.c) */

PyObject *hts_bind(PyObject *self, PyObject *args);
PyObject *hts_reader(PyObject *self, PyObject *args);
PyObject *hts_read(PyObject *self, PyObject *args);
PyObject *hts_header(PyObject *self, PyObject *args);

#endif
