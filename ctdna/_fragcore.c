/* Compiled counting core of ctdna-count (method: docs/ctdna_counting.md).
 *
 * Reads BAM/CRAM records through htslib and returns, without creating one Python object per
 * read:
 *   site_observations: per site position, each kept read's molecule id and observation id
 *     (the allele rules and the molecule consensus are applied in ctdna/counting.py);
 *   target_molecules: per capture target, molecule-level base counts (a molecule's base at a
 *     position counts once, and only when all its reads agree), covered bases and fragments.
 *   territory_reads: over the union of the targets, each record once: reads, duplicates, kept
 *     reads, molecules and one fragment length per molecule (the QC view's read statistics).
 * A molecule is the read name (both mates of a fragment), or the UMI family with umi_tag.
 *
 * htslib is not linked at build time: bind() (ctdna/_samfile.h) resolves them with dlsym() in an
 * htslib shared library chosen by ctdna/fragcore.py (pysam's bundled one, or the system
 * libhts.so.3, the library samtools uses). Only the layout of bam1_t/bam1_core_t and htsFile
 * is compiled in, from pysam's htslib headers; it is unchanged since htslib 1.10, which
 * fragcore.py requires.
 * Read position semantics follow htslib's pileup (sam.c resolve_cigar2) and samtools
 * mpileup's base-quality filter (bam_plcmd.c: quality at qpos, also for deletions).
 */
#include "_samfile.h" /* the htslib functions, bind(), open_input() and close_input() */
#include "htslib/khash.h"

KHASH_MAP_INIT_STR(ids, int32_t)


static const char NT16[] = "=ACMGRSVTWYHKDBN"; /* BAM 4-bit base codes (SAM spec 1.6 section 4.2.3) */

/* ---------------------------------------------------------------- binding htslib */


/* ---------------------------------------------------------------- small buffers */

typedef struct { char *s; size_t n, cap; } buf_t;

static int buf_add(buf_t *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2;
        char *s2 = realloc(b->s, cap);
        if (!s2) return -1;
        b->s = s2, b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
    return 0;
}

static int buf_int(buf_t *b, int64_t v) {
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%lld", (long long)v);
    return buf_add(b, digits, (size_t)n);
}

typedef struct { int32_t *v; size_t n, cap; } ivec_t;

static int ivec_push(ivec_t *a, int32_t x) {
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 1024;
        int32_t *v = realloc(a->v, cap * sizeof(int32_t));
        if (!v) return -1;
        a->v = v, a->cap = cap;
    }
    a->v[a->n++] = x;
    return 0;
}

/* Key storage in blocks reused after a clear (no malloc/free per key). */
#define ARENA_BLOCK (1 << 20)
typedef struct { char **blocks; size_t n_blocks, current, used; } arena_t;

static char *arena_copy(arena_t *a, const char *s) {
    size_t n = strlen(s) + 1;
    if (n > ARENA_BLOCK) return NULL;
    if (a->n_blocks == 0 || a->used + n > ARENA_BLOCK) {
        if (a->n_blocks > 0) a->current++, a->used = 0;
        if (a->current == a->n_blocks) {
            char **blocks = realloc(a->blocks, (a->n_blocks + 1) * sizeof(char *));
            if (!blocks) return NULL;
            a->blocks = blocks;
            if (!(a->blocks[a->n_blocks] = malloc(ARENA_BLOCK))) return NULL;
            a->n_blocks++;
        }
    }
    char *copy = a->blocks[a->current] + a->used;
    memcpy(copy, s, n);
    a->used += n;
    return copy;
}

/* Dense ids of strings: id of key (copied on first sight); -1 on memory error. */
typedef struct { khash_t(ids) *h; char **keys; int32_t n, cap; arena_t arena; } idmap_t;

