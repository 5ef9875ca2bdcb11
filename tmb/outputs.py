"""Output tables of tmb-calc, written without pandas (rules of stereosarc.tables).

Both tables follow the project conventions of stereosarc.tables.write_table (tab-separated,
a header, ``NA`` for missing, 1/0 flags, floats of the summary with 10 significant digits,
written to a temporary name then renamed) and are checked against their JSON schema with the
rules of stereosarc.tables.validate_frame before anything is written. They are written here
rather than by stereosarc.tables because that module needs pandas, whose import alone costs
about 0.35 CPU s per run (a fifth of a 1,000,000-record run; docs/tmb.md, "Benchmark");
tests/unit/test_tmb_outputs.py checks both give the same bytes and the same verdicts.

- ``ID.tmb.tsv`` (schema ``tmb``): one row, ``write_summary``.
- ``ID.tmb_trace.tsv`` (schema ``tmb_trace``): one row per ALT allele, appended chunk by
  chunk by ``TraceWriter`` (memory flat in VCF size); floats rounded to TRACE_DECIMALS
  decimals in their shortest form; the lines are made by the compiled reader.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from stereosarc.errors import SchemaError
from stereosarc.schemas import FLOAT_FORMAT, NA_REP, load_schema
from tmb import core
from tmb.alleles import VAF_SOURCES
from tmb.filters import OUTCOME_COLUMNS, TRACE_COLUMNS, Trace

TRACE_DECIMALS = 10  # trace floats rounded to 10 decimals before writing (tmb/_vcfcore.c)
NUMERIC = {"integer", "number", "boolean"}  # JSON-schema types stored as numbers
TEXT_COLUMNS = (
    "chrom",
    "ref",
    "alt",
    "filter",
    "vaf_source",
    "consequences",
    "genes",
    "reason",
)  # trace columns held as texts (codes into tables, or spans)


def _types(spec: dict) -> set:
    types = spec.get("type", [])
    return {types} if isinstance(types, str) else set(types)


def _check_columns(name: str, present: list) -> dict:
    """The schema's properties; SchemaError when a required column is missing (or an
    undocumented one present and the schema forbids it)."""
    schema = load_schema(name)
    missing = [c for c in schema.get("required", []) if c not in present]
    properties = schema.get("properties", {})
    undocumented = [c for c in present if c not in properties]
    if missing or (undocumented and schema.get("additionalProperties", True) is not True):
        raise SchemaError(
            f"table {name}: expected columns {schema.get('required')}; missing "
            f"{missing}; undocumented {undocumented}; found {present}"
        )
    return properties


def _trace_numbers(trace: Trace, column: str, types: set, spec: dict) -> tuple[np.ndarray, bool]:
    """Present values of a numeric trace column standing for all of them in the checks of
    ``spec`` (1/0/NA outcomes: the distinct ones; floats checked only for bounds: their
    extremes) and whether a value is missing (only looked for when null is not allowed)."""
    if column in OUTCOME_COLUMNS or column == "counted":
        values = trace.outcomes[column] if column != "counted" else trace.counted
        counts = np.bincount(values + 1, minlength=3)  # NA (-1), 0, 1
        return np.flatnonzero(counts[1:]).astype(np.float64), bool(counts[0])
    values = trace.alleles.columns[column]
    if values.dtype.kind != "f":
        return values, False  # integer columns have no missing value
    missing = "null" not in types and bool(np.isnan(values).any())
    if types & {"integer", "boolean"} or "enum" in spec:
        return values[~np.isnan(values)], missing
    low, high = np.fmin.reduce(values, initial=np.inf), np.fmax.reduce(values, initial=-np.inf)
    return (np.array([low, high]) if low <= high else values[:0]), missing


def _trace_texts(trace: Trace, column: str) -> list:
    """The distinct texts of a text trace column (None for missing)."""
    alleles = trace.alleles
    if column == "reason":
        return [trace.reasons[c] for c in np.flatnonzero(np.bincount(trace.reason))]
    if column in ("ref", "alt"):
        return [""]  # spans of the text: never missing
    codes = alleles.columns[column]
    names = list(VAF_SOURCES) if column == "vaf_source" else alleles.names(column)
    used = np.flatnonzero(np.bincount(codes.astype(np.int64) + 1, minlength=1)) - 1
    return [names[c] if c >= 0 else None for c in used]


def _number_problem(present: np.ndarray, missing: bool, types: set, spec: dict) -> str | None:
    if "null" not in types and missing:
        return "has missing values but the schema does not allow null"
    if not len(present):
        return None
    if (
        types & {"integer", "boolean"}
        and present.dtype.kind == "f"
        and not np.all(present == np.floor(present))
    ):
        return "has non-integer values"
    low, high = present.min(), present.max()
    if "minimum" in spec and low < spec["minimum"]:
        return f"has values below the minimum {spec['minimum']}"
    if "maximum" in spec and high > spec["maximum"]:
        return f"has values above the maximum {spec['maximum']}"
    if "enum" in spec:
        inside = np.isin(present, [v for v in spec["enum"] if v is not None])
        if not inside.all():
            return f"has value {present[~inside].min()!r} outside {spec['enum']}"
    return None


def _text_problem(texts: list, types: set, spec: dict) -> str | None:
    if "null" not in types and None in texts:
        return "has missing values but the schema does not allow null"
    present = {t for t in texts if t is not None}
    if types & NUMERIC and present:
        return "has non-numeric values (type string)"
    allowed = {v for v in spec.get("enum", []) if v is not None}
    if "enum" in spec and present - allowed:
        return f"has value {sorted(present - allowed)[0]!r} outside {sorted(allowed)}"
    return None


def validate_trace(trace: Trace, name: str, constants: dict) -> None:
    """Check a trace chunk against schema ``name`` with the rules of
    stereosarc.tables.validate_frame (required columns, nulls, types, bounds, enums)."""
    properties = _check_columns(name, list(constants) + TRACE_COLUMNS)
    for column, spec in properties.items():
        types = _types(spec)
        if column in constants:
            problem = None if isinstance(constants[column], str) else "must be a string"
        elif column in TEXT_COLUMNS and len(trace):
            problem = _text_problem(_trace_texts(trace, column), types, spec)
        elif column in TRACE_COLUMNS and len(trace):
            problem = _number_problem(*_trace_numbers(trace, column, types, spec), types, spec)
        else:
            continue
        if problem:
            raise SchemaError(f"table {name}: column '{column}' {problem}")


class TraceWriter:
    """Append validated trace chunks to a temporary TSV; ``close()`` renames it into place.

    Same format as stereosarc.tables.write_table (tab, header, NA, 1/0); floats rounded to
    TRACE_DECIMALS decimals and written in their shortest form (the lines are made by the
    compiled reader, tmb/_vcfcore.c format_trace). ``constants`` are leading columns with
    one value for the whole file (patient, sample).
    """

    def __init__(self, path: str | Path, constants: dict, schema: str = "tmb_trace") -> None:
        self.path, self.schema, self.constants = Path(path), schema, dict(constants)
        self.prefix = "".join(f"{value}\t" for value in self.constants.values()).encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, self.tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        self.handle = os.fdopen(handle, "wb")
        self.header = True
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trace-write")
        self.pending: Future | None = None  # write of the previous chunk (its buffer held)

    def write(self, trace: Trace) -> None:
        validate_trace(trace, self.schema, self.constants)
        if self.header:
            self.handle.write(("\t".join(list(self.constants) + TRACE_COLUMNS) + "\n").encode())
            self.header = False
        if len(trace):
            lines = trace_lines(trace, self.prefix)
            self._wait()  # file writes release the GIL: the next chunk is judged meanwhile
            self.pending = self.writer.submit(self.handle.write, lines)

    def _wait(self) -> None:
        if self.pending is not None:
            self.pending.result()
            self.pending = None

    def close(self) -> None:
        self._wait()
        self.writer.shutdown()
        self.handle.close()
        os.chmod(self.tmp, 0o666 & ~_current_umask())
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.writer.shutdown(wait=True)
        self.handle.close()
        Path(self.tmp).unlink(missing_ok=True)


def trace_lines(trace: Trace, prefix: bytes = b"") -> bytes:
    """The TSV lines of a trace chunk (each starting with ``prefix``)."""
    alleles = trace.alleles
    flags = np.ascontiguousarray(
        np.column_stack([trace.outcomes[c] for c in OUTCOME_COLUMNS] + [trace.counted]).astype(
            np.int8
        )
    )
    reasons = [text.encode() for text in trace.reasons]
    return core.module().format_trace(
        prefix,
        alleles.ref_text,
        alleles.alt_text,
        alleles.buffers(),
        alleles.table_lists(),
        flags,
        flags.shape[1] if flags.ndim == 2 else 0,
        np.ascontiguousarray(trace.reason, np.int32),
        reasons,
    )


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _missing(value) -> bool:
    """None, NaN or pandas.NA (tmb.burden's missing TMB-high call)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return type(value).__name__ == "NAType"


def _cell_problem(value, spec: dict) -> str | None:
    """Why one summary value breaks its schema property (the validate_frame rules)."""
    types = _types(spec)
    if _missing(value):
        return None if "null" in types else "has missing values but the schema does not allow null"
    if isinstance(value, str):
        if types & NUMERIC:
            return f"has non-numeric values such as {value!r}"
        return _text_problem([value], types, spec)
    return _number_problem(np.array([float(value)]), False, types, spec)


def _cell_text(value) -> str:
    if _missing(value):
        return NA_REP
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return FLOAT_FORMAT % value
    return str(value)


def write_summary(row: dict, path: str | Path, name: str = "tmb") -> None:
    """Validate the one-row summary against schema ``name`` and write it atomically."""
    properties = _check_columns(name, list(row))
    for column, spec in properties.items():
        problem = _cell_problem(row[column], spec) if column in row else None
        if problem:
            raise SchemaError(f"table {name}: column '{column}' {problem}")
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t", lineterminator="\n")
    writer.writerow(list(row))
    writer.writerow([_cell_text(value) for value in row.values()])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text.getvalue())
        os.chmod(tmp, 0o666 & ~_current_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
