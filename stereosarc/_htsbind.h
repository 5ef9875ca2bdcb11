/* Binding an htslib shared library at run time, shared by the compiled cores of ctdna-count
 * (ctdna/_fragcore.c) and tmb-calc (tmb/_vcfcore_hts.c): neither links htslib at build time;
 * each lists the functions it uses and resolves them with dlsym() in the library its Python
 * side chose (docs/ctdna_counting.md "Counting core", docs/tmb.md "How the VCF is read").
 */
#ifndef STEREOSARC_HTSBIND_H
#define STEREOSARC_HTSBIND_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

typedef struct {
    const char *name; /* htslib function name */
    void **slot;      /* where its address goes */
} hts_symbol_t;

/* dlopen ``path`` and fill the ``n`` slots of ``table``. ``*bound`` is 0 while slots are being
 * replaced and 1 once all are; on failure a Python OSError is set (library not loadable, or the
 * first missing symbol) and -1 returned, else 0. */
__attribute__((visibility("hidden"))) int hts_bind_symbols(const char *path,
                                                        const hts_symbol_t *table, size_t n,
                                                        int *bound);

/* The Python face of hts_bind_symbols, the ``bind`` of each core: the library path from
 * ``args`` (one str), then ``table`` bound; returns ``version()`` (hts_version, a slot of the
 * table) as a str, or NULL with the Python error set. */
__attribute__((visibility("hidden"))) PyObject *hts_bind_from_args(PyObject *args,
                                                                const hts_symbol_t *table,
                                                                size_t n, int *bound,
                                                                const char *(**version)(void));

#endif
