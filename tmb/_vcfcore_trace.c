/* Trace lines of the compiled VCF reader: allele columns and filter outcomes as TSV text,
 * numbers in the trace format (tmb/_vcfcore.h). */
#include "_vcfcore.h"

/* pyarrow.compute.round(x, 10) (half to even), computed as Arrow's Round kernel does. */
double round_trace(double x) {
    if (!isfinite(x)) return x;
    double r = x * TRACE_SCALE, frac = r - floor(r);
    if (frac == 0) return x;
    r = frac != 0.5 ? round(r) : round(r * 0.5) * 2;
    r = r / TRACE_SCALE;
    return isfinite(r) ? r : x;
}

static const char DIGIT_PAIRS[] = /* "00" .. "99" */
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

char *put_int(char *out, int64_t v) {
    char digits[24], *d = digits + sizeof digits;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    for (; u >= 100; u /= 100) d -= 2, memcpy(d, DIGIT_PAIRS + 2 * (u % 100), 2);
    if (u >= 10) d -= 2, memcpy(d, DIGIT_PAIRS + 2 * u, 2);
    else *--d = (char)('0' + u);
    if (v < 0) *out++ = '-';
    size_t n = (size_t)(digits + sizeof digits - d);
    memcpy(out, d, n);
    return out + n;
}

/* Shortest round-trip digits of x (Python's repr) laid out as plain decimal for decimal
 * exponents PLAIN_LOW..PLAIN_HIGH-1, else as d.ddde+X / d.ddde-X. Needs the GIL. */
static int shortest(double x, char *out) {
    char *repr = PyOS_double_to_string(x, 'r', 0, 0, NULL), digits[32];
    if (!repr) return -1;
    const char *c = repr;
    int n = 0, point = -1, exponent = 0, length = 0;
    if (*c == '-') out[length++] = '-', c++;
    for (; *c && *c != 'e'; c++) {
        if (*c == '.') point = n;
        else if (n < 31) digits[n++] = *c;
    }
    if (*c == 'e') exponent = atoi(c + 1);
    PyMem_Free(repr);
    int dp = (point < 0 ? n : point) + exponent, lead = 0;
    while (lead < n - 1 && digits[lead] == '0') lead++, dp--;
    while (n - 1 > lead && digits[n - 1] == '0') n--;
    const char *d = digits + lead;
    n -= lead;
    if (dp - 1 >= PLAIN_LOW && dp - 1 < PLAIN_HIGH) {
        if (dp <= 0) {
            memcpy(out + length, "0.", 2), length += 2;
            for (int i = 0; i < -dp; i++) out[length++] = '0';
            memcpy(out + length, d, (size_t)n), length += n;
        } else if (dp >= n) {
            memcpy(out + length, d, (size_t)n), length += n;
            for (int i = n; i < dp; i++) out[length++] = '0';
        } else {
            memcpy(out + length, d, (size_t)dp), length += dp;
            out[length++] = '.';
            memcpy(out + length, d + dp, (size_t)(n - dp)), length += n - dp;
        }
        return length;
    }
    out[length++] = d[0];
    if (n > 1) out[length++] = '.', memcpy(out + length, d + 1, (size_t)(n - 1)), length += n - 1;
    return length + sprintf(out + length, "e%c%d", dp - 1 >= 0 ? '+' : '-', abs(dp - 1));
}

static struct { uint64_t bits; char text[28]; int length; } float_cache[FLOAT_CACHE];

