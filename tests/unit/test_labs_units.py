"""Blood units: explicit conversions, unknown units rejected, plausibility limits."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import blood.analytes
import blood.markers
import blood.rows

STARTS = {"P1": date(2024, 3, 1)}


def lab_rows(rows):
    table = pd.DataFrame(rows, columns=["patient", "date", "analyte", "value", "unit"])
    table["_row"] = range(1, len(table) + 1)
    table["_file"] = "labs.csv"
    return table


@pytest.mark.parametrize(
    "analyte, value, unit, expected",
    [
        ("neutrophils", 4.2, "10^9/L", 4.2),
        ("neutrophils", 4.2, "G/L", 4.2),
        ("neutrophils", 4200, "/uL", 4.2),
        ("neutrophils", 4200, "/µL", 4.2),
        ("platelets", 250000, "/mm3", 250.0),
        ("lymphocytes", 1500, "/mm^3", 1.5),
        ("crp", 1.2, "mg/dL", 12.0),
        ("crp", 12, "mg/L", 12.0),
        ("albumin", 3.5, "g/dL", 35.0),
        ("albumin", 35, "g/L", 35.0),
    ],
)
def test_conversions(analyte, value, unit, expected):
    assert blood.analytes.convert(analyte, value, unit) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "analyte, unit",
    [
        ("crp", "mmol/L"),
        ("albumin", "mg/L"),
        ("neutrophils", "g/L"),
        ("platelets", "%"),
        ("crp", None),
    ],
)
def test_unknown_or_wrong_units_are_not_guessed(analyte, unit):
    assert blood.analytes.convert(analyte, 1.0, unit) is None


def test_bad_rows_are_rejected_naming_row_column_and_reason():
    table = lab_rows(
        [
            ("P1", "2024-02-29", "crp", "12", "mmol/L"),  # unknown unit
            ("P1", "2024-02-29", "neutrophils", "-1", "G/L"),  # negative
            ("P1", "2024-02-29", "albumin", "150", "g/L"),  # impossible
            ("P1", "2024-02-29", "ferritin", "5", "ug/L"),  # unknown analyte
            ("P1", "29/02/2024", "crp", "5", "mg/L"),  # not ISO
            ("P9", "2024-02-29", "crp", "5", "mg/L"),  # not in clinical
            ("P1", "2024-02-29", "crp", "five", "mg/L"),  # not a number
            ("P1", "2024-02-29", "albumin", "15", "g/L"),  # kept, unusual
        ]
    )
    rows, rejects = blood.rows.normalise(table, STARTS, {})
    assert [(r["row"], r["column"], r["code"]) for r in rejects] == [
        (1, "unit", "unknown_unit"),
        (2, "value", "impossible_value"),
        (3, "value", "impossible_value"),
        (4, "analyte", "unknown_analyte"),
        (5, "date", "date_not_iso"),
        (6, "patient", "unknown_patient"),
        (7, "value", "value_not_a_number"),
    ]
    assert rejects[0]["detail"].startswith("unit 'mmol/L' for crp (accepted: mg/L")
    assert rejects[5]["reason"] == "patient not in the clinical table"
    assert {r["severity"] for r in rejects} == {"error"}
    assert rows[["analyte", "value", "day", "unusual"]].values.tolist() == [
        ["albumin", 15.0, -1, True]
    ]


def test_patient_with_invalid_start_date_is_rejected():
    clinical = pd.DataFrame(
        {"patient": ["P1", "P2", "P2"], "start_date": ["2024-03-01", "2024-03-01", "2024-03-02"]}
    )
    starts, problems = blood.rows.start_dates(clinical)
    assert starts == STARTS and problems["P2"] == "start_date 2024-03-01, 2024-03-02"
    rows, rejects = blood.rows.normalise(
        lab_rows([("P2", "2024-02-29", "crp", "5", "mg/L")]), starts, problems
    )
    assert rows.empty and rejects[0]["code"] == "no_start_date"
    assert "no single valid start_date" in rejects[0]["reason"]


def test_conflicting_same_day_values_are_all_rejected_after_conversion():
    table = lab_rows(
        [
            ("P1", "2024-02-29", "crp", "12", "mg/L"),
            ("P1", "2024-02-29", "crp", "1.2", "mg/dL"),  # same value: duplicate
            ("P1", "2024-02-28", "albumin", "35", "g/L"),
            ("P1", "2024-02-28", "albumin", "30", "g/L"),
        ]
    )  # conflict
    rows, _ = blood.rows.normalise(table, STARTS, {})
    kept, rejects = blood.rows.deduplicate(rows)
    assert kept[["analyte", "value"]].values.tolist() == [["crp", 12.0]]
    assert sorted(r["row"] for r in rejects) == [2, 3, 4]
