/* VCF body text through htslib (tmb/hts.py): VCF, bgzipped or gzipped VCF, and BCF.
 *
 * As the ctDNA counting core (ctdna/_fragcore.c), htslib is not linked at build time:
 * hts_bind() resolves the few functions below with dlsym() in the htslib that tmb/hts.py
 * chooses (the system libhts.so.3, else pysam's bundled one). Text VCFs are read line by line
 * with hts_getline (htslib inflates BGZF and gzip); BCF records are read with bcf_read and
 * written back as VCF lines with vcf_format, so one tokeniser (_vcfcore_parse.c) reads both.
 * Lines are returned in blocks of whole lines; the GIL is released while a block is read.
 */
#include "_htsbind.h"
#include "_vcfcore.h"
#include "htslib/hts.h"
#include "htslib/vcf.h"

#define HTS_KS_SEP_LINE 2 /* hts_getline delimiter: "\n" or "\r\n" (htslib kseq.h KS_SEP_LINE) */
#define CAPSULE "tmb.hts_reader"

static struct {
    const char *(*version)(void);
    htsFile *(*open)(const char *, const char *);
    int (*close)(htsFile *);
    int (*getline)(htsFile *, int, kstring_t *);
    const htsFormat *(*format)(htsFile *);
    bcf_hdr_t *(*hdr_read)(htsFile *);
    void (*hdr_destroy)(bcf_hdr_t *);
    bcf1_t *(*init)(void);
    void (*destroy)(bcf1_t *);
    int (*read)(htsFile *, const bcf_hdr_t *, bcf1_t *);
    int (*format_line)(const bcf_hdr_t *, const bcf1_t *, kstring_t *);
    int (*hdr_format)(const bcf_hdr_t *, int, kstring_t *);
} H;
static int bound = 0;

PyObject *hts_bind(PyObject *self, PyObject *args) {
    const hts_symbol_t table[] = {
        {"hts_version", (void **)&H.version},
        {"hts_open", (void **)&H.open},
        {"hts_close", (void **)&H.close},
        {"hts_getline", (void **)&H.getline},
        {"hts_get_format", (void **)&H.format},
        {"bcf_hdr_read", (void **)&H.hdr_read},
        {"bcf_hdr_destroy", (void **)&H.hdr_destroy},
        {"bcf_init", (void **)&H.init},
        {"bcf_destroy", (void **)&H.destroy},
        {"bcf_read", (void **)&H.read},
        {"vcf_format", (void **)&H.format_line},
        {"bcf_hdr_format", (void **)&H.hdr_format},
    };
    return hts_bind_from_args(args, table, sizeof table / sizeof table[0], &bound, &H.version);
}

typedef struct {
    htsFile *fp;
    bcf_hdr_t *hdr;   /* BCF only */
    bcf1_t *rec;      /* BCF only */
    kstring_t line;
    int in_header, done;
} reader_t;

static void reader_free(reader_t *r) {
    if (r->rec) H.destroy(r->rec);
    if (r->hdr) H.hdr_destroy(r->hdr);
    if (r->fp) H.close(r->fp);
    free(r->line.s);
    free(r);
}

static void capsule_free(PyObject *capsule) {
    reader_t *r = PyCapsule_GetPointer(capsule, CAPSULE);
    if (r) reader_free(r);
}

/* hts_reader(path) -> (reader, is_bcf) */
PyObject *hts_reader(PyObject *self, PyObject *args) {
    const char *path;
    if (!PyArg_ParseTuple(args, "s", &path)) return NULL;
    if (!bound) return PyErr_Format(PyExc_RuntimeError, "htslib is not bound (tmb.hts.bind)");
    reader_t *r = calloc(1, sizeof *r);
    if (!r) return PyErr_NoMemory();
    r->fp = H.open(path, "r");
    if (!r->fp) return reader_free(r), PyErr_Format(PyExc_OSError, "htslib cannot open it");
    int is_bcf = H.format(r->fp)->format == bcf;
    if (is_bcf && (!(r->hdr = H.hdr_read(r->fp)) || !(r->rec = H.init())))
        return reader_free(r), PyErr_Format(PyExc_OSError, "htslib cannot read its BCF header");
    r->in_header = !is_bcf;
    PyObject *capsule = PyCapsule_New(r, CAPSULE, capsule_free);
    if (!capsule) return reader_free(r), NULL;
    return Py_BuildValue("Ni", capsule, is_bcf);
}