/* A trace float: NA when NaN (missing), else rounded (round_trace) and written shortest. */
char *put_float(char *out, double x) {
    if (isnan(x)) return memcpy(out, "NA", 2), out + 2;
    if (!(fabs(x) < 1e10 && x == (double)(int64_t)x)) x = round_trace(x); /* integral: as is */
    if (fabs(x) < 1e10 && x == (double)(int64_t)x) { /* integral: plain digits (exponent <= 9) */
        if (x == 0 && signbit(x)) *out++ = '-';
        return put_int(out, (int64_t)x);
    }
    if (isinf(x))
        return x > 0 ? (memcpy(out, "inf", 3), out + 3) : (memcpy(out, "-inf", 4), out + 4);
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    size_t slot = (bits ^ (bits >> 29) ^ (bits >> 41)) & (FLOAT_CACHE - 1);
    if (float_cache[slot].length == 0 || float_cache[slot].bits != bits) {
        int length = shortest(x, float_cache[slot].text);
        if (length < 0) return NULL;
        float_cache[slot].bits = bits, float_cache[slot].length = length;
    }
    memcpy(out, float_cache[slot].text, (size_t)float_cache[slot].length);
    return out + float_cache[slot].length;
}

void columns_release(columns_t *c) {
    for (int i = 0; i < c->held; i++) PyBuffer_Release(&c->view[i]);
    for (int t = 0; t < N_TABLES; t++) free(c->table[t]);
}

/* The column buffers (tuple in COLUMN_NAMES order) and text tables (tuple in TABLE_NAMES
 * order, lists of bytes) of format_trace/keys; lengths and codes are checked. */
int columns_get(PyObject *buffers, PyObject *tables, columns_t *c) {
    memset(c, 0, sizeof *c);
    if (!PyTuple_Check(buffers) || PyTuple_GET_SIZE(buffers) != N_COLUMNS ||
        !PyTuple_Check(tables) || PyTuple_GET_SIZE(tables) != N_TABLES)
        return PyErr_SetString(PyExc_ValueError, "expected the column and table tuples"), -1;
    for (; c->held < N_COLUMNS; c->held++) {
        PyObject *column = PyTuple_GET_ITEM(buffers, c->held);
        if (PyObject_GetBuffer(column, &c->view[c->held], PyBUF_SIMPLE) < 0) return -1;
    }
    c->n = c->view[C_POS].len / 8;
    for (int i = 0; i < N_COLUMNS; i++)
        if (c->view[i].len != c->n * COLUMN_SIZES[i])
            return PyErr_Format(PyExc_ValueError, "column %s: wrong length", COLUMN_NAMES[i]), -1;
    for (int t = 0; t < N_TABLES; t++) {
        PyObject *list = PyTuple_GET_ITEM(tables, t);
        if (!PyList_Check(list))
            return PyErr_SetString(PyExc_ValueError, "tables must be lists"), -1;
        c->table_n[t] = PyList_GET_SIZE(list);
        if (!(c->table[t] = malloc(sizeof(span_t) * (size_t)(c->table_n[t] + 1))))
            return PyErr_NoMemory(), -1;
        for (Py_ssize_t i = 0; i < c->table_n[t]; i++) {
            char *s;
            if (PyBytes_AsStringAndSize(PyList_GET_ITEM(list, i), &s, &c->table[t][i].n) < 0)
                return -1;
            c->table[t][i].s = s;
        }
    }
    for (int i = 0; i < N_COLUMNS; i++) {
        if (TABLE_OF[i] < 0) continue;
        const int32_t *codes = c->view[i].buf;
        for (Py_ssize_t r = 0; r < c->n; r++)
            if (codes[r] < (i == C_CHROM || i == C_FILTER ? 0 : -1) ||
                codes[r] >= c->table_n[TABLE_OF[i]])
                return PyErr_Format(PyExc_ValueError, "column %s: code out of range",
                                    COLUMN_NAMES[i]), -1;
    }
    return 0;
}

span_t text_span(const Py_buffer *text, int64_t start, int64_t end) {
    if (start < 0 || end < start || end > text->len) return (span_t){NULL, -1};
    return (span_t){(const char *)text->buf + start, (Py_ssize_t)(end - start)};
}

char *put_span(char *out, span_t s) {
    if (s.n > 16) return memcpy(out, s.s, (size_t)s.n), out + s.n;
    for (Py_ssize_t i = 0; i < s.n; i++) out[i] = s.s[i]; /* short texts: no call */
    return out + s.n;
}

