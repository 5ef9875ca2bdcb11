"""From lab rows to usable values: identity, date, unit, plausibility, duplicates.

Each usable row gets its value in the canonical unit (blood.analytes), its day counted from
start_date (day 0 = start_date) and an ``unusual`` flag; every other row becomes a reject
naming file, row, column and reason.
"""

from __future__ import annotations

import math
from datetime import date
from typing import cast

import pandas as pd

from blood import draws
from blood.analytes import (
    ANALYTES,
    CANONICAL,
    IMPOSSIBLE_ABOVE,
    UNIT_FACTORS,
    UNUSUAL_RANGE,
    convert,
)
from stereosarc import protocol
from stereosarc.duplicates import resolve_duplicates, same_values, value_reject
from stereosarc.rejects import Reject, reject

STAGE = "labs"  # stage column of this package's rejects


def parse_iso_date(text) -> date | None:
    """A date from strict ISO YYYY-MM-DD text; None when missing or invalid."""
    if text is None or len(str(text)) != 10:
        return None
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return None


def start_dates(clinical: pd.DataFrame) -> tuple[dict[str, date], dict[str, str]]:
    """({patient: start_date}, {patient: why no usable start date}) from the clinical table."""
    starts, problems = {}, {}
    for patient, group in clinical.groupby("patient", sort=True):
        parsed = {parse_iso_date(v) for v in group["start_date"]}
        valid = {d for d in parsed if d is not None}
        if len(parsed) != 1 or not valid:
            values = ", ".join(sorted({str(v) for v in group["start_date"]}))
            problems[patient] = f"start_date {values}"
        else:
            starts[patient] = valid.pop()
    return starts, problems


def _row_problem(row, starts, start_problems):
    """(column, reject code, detail) why a lab row cannot be used, or (None, canonical
    value, None)."""
    problem = protocol.identifier_problem(row, ("patient",))
    if problem:
        return problem
    if row.patient in start_problems:
        return "patient", "no_start_date", start_problems[row.patient]
    if row.patient not in starts:
        return "patient", "unknown_patient", None
    analyte = (row.analyte or "").lower()
    if analyte not in ANALYTES:
        return "analyte", "unknown_analyte", f"analyte {row.analyte!r}"
    if parse_iso_date(row.date) is None:
        return "date", "date_not_iso", f"date {row.date!r}"
    try:
        value, sign = draws.parse_value(row.value)
    except (TypeError, ValueError):
        return "value", "value_not_a_number", f"value {row.value!r} (nor <x / >x)"
    canonical = convert(analyte, value, row.unit)
    if canonical is None:
        return (
            "unit",
            "unknown_unit",
            (f"unit {row.unit!r} for {analyte} (accepted: {', '.join(UNIT_FACTORS[analyte])})"),
        )
    if not math.isfinite(canonical) or canonical < 0 or canonical > IMPOSSIBLE_ABOVE[analyte]:
        return (
            "value",
            "impossible_value",
            (
                f"{analyte} {row.value} {row.unit} (= {canonical:g} "
                f"{CANONICAL[analyte]}; allowed 0 to {IMPOSSIBLE_ABOVE[analyte]:g})"
            ),
        )
    return None, (canonical, sign), None


def normalise(
    labs: pd.DataFrame, starts: dict[str, date], start_problems: dict[str, str]
) -> tuple[pd.DataFrame, list[Reject]]:
    """Usable rows in canonical units with day (from start_date) and an unusual flag."""
    kept, rejects = [], []
    for row in labs.rename(columns={"_row": "src_row", "_file": "src_file"}).itertuples(
        index=False
    ):
        column, outcome, detail = _row_problem(row, starts, start_problems)
        if column is not None:
            rejects.append(
                reject(
                    STAGE,
                    row.src_file,
                    row.src_row,
                    outcome,
                    detail=detail,
                    column=column,
                    patient=row.patient,
                )
            )
            continue
        analyte, (value, sign) = row.analyte.lower(), outcome
        low, high = UNUSUAL_RANGE[analyte]
        kept.append(
            {
                "patient": row.patient,
                "analyte": analyte,
                "value": value,
                "censored": sign,
                "day": (cast(date, parse_iso_date(row.date)) - starts[row.patient]).days,
                "unusual": not low <= value <= high,
                "source_file": row.src_file,
                "source_row": row.src_row,
            }
        )
    columns = [
        "patient",
        "analyte",
        "value",
        "censored",
        "day",
        "unusual",
        "source_file",
        "source_row",
    ]
    return pd.DataFrame(kept, columns=columns), rejects


def deduplicate(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """One value per patient, analyte and day: equal duplicates (same value and censoring
    sign) keep the first row; values that conflict are all rejected (stereosarc.duplicates)."""

    def agree(group) -> bool:
        signs = group["censored"].fillna("") if "censored" in group else pd.Series([""])
        return same_values(group["value"]) and signs.nunique() == 1

    def duplicate(first, r) -> Reject:
        return value_reject(STAGE, r, "duplicate_row", f"same value as row {first['source_row']}")

    def conflicting(group, r) -> Reject:
        shown = ", ".join(f"{v:g}" for v in group["value"])
        return value_reject(STAGE, r, "conflicting_duplicate", f"{r.analyte} same date: {shown}")

    keep, rejects = resolve_duplicates(
        rows, ["patient", "analyte", "day"], agree, duplicate, conflicting
    )
    return keep.reset_index(drop=True), rejects
