/* Buffers, interned texts and VCF numbers of the compiled VCF reader (tmb/_vcfcore.h). */
#include "_vcfcore.h"

/* 64-bit hash of a text: 8-byte words folded by multiply-xorshift, then the MurmurHash3
 * finaliser (fmix64), so that the low bits used as the slot depend on every byte. */
static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n, w;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ULL, h ^= h >> 31;
    }
    w = 0;
    memcpy(&w, s, n);
    h ^= w;
    h ^= h >> 33, h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33, h *= 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 33);
}

span_t intern_text(const intern_t *t, int32_t id) {
    const size_t *at = (const size_t *)t->offsets.v;
    return (span_t){t->arena.v + at[id], (Py_ssize_t)(at[id + 1] - at[id])};
}

static int intern_grow(intern_t *t) {
    size_t n_slots = t->n_slots ? 2 * t->n_slots : 256;
    int32_t *slots = calloc(n_slots, sizeof(int32_t));
    if (!slots) return -1;
    for (int32_t id = 0; id < t->n; id++) {
        span_t s = intern_text(t, id);
        size_t i = hash_bytes(s.s, (size_t)s.n) & (n_slots - 1);
        while (slots[i]) i = (i + 1) & (n_slots - 1);
        slots[i] = id + 1;
    }
    free(t->slots);
    t->slots = slots, t->n_slots = n_slots;
    return 0;
}

/* Code of the text s (added on first sight); -1 on memory error. */
int32_t intern(intern_t *t, const char *s, size_t n) {
    if ((size_t)(t->n + 1) * 2 > t->n_slots && intern_grow(t) < 0) return -1;
    if (t->n == 0) {
        size_t zero = 0;
        if (buf_add(&t->offsets, &zero, sizeof zero) < 0) return -1;
    }
    size_t i = hash_bytes(s, n) & (t->n_slots - 1);
    for (; t->slots[i]; i = (i + 1) & (t->n_slots - 1)) {
        span_t known = intern_text(t, t->slots[i] - 1);
        if ((size_t)known.n == n && memcmp(known.s, s, n) == 0) return t->slots[i] - 1;
    }
    if (buf_add(&t->arena, s, n) < 0 || buf_add(&t->offsets, &t->arena.n, sizeof(size_t)) < 0)
        return -1;
    t->slots[i] = ++t->n;
    return t->n - 1;
}

void intern_free(intern_t *t) { free(t->arena.v), free(t->offsets.v), free(t->slots); }

PyObject *intern_list(const intern_t *t) {
    PyObject *list = PyList_New(t->n);
    for (int32_t id = 0; list && id < t->n; id++) {
        span_t s = intern_text(t, id);
        PyObject *item = PyBytes_FromStringAndSize(s.s, s.n);
        if (!item) return Py_DECREF(list), NULL;
        PyList_SET_ITEM(list, id, item);
    }
    return list;
}

/* VCF Integer (VCF 4.3 section 1.6.2): [-+]?[0-9]+, within int64. 0 if s is one. */
int parse_int(span_t s, double *out) {
    Py_ssize_t i = (s.n && (s.s[0] == '-' || s.s[0] == '+')) ? 1 : 0;
    if (i == s.n || s.n - i > 18) return -1; /* 18 digits always fit int64 */
    int64_t v = 0;
    for (; i < s.n; i++) {
        unsigned d = (unsigned char)s.s[i] - '0';
        if (d > 9) return -1;
        v = v * 10 + d;
    }
    *out = (double)(s.s[0] == '-' ? -v : v);
    return 0;
}

static const double POW10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int parse_special(span_t s, double *out) {
    int negative = s.n && s.s[0] == '-';
    span_t w = s;
    if (w.n && (w.s[0] == '-' || w.s[0] == '+')) w.s++, w.n--;
    char low[9] = {0};
    if (w.n > 8) return -1;
    for (Py_ssize_t i = 0; i < w.n; i++) low[i] = (char)(w.s[i] | 0x20);
    if (!strcmp(low, "inf") || !strcmp(low, "infinity")) *out = negative ? -INFINITY : INFINITY;
    else if (!strcmp(low, "nan")) *out = NAN;
    else return -1;
    return 0;
}

/* VCF Float (VCF 4.3 section 1.6.2): [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, or
 * [-+]?(INF|INFINITY|NAN) in any case. Correctly rounded (exact fast path, else strtod). */
int parse_float(span_t s, double *out) {
    Py_ssize_t i = (s.n && (s.s[0] == '-' || s.s[0] == '+')) ? 1 : 0;
    uint64_t mantissa = 0;
    int digits = 0, seen = 0, scale = 0, point = 0;
    for (; i < s.n; i++) {
        char c = s.s[i];
        if (c == '.' && !point) { point = 1; continue; }
        if (c < '0' || c > '9') break;
        seen = 1;
        if (mantissa == 0 && c == '0') { scale -= point; continue; }
        if (digits < 19) mantissa = mantissa * 10 + (uint64_t)(c - '0'), digits++, scale -= point;
        else scale += !point;
    }
    if (!seen) return parse_special(s, out);
    int exponent = 0;
    if (i < s.n && (s.s[i] == 'e' || s.s[i] == 'E')) {
        Py_ssize_t j = i + 1 + (i + 1 < s.n && (s.s[i + 1] == '-' || s.s[i + 1] == '+'));
        if (j == s.n) return -1;
        for (; j < s.n; j++) {
            if (s.s[j] < '0' || s.s[j] > '9') return -1;
            if (exponent < 100000) exponent = exponent * 10 + (s.s[j] - '0');
        }
        if (s.s[i + 1] == '-') exponent = -exponent;
        i = j;
    }
    if (i != s.n) return -1;
    int e10 = scale + exponent;
    double v;
    if (digits <= 15 && e10 >= -22 && e10 <= 22) { /* exact operands: one correctly rounded op */
        v = e10 >= 0 ? (double)mantissa * POW10[e10] : (double)mantissa / POW10[-e10];
    } else {
        char copy[128];
        if (s.n >= (Py_ssize_t)sizeof copy) return -1;
        memcpy(copy, s.s, (size_t)s.n);
        copy[s.n] = '\0';
        v = fabs(strtod(copy, NULL));
    }
    *out = s.s[0] == '-' ? -v : v;
    return 0;
}

/* Largest number among the '&'-joined terms of s; NaN when none is a number. */
double max_number(span_t s) {
    double best = NAN, v;
    const char *c = s.s, *end = s.s + s.n;
    while (c <= end) {
        const char *amp = memchr(c, '&', (size_t)(end - c));
        const char *stop = amp ? amp : end;
        if (parse_float((span_t){c, stop - c}, &v) == 0 && !isnan(v) && !(v <= best)) best = v;
        c = stop + 1;
    }
    return best;
}
