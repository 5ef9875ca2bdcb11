"""Output tables of tmb-calc, written by the project's one table writer (stereosarc.tables).

Both tables follow the conventions of stereosarc.tables (tab-separated, a header, ``NA`` for
missing, 1/0 flags, floats of the summary with 10 significant digits, written to a temporary
name then renamed) and are checked against their JSON schema with its checks
(``check_columns``, ``missing_problem``, ``number_problem``, ``text_problem``) before
anything is written. stereosarc.tables' core needs no pandas, whose import alone costs about
0.35 CPU s per run (a fifth of a 1,000,000-record run; docs/tmb.md, "Benchmark").

- ``ID.tmb.tsv`` (schema ``tmb``): one row, ``write_summary`` (stereosarc.tables.write_records).
- ``ID.tmb_trace.tsv`` (schema ``tmb_trace``): one row per ALT allele, appended chunk by
  chunk by ``TraceWriter`` (memory flat in VCF size); floats rounded to TRACE_DECIMALS
  decimals in their shortest form; the lines are made by the compiled reader. What is
  checked is reduced per chunk first (the distinct flags and texts, the extremes of
  numbers), so a chunk of a million alleles is judged on a few values per column.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from stereosarc import tables
from stereosarc.errors import SchemaError
from stereosarc.schemas import FLOAT_FORMAT, NA_REP, load_schema  # noqa: F401 (re-exported)
from tmb import core
from tmb.allele_columns import VAF_SOURCES
from tmb.rules import OUTCOME_COLUMNS, TRACE_COLUMNS

if TYPE_CHECKING:  # numpy is imported by the functions that take numpy traces
    import numpy as np

    from tmb.filters import Trace

TRACE_DECIMALS = 10  # trace floats rounded to 10 decimals before writing (tmb/_vcfcore.c)


def text_columns(name: str = "tmb_trace") -> list[str]:
    """Trace columns the schema types as strings (held as codes or spans in a Trace)."""
    properties = load_schema(name)["properties"]
    return [c for c in TRACE_COLUMNS if "string" in tables.schema_types(properties[c])]


def _trace_numbers(trace: Trace, column: str, types: set, spec: dict) -> tuple[np.ndarray, bool]:
    """Present values of a numeric trace column standing for all of them in the checks of
    ``spec`` (1/0/NA outcomes: the distinct ones; floats checked only for bounds: their
    extremes) and whether a value is missing (only looked for when null is not allowed)."""
    import numpy as np

    if column in OUTCOME_COLUMNS or column == "counted":
        values = trace.outcomes[column] if column != "counted" else trace.counted
        counts = np.bincount(values + 1, minlength=3)  # NA (-1), 0, 1
        return np.flatnonzero(counts[1:]).astype(np.float64), bool(counts[0])
    values = trace.alleles.columns[column]
    if values.dtype.kind != "f":  # integer columns: whole and never missing
        extremes = np.array([values.min(), values.max()]) if len(values) else values
        return (values if "enum" in spec else extremes), False
    missing = "null" not in types and bool(np.isnan(values).any())
    if types & {"integer", "boolean"} or "enum" in spec:
        return values[~np.isnan(values)], missing
    low, high = np.fmin.reduce(values, initial=np.inf), np.fmax.reduce(values, initial=-np.inf)
    return (np.array([low, high]) if low <= high else values[:0]), missing


def _trace_texts(trace: Trace, column: str) -> list:
    """The distinct texts of a text trace column (None for missing)."""
    import numpy as np

    alleles = trace.alleles
    if column == "reason":
        return [trace.reasons[c] for c in np.flatnonzero(np.bincount(trace.reason))]
    if column in ("ref", "alt"):
        return [""]  # spans of the text: never missing
    codes = alleles.columns[column]
    names = list(VAF_SOURCES) if column == "vaf_source" else alleles.names(column)
    used = np.flatnonzero(np.bincount(codes.astype(np.int64) + 1, minlength=1)) - 1
    return [names[c] if c >= 0 else None for c in used]


def validate_trace(trace: Trace, name: str, constants: dict) -> None:
    """Check a trace chunk against schema ``name`` with the checks of stereosarc.tables
    (required columns, nulls, types, bounds, enums)."""
    check_trace(
        name,
        constants,
        len(trace),
        lambda column, types, spec: _trace_numbers(trace, column, types, spec),
        lambda column: _trace_texts(trace, column),
    )


NumbersOf = Callable[[str, set, dict], tuple]  # (column, types, spec) -> (values, missing)


def check_trace(
    name: str,
    constants: dict,
    n: int,
    numbers_of: NumbersOf | None,
    texts_of: Callable | None,
) -> None:
    """Check a trace chunk of ``n`` rows given its reduced columns: ``numbers_of`` gives the
    present values standing for a numeric column and whether one is missing, ``texts_of``
    the distinct texts of a text column (None for missing); neither is called when ``n`` is
    0 (then only the columns and the constants are checked)."""
    properties = tables.check_columns(name, list(constants) + TRACE_COLUMNS)
    texts = text_columns(name)
    for column, spec in properties.items():
        types = tables.schema_types(spec)
        if column in constants:
            problem = None if isinstance(constants[column], str) else "must be a string"
        elif column in texts and n and texts_of:
            texts_seen = texts_of(column)
            present = [text for text in texts_seen if text is not None]
            problem = tables.missing_problem(None in texts_seen, spec) or tables.text_problem(
                present, spec
            )
        elif column in TRACE_COLUMNS and n and numbers_of:
            numbers, missing = numbers_of(column, types, spec)
            problem = tables.missing_problem(missing, spec) or tables.number_problem(numbers, spec)
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
        self.handle, self.tmp = tables.open_atomic(self.path)
        self.header = True
        self.pending: threading.Thread | None = None  # write of the previous chunk
        self.failure: BaseException | None = None  # raised by that write

    def write(self, trace: Trace) -> None:
        validate_trace(trace, self.schema, self.constants)
        self.write_lines(len(trace), lambda: trace_lines(trace, self.prefix))

    def write_lines(self, n: int, lines: Callable[[], bytes]) -> None:
        """Append the ``n`` validated lines that ``lines()`` makes (the header first)."""
        if self.header:
            self.handle.write(("\t".join(list(self.constants) + TRACE_COLUMNS) + "\n").encode())
            self.header = False
        if n:
            text = lines()
            self._wait()  # file writes release the GIL: the next chunk is judged meanwhile
            self.pending = threading.Thread(
                target=self._write, args=(text,), name="trace-write", daemon=True
            )  # a plain thread: concurrent.futures would cost ~8 ms of start-up
            self.pending.start()

    def _write(self, text: bytes) -> None:
        try:
            self.handle.write(text)
        except BaseException as err:  # handed to the caller by _wait
            self.failure = err

    def _wait(self) -> None:
        if self.pending is not None:
            self.pending.join()
            self.pending = None
        if self.failure is not None:
            failure, self.failure = self.failure, None
            raise failure

    def close(self) -> None:
        self._wait()
        self.handle.close()
        tables.commit_atomic(self.tmp, self.path)

    def abort(self) -> None:
        if self.pending is not None:
            self.pending.join()
        self.handle.close()
        tables.discard_atomic(self.tmp)


def trace_lines(trace: Trace, prefix: bytes = b"") -> bytes:
    """The TSV lines of a trace chunk (each starting with ``prefix``)."""
    import numpy as np

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


def write_summary(row: dict, path: str | Path, name: str = "tmb") -> None:
    """Validate the one-row summary against schema ``name`` and write it atomically."""
    tables.write_records([row], path, name)
