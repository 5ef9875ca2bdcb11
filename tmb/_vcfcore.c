/* Compiled VCF body reader and trace writer of tmb-calc (docs/tmb.md): Python entry points.
 *
 * parse() tokenises whole lines of VCF body text into one row per ALT allele: contig, POS,
 * REF/ALT (byte spans of the text), ALT index, FILTER ('.' read as PASS), the tumour
 * sample's depth / alt reads / VAF (FORMAT keys located per record), and what the CSQ/ANN
 * annotation and INFO say about the allele (sorted union of '&'-split consequence terms,
 * sorted genes, largest population AF, largest COSMIC count). It applies no threshold:
 * every filter decision is made by tmb/filters.py on these columns.
 * format_trace() writes the trace lines of such rows plus their filter outcomes.
 * Texts repeated within a call (contigs, FILTER values, consequence unions, gene lists) are
 * returned once, in tables indexed by int32 codes (-1: none).
 * The Python side (tmb/core.py) defines the argument layouts; the GIL is released while a
 * block is tokenised. Sources: _vcfcore_parse.c (records), _vcfcore_format.c (the tumour
 * sample's FORMAT values per caller), _vcfcore_hts.c (text through htslib),
 * _vcfcore_annotation.c (CSQ/ANN),
 * _vcfcore_text.c (buffers, numbers), _vcfcore_trace.c (trace lines); _vcfcore.h.
 */

#include "_vcfcore.h"

const char *COLUMN_NAMES[N_COLUMNS] = {
    "chrom", "pos", "ref_start", "ref_end", "alt_start", "alt_end", "allele_index", "filter",
    "depth", "alt_reads", "vaf", "vaf_source", "population_af", "consequences", "genes",
    "cosmic_count"};
const int COLUMN_SIZES[N_COLUMNS] = {4, 8, 8, 8, 8, 8, 8, 4, 8, 8, 8, 1, 8, 4, 4, 8};
const char *TABLE_NAMES[N_TABLES] = {"chrom", "filter", "consequences", "genes"};
const int TABLE_OF[N_COLUMNS] = {T_CHROM, -1, -1, -1, -1, -1, -1, T_FILTER,
                                        -1, -1, -1, -1, -1, T_CSQ, T_GENES, -1};

static PyObject *ParseError;

/* (FORMAT keys of the plan, CSQ population sub-fields..., INFO population fields..., COSMIC):
 * how many values of each read field the block held (tmb/core.py FieldPresence). */
static PyObject *seen_counts(const parser_t *p) {
    const plan_t *plan = &p->plan;
    Py_ssize_t n = plan->n_keys + plan->n_pop + plan->n_info_pop + 1, k = 0;
    PyObject *out = PyTuple_New(n);
    Py_ssize_t values[MAX_KEYS + 2 * MAX_FIELDS + 1];
    for (int i = 0; i < plan->n_keys; i++) values[k++] = p->seen[SEEN_FORMAT + i];
    for (int i = 0; i < plan->n_pop; i++) values[k++] = p->seen[SEEN_CSQ_POP + i];
    for (int i = 0; i < plan->n_info_pop; i++) values[k++] = p->seen[SEEN_INFO_POP + i];
    values[k++] = p->seen[SEEN_COSMIC];
    for (Py_ssize_t i = 0; out && i < n; i++) {
        PyObject *item = PyLong_FromSsize_t(values[i]);
        if (!item) return Py_DECREF(out), NULL;
        PyTuple_SET_ITEM(out, i, item);
    }
    return out;
}

static PyObject *rows_result(parser_t *p, Py_ssize_t stop) {
    PyObject *columns = PyDict_New(), *tables = PyDict_New(), *item;
    for (int c = 0; columns && c < N_COLUMNS; c++) {
        const buf_t *column = &p->rows.col[c];
        item = PyBytes_FromStringAndSize(column->v ? column->v : "", (Py_ssize_t)column->n);
        if (!item || PyDict_SetItemString(columns, COLUMN_NAMES[c], item) < 0) Py_CLEAR(columns);
        Py_XDECREF(item);
    }
    for (int t = 0; tables && t < N_TABLES; t++) {
        item = intern_list(&p->rows.table[t]);
        if (!item || PyDict_SetItemString(tables, TABLE_NAMES[t], item) < 0) Py_CLEAR(tables);
        Py_XDECREF(item);
    }
    if (!columns || !tables) return Py_XDECREF(columns), Py_XDECREF(tables), NULL;
    PyObject *seen = seen_counts(p);
    if (!seen) return Py_DECREF(columns), Py_DECREF(tables), NULL;
    return Py_BuildValue("nnnNNN", stop, p->n_records, p->n_lines, columns, tables, seen);
}

