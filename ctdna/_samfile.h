/* The htslib SAM/BAM part shared by the compiled ctDNA cores (ctdna/_fragcore.c for
 * ctdna-count, ctdna/_bincore.c for ctdna-bin), included once by each: the functions they call,
 * resolved at run time by bind() (stereosarc/_htsbind.h: htslib is not linked at build time),
 * and opening a BAM/CRAM with its header and index. Header-only: each extension module gets its
 * own static copy of the table, bound to the htslib its Python side chose.
 */
#ifndef STEREOSARC_CTDNA_SAMFILE_H
#define STEREOSARC_CTDNA_SAMFILE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "_htsbind.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "htslib/sam.h"

static struct {
    const char *(*version)(void);
    htsFile *(*open)(const char *, const char *);
    int (*close)(htsFile *);
    int (*set_fai_filename)(htsFile *, const char *);
    sam_hdr_t *(*hdr_read)(htsFile *);
    void (*hdr_destroy)(sam_hdr_t *);
    int (*name2tid)(sam_hdr_t *, const char *);
    hts_idx_t *(*index_load)(htsFile *, const char *);
    void (*idx_destroy)(hts_idx_t *);
    hts_itr_t *(*itr_queryi)(const hts_idx_t *, int, hts_pos_t, hts_pos_t);
    int (*itr_next)(BGZF *, hts_itr_t *, void *, void *);
    void (*itr_destroy)(hts_itr_t *);
    BGZF *(*get_bgzfp)(htsFile *);
    bam1_t *(*init1)(void);
    void (*destroy1)(bam1_t *);
    uint8_t *(*aux_get)(const bam1_t *, const char[2]);
    int64_t (*aux2i)(const uint8_t *);
    char *(*aux2Z)(const uint8_t *);
} H;
static int bound = 0;

static PyObject *bind(PyObject *self, PyObject *args) {
    const hts_symbol_t table[] = {
        {"hts_version", (void **)&H.version}, {"hts_open", (void **)&H.open},
        {"hts_close", (void **)&H.close}, {"hts_set_fai_filename", (void **)&H.set_fai_filename},
        {"sam_hdr_read", (void **)&H.hdr_read},
        {"sam_hdr_destroy", (void **)&H.hdr_destroy}, {"sam_hdr_name2tid", (void **)&H.name2tid},
        {"sam_index_load", (void **)&H.index_load}, {"hts_idx_destroy", (void **)&H.idx_destroy},
        {"sam_itr_queryi", (void **)&H.itr_queryi}, {"hts_itr_next", (void **)&H.itr_next},
        {"hts_itr_destroy", (void **)&H.itr_destroy}, {"hts_get_bgzfp", (void **)&H.get_bgzfp},
        {"bam_init1", (void **)&H.init1}, {"bam_destroy1", (void **)&H.destroy1},
        {"bam_aux_get", (void **)&H.aux_get}, {"bam_aux2i", (void **)&H.aux2i},
        {"bam_aux2Z", (void **)&H.aux2Z}};
    return hts_bind_from_args(args, table, sizeof table / sizeof table[0], &bound, &H.version);
}

typedef struct { htsFile *fp; sam_hdr_t *hdr; hts_idx_t *idx; BGZF *bgzf; bam1_t *b; } input_t;

static void close_input(input_t *in) {
    if (in->b) H.destroy1(in->b);
    if (in->idx) H.idx_destroy(in->idx);
    if (in->hdr) H.hdr_destroy(in->hdr);
    if (in->fp) H.close(in->fp);
    memset(in, 0, sizeof *in);
}

/* Open path (with reference FASTA for CRAM), its header and index; 0, or -1 with OSError. */
static int open_input(input_t *in, const char *path, const char *reference) {
    memset(in, 0, sizeof *in);
    if (!bound) { PyErr_SetString(PyExc_RuntimeError, "htslib not bound"); return -1; }
    const char *what = "open";
    if (!(in->fp = H.open(path, "r"))) goto fail;
    what = "set the reference of";
    if (reference && H.set_fai_filename(in->fp, reference) != 0) goto fail;
    what = "read the header of";
    if (!(in->hdr = H.hdr_read(in->fp))) goto fail;
    what = "load the index of";
    if (!(in->idx = H.index_load(in->fp, path))) goto fail;
    what = "allocate a record for";
    if (!(in->b = H.init1())) goto fail;
    in->bgzf = H.get_bgzfp(in->fp);
    return 0;
fail:
    close_input(in);
    PyErr_Format(PyExc_OSError, "htslib could not %s %s", what, path);
    return -1;
}

/* The ``bind`` entry of each core's method table. */
#define SAMFILE_BIND_METHOD                                                                       \
    {"bind", bind, METH_VARARGS,                                                                  \
     "bind(path) -> htslib version: resolve the htslib functions in the shared library path."}

/* The module NAME (ctdna.NAME): its method table (``bind`` first, then the core's own
 * PyMethodDef entries given after DOC) and its init function. */
#define SAMFILE_MODULE(NAME, DOC, ...)                                                            \
    static PyMethodDef methods[] = {SAMFILE_BIND_METHOD, __VA_ARGS__, {NULL, NULL, 0, NULL}};   \
    static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, #NAME, DOC, -1, methods};          \
    PyMODINIT_FUNC PyInit_##NAME(void) { return PyModule_Create(&module); }

#endif
