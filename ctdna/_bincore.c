/* Compiled binning core of ctdna-bin (method: ctdna/lowpass_bins.py, docs/ctdna.md
 * "Low-pass WGS").
 *
 * One pass over each contig's records through htslib; per fixed-size bin it counts fragments
 * (each read pair once, by the fragment rule of representative() below) and, among them, the
 * short and long ones by |TLEN|. No Python object is created per read.
 *
 * htslib is not linked at build time: bind() (ctdna/_samfile.h) resolves them with dlsym() in the
 * htslib shared library ctdna/bincore.py takes from the counting core's choice
 * (ctdna/fragcore.py); the bam1_t layout comes from pysam's htslib headers (>= 1.10).
 */
#include "_samfile.h" /* the htslib functions, bind(), open_input() and close_input() */



/* The one record of a fragment that is counted: an unpaired read, or one whose mate is
 * unmapped, counts itself; of a pair, the mate at the lower (contig, position) counts, and
 * read 1 (flag 0x40) when both start at the same position. The fragment is placed at that
 * read's POS: the fragment's leftmost base for a pair on one contig. */
static int representative(const bam1_core_t *c) {
    if (!(c->flag & BAM_FPAIRED) || (c->flag & BAM_FMUNMAP) || c->mtid < 0) return 1;
    if (c->mtid != c->tid) return c->mtid > c->tid;
    if (c->mpos != c->pos) return c->mpos > c->pos;
    return (c->flag & BAM_FREAD1) != 0;
}

typedef struct { int64_t *fragments, *shorts, *longs; int64_t records, kept; } tally_t;

typedef struct { int min_mapq, exclude, short_lo, short_hi, long_lo, long_hi; } rules_t;

static void count_record(const bam1_core_t *c, const rules_t *r, tally_t *t, int64_t bin) {
    t->records++;
    if ((c->flag & r->exclude) || c->qual < r->min_mapq) return;
    t->kept++;
    if (!representative(c)) return;
    t->fragments[bin]++;
    if (!(c->flag & BAM_FPAIRED) || c->mtid != c->tid || c->isize == 0) return;
    int64_t length = c->isize < 0 ? -(int64_t)c->isize : (int64_t)c->isize;
    t->shorts[bin] += length >= r->short_lo && length <= r->short_hi;
    t->longs[bin] += length >= r->long_lo && length <= r->long_hi;
}

/* Count one contig of length `length` into bins of `bin_size`; 0, or -1 with the error set. */
static int count_contig(input_t *in, const char *path, const char *chrom, int64_t length,
                        int64_t bin_size, const rules_t *rules, tally_t *t) {
    int tid = H.name2tid(in->hdr, chrom);
    if (tid < 0) {
        PyErr_Format(PyExc_ValueError, "contig %s is not in the header of %s", chrom, path);
        return -1;
    }
    int64_t n_bins = (length + bin_size - 1) / bin_size;
    hts_itr_t *itr = H.itr_queryi(in->idx, tid, 0, length);
    if (!itr) { PyErr_Format(PyExc_OSError, "htslib could not query %s", path); return -1; }
    BGZF *bgzf = H.get_bgzfp(in->fp);
    int r;
    while ((r = H.itr_next(bgzf, itr, in->b, in->fp)) >= 0) {
        const bam1_core_t *c = &in->b->core;
        if (c->tid != tid || c->pos < 0) continue;
        int64_t bin = c->pos / bin_size;
        count_record(c, rules, t, bin < n_bins ? bin : n_bins - 1);
    }
    H.itr_destroy(itr);
    if (r < -1) {
        PyErr_Format(PyExc_OSError, "htslib could not read a record of %s (truncated or corrupt)",
                     path);
        return -1;
    }
    return 0;
}

static PyObject *int64_bytes(const int64_t *v, int64_t n) {
    return PyBytes_FromStringAndSize((const char *)v, (Py_ssize_t)(n * (int64_t)sizeof(int64_t)));
}

static PyObject *contig_result(const char *chrom, int64_t n_bins, tally_t *t) {
    return Py_BuildValue("(sNNNLL)", chrom, int64_bytes(t->fragments, n_bins),
                         int64_bytes(t->shorts, n_bins), int64_bytes(t->longs, n_bins),
                         (long long)t->records, (long long)t->kept);
}

static PyObject *bin_contig(input_t *in, const char *path, PyObject *item, int64_t bin_size,
                            const rules_t *rules) {
    const char *chrom;
    long long length;
    if (!PyArg_ParseTuple(item, "sL", &chrom, &length)) return NULL;
    if (length <= 0) return PyErr_Format(PyExc_ValueError, "contig %s has length %lld", chrom, length);
    int64_t n_bins = (length + bin_size - 1) / bin_size;
    tally_t t = {calloc((size_t)n_bins * 3, sizeof(int64_t)), NULL, NULL, 0, 0};
    if (!t.fragments) return PyErr_NoMemory();
    t.shorts = t.fragments + n_bins, t.longs = t.fragments + 2 * n_bins;
    PyObject *out = NULL;
    if (count_contig(in, path, chrom, length, bin_size, rules, &t) == 0)
        out = contig_result(chrom, n_bins, &t);
    free(t.fragments);
    return out;
}

static PyObject *bin_fragments(PyObject *self, PyObject *args) {
    const char *path, *reference;
    PyObject *contigs;
    long long bin_size;
    rules_t rules;
    if (!PyArg_ParseTuple(args, "szOLii(ii)(ii)", &path, &reference, &contigs, &bin_size,
                          &rules.min_mapq, &rules.exclude, &rules.short_lo, &rules.short_hi,
                          &rules.long_lo, &rules.long_hi)) return NULL;
    if (bin_size <= 0) return PyErr_Format(PyExc_ValueError, "bin size %lld <= 0", bin_size);
    PyObject *seq = PySequence_Fast(contigs, "contigs must be a sequence of (name, length)");
    if (!seq) return NULL;
    input_t in = {0};
    PyObject *out = NULL;
    if (open_input(&in, path, reference) == 0) {
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        out = PyList_New(n);
        for (Py_ssize_t i = 0; out && i < n; i++) {
            PyObject *item = bin_contig(&in, path, PySequence_Fast_GET_ITEM(seq, i), bin_size, &rules);
            if (!item) Py_CLEAR(out);
            else PyList_SET_ITEM(out, i, item);
        }
    }
    close_input(&in);
    Py_DECREF(seq);
    return out;
}

SAMFILE_MODULE(_bincore, "Compiled binning core of ctdna-bin.",
    {"bin_fragments", bin_fragments, METH_VARARGS,
     "bin_fragments(bam, reference, [(chrom, length)], bin_size, min_mapq, exclude_flags, "
     "(short_lo, short_hi), (long_lo, long_hi)) -> per contig (chrom, fragments, short, long "
     "as int64 bytes per bin, records seen, records kept)."})