static int32_t idmap_get(idmap_t *m, const char *key) {
    khint_t k = kh_get(ids, m->h, key);
    if (k != kh_end(m->h)) return kh_val(m->h, k);
    if (m->n == m->cap) {
        int32_t cap = m->cap ? m->cap * 2 : 1024;
        char **keys = realloc(m->keys, (size_t)cap * sizeof(char *));
        if (!keys) return -1;
        m->keys = keys, m->cap = cap;
    }
    char *copy = arena_copy(&m->arena, key);
    int absent;
    if (!copy) return -1;
    k = kh_put(ids, m->h, copy, &absent);
    if (absent < 0) return -1;
    kh_val(m->h, k) = m->n;
    m->keys[m->n] = copy;
    return m->n++;
}

static void idmap_clear(idmap_t *m) {
    kh_clear(ids, m->h);
    m->n = 0;
    m->arena.current = m->arena.used = 0;
}

static void idmap_free(idmap_t *m) {
    kh_destroy(ids, m->h);
    for (size_t i = 0; i < m->arena.n_blocks; i++) free(m->arena.blocks[i]);
    free(m->arena.blocks);
    free(m->keys);
}

/* ---------------------------------------------------------------- input files */

static int contig_id(input_t *in, const char *chrom) {
    int tid = H.name2tid(in->hdr, chrom);
    if (tid < 0) PyErr_Format(PyExc_ValueError, "contig %s is not in the BAM header", chrom);
    return tid;
}

/* hts_itr_next result: 0 more records, 1 end, -1 error (OSError set). */
static int next_record(input_t *in, hts_itr_t *itr, const char *path) {
    int r = H.itr_next(in->bgzf, itr, in->b, in->fp);
    if (r >= 0) return 0;
    if (r == -1) return 1;
    PyErr_Format(PyExc_OSError, "htslib could not read a record of %s (truncated or corrupt)", path);
    return -1;
}

static int kept(const bam1_t *b, int min_mapq, int exclude) {
    return !(b->core.flag & exclude) && b->core.qual >= min_mapq;
}

/* Molecule key: "N\t<read name>", or the UMI family ("M\t<MI without /A or /B>",
 * "R\t<RX>\t<tid>\t<leftmost mate start>\t<|TLEN|>"); reads without the tag use the name. */
static int molecule_key(const bam1_t *b, const char *umi, buf_t *key) {
    key->n = 0;
    uint8_t *tag = umi ? H.aux_get(b, umi) : NULL;
    int mi = umi && umi[0] == 'M';
    if (tag && (*tag == 'Z' || *tag == 'H')) {
        const char *v = H.aux2Z(tag);
        size_t n = strlen(v);
        if (mi && n >= 2 && v[n - 2] == '/' && (v[n - 1] == 'A' || v[n - 1] == 'B')) n -= 2;
        if (buf_add(key, mi ? "M\t" : "R\t", 2) || buf_add(key, v, n)) return -1;
    } else if (tag && strchr("cCsSiI", *tag)) {
        if (buf_add(key, mi ? "M\t" : "R\t", 2) || buf_int(key, H.aux2i(tag))) return -1;
    } else {
        return buf_add(key, "N\t", 2) || buf_add(key, bam_get_qname(b), strlen(bam_get_qname(b)));
    }
    if (mi) return 0;
    int64_t start = (b->core.flag & BAM_FPAIRED) && b->core.mpos < b->core.pos ? b->core.mpos
                                                                                : b->core.pos;
    int64_t tlen = b->core.isize < 0 ? -b->core.isize : b->core.isize;
    return buf_add(key, "\t", 1) || buf_int(key, b->core.tid) || buf_add(key, "\t", 1) ||
           buf_int(key, start) || buf_add(key, "\t", 1) || buf_int(key, tlen);
}

/* ---------------------------------------------------------------- CIGAR at a position */

enum { AT_NONE, AT_BASE, AT_DELETED, AT_REFSKIP };

static int ref_op(int op) {
    return op == BAM_CMATCH || op == BAM_CDEL || op == BAM_CREF_SKIP || op == BAM_CEQUAL ||
           op == BAM_CDIFF;
}

static int match_op(int op) { return op == BAM_CMATCH || op == BAM_CEQUAL || op == BAM_CDIFF; }

/* Indel right after the last base of match operation k (htslib resolve_cigar2): -length of
 * the following deletion(s), +length of the following insertion(s) (pads skipped), else 0. */
