"""Clinical endpoints from dates: hand-computed day counts, 6-month boundary, rejects."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from outcome import endpoints

BASE = {
    "patient": "P1",
    "arm": "SBRT",
    "histology": "liposarcoma",
    "line": "1",
    "start_date": "2024-01-01",
    "progression_date": None,
    "death_date": None,
    "last_assessment_date": "2024-12-31",
    "last_followup_date": "2025-01-31",
    "diagnosis_date": "2023-01-01",
    "best_response": "SD",
}


def clinical(*changes):
    table = pd.DataFrame([{**BASE, **c} for c in changes])
    table["_row"] = range(1, len(table) + 1)
    table["_file"] = "clinical.csv"
    return table


def one(**change):
    table, rejects = endpoints.derive(clinical(change))
    return (table.iloc[0] if len(table) else None), rejects


def test_censored_patient():
    row, rejects = one()
    # 2024 is a leap year: 2024-01-01 -> 2024-12-31 = 365 days; 2023-01-01 -> 2025-01-31 = 761
    assert (row["pfs_days"], row["pfs_event"], row["pfs_6m"]) == (365, 0, 1)
    assert (row["os_days"], row["os_event"]) == (761, 0) and rejects == []


def test_first_of_progression_or_death_is_the_event():
    row, _ = one(
        progression_date="2024-03-01",
        death_date="2024-05-01",
        last_assessment_date="2024-03-01",
        last_followup_date="2024-05-01",
    )
    # Jan 31 + Feb 29 = 60 days; OS 2023-01-01 -> 2024-05-01 = 365 + 121 = 486 days
    assert (row["pfs_days"], row["pfs_event"], row["pfs_6m"]) == (60, 1, 0)
    assert (row["os_days"], row["os_event"]) == (486, 1)


def test_death_without_progression_is_a_pfs_event():
    row, _ = one(
        death_date="2024-02-01", last_assessment_date="2024-01-20", last_followup_date="2024-02-01"
    )
    assert (row["pfs_days"], row["pfs_event"]) == (31, 1)


@pytest.mark.parametrize(
    "days, event, expected", [(182, 1, 0), (183, 1, 1), (182, 0, None), (183, 0, 1), (0, 1, 0)]
)
def test_pfs_6m_boundary_at_182_625_days(days, event, expected):
    result = endpoints.pfs_6m(float(days), event)
    assert (result is pd.NA) if expected is None else result == expected


@pytest.mark.parametrize(
    "change, column, na",
    [
        ({"progression_date": "2023-12-31"}, "progression_date", {"pfs"}),
        (
            {
                "progression_date": "2024-03-01",
                "death_date": "2024-02-01",
                "last_assessment_date": "2024-01-15",
                "last_followup_date": "2024-02-01",
            },
            "death_date",
            {"pfs", "os"},
        ),
        (
            {"death_date": "2024-06-01", "last_followup_date": "2024-06-01"},
            "death_date",
            {"pfs", "os"},
        ),  # assessed after death
        ({"diagnosis_date": "2024-02-01"}, "start_date", {"os"}),
        ({"last_assessment_date": "2024-13-01"}, "last_assessment_date", {"pfs"}),
    ],
)
def test_inconsistent_or_invalid_dates_make_endpoints_na(change, column, na):
    row, rejects = one(**change)
    assert any(r["column"] == column for r in rejects)
    assert all(r["row"] == 1 and r["file"] == "clinical.csv" for r in rejects)
    assert math.isnan(row["pfs_days"]) is ("pfs" in na)
    assert math.isnan(row["os_days"]) is ("os" in na)


@pytest.mark.parametrize(
    "change, column",
    [
        ({"arm": "placebo"}, "arm"),
        ({"start_date": None}, "start_date"),
        ({"start_date": "01/01/2024"}, "start_date"),
        ({"patient": "P 1"}, "patient"),
        ({"line": "3"}, "line"),
    ],
)
def test_unusable_rows_are_rejected_whole(change, column):
    row, rejects = one(**change)
    assert (
        row is None and rejects[0]["column"] == column and "row not used" in rejects[0]["detail"]
    )


@pytest.mark.parametrize(
    "best, expected", [("CR", 1), ("PR", 1), ("SD", 0), ("PD", 0), ("NE", 0), (None, None)]
)
def test_objective_response(best, expected):
    result = endpoints.objective_response(best)
    assert (result is pd.NA) if expected is None else result == expected


def test_ne_can_be_treated_as_missing():
    assert endpoints.objective_response("NE", ne_is_non_response=False) is pd.NA


def test_unknown_best_response_is_rejected_and_na():
    row, rejects = one(best_response="VGPR")
    assert row["best_response"] is None and rejects[0]["column"] == "best_response"


def test_duplicate_patients():
    same, rejects = endpoints.derive(clinical({}, {}))
    assert len(same) == 1 and len(rejects) == 1 and rejects[0]["code"] == "duplicate_row"
    conflict, rejects = endpoints.derive(clinical({}, {"arm": "SBRT+atezolizumab"}))
    assert conflict.empty and [r["row"] for r in rejects] == [1, 2]


def test_censored_without_last_assessment_gives_na_with_note():
    row, _ = one(last_assessment_date=None)
    assert math.isnan(row["pfs_days"]) and "no last_assessment_date" in row["endpoint_notes"]
