"""Pre-flight checks of the values in the clinical, IHC, labs and tissue copy-number tables
(pure functions).

Each check takes a table read by ``stereosarc.tables.read_table`` and returns every problem it
finds, not only the first, as :class:`Finding` objects naming the spreadsheet row and column.
Two severities (docs/usage.md, "Pre-flight checks"):

- ``refuse``: the table cannot mean what the analyst intended (a date that is not ISO, a
  date before start_date, an arm, histology, line, response, marker, metric, analyte or unit
  outside the vocabulary, a value that is not a number). The run stops before any task.
- ``warn``: the row is readable but unusable (an empty value, a negative count, a
  percentage above 100).
  The stage rejects it into cohort/rejects.tsv as DESIGN.md requires ("rows the pipeline
  must reject, not refuse"); pre-flight lists it at launch so that nobody meets it first
  in rejects.tsv.

The vocabularies and limits are the stages' own constants, so pre-flight refuses exactly
what a stage could not use.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

import pandas as pd

from blood import analytes as labs
from blood import draws as labs_draws
from ihc import densities, pdl1
from outcome import endpoints, irecist
from stereosarc import protocol
from stereosarc.tables import ROW_COLUMN

REFUSE, WARN = "refuse", "warn"
DMY_PATTERN = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}$")  # 10/01/2021, 10.01.2021, 10-01-2021
# DESIGN.md clinical table: start_date <= each of these; diagnosis_date <= start_date
AFTER_START = ("progression_date", "death_date", "last_assessment_date", "last_followup_date")
VOCABULARIES = {  # clinical column -> accepted values (stereosarc.protocol, DESIGN.md)
    "arm": protocol.ARMS,
    "histology": protocol.HISTOLOGIES,
    "line": protocol.LINES,
    "best_response": protocol.RESPONSES,
    "best_response_irecist": protocol.IRESPONSES,
}
REQUIRED_VALUES = (
    "arm",
    "histology",
    "line",
    "start_date",
)  # a clinical row is unusable without them
CLOSE_MATCH_CUTOFF = 0.6  # difflib.get_close_matches default


@dataclass(frozen=True)
class Finding:
    """One pre-flight problem: spreadsheet row (header = row 1; None = whole file), column."""

    file: str
    row: int | None
    column: str | None
    message: str
    severity: str = REFUSE

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        return (
            f"{where}, column {self.column}: {self.message}"
            if self.column
            else f"{where}: {self.message}"
        )


def closest(value: str, choices) -> str:
    """' (did you mean X?)' for the closest choice by difflib ratio, '' when none is close."""
    match = difflib.get_close_matches(value, list(choices), n=1, cutoff=CLOSE_MATCH_CUTOFF)
    if not match:
        lowered = {c.lower().replace(" ", ""): c for c in choices}
        found = lowered.get(value.lower().replace(" ", ""))
        match = [found] if found else []
    return f" (did you mean {match[0]!r}?)" if match else ""


def _shown(value) -> str:
    """A cell as quoted in messages: 'text', or 'empty' for a missing cell."""
    return "empty" if value is None else repr(value)


def _finding(
    name: str, row: pd.Series, column: str, message: str, severity: str = REFUSE
) -> Finding:
    return Finding(name, int(row[ROW_COLUMN]), column, message, severity)


def _date_problem(text: str) -> str | None:
    """Why ``text`` is not a strict ISO date, None when it is one."""
    try:
        endpoints.parse_date(text)
        return None
    except ValueError:
        hint = " (looks like DD/MM/YYYY or MM/DD/YYYY)" if DMY_PATTERN.match(text) else ""
        return f"{text!r} is not an ISO date YYYY-MM-DD{hint}"


def check_clinical(table: pd.DataFrame, name: str) -> list[Finding]:
    """Vocabularies, ISO dates and their order in the clinical table, every row."""
    found: list[Finding] = []
    for _, row in table.iterrows():
        for column, allowed in VOCABULARIES.items():
            value = row.get(column)
            if value is None:
                if column in REQUIRED_VALUES:
                    found.append(_finding(name, row, column, "empty (required)"))
            elif value not in allowed:
                found.append(
                    _finding(
                        name,
                        row,
                        column,
                        f"{value!r} is not one of {', '.join(allowed)}{closest(value, allowed)}",
                    )
                )
        found.extend(_clinical_dates(row, name))
    return found


def _clinical_dates(row: pd.Series, name: str) -> list[Finding]:
    found, dates = [], {}
    for column in (*endpoints.DATE_COLUMNS, *irecist.DATE_COLUMNS):
        text = row.get(column)
        if text is None:
            if column in REQUIRED_VALUES:
                found.append(_finding(name, row, column, "empty (required)"))
            continue
        problem = _date_problem(text)
        if problem:
            found.append(_finding(name, row, column, problem))
        else:
            dates[column] = endpoints.parse_date(text)
    start = dates.get("start_date")
    if start is None:
        return found
    found += [_finding(name, row, c, m) for c, m in irecist.consistency_problems(dates)]
    for column in AFTER_START:
        when = dates.get(column)
        if when is not None and when < start:
            found.append(_finding(name, row, column, f"{when} is before start_date {start}"))
    diagnosis = dates.get("diagnosis_date")
    if diagnosis is not None and diagnosis > start:
        found.append(
            _finding(
                name,
                row,
                "diagnosis_date",
                f"{dates['diagnosis_date']} is after start_date {start}",
            )
        )
    return found


def check_ihc(table: pd.DataFrame, name: str) -> list[Finding]:
    """Known marker and metric (ihc.densities), numeric values; impossible values are warnings."""
    markers = densities.IMMUNE_MARKERS + (densities.PDL1,)
    found = []
    for _, row in table.iterrows():
        marker = (row["marker"] or "").upper()
        if marker not in markers:
            found.append(
                _finding(
                    name,
                    row,
                    "marker",
                    f"{_shown(row['marker'])} is not a known marker "
                    f"({', '.join(markers)}){closest(row['marker'] or '', markers)}",
                )
            )
            continue
        allowed = densities.PDL1_METRICS if marker == densities.PDL1 else densities.IMMUNE_METRICS
        if row["metric"] not in allowed:
            found.append(
                _finding(
                    name,
                    row,
                    "metric",
                    f"{_shown(row['metric'])} is not a metric of {marker} "
                    f"({', '.join(allowed)}){closest(row['metric'] or '', allowed)}",
                )
            )
            continue
        found.extend(_ihc_value(row, name))
    return found


def _ihc_value(row: pd.Series, name: str) -> list[Finding]:
    text, metric = row["value"], row["metric"]
    if text is None:
        return [_finding(name, row, "value", "empty; the IHC stage will reject this row", WARN)]
    try:
        value = float(text)
    except (TypeError, ValueError):
        return [_finding(name, row, "value", f"{_shown(text)} is not a number")]
    if not math.isfinite(value) or value < 0:
        reason = "negative or not finite"
    elif metric in densities.PERCENT_METRICS and value > 100:
        reason = "a percentage above 100"
    elif metric == "density_per_mm2" and value > densities.MAX_DENSITY_PER_MM2:
        reason = f"a density above {densities.MAX_DENSITY_PER_MM2:g} per mm²"
    elif metric in pdl1.COUNT_METRICS and value != int(value):
        reason = "a cell count that is not a whole number"
    else:
        return []
    return [
        _finding(
            name,
            row,
            "value",
            f"{text} for {metric} is {reason}; the IHC stage will reject this row",
            WARN,
        )
    ]


def check_labs(table: pd.DataFrame, name: str) -> list[Finding]:
    """Known analyte, ISO date, numeric (or censored <x, >x) value, accepted unit; negative
    or impossible values are warnings (the labs stage rejects them)."""
    found = []
    for _, row in table.iterrows():
        analyte = (row["analyte"] or "").lower()
        if analyte not in labs.ANALYTES:
            found.append(
                _finding(
                    name,
                    row,
                    "analyte",
                    f"{_shown(row['analyte'])} is not one of "
                    f"{', '.join(labs.ANALYTES)}{closest(analyte, labs.ANALYTES)}",
                )
            )
            continue
        problem = _date_problem(row["date"]) if row["date"] is not None else "empty (required)"
        if problem:
            found.append(_finding(name, row, "date", problem))
        found.extend(_lab_value(row, analyte, name))
    return found


def _lab_value(row: pd.Series, analyte: str, name: str) -> list[Finding]:
    if row["value"] is None:
        return [_finding(name, row, "value", "empty; the labs stage will reject this row", WARN)]
    try:
        value, _ = labs_draws.parse_value(row["value"])
    except (TypeError, ValueError):
        return [
            _finding(
                name,
                row,
                "value",
                f"{_shown(row['value'])} is not a number (nor a censored "
                f"value such as <5 or >200)",
            )
        ]
    canonical = labs.convert(analyte, value, row["unit"])
    if canonical is None:
        accepted = ", ".join(sorted(labs.UNIT_FACTORS[analyte]))
        return [
            _finding(
                name,
                row,
                "unit",
                f"{_shown(row['unit'])} is not an accepted unit for "
                f"{analyte} ({accepted}); units are never guessed",
            )
        ]
    if not math.isfinite(canonical) or canonical < 0 or canonical > labs.IMPOSSIBLE_ABOVE[analyte]:
        return [
            _finding(
                name,
                row,
                "value",
                f"{row['value']} {row['unit']} is impossible for "
                f"{analyte}; the labs stage will reject this row",
                WARN,
            )
        ]
    return []


def check_tissue_cn(table: pd.DataFrame, name: str) -> list[Finding]:
    """copy_number a non-negative number; optional purity empty or a fraction in (0, 1], one
    value per patient (the rules of ctdna.call_io.read_tissue_cn, checked before any task)."""
    found = []
    for _, row in table.iterrows():
        copy_number = _number(row["copy_number"])
        if copy_number is None or copy_number < 0:
            found.append(
                _finding(
                    name,
                    row,
                    "copy_number",
                    f"{_shown(row['copy_number'])} is not a non-negative number",
                )
            )
        purity = row.get("purity")
        if purity is not None and not 0 < (_number(purity) or -1) <= 1:
            found.append(
                _finding(name, row, "purity", f"{_shown(purity)} is not a fraction in (0, 1]")
            )
    if "purity" in table.columns:
        values = table.assign(_p=pd.to_numeric(table["purity"], errors="coerce")).dropna(
            subset=["_p"]
        )
        for patient, group in values.groupby("patient"):
            if group["_p"].nunique() > 1:
                found.append(
                    _finding(
                        name,
                        group.iloc[-1],
                        "purity",
                        f"patient {patient!r} has more than one purity",
                    )
                )
    return found


def _number(value) -> float | None:
    """A cell as a finite float, or None."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