static int indel_after(const uint32_t *cigar, int n, int k) {
    if (k + 1 >= n) return 0;
    int op2 = bam_cigar_op(cigar[k + 1]), len = (int)bam_cigar_oplen(cigar[k + 1]), j;
    if (op2 == BAM_CDEL) {
        for (j = k + 2; j < n && bam_cigar_op(cigar[j]) == BAM_CDEL; j++) len += bam_cigar_oplen(cigar[j]);
        return -len;
    }
    if (op2 == BAM_CINS) {
        for (j = k + 2; j < n; j++) {
            int op = bam_cigar_op(cigar[j]);
            if (op == BAM_CINS) len += bam_cigar_oplen(cigar[j]);
            else if (op != BAM_CPAD) break;
        }
        return len;
    }
    if (op2 == BAM_CPAD) {
        int inserted = 0;
        for (j = k + 2; j < n; j++) {
            int op = bam_cigar_op(cigar[j]);
            if (op == BAM_CINS) inserted += bam_cigar_oplen(cigar[j]);
            else if (ref_op(op)) break;
        }
        return inserted;
    }
    return 0;
}

/* What the read shows at 0-based reference position pos: AT_BASE (query position *qpos,
 * *indel after it), AT_DELETED / AT_REFSKIP (*qpos = next query base), or AT_NONE. */
static int locate(const bam1_t *b, hts_pos_t pos, int64_t *qpos, int *indel) {
    const uint32_t *cigar = bam_get_cigar(b);
    int n = (int)b->core.n_cigar;
    hts_pos_t x = b->core.pos;
    int64_t y = 0;
    *indel = 0;
    if (pos < x) return AT_NONE;
    for (int k = 0; k < n; k++) {
        int op = bam_cigar_op(cigar[k]);
        hts_pos_t len = bam_cigar_oplen(cigar[k]);
        if (match_op(op)) {
            if (pos < x + len) {
                *qpos = y + (pos - x);
                if (pos == x + len - 1) *indel = indel_after(cigar, n, k);
                return AT_BASE;
            }
            x += len, y += len;
        } else if (op == BAM_CDEL || op == BAM_CREF_SKIP) {
            if (pos < x + len) {
                *qpos = y;
                return op == BAM_CDEL ? AT_DELETED : AT_REFSKIP;
            }
            x += len;
        } else if (op == BAM_CINS || op == BAM_CSOFT_CLIP) {
            y += len;
        }
    }
    return AT_NONE;
}

/* Base quality at query position qpos, 0 beyond the read (samtools mpileup's rule). */
static int quality_at(const bam1_t *b, int64_t qpos) {
    return qpos < b->core.l_qseq ? bam_get_qual(b)[qpos] : 0;
}