/* Whole lines, '\n'-terminated, into out until max_bytes or the end; header lines ('#', at
 * the start of a text VCF) are skipped and counted. Returns 0, or -1 with *why set. */
static int read_lines(reader_t *r, buf_t *out, size_t max_bytes, Py_ssize_t *header,
                      const char **why) {
    while (!r->done && out->n < max_bytes) {
        int status;
        if (r->hdr) {
            status = H.read(r->fp, r->hdr, r->rec);
            if (status >= 0) {
                r->line.l = 0;
                if (H.format_line(r->hdr, r->rec, &r->line) < 0)
                    return *why = "htslib cannot write a BCF record as VCF text", -1;
                if (buf_add(out, r->line.s, r->line.l) < 0) return *why = "out of memory", -1;
                continue;
            }
        } else {
            status = H.getline(r->fp, HTS_KS_SEP_LINE, &r->line);
            if (status >= 0) {
                if (r->in_header && r->line.l && r->line.s[0] == '#') {
                    (*header)++;
                    continue;
                }
                r->in_header = 0;
                if (buf_add(out, r->line.s, r->line.l) < 0 || buf_add(out, "\n", 1) < 0)
                    return *why = "out of memory", -1;
                continue;
            }
        }
        if (status < -1)
            return *why = "truncated or corrupt data (htslib read error)", -1;
        r->done = 1;
    }
    return 0;
}

/* hts_read(reader, max_bytes) -> (text, header_lines_skipped, done) */
PyObject *hts_read(PyObject *self, PyObject *args) {
    PyObject *capsule;
    Py_ssize_t max_bytes;
    if (!PyArg_ParseTuple(args, "On", &capsule, &max_bytes)) return NULL;
    reader_t *r = PyCapsule_GetPointer(capsule, CAPSULE);
    if (!r) return NULL;
    buf_t out = {0};
    Py_ssize_t header = 0;
    const char *why = NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = buf_reserve(&out, (size_t)max_bytes + 4096) < 0 ? (why = "out of memory", -1)
             : read_lines(r, &out, (size_t)max_bytes, &header, &why);
    Py_END_ALLOW_THREADS
    if (status < 0) {
        free(out.v);
        return PyErr_Format(PyExc_OSError, "%s", why);
    }
    PyObject *text = PyBytes_FromStringAndSize(out.v ? out.v : "", (Py_ssize_t)out.n);
    free(out.v);
    return text ? Py_BuildValue("Nni", text, header, r->done) : NULL;
}

/* hts_header(path) -> the header as htslib parsed and writes it back (VCF text, as
 * bcftools view -h prints it): the header reader of tmb.vcf_header. */
PyObject *hts_header(PyObject *self, PyObject *args) {
    const char *path;
    if (!PyArg_ParseTuple(args, "s", &path)) return NULL;
    if (!bound) return PyErr_Format(PyExc_RuntimeError, "htslib is not bound (tmb.hts.bind)");
    kstring_t text = {0, 0, NULL};
    const char *why = NULL;
    bcf_hdr_t *hdr = NULL;
    Py_BEGIN_ALLOW_THREADS
    htsFile *fp = H.open(path, "r");
    if (!fp) why = "htslib cannot open it";
    else if (!(hdr = H.hdr_read(fp))) why = "htslib cannot read its header";
    else if (H.hdr_format(hdr, 0, &text) < 0) why = "htslib cannot write its header";
    if (hdr) H.hdr_destroy(hdr);
    if (fp) H.close(fp);
    Py_END_ALLOW_THREADS
    if (why) {
        free(text.s);
        return PyErr_Format(PyExc_OSError, "%s", why);
    }
    PyObject *out = PyBytes_FromStringAndSize(text.s ? text.s : "", (Py_ssize_t)text.l);
    free(text.s);
    return out;
}
