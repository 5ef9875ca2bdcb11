"""The per-allele columns of the compiled VCF reader, without numpy: names, element types
(struct/array typecodes, which numpy reads as dtypes too), text helpers and the FORMAT
fields of a record's line. tmb.alleles views the columns as numpy arrays, tmb.rowwise as
memoryviews (panel-sized VCFs, no numpy import).
"""

from __future__ import annotations

from tmb import core
from tmb.annotation import TEXT_ERRORS

ALLELE_COLUMNS = [
    "chrom",
    "pos",
    "ref",
    "alt",
    "allele_index",
    "filter",
    "depth",
    "alt_reads",
    "vaf",
    "vaf_source",
    "population_af",
    "consequences",
    "genes",
    "cosmic_count",
]
# The reader's columns and their element types (tmb/_vcfcore.c COLUMN_NAMES / COLUMN_SIZES):
# typecodes of the struct module (i int32, q int64, d float64, b int8)
TYPECODES = {
    "chrom": "i",
    "pos": "q",
    "ref_start": "q",
    "ref_end": "q",
    "alt_start": "q",
    "alt_end": "q",
    "allele_index": "q",
    "filter": "i",
    "depth": "d",
    "alt_reads": "d",
    "vaf": "d",
    "vaf_source": "b",
    "population_af": "d",
    "consequences": "i",
    "genes": "i",
    "cosmic_count": "d",
}
CODED = ("chrom", "filter", "consequences", "genes")  # columns holding codes into tables
VAF_SOURCES = ("FORMAT/AF", "AD")  # vaf_source codes 0 and 1 (schema tmb_trace)


def decode(data: bytes) -> str:
    return data.decode("utf-8", TEXT_ERRORS)


def encode(text: str) -> bytes:
    return text.encode("utf-8", TEXT_ERRORS)


def record_fields(text: bytes, at: int, sample_field: int) -> dict:
    """FORMAT key -> tumour sample value (bytes) of the record whose line holds offset ``at``
    of ``text`` (``sample_field``: 0-based VCF column of the tumour sample)."""
    end = text.find(b"\n", at)
    line = text[text.rfind(b"\n", 0, at) + 1 : len(text) if end < 0 else end]
    columns = line.rstrip(b"\r").split(b"\t")
    keys, values = columns[core.FIRST_SAMPLE - 1], columns[sample_field]
    return dict(reversed(list(zip(keys.split(b":"), values.split(b":")))))


class CodedColumns:
    """Row count and decoded code tables of a block of allele rows; the class using it holds
    ``columns`` (with ``pos``), ``tables`` (coded column -> list of bytes) and ``_names``."""

    columns: dict
    tables: dict
    _names: dict

    def __len__(self) -> int:
        return len(self.columns["pos"])

    def names(self, column: str) -> list[str]:
        """The texts of coded ``column``'s table (decoded once)."""
        if column not in self._names:
            self._names[column] = [decode(t) for t in self.tables[column]]
        return self._names[column]