/* Observation token: "A", "A+2GT" (inserted bases), "A-2" (deleted length) or "*". */
static int observation_token(const bam1_t *b, int at, int64_t qpos, int indel, buf_t *token) {
    token->n = 0;
    if (at == AT_DELETED) return buf_add(token, "*", 1);
    const uint8_t *seq = bam_get_seq(b);
    char base = NT16[bam_seqi(seq, qpos)];
    if (buf_add(token, &base, 1)) return -1;
    if (indel == 0) return 0;
    if (buf_add(token, indel > 0 ? "+" : "-", 1) || buf_int(token, indel > 0 ? indel : -indel))
        return -1;
    for (int64_t j = 1; indel > 0 && j <= indel && qpos + j < b->core.l_qseq; j++) {
        char inserted = NT16[bam_seqi(seq, qpos + j)];
        if (buf_add(token, &inserted, 1)) return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- site observations */

typedef struct {
    input_t in;
    idmap_t molecules, tokens;
    buf_t key, token;
    ivec_t mol, obs;
    int32_t single[16]; /* observation id of a base without indel, by 4-bit code (-1: none yet) */
} site_state_t;

static void site_state_free(site_state_t *s) {
    close_input(&s->in);
    if (s->molecules.h) idmap_free(&s->molecules);
    if (s->tokens.h) idmap_free(&s->tokens);
    free(s->key.s), free(s->token.s), free(s->mol.v), free(s->obs.v);
}

/* Molecule and observation id of each kept read at pos into s->mol / s->obs (observation -1:
 * base quality below min_baseq); returns the number of reads, -1 on error. */
static Py_ssize_t observe(site_state_t *s, const char *path, int tid, hts_pos_t pos,
                          int min_mapq, int min_baseq, int exclude, const char *umi) {
    hts_itr_t *itr = H.itr_queryi(s->in.idx, tid, pos, pos + 1);
    if (!itr) { PyErr_Format(PyExc_OSError, "htslib could not query %s", path); return -1; }
    bam1_t *b = s->in.b;
    int r;
    s->mol.n = s->obs.n = 0;
    idmap_clear(&s->molecules), idmap_clear(&s->tokens);
    for (int i = 0; i < 16; i++) s->single[i] = -1;
    while ((r = next_record(&s->in, itr, path)) == 0) {
        if (!kept(b, min_mapq, exclude) || b->core.n_cigar == 0) continue;
        int64_t qpos = 0;
        int indel, at = locate(b, pos, &qpos, &indel);
        if (at == AT_NONE || at == AT_REFSKIP) continue;
        int32_t obs = -1, mol;
        int code = at == AT_BASE && indel == 0 ? bam_seqi(bam_get_seq(b), qpos) : -1;
        if (quality_at(b, qpos) < min_baseq) {
            obs = -1;
        } else if (code >= 0 && s->single[code] >= 0) {
            obs = s->single[code];
        } else {
            if (observation_token(b, at, qpos, indel, &s->token) ||
                (obs = idmap_get(&s->tokens, s->token.s)) < 0) { r = -2; break; }
            if (code >= 0) s->single[code] = obs;
        }
        if (molecule_key(b, umi, &s->key) || (mol = idmap_get(&s->molecules, s->key.s)) < 0 ||
            ivec_push(&s->mol, mol) || ivec_push(&s->obs, obs)) { r = -2; break; }
    }
    H.itr_destroy(itr);
    if (r == -2) PyErr_NoMemory();
    return r < 0 ? -1 : (Py_ssize_t)s->mol.n;
}

static PyObject *int32_bytes(const ivec_t *a) {
    return PyBytes_FromStringAndSize((const char *)a->v, (Py_ssize_t)(a->n * sizeof(int32_t)));
}

static PyObject *site_result(site_state_t *s, Py_ssize_t reads) {
    PyObject *tokens = PyList_New(s->tokens.n);
    if (!tokens) return NULL;
    for (int32_t i = 0; i < s->tokens.n; i++) {
        PyObject *t = PyUnicode_FromString(s->tokens.keys[i]);
        if (!t) { Py_DECREF(tokens); return NULL; }
        PyList_SET_ITEM(tokens, i, t);
    }
    return Py_BuildValue("(nNNN)", reads, int32_bytes(&s->mol), int32_bytes(&s->obs), tokens);
}

static PyObject *site_observations(PyObject *self, PyObject *args) {
    const char *path, *reference, *chrom, *umi;
    PyObject *positions;
    int min_mapq, min_baseq, exclude;
    if (!PyArg_ParseTuple(args, "szsOiiiz", &path, &reference, &chrom, &positions, &min_mapq,
                          &min_baseq, &exclude, &umi)) return NULL;
    PyObject *seq = PySequence_Fast(positions, "positions must be a sequence");
    if (!seq) return NULL;
    site_state_t s = {0};
    PyObject *out = NULL;
    s.molecules.h = kh_init(ids), s.tokens.h = kh_init(ids);
    if (!s.molecules.h || !s.tokens.h) { PyErr_NoMemory(); goto done; }
    if (open_input(&s.in, path, reference)) goto done;
    int tid = contig_id(&s.in, chrom);
    if (tid < 0) goto done;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (!(out = PyList_New(n))) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        long long pos = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(seq, i));
        if (pos == -1 && PyErr_Occurred()) { Py_CLEAR(out); goto done; }
        Py_ssize_t reads = observe(&s, path, tid, pos, min_mapq, min_baseq, exclude, umi);
        PyObject *item = reads < 0 ? NULL : site_result(&s, reads);
        if (!item) { Py_CLEAR(out); goto done; }
        PyList_SET_ITEM(out, i, item);
    }
done:
    site_state_free(&s);
    Py_DECREF(seq);
    return out;
}

