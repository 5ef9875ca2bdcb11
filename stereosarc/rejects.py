"""Rejected input rows: one record, one builder, one collector (cohort/rejects.tsv).

A reject says which stage did not use which row of which file and why (DESIGN.md: nothing
is dropped silently). The columns are the properties of assets/schemas/rejects.schema.json,
in its order; nothing else declares them.

The one collector (``reject_table``) takes any mix of Reject records, dicts and rejects
tables, and applies:

- one dedupe rule: a row equal to an earlier one in every column is dropped (a rerun of
  a stage, or the same reject gathered from two files, is reported once);
- one sort order: severity (error, excluded_by_rule, info), then stage, file, row, column,
  patient, reason, code, detail, missing values first, rows numerically, texts by code
  point; stable, so reruns give identical files.

Every reject carries a registered code (stereosarc.reject_codes): its severity and reason
come from the registry, the row's particulars go in ``detail``.

``row`` is the row as the user sees it: for a CSV/TSV table the spreadsheet row (header =
row 1, first data row = row 2, stereosarc.tables.ROW_COLUMN); for a VCF the 1-based record
number; for a BED the 1-based line number.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from stereosarc.reject_codes import SEVERITIES, lookup
from stereosarc.schemas import load_schema

if TYPE_CHECKING:
    import pandas as pd

REJECTS_SCHEMA = "rejects"  # assets/schemas/rejects.schema.json
REJECT_COLUMNS = list(load_schema(REJECTS_SCHEMA)["properties"])  # stage .. detail
TEXT_COLUMNS = [c for c in REJECT_COLUMNS if c != "row"]  # every column but the row number
SORT_COLUMNS = ["stage", "file", "row", "column", "patient", "reason", "code", "detail"]


@dataclass(frozen=True)
class Reject:
    """One input row (or sample, site, file) not used: where it came from and why."""

    stage: str | None  # pipeline stage that refused it (validate, tmb, ctdna, ihc, ...)
    file: str  # base name of the input file
    row: int | None  # row as the user sees it (module doc); None for a whole file or derived item
    column: str | None  # column whose value caused it; None when not one column
    patient: str | None  # patient id, when known
    severity: str  # error, excluded_by_rule or info: the code's (stereosarc.reject_codes)
    code: str  # registered reason code
    reason: str  # the code's reason, in words
    detail: str | None  # what is particular to this row (value, day, site); None when nothing

    def __getitem__(self, column: str) -> Any:
        """``r["reason"]`` as ``r.reason``: a Reject reads like the rejects-table row it is."""
        if column not in REJECT_COLUMNS:
            raise KeyError(column)
        return getattr(self, column)


def _missing(value: Any) -> bool:
    """None, NaN, pandas.NA or NaT (without importing pandas)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, float) and math.isnan(value)


def reject(
    stage: str | None,
    file: Any,
    row: Any,
    code: str,
    *,
    detail: Any = None,
    column: str | None = None,
    patient: Any = None,
) -> Reject:
    """The one builder: a Reject of registered ``code`` (severity and reason from the
    registry; KeyError for an unregistered code), ``row`` as an int (None when missing or
    NaN), missing ``patient`` and ``detail`` as None."""
    entry = lookup(code)
    number = None if _missing(row) else int(row)
    if number is not None and isinstance(row, float) and not math.isclose(row, number):
        raise ValueError(f"reject row {row!r} is not a whole row number")
    return Reject(
        stage=stage,
        file=str(file),
        row=number,
        column=None if _missing(column) else column,
        patient=None if _missing(patient) else str(patient),
        severity=entry.severity,
        code=code,
        reason=entry.reason,
        detail=None if _missing(detail) or detail == "" else str(detail),
    )


def rows_rejected(
    stage: str | None,
    rows: pd.DataFrame,
    code: str,
    *,
    detail: Any = None,
    column: str | None = None,
    where: tuple[str, str] = ("source_file", "source_row"),
) -> list[Reject]:
    """One Reject of ``code`` per row of ``rows``: its file and spreadsheet row from the two
    columns named by ``where``, its patient from ``patient`` when the table has one;
    ``detail`` a text for every row, or a function of the row (a namespace whose attributes
    are the row's columns, ``_file`` and ``_row`` included)."""
    file_column, row_column = where
    out = []
    for record in rows.to_dict("records"):
        text = detail(SimpleNamespace(**record)) if callable(detail) else detail
        out.append(
            reject(
                stage,
                record[file_column],
                record[row_column],
                code,
                detail=text,
                column=column,
                patient=record.get("patient"),
            )
        )
    return out


def _records(part: Any) -> list[dict]:
    if isinstance(part, Reject):
        return [asdict(part)]
    if isinstance(part, dict):
        return [part]
    if hasattr(part, "to_dict"):  # a rejects DataFrame
        return part.reindex(columns=REJECT_COLUMNS).to_dict("records")
    return [record for item in part for record in _records(item)]


def _as_reject(record: dict) -> Reject:
    """A record of a stage's rejects table rebuilt through the builder: its code must be
    registered, its severity and reason are the registry's."""
    return reject(
        record.get("stage"),
        record["file"],
        record.get("row"),
        record["code"],
        detail=record.get("detail"),
        column=record.get("column"),
        patient=record.get("patient"),
    )


def reject_table(*parts: Any) -> pd.DataFrame:
    """The one collector: every reject of ``parts`` (Reject records, dicts, rejects tables or
    lists of these) as one table of REJECT_COLUMNS, deduplicated and sorted (module doc)."""
    import pandas as pd

    rows = [asdict(_as_reject(record)) for part in parts for record in _records(part)]
    table = pd.DataFrame(rows, columns=REJECT_COLUMNS)
    table["row"] = pd.array(table["row"], dtype="Int64")
    for column in TEXT_COLUMNS:
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    table = table.drop_duplicates(ignore_index=True)
    keys = table.assign(
        **{c: table[c].notna().map(int).astype(str) + table[c].fillna("") for c in TEXT_COLUMNS}
    )
    keys["severity"] = table["severity"].map(SEVERITIES.index)
    order = keys.sort_values(["severity", *SORT_COLUMNS], na_position="first", kind="stable").index
    return table.loc[order].reset_index(drop=True)


def _text_key(value: str | None) -> str:
    """reject_table's sort key of a text cell: missing first, then the text."""
    return "0" if value is None else f"1{value}"


def reject_records(rejects: list[Reject]) -> list[dict]:
    """``reject_table`` without pandas: the same rows (REJECT_COLUMNS dicts, ``row`` None
    when missing), deduplicated and in the same order (ctdna-count's row-wise path)."""
    rows = list(dict.fromkeys(tuple(asdict(_as_reject(asdict(r))).values()) for r in rejects))
    records = [dict(zip(REJECT_COLUMNS, row, strict=True)) for row in rows]

    def key(record: dict) -> tuple:
        row = record["row"]
        texts = [_text_key(record[c]) for c in SORT_COLUMNS if c != "row"]
        return (SEVERITIES.index(record["severity"]), *texts[:2], (row is not None, row or 0),
                *texts[2:])  # fmt: skip

    return sorted(records, key=key)
