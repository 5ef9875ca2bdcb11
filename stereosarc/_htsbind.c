/* Binding an htslib shared library at run time (declarations and contract: _htsbind.h). */
#include "_htsbind.h"

#include <dlfcn.h>

int hts_bind_symbols(const char *path, const hts_symbol_t *table, size_t n, int *bound) {
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        PyErr_Format(PyExc_OSError, "cannot load htslib %s: %s", path, dlerror());
        return -1;
    }
    *bound = 0;
    for (size_t i = 0; i < n; i++) {
        *table[i].slot = dlsym(lib, table[i].name);
        if (!*table[i].slot) {
            PyErr_Format(PyExc_OSError, "htslib %s has no symbol %s", path, table[i].name);
            return -1;
        }
    }
    *bound = 1;
    return 0;
}

PyObject *hts_bind_from_args(PyObject *args, const hts_symbol_t *table, size_t n, int *bound,
                             const char *(**version)(void)) {
    const char *path;
    if (!PyArg_ParseTuple(args, "s", &path)) return NULL;
    if (hts_bind_symbols(path, table, n, bound) < 0) return NULL;
    return PyUnicode_FromString((*version)());
}