/* ---------------------------------------------------------------- target molecules */

/* Per molecule and target position, the union of its reads' observations (bits). */
enum {
    OBS_A = 1, OBS_C = 2, OBS_G = 4, OBS_T = 8, OBS_OTHER = 16, /* base (q >= min) or deletion */
    OBS_COVER = 32,                                              /* aligned base, any quality */
    OBS_NO_INDEL = 64, OBS_INSERTION = 128, OBS_DELETION = 256    /* after an observed base */
};
#define OBS_BASES (OBS_A | OBS_C | OBS_G | OBS_T | OBS_OTHER)
#define OBS_INDELS (OBS_NO_INDEL | OBS_INSERTION | OBS_DELETION)

typedef struct { int32_t lo, n, cap; uint16_t *bits; } span_t; /* bits[i]: offset lo + i */

typedef struct {
    input_t in;
    idmap_t molecules;
    span_t *spans;
    int32_t n_spans, cap_spans;
    buf_t key;
} target_state_t;

static void target_state_free(target_state_t *s) {
    close_input(&s->in);
    for (int32_t i = 0; i < s->n_spans; i++) free(s->spans[i].bits);
    free(s->spans);
    if (s->molecules.h) idmap_free(&s->molecules);
    free(s->key.s);
}

/* OR bits into the molecule's state at target offset off (grows the span); -1: no memory. */
static int mark(span_t *sp, int32_t off, uint16_t bits) {
    if (sp->n == 0) sp->lo = off;
    if (off < sp->lo) { /* rare: a read's first marked base left of an earlier read's */
        int32_t shift = sp->lo - off, cap = sp->n + shift + 64;
        uint16_t *grown = calloc((size_t)cap, sizeof(uint16_t));
        if (!grown) return -1;
        memcpy(grown + shift, sp->bits, (size_t)sp->n * sizeof(uint16_t));
        free(sp->bits);
        sp->bits = grown, sp->cap = cap, sp->lo = off, sp->n += shift;
    }
    int32_t i = off - sp->lo;
    if (i >= sp->cap) {
        int32_t cap = i * 2 + 64;
        uint16_t *grown = realloc(sp->bits, (size_t)cap * sizeof(uint16_t));
        if (!grown) return -1;
        memset(grown + sp->cap, 0, (size_t)(cap - sp->cap) * sizeof(uint16_t));
        sp->bits = grown, sp->cap = cap;
    }
    if (i >= sp->n) sp->n = i + 1;
    sp->bits[i] |= bits;
    return 0;
}

static uint16_t base_bit(const uint8_t *seq, int64_t qpos) {
    switch (bam_seqi(seq, qpos)) {
        case 1: return OBS_A;
        case 2: return OBS_C;
        case 4: return OBS_G;
        case 8: return OBS_T;
        default: return OBS_OTHER;
    }
}

/* Mark the read's observations inside [start, end) on its molecule's span. */
static int mark_read(const bam1_t *b, span_t *sp, hts_pos_t start, hts_pos_t end, int min_baseq) {
    const uint32_t *cigar = bam_get_cigar(b);
    const uint8_t *seq = bam_get_seq(b);
    int n = (int)b->core.n_cigar;
    hts_pos_t x = b->core.pos;
    int64_t y = 0;
    for (int k = 0; k < n && x < end; k++) {
        int op = bam_cigar_op(cigar[k]);
        hts_pos_t len = bam_cigar_oplen(cigar[k]);
        if (match_op(op)) {
            int indel = indel_after(cigar, n, k);
            hts_pos_t lo = x < start ? start - x : 0, hi = x + len > end ? end - x : len;
            for (hts_pos_t i = lo; i < hi; i++) {
                uint16_t bits = OBS_COVER;
                if (quality_at(b, y + i) >= min_baseq) {
                    bits |= base_bit(seq, y + i);
                    bits |= i < len - 1 || indel == 0 ? OBS_NO_INDEL
                            : indel > 0 ? OBS_INSERTION : OBS_DELETION;
                }
                if (mark(sp, (int32_t)(x + i - start), bits)) return -1;
            }
            x += len, y += len;
        } else if (op == BAM_CDEL || op == BAM_CREF_SKIP) {
            int deleted = op == BAM_CDEL && quality_at(b, y) >= min_baseq;
            for (hts_pos_t p = x > start ? x : start; deleted && p < x + len && p < end; p++)
                if (mark(sp, (int32_t)(p - start), OBS_OTHER)) return -1;
            x += len;
        } else if (op == BAM_CINS || op == BAM_CSOFT_CLIP) {
            y += len;
        }
    }
    return 0;
}