static PyObject *parse(PyObject *self, PyObject *args) {
    Py_buffer text;
    Py_ssize_t start, stop, max_records;
    PyObject *plan, *result = NULL;
    if (!PyArg_ParseTuple(args, "y*nnnO", &text, &start, &stop, &max_records, &plan)) return NULL;
    parser_t *p = parser_new(plan);
    if (p && (start < 0 || start > stop || stop > text.len))
        PyErr_SetString(PyExc_ValueError, "start/stop outside the text");
    else if (p) {
        p->text = text.buf, p->size = stop; /* lines of [start, stop); offsets from text */
        Py_ssize_t end;
        Py_BEGIN_ALLOW_THREADS
        end = parse_lines(p, start, max_records);
        Py_END_ALLOW_THREADS
        if (p->failed == 1) {
            PyObject *where = Py_BuildValue("(nss)", p->line, p->error_column, p->error);
            if (where) PyErr_SetObject(ParseError, where), Py_DECREF(where);
        } else if (p->failed) PyErr_NoMemory();
        else result = rows_result(p, end);
    }
    if (p) parser_free(p);
    PyBuffer_Release(&text);
    return result;
}

static PyObject *format_trace(PyObject *self, PyObject *args) {
    Py_buffer prefix, ref_text, alt_text, flags, reasons_at;
    PyObject *buffers, *tables, *reasons, *result = NULL;
    int n_flags;
    if (!PyArg_ParseTuple(args, "y*y*y*OOy*iy*O!", &prefix, &ref_text, &alt_text, &buffers, &tables,
                          &flags, &n_flags, &reasons_at, &PyList_Type, &reasons))
        return NULL;
    columns_t c;
    span_t parts[3];
    if (columns_get(buffers, tables, &c) < 0) goto done;
    if (n_flags < 0 || flags.len != c.n * n_flags || reasons_at.len != c.n * 4) {
        PyErr_SetString(PyExc_ValueError, "outcome or reason buffer has a wrong length");
        goto done;
    }
    const int32_t *reason = reasons_at.buf;
    Py_ssize_t bound = 0;
    for (Py_ssize_t r = 0; r < c.n; r++) { /* first pass: checks and the output size bound */
        if (row_parts(&c, r, &ref_text, &alt_text, reason, reasons, parts) < 0) goto done;
        bound += prefix.len + line_bound(&c, r, parts[0], parts[1], n_flags, parts[2]);
    }
    if (!(result = PyBytes_FromStringAndSize(NULL, bound))) goto done;
    char *start = PyBytes_AS_STRING(result), *o = start;
    const int64_t *ref_start = COL(&c, C_REF_START, int64_t);
    for (Py_ssize_t r = 0; r < c.n; r++) {
        if (r + PREFETCH_ROWS < c.n) /* REF/ALT of a later row: hide the memory latency */
            __builtin_prefetch((const char *)ref_text.buf + ref_start[r + PREFETCH_ROWS]);
        row_parts(&c, r, &ref_text, &alt_text, reason, reasons, parts);
        o = put_span(o, (span_t){prefix.buf, prefix.len});
        const int8_t *row_flags = (const int8_t *)flags.buf + r * n_flags;
        if (!(o = trace_line(o, &c, r, parts[0], parts[1], row_flags, n_flags, parts[2]))) {
            Py_CLEAR(result);
            goto done;
        }
    }
    _PyBytes_Resize(&result, o - start);
done:
    columns_release(&c);
    PyBuffer_Release(&prefix), PyBuffer_Release(&ref_text), PyBuffer_Release(&alt_text);
    PyBuffer_Release(&flags), PyBuffer_Release(&reasons_at);
    return result;
}