static char *put_code(char *out, const columns_t *c, int column, Py_ssize_t r) {
    int32_t code = COL(c, column, int32_t)[r];
    if (code < 0) return memcpy(out, "NA", 2), out + 2;
    return put_span(out, c->table[TABLE_OF[column]][code]);
}

static const char *SOURCES[] = {"FORMAT/AF", "AD"}; /* vaf_source codes 0, 1 (schema tmb_trace) */

/* One trace line: allele columns, outcome flags (1/0, -1 = NA) and reason. */
char *trace_line(char *o, const columns_t *c, Py_ssize_t r, span_t ref, span_t alt,
                        const int8_t *flags, int n_flags, span_t reason) {
    o = put_code(o, c, C_CHROM, r), *o++ = '\t';
    o = put_int(o, COL(c, C_POS, int64_t)[r]), *o++ = '\t';
    o = put_span(o, ref), *o++ = '\t';
    o = put_span(o, alt), *o++ = '\t';
    o = put_int(o, COL(c, C_INDEX, int64_t)[r]), *o++ = '\t';
    o = put_code(o, c, C_FILTER, r), *o++ = '\t';
    int numbers[] = {C_DEPTH, C_ALT_READS, C_VAF};
    for (int i = 0; i < 3; i++)
        if (!(o = put_float(o, COL(c, numbers[i], double)[r]))) return NULL;
        else *o++ = '\t';
    int8_t source = COL(c, C_SOURCE, int8_t)[r];
    int known = source >= 0 && source <= 1;
    o = put_span(o, known ? (span_t){SOURCES[source], (Py_ssize_t)strlen(SOURCES[source])}
                          : (span_t){"NA", 2});
    *o++ = '\t';
    if (!(o = put_float(o, COL(c, C_POP, double)[r]))) return NULL;
    *o++ = '\t', o = put_code(o, c, C_CSQ, r), *o++ = '\t';
    o = put_code(o, c, C_GENES, r), *o++ = '\t';
    if (!(o = put_float(o, COL(c, C_COSMIC, double)[r]))) return NULL;
    for (int i = 0; i < n_flags; i++) {
        *o++ = '\t';
        if (flags[i] < 0) memcpy(o, "NA", 2), o += 2;
        else *o++ = (char)('0' + (flags[i] != 0));
    }
    *o++ = '\t', o = put_span(o, reason), *o++ = '\n';
    return o;
}

Py_ssize_t line_bound(const columns_t *c, Py_ssize_t r, span_t ref, span_t alt, int n_flags,
                      span_t reason) {
    Py_ssize_t n = ref.n + alt.n + reason.n + 3 * n_flags + 16 * 4 + 6 * 40 + 32;
    int coded[] = {C_CHROM, C_FILTER, C_CSQ, C_GENES};
    for (int i = 0; i < 4; i++) {
        int32_t code = COL(c, coded[i], int32_t)[r];
        n += code >= 0 ? c->table[TABLE_OF[coded[i]]][code].n : 2;
    }
    return n;
}

/* The spans and reason of row r, checked against their buffers (-1 lengths when not). */
int row_parts(const columns_t *c, Py_ssize_t r, const Py_buffer *ref_text,
              const Py_buffer *alt_text, const int32_t *reason, PyObject *reasons,
              span_t *parts) {
    parts[0] = text_span(ref_text, COL(c, C_REF_START, int64_t)[r], COL(c, C_REF_END, int64_t)[r]);
    parts[1] = text_span(alt_text, COL(c, C_ALT_START, int64_t)[r], COL(c, C_ALT_END, int64_t)[r]);
    if (parts[0].n < 0 || parts[1].n < 0 || reason[r] < 0 || reason[r] >= PyList_GET_SIZE(reasons))
        return PyErr_SetString(PyExc_ValueError, "span or reason code out of range"), -1;
    char *why;
    if (PyBytes_AsStringAndSize(PyList_GET_ITEM(reasons, reason[r]), &why, &parts[2].n) < 0)
        return -1;
    parts[2].s = why;
    return 0;
}