static span_t *molecule_span(target_state_t *s, const bam1_t *b, const char *umi) {
    int32_t id;
    if (molecule_key(b, umi, &s->key) || (id = idmap_get(&s->molecules, s->key.s)) < 0) return NULL;
    if (id == s->cap_spans) {
        int32_t cap = s->cap_spans ? s->cap_spans * 2 : 1024;
        span_t *spans = realloc(s->spans, (size_t)cap * sizeof(span_t));
        if (!spans) return NULL;
        s->spans = spans, s->cap_spans = cap;
    }
    if (id == s->n_spans) {
        memset(&s->spans[id], 0, sizeof(span_t));
        s->n_spans = id + 1;
    }
    return &s->spans[id];
}

/* Molecule-level counts of one target from the spans: (fragments, covered bases, A/C/G/T
 * counts as int64[4 * length], insertion and deletion events as int64[length]). */
static PyObject *target_result(target_state_t *s, int32_t length) {
    int64_t *counts = calloc((size_t)length * 6, sizeof(int64_t));
    if (!counts) return PyErr_NoMemory();
    int64_t covered = 0, *ins = counts + 4 * (size_t)length, *del = counts + 5 * (size_t)length;
    for (int32_t m = 0; m < s->n_spans; m++) {
        const span_t *sp = &s->spans[m];
        for (int32_t i = 0; i < sp->n; i++) {
            uint16_t bits = sp->bits[i], bases = bits & OBS_BASES, indels = bits & OBS_INDELS;
            int32_t off = sp->lo + i;
            covered += (bits & OBS_COVER) != 0;
            int which = bases == OBS_A ? 0 : bases == OBS_C ? 1 : bases == OBS_G ? 2
                        : bases == OBS_T ? 3 : -1;
            if (which < 0) continue;
            counts[(size_t)which * length + off]++;
            ins[off] += indels == OBS_INSERTION;
            del[off] += indels == OBS_DELETION;
        }
    }
    PyObject *out = Py_BuildValue(
        "(iLy#y#y#)", s->molecules.n, (long long)covered, (const char *)counts,
        (Py_ssize_t)(4 * (size_t)length * sizeof(int64_t)), (const char *)ins,
        (Py_ssize_t)(length * sizeof(int64_t)), (const char *)del,
        (Py_ssize_t)(length * sizeof(int64_t)));
    free(counts);
    return out;
}

static PyObject *one_target(target_state_t *s, const char *path, int tid, hts_pos_t start,
                            hts_pos_t end, int min_mapq, int min_baseq, int exclude,
                            const char *umi) {
    for (int32_t i = 0; i < s->n_spans; i++) free(s->spans[i].bits);
    s->n_spans = 0;
    idmap_clear(&s->molecules);
    hts_itr_t *itr = H.itr_queryi(s->in.idx, tid, start, end);
    if (!itr) return PyErr_Format(PyExc_OSError, "htslib could not query %s", path);
    int r;
    while ((r = next_record(&s->in, itr, path)) == 0) {
        const bam1_t *b = s->in.b;
        if (!kept(b, min_mapq, exclude)) continue;
        span_t *sp = molecule_span(s, b, umi);
        if (!sp || mark_read(b, sp, start, end, min_baseq)) { r = -2; break; }
    }
    H.itr_destroy(itr);
    if (r == -2) return PyErr_NoMemory();
    return r < 0 ? NULL : target_result(s, (int32_t)(end - start));
}