/* keys(rows, ref_text, alt_text, columns, tables) -> CHROM:POS:REF:ALT (bytes) of rows. */
static PyObject *allele_keys_of(PyObject *self, PyObject *args) {
    Py_buffer rows, ref_text, alt_text;
    PyObject *buffers, *tables, *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*OO", &rows, &ref_text, &alt_text, &buffers, &tables))
        return NULL;
    columns_t c;
    if (columns_get(buffers, tables, &c) == 0 && (result = PyList_New(rows.len / 8))) {
        for (Py_ssize_t i = 0; i < rows.len / 8; i++) {
            int64_t r = ((const int64_t *)rows.buf)[i];
            int ok = r >= 0 && r < c.n;
            span_t ref = ok ? text_span(&ref_text, COL(&c, C_REF_START, int64_t)[r],
                                        COL(&c, C_REF_END, int64_t)[r]) : (span_t){NULL, -1};
            span_t alt = ok ? text_span(&alt_text, COL(&c, C_ALT_START, int64_t)[r],
                                        COL(&c, C_ALT_END, int64_t)[r]) : (span_t){NULL, -1};
            if (ref.n < 0 || alt.n < 0) {
                PyErr_SetString(PyExc_ValueError, "row or span out of range");
                Py_CLEAR(result);
                break;
            }
            span_t chrom = c.table[T_CHROM][COL(&c, C_CHROM, int32_t)[r]];
            PyObject *key = PyBytes_FromStringAndSize(NULL, chrom.n + ref.n + alt.n + 24);
            if (!key) { Py_CLEAR(result); break; }
            char *o = PyBytes_AS_STRING(key);
            o = put_span(o, chrom), *o++ = ':';
            o = put_int(o, COL(&c, C_POS, int64_t)[r]), *o++ = ':';
            o = put_span(o, ref), *o++ = ':';
            o = put_span(o, alt);
            _PyBytes_Resize(&key, o - PyBytes_AS_STRING(key));
            if (!key) { Py_CLEAR(result); break; }
            PyList_SET_ITEM(result, i, key);
        }
    }
    columns_release(&c);
    PyBuffer_Release(&rows), PyBuffer_Release(&ref_text), PyBuffer_Release(&alt_text);
    return result;
}

/* annotate(value, keys, plan) -> per key (consequences|None, genes|None, population AF,
 * COSMIC count): the annotation reader of parse() on one CSQ/ANN value whose alleles are
 * already spelt as the annotation spells them (tmb.annotation.summarise). INFO is not read. */
