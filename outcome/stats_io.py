"""Reading and writing for outcome-associate and outcome-report.

Inputs are read with stereosarc.tables.read_table (strings, ``_row``). In biomarkers.tsv the
endpoints and every analysed biomarker must be numbers (otherwise a one-line error naming
file, row and column); other columns, and the report's optional tables, become numbers
where every value is one and stay text otherwise. Outputs: associations.tsv, km.tsv,
primary_endpoint.tsv and missingness.tsv (schema-checked), report.html (atomic write).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from outcome import family, merge
from outcome.exceptions import OutcomeInputError
from stereosarc import protocol
from stereosarc.errors import InputError
from stereosarc.tables import (
    atomic_write,
    numeric_columns,
    read_table,
    refuse_repeats,
    write_table,
)

LOG = logging.getLogger("outcome.stats_io")
BIOMARKER_REQUIRED = [
    "patient",
    "arm",
    "histology",
    "line",
    "pfs_days",
    "pfs_event",
    "objective_response",
]  # the minimum for the primary analyses
NUMERIC_ENDPOINTS = merge.NUMERIC_ENDPOINTS  # must be numbers: an error names the row
PRIMARY_NUMERIC = tuple(merge.PRIMARY_ENDPOINT_COLUMNS)  # optional population / censoring rules


def _read(path, required: list[str]) -> pd.DataFrame:
    try:
        return read_table(path, required=required)
    except InputError as err:
        raise OutcomeInputError(str(err)) from err


def _numeric(table: pd.DataFrame, path, columns) -> pd.DataFrame:
    """Convert ``columns`` (those present) to numbers; text is an error naming the row."""
    return numeric_columns(table, columns, Path(path).name, OutcomeInputError)


def _numbers_where_possible(table: pd.DataFrame) -> pd.DataFrame:
    """Columns whose every present value is a number become numeric; others stay text."""
    for column in table.columns:
        if column in ("patient", "sample", "group", "curve"):
            continue
        numbers = pd.to_numeric(table[column], errors="coerce")
        if not (numbers.isna() & table[column].notna()).any():
            table[column] = numbers
    return table


def read_biomarkers(path) -> pd.DataFrame:
    """biomarkers.tsv: one row per patient; arms checked, patients unique."""
    table = _read(path, BIOMARKER_REQUIRED)
    analysed = [m.column for m in family.baseline_markers(table.columns)]
    numeric = [*NUMERIC_ENDPOINTS, *analysed, *family.LANDMARK_MARKERS, *PRIMARY_NUMERIC]
    table = _numbers_where_possible(_numeric(table, path, numeric))
    table["line"] = table["line"].map(lambda v: None if pd.isna(v) else f"{v:g}")
    name = Path(path).name
    for column, allowed in (("arm", protocol.ARMS),):
        bad = table[~table[column].isin(allowed)]
        if len(bad):
            first = bad.iloc[0]
            raise OutcomeInputError(
                f"{name} row {first['_row']}, column {column}: "
                f"{first[column]!r} is not one of {', '.join(allowed)}"
            )
    for column in ("histology", "line", "patient"):
        missing = table[table[column].isna()]
        if len(missing):
            raise OutcomeInputError(
                f"{name} row {missing.iloc[0]['_row']}, column {column}: "
                "missing value (randomisation stratum / id required)"
            )
    refuse_repeats(table, "patient", name, OutcomeInputError)
    LOG.info(
        "%s: %d patients; %d with PFS; %d with objective response",
        name,
        len(table),
        int(table["pfs_days"].notna().sum()),
        int(table["objective_response"].notna().sum()),
    )
    return table


def read_optional(path, required: list[str]) -> pd.DataFrame | None:
    """An optional table shown in the report (ctdna, dynamics, cn, rejects, km, associations):
    columns that hold only numbers are converted, the others are kept as text."""
    if not path:
        return None
    table = _numbers_where_possible(_read(path, required))
    LOG.info("%s: %d rows", Path(path).name, len(table))
    return table


def read_params(path) -> dict | None:
    """params.json (the run's parameters) for the methods text, or None."""
    if not path:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise OutcomeInputError(f"{Path(path).name}: cannot read parameters: {err}") from err


def write_associations(table: pd.DataFrame, km: pd.DataFrame, out, out_km) -> None:
    """associations.tsv and km.tsv, sorted, schema-checked, atomic."""
    write_table(table, out, "associations")
    write_table(
        km.sort_values(["endpoint", "curve", "group", "time"], kind="mergesort"), out_km, "km"
    )


def write_primary(table: pd.DataFrame, out) -> None:
    """primary_endpoint.tsv (outcome.primary), schema-checked, atomic."""
    write_table(table, out, "primary_endpoint")


def write_irecist(table: pd.DataFrame, out) -> None:
    """irecist.tsv (outcome.irecist_analysis), schema-checked, atomic."""
    write_table(table, out, "irecist")


def write_missingness(table: pd.DataFrame, out) -> None:
    """missingness.tsv (outcome.missing_data), schema-checked, atomic."""
    write_table(table, out, "missingness")


def write_report(html: str, out) -> None:
    """report.html, written atomically."""
    atomic_write(out, lambda tmp: Path(tmp).write_text(html, encoding="utf-8"))


def write_multivariable(table: pd.DataFrame, out) -> None:
    """multivariable.tsv (outcome.multivariable), schema-checked, atomic."""
    write_table(table, out, "multivariable")


def write_validation(table: pd.DataFrame, out) -> None:
    """model_validation.tsv (outcome.validation), schema-checked, atomic."""
    write_table(table, out, "model_validation")