static PyObject *target_molecules(PyObject *self, PyObject *args) {
    const char *path, *reference, *chrom, *umi;
    PyObject *starts, *ends;
    int min_mapq, min_baseq, exclude;
    if (!PyArg_ParseTuple(args, "szsOOiiiz", &path, &reference, &chrom, &starts, &ends,
                          &min_mapq, &min_baseq, &exclude, &umi)) return NULL;
    PyObject *lo = PySequence_Fast(starts, "starts must be a sequence"), *out = NULL;
    PyObject *hi = lo ? PySequence_Fast(ends, "ends must be a sequence") : NULL;
    target_state_t s = {0};
    if (!hi) goto done;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(lo);
    if (PySequence_Fast_GET_SIZE(hi) != n) {
        PyErr_SetString(PyExc_ValueError, "starts and ends differ in length");
        goto done;
    }
    if (!(s.molecules.h = kh_init(ids))) { PyErr_NoMemory(); goto done; }
    if (open_input(&s.in, path, reference)) goto done;
    int tid = contig_id(&s.in, chrom);
    if (tid < 0 || !(out = PyList_New(n))) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        long long start = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(lo, i));
        long long end = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(hi, i));
        if (PyErr_Occurred() || end <= start || start < 0) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "empty or negative target");
            Py_CLEAR(out);
            goto done;
        }
        PyObject *item = one_target(&s, path, tid, start, end, min_mapq, min_baseq, exclude, umi);
        if (!item) { Py_CLEAR(out); goto done; }
        PyList_SET_ITEM(out, i, item);
    }
done:
    target_state_free(&s);
    Py_XDECREF(lo);
    Py_XDECREF(hi);
    return out;
}

/* ---------------------------------------------------------------- reads over the territory */

/* Every record over the capture territory, once: primary mapped records and their duplicate
 * flags; the kept reads, their distinct molecules and one fragment length per molecule (|TLEN|
 * of its first kept proper-pair read with TLEN != 0; method: ctdna/read_stats.py). */
typedef struct {
    input_t in;
    idmap_t molecules;
    buf_t key;
    uint8_t *sized; /* per molecule id: 1 once its length is recorded */
    size_t cap_sized;
    ivec_t lengths;
    int64_t reads, duplicates, kept_reads;
} territory_state_t;

static void territory_state_free(territory_state_t *s) {
    close_input(&s->in);
    if (s->molecules.h) idmap_free(&s->molecules);
    free(s->key.s), free(s->sized), free(s->lengths.v);
}

/* Record the length of molecule id once; -1: no memory. */
static int size_molecule(territory_state_t *s, const bam1_t *b, int32_t id) {
    if ((size_t)id >= s->cap_sized) {
        size_t cap = (size_t)id * 2 + 1024;
        uint8_t *grown = realloc(s->sized, cap);
        if (!grown) return -1;
        memset(grown + s->cap_sized, 0, cap - s->cap_sized);
        s->sized = grown, s->cap_sized = cap;
    }
    if (s->sized[id] || !(b->core.flag & BAM_FPROPER_PAIR) || b->core.isize == 0) return 0;
    int64_t tlen = b->core.isize < 0 ? -b->core.isize : b->core.isize;
    s->sized[id] = 1;
    return ivec_push(&s->lengths, tlen > INT32_MAX ? INT32_MAX : (int32_t)tlen);
}

/* Tally the records of one merged interval; records starting before prev_end (the previous
 * interval's end on the same contig, else -1) overlap it and were tallied there. */
