"""Per-allele tables: one row per ALT allele, held column-wise as the VCF reader makes them.

Columns (ALLELE_COLUMNS): chrom, pos, ref, alt, allele_index (1-based), filter (``.`` read as
PASS), depth, alt_reads, vaf, vaf_source, population_af, consequences (sorted ``&``-joined
union of the allele's consequence terms), genes (sorted, comma-joined), cosmic_count.
Numbers are float64 with NaN for missing; texts repeated across rows (chrom, filter,
consequences, genes) are int32 codes into a table (-1: missing); REF and ALT are byte spans
of a text. The layout is the one of the compiled reader (tmb/_vcfcore.c), so its rows are
used without conversion; ``from_frame`` builds the same layout from a pandas DataFrame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from tmb import core
from tmb.allele_columns import (  # noqa: F401  (re-exported)
    ALLELE_COLUMNS,
    CODED,
    TYPECODES,
    VAF_SOURCES,
    CodedColumns,
    decode,
    encode,
    record_fields,
)

DTYPES = {name: np.dtype(code) for name, code in TYPECODES.items()}  # numpy types


@dataclass
class AlleleTable(CodedColumns):
    """Column-wise allele rows (see the module docstring)."""

    columns: dict  # name -> numpy array (DTYPES)
    tables: dict  # coded column -> list of bytes
    ref_text: bytes
    alt_text: bytes
    sample_field: int = -1  # 0-based VCF column of the tumour sample in ref_text's lines; -1 none
    _names: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_core(
        cls, text: bytes, columns: dict, tables: dict, sample_field: int = -1
    ) -> AlleleTable:
        """Rows of the compiled reader over ``text`` (whose lines are the VCF records)."""
        arrays = {name: np.frombuffer(data, dtype=DTYPES[name]) for name, data in columns.items()}
        return cls(arrays, tables, text, text, sample_field)

    @classmethod
    def from_frame(cls, frame) -> AlleleTable:
        """The table of a pandas DataFrame with the ALLELE_COLUMNS."""
        frame = frame.reset_index(drop=True)
        columns, tables, joined = {}, {}, {}
        for name in CODED:
            columns[name], tables[name] = _coded(frame[name].tolist())
        for name in ("ref", "alt"):
            texts = [encode(str(v)) for v in frame[name].tolist()]
            ends = np.cumsum([len(t) for t in texts], dtype=np.int64)
            columns[f"{name}_start"], columns[f"{name}_end"] = ends - [len(t) for t in texts], ends
            joined[name] = b"".join(texts)
        for name in ("pos", "allele_index"):
            columns[name] = frame[name].to_numpy(dtype=np.int64)
        for name in ("depth", "alt_reads", "vaf", "population_af", "cosmic_count"):
            columns[name] = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        sources = {source: code for code, source in enumerate(VAF_SOURCES)}
        columns["vaf_source"] = np.array(
            [sources.get(v, -1) for v in frame["vaf_source"]], np.int8
        )
        columns = {name: np.ascontiguousarray(columns[name], DTYPES[name]) for name in DTYPES}
        return cls(columns, tables, joined["ref"], joined["alt"])

    @classmethod
    def empty(cls) -> AlleleTable:
        return cls(
            {name: np.zeros(0, dtype) for name, dtype in DTYPES.items()},
            {name: [] for name in CODED},
            b"",
            b"",
        )

    def coded(self, column: str, terms: frozenset, sep: str) -> np.ndarray:
        """True where the ``sep``-joined text of coded ``column`` holds one of ``terms``
        (judged once per distinct text; missing: False)."""
        lookup = [not terms.isdisjoint(text.split(sep)) for text in self.names(column)]
        return np.array(lookup + [False])[self.columns[column]]

    def contigs(self) -> set:
        """Contigs of the rows."""
        names = self.names("chrom")
        return {names[code] for code in np.unique(self.columns["chrom"])}

    def buffers(self) -> tuple:
        """The columns in the reader's order (``_vcfcore.COLUMNS``)."""
        return tuple(self.columns[name] for name in core.module().COLUMNS)

    def table_lists(self) -> tuple:
        return tuple(self.tables[name] for name in core.module().TABLES)

    def record_fields(self, row: int) -> dict | None:
        """FORMAT key -> tumour sample value (bytes) of ``row``'s record, read from its line;
        None when the table holds no record text (``from_frame``)."""
        if self.sample_field < 0:
            return None
        return record_fields(self.ref_text, int(self.columns["ref_start"][row]), self.sample_field)

    def keys(self, rows: np.ndarray) -> list[bytes]:
        """``CHROM:POS:REF:ALT`` (bytes) of ``rows``."""
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        return core.module().keys(
            rows, self.ref_text, self.alt_text, self.buffers(), self.table_lists()
        )

    def texts(self, name: str, rows: np.ndarray | None = None) -> list:
        """Text values of ``name`` (ref, alt or a coded column; None when missing)."""
        rows = np.arange(len(self)) if rows is None else rows
        if name in ("ref", "alt"):
            text = self.ref_text if name == "ref" else self.alt_text
            starts, ends = self.columns[f"{name}_start"], self.columns[f"{name}_end"]
            return [decode(text[starts[r] : ends[r]]) for r in rows]
        if name == "vaf_source":
            return [VAF_SOURCES[c] if c >= 0 else None for c in self.columns[name][rows]]
        names = self.names(name)
        return [names[c] if c >= 0 else None for c in self.columns[name][rows]]

    def to_frame(self):
        """pandas copy with the ALLELE_COLUMNS."""
        import pandas as pd

        data = {
            name: (
                self.texts(name)
                if name in CODED + ("ref", "alt", "vaf_source")
                else self.columns[name]
            )
            for name in ALLELE_COLUMNS
        }
        return pd.DataFrame(data, columns=ALLELE_COLUMNS)


def _coded(values: list) -> tuple[np.ndarray, list[bytes]]:
    """Codes into a table of distinct texts (None / NaN: -1)."""
    table: dict = {}
    codes = [
        -1
        if v is None or (isinstance(v, float) and math.isnan(v))
        else table.setdefault(str(v), len(table))
        for v in values
    ]
    return np.array(codes, dtype=np.int32), [encode(text) for text in table]