static PyObject *annotate_value(PyObject *self, PyObject *args) {
    Py_buffer value;
    PyObject *keys, *plan, *result = NULL;
    if (!PyArg_ParseTuple(args, "y*O!O", &value, &PyList_Type, &keys, &plan)) return NULL;
    parser_t *p = parser_new(plan);
    int n_alt = (int)PyList_GET_SIZE(keys);
    span_t *spans = calloc((size_t)n_alt + 1, sizeof(span_t));
    if (!p || !spans) goto done;
    for (int j = 0; j < n_alt; j++) {
        char *s;
        if (PyBytes_AsStringAndSize(PyList_GET_ITEM(keys, j), &s, &spans[j].n) < 0) goto done;
        spans[j].s = s;
    }
    if (annotate(p, (span_t){value.buf, value.len}, spans, n_alt) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    result = PyList_New(n_alt);
    size_t at_csq = 0, at_gene = 0;
    for (int j = 0; result && j < n_alt; j++) {
        int32_t csq = joined_terms(p, &p->consequences, &at_csq, j, '&', T_CSQ);
        int32_t genes = joined_terms(p, &p->genes, &at_gene, j, ',', T_GENES);
        span_t cs = csq >= 0 ? intern_text(&p->rows.table[T_CSQ], csq) : (span_t){NULL, 0};
        span_t gs = genes >= 0 ? intern_text(&p->rows.table[T_GENES], genes) : (span_t){NULL, 0};
        double pop = SCRATCH(p, pop, double)[j], cosmic = SCRATCH(p, cosmic, double)[j];
        PyObject *item = p->failed ? NULL
                                   : Py_BuildValue("(y#y#dd)", cs.s, cs.n, gs.s, gs.n, pop, cosmic);
        if (!item) { Py_CLEAR(result); break; }
        PyList_SET_ITEM(result, j, item);
    }
done:
    if (p) parser_free(p);
    free(spans);
    PyBuffer_Release(&value);
    return result;
}

static PyObject *vep_allele_keys(PyObject *self, PyObject *args) {
    Py_buffer ref;
    PyObject *alts, *result = NULL;
    if (!PyArg_ParseTuple(args, "y*O!", &ref, &PyList_Type, &alts)) return NULL;
    int n = (int)PyList_GET_SIZE(alts);
    span_t *spans = calloc((size_t)n + 1, sizeof(span_t));
    span_t *keys = calloc((size_t)n + 1, sizeof(span_t));
    int ok = spans && keys;
    for (int j = 0; ok && j < n; j++) {
        char *s;
        ok = PyBytes_AsStringAndSize(PyList_GET_ITEM(alts, j), &s, &spans[j].n) == 0;
        spans[j].s = s;
    }
    if (ok) {
        vep_keys((span_t){ref.buf, ref.len}, spans, n, keys);
        result = PyList_New(n);
        for (int j = 0; result && j < n; j++) {
            PyObject *key = PyBytes_FromStringAndSize(keys[j].s, keys[j].n);
            if (!key) { Py_CLEAR(result); break; }
            PyList_SET_ITEM(result, j, key);
        }
    } else if (!PyErr_Occurred()) PyErr_NoMemory();
    free(spans), free(keys);
    PyBuffer_Release(&ref);
    return result;
}

static PyObject *max_number_of(PyObject *self, PyObject *args) {
    Py_buffer text;
    if (!PyArg_ParseTuple(args, "y*", &text)) return NULL;
    double v = max_number((span_t){text.buf, text.len});
    PyBuffer_Release(&text);
    return PyFloat_FromDouble(v);
}

static PyObject *trace_float(PyObject *self, PyObject *args) {
    double x;
    char out[64];
    if (!PyArg_ParseTuple(args, "d", &x)) return NULL;
    char *end = put_float(out, x);
    return end ? PyBytes_FromStringAndSize(out, end - out) : NULL;
}

static PyMethodDef methods[] = {
    {"parse", parse, METH_VARARGS,
     "parse(text, start, stop, max_records, plan) -> (end, records, lines, columns, tables, "
     "seen): the per-allele columns (dict of bytes) of the lines of text[start:stop] and the "
     "values found per read field (FORMAT AD, DP, AF, CSQ/ANN and INFO population fields, "
     "COSMIC); raises "
     "ParseError(line, column, message) on malformed input (line: 0-based from start)."},
    {"hts_bind", hts_bind, METH_VARARGS,
     "hts_bind(path) -> htslib version: resolve the htslib functions in the shared library path."},
    {"hts_reader", hts_reader, METH_VARARGS,
     "hts_reader(path) -> (reader, is_bcf): a VCF, bgzipped/gzipped VCF or BCF opened by htslib."},
    {"hts_read", hts_read, METH_VARARGS,
     "hts_read(reader, max_bytes) -> (text, header_lines, done): whole body lines of about "
     "max_bytes (BCF records written as VCF text); header lines of a text VCF skipped, counted."},
    {"hts_header", hts_header, METH_VARARGS,
     "hts_header(path) -> the header text of a VCF, bgzipped/gzipped VCF or BCF, as htslib "
     "writes it back."},
    {"format_trace", format_trace, METH_VARARGS,
     "format_trace(prefix, ref_text, alt_text, columns, tables, flags, n_flags, reason_codes, "
     "reasons) -> bytes of the trace lines."},
    {"keys", allele_keys_of, METH_VARARGS,
     "keys(rows, ref_text, alt_text, columns, tables) -> CHROM:POS:REF:ALT bytes of rows."},
    {"annotate", annotate_value, METH_VARARGS,
     "annotate(value, keys, plan) -> per key (consequences, genes, population AF, COSMIC)."},
    {"vep_allele_keys", vep_allele_keys, METH_VARARGS,
     "vep_allele_keys(ref, alts) -> how VEP spells each ALT in CSQ Allele."},
    {"max_number", max_number_of, METH_VARARGS,
     "max_number(text) -> largest number among the '&'-joined terms (NaN if none)."},
    {"trace_float", trace_float, METH_VARARGS,
     "trace_float(x) -> the trace text of a float (NA for NaN)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_vcfcore", "Compiled VCF body reader and trace writer of tmb-calc.",
    -1, methods};

PyMODINIT_FUNC PyInit__vcfcore(void) {
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    ParseError = PyErr_NewException("tmb._vcfcore.ParseError", PyExc_ValueError, NULL);
    if (!ParseError || PyModule_AddObjectRef(m, "ParseError", ParseError) < 0)
        return Py_DECREF(m), NULL;
    PyObject *names = PyTuple_New(N_COLUMNS), *tables = PyTuple_New(N_TABLES);
    for (int i = 0; names && i < N_COLUMNS; i++)
        PyTuple_SET_ITEM(names, i, PyUnicode_FromString(COLUMN_NAMES[i]));
    for (int i = 0; tables && i < N_TABLES; i++)
        PyTuple_SET_ITEM(tables, i, PyUnicode_FromString(TABLE_NAMES[i]));
    if (!names || !tables || PyModule_AddObject(m, "COLUMNS", names) < 0 ||
        PyModule_AddObject(m, "TABLES", tables) < 0)
        return Py_XDECREF(names), Py_XDECREF(tables), Py_DECREF(m), NULL;
    return m;
}