static int territory_interval(territory_state_t *s, const char *path, int tid, hts_pos_t start,
                              hts_pos_t end, hts_pos_t prev_end, int min_mapq, int exclude,
                              const char *umi) {
    hts_itr_t *itr = H.itr_queryi(s->in.idx, tid, start, end);
    if (!itr) { PyErr_Format(PyExc_OSError, "htslib could not query %s", path); return -1; }
    const bam1_t *b = s->in.b;
    int r;
    int32_t id;
    while ((r = next_record(&s->in, itr, path)) == 0) {
        if (b->core.pos < prev_end) continue;
        if (!(b->core.flag & (BAM_FUNMAP | BAM_FSECONDARY | BAM_FSUPPLEMENTARY))) {
            s->reads++;
            s->duplicates += (b->core.flag & BAM_FDUP) != 0;
        }
        if (!kept(b, min_mapq, exclude)) continue;
        s->kept_reads++;
        if (molecule_key(b, umi, &s->key) || (id = idmap_get(&s->molecules, s->key.s)) < 0 ||
            size_molecule(s, b, id)) { r = -2; break; }
    }
    H.itr_destroy(itr);
    if (r == -2) PyErr_NoMemory();
    return r < 0 ? -1 : 0;
}

static PyObject *territory_reads(PyObject *self, PyObject *args) {
    const char *path, *reference, *umi;
    PyObject *chroms, *starts, *ends;
    int min_mapq, min_baseq, exclude;
    if (!PyArg_ParseTuple(args, "szOOOiiiz", &path, &reference, &chroms, &starts, &ends,
                          &min_mapq, &min_baseq, &exclude, &umi)) return NULL;
    PyObject *names = PySequence_Fast(chroms, "chroms must be a sequence"), *out = NULL;
    PyObject *lo = names ? PySequence_Fast(starts, "starts must be a sequence") : NULL;
    PyObject *hi = lo ? PySequence_Fast(ends, "ends must be a sequence") : NULL;
    territory_state_t s = {0};
    if (!hi) goto done;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(names);
    if (PySequence_Fast_GET_SIZE(lo) != n || PySequence_Fast_GET_SIZE(hi) != n) {
        PyErr_SetString(PyExc_ValueError, "chroms, starts and ends differ in length");
        goto done;
    }
    if (!(s.molecules.h = kh_init(ids))) { PyErr_NoMemory(); goto done; }
    if (open_input(&s.in, path, reference)) goto done;
    int prev_tid = -1;
    long long prev_end = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *chrom = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(names, i));
        if (!chrom) goto done;
        int tid = contig_id(&s.in, chrom);
        long long start = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(lo, i));
        long long end = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(hi, i));
        if (tid < 0 || PyErr_Occurred()) goto done;
        if (end <= start || start < 0 || (tid == prev_tid && start <= prev_end)) {
            PyErr_SetString(PyExc_ValueError, "territory intervals must be merged and sorted");
            goto done;
        }
        if (territory_interval(&s, path, tid, start, end, tid == prev_tid ? prev_end : -1,
                               min_mapq, exclude, umi)) goto done;
        prev_tid = tid, prev_end = end;
    }
    out = Py_BuildValue("(LLLiN)", (long long)s.reads, (long long)s.duplicates,
                        (long long)s.kept_reads, s.molecules.n, int32_bytes(&s.lengths));
done:
    territory_state_free(&s);
    Py_XDECREF(names);
    Py_XDECREF(lo);
    Py_XDECREF(hi);
    return out;
}

/* ---------------------------------------------------------------- module */

SAMFILE_MODULE(_fragcore, "Compiled counting core of ctdna-count.",
    {"site_observations", site_observations, METH_VARARGS,
     "site_observations(bam, reference, chrom, positions0, min_mapq, min_baseq, exclude_flags, "
     "umi_tag) -> per position (reads, molecule ids int32 bytes, observation ids int32 bytes "
     "(-1: low base quality), observation tokens)."},
    {"target_molecules", target_molecules, METH_VARARGS,
     "target_molecules(bam, reference, chrom, starts, ends, min_mapq, min_baseq, exclude_flags, "
     "umi_tag) -> per target (fragments, covered bases, ACGT int64 bytes [4 x length], "
     "insertions int64 bytes, deletions int64 bytes)."},
    {"territory_reads", territory_reads, METH_VARARGS,
     "territory_reads(bam, reference, chroms, starts, ends, min_mapq, min_baseq, exclude_flags, "
     "umi_tag) -> over the merged, sorted intervals, each record once: (primary mapped reads, "
     "duplicate-flagged among them, kept reads, distinct kept molecules, fragment lengths int32 "
     "bytes (one per molecule with a kept proper-pair read, |TLEN|))."})
