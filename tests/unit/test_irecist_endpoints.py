"""iPFS and pseudo-progression per iRECIST (Seymour et al., Lancet Oncol 2017): one test per
derivation rule, day counts derived by hand from the dates (2024 is a leap year)."""

from __future__ import annotations

import pandas as pd
import pytest

from outcome import endpoints

BASE = {
    "patient": "P1",
    "arm": "SBRT+atezolizumab",
    "histology": "liposarcoma",
    "line": "1",
    "start_date": "2024-01-01",
    "progression_date": "2024-03-01",  # day 60: RECIST PD = first iUPD
    "death_date": None,
    "last_assessment_date": "2024-03-01",
    "last_followup_date": "2025-01-31",
    "diagnosis_date": "2023-01-01",
    "best_response": "PD",
    "best_response_irecist": "iCPD",
    "iupd_date": "2024-03-01",
    "icpd_date": None,
    "irecist_last_assessment_date": None,
}


def derive(unconfirmed="event", **change):
    table = pd.DataFrame([{**BASE, **change}])
    table["_row"], table["_file"] = 1, "clinical.csv"
    out, rejects = endpoints.derive(table, unconfirmed=unconfirmed)
    return out.iloc[0], rejects


def test_iupd_confirmed_by_icpd_is_an_event_at_the_iupd_date():
    row, rejects = derive(icpd_date="2024-04-12", irecist_last_assessment_date="2024-04-12")
    assert (row["ipfs_days"], row["ipfs_event"], row["pseudoprogression"]) == (60, 1, 0)
    assert row["pfs_days"] == 60 and rejects == []


def test_iupd_then_isd_not_confirmed_resets_without_event():
    """iUPD on day 60, next assessments iSD/iPR up to 2024-09-01 (day 244): no event."""
    row, _ = derive(best_response_irecist="iSD", irecist_last_assessment_date="2024-09-01")
    assert (row["ipfs_days"], row["ipfs_event"], row["pseudoprogression"]) == (244, 0, 1)
    assert row["pfs_event"] == 1  # RECIST 1.1 counts the same scan as progression


def test_reset_then_a_later_iupd_confirmed_is_an_event_at_the_later_iupd():
    row, _ = derive(
        iupd_date="2024-07-01", icpd_date="2024-08-05", irecist_last_assessment_date="2024-08-05"
    )  # 2024-07-01 = day 182
    assert (row["ipfs_days"], row["ipfs_event"], row["pseudoprogression"]) == (182, 1, 1)


def test_death_without_icpd_is_an_event_at_death():
    row, _ = derive(
        best_response_irecist="iPR",
        irecist_last_assessment_date="2024-06-01",
        death_date="2024-08-01",
        last_followup_date="2024-08-01",
    )  # 2024-08-01 = day 213
    assert (row["ipfs_days"], row["ipfs_event"]) == (213, 1)


def test_death_without_any_progression_is_an_event():
    row, _ = derive(
        progression_date=None,
        iupd_date=None,
        best_response="SD",
        best_response_irecist="iSD",
        last_assessment_date="2024-04-01",
        death_date="2024-05-01",
        last_followup_date="2024-05-01",
    )  # day 121
    assert (row["ipfs_days"], row["ipfs_event"], row["pfs_days"], row["pfs_event"]) == (
        121,
        1,
        121,
        1,
    )
    assert pd.isna(row["pseudoprogression"])


@pytest.mark.parametrize(("rule", "event"), [("event", 1), ("censor", 0)])
def test_unconfirmed_iupd_with_no_later_assessment_follows_the_stated_rule(rule, event):
    row, _ = derive(unconfirmed=rule, best_response_irecist="iUPD")
    assert (row["ipfs_days"], row["ipfs_event"]) == (60, event)
    assert pd.isna(row["pseudoprogression"])  # never re-assessed: not known
    assert "unconfirmed iUPD" in row["irecist_notes"]


def test_no_irecist_data_gives_na_not_recist_pfs():
    row, rejects = derive(best_response_irecist=None, iupd_date=None)
    assert row["pfs_days"] == 60
    assert pd.isna(row["ipfs_days"]) and pd.isna(row["ipfs_event"])
    assert pd.isna(row["pseudoprogression"]) and "no iRECIST data" in row["irecist_notes"]
    assert rejects == []


def test_table_without_the_date_columns_gives_na_ipfs():
    table = pd.DataFrame([{k: v for k, v in BASE.items() if not k.startswith(("iupd", "icpd"))}])
    table["_row"], table["_file"] = 1, "clinical.csv"
    out, _ = endpoints.derive(table.drop(columns="irecist_last_assessment_date"))
    assert pd.isna(out.iloc[0]["ipfs_days"])
    assert "no iupd_date column" in out.iloc[0]["irecist_notes"]


def test_non_progressor_is_censored_at_the_last_irecist_assessment():
    row, _ = derive(
        progression_date=None,
        iupd_date=None,
        best_response="PR",
        best_response_irecist="iPR",
        last_assessment_date="2024-07-01",
    )
    assert (row["ipfs_days"], row["ipfs_event"], row["objective_response_irecist"]) == (182, 0, 1)


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"icpd_date": "2024-02-01"}, "icpd_date"),  # iCPD before its iUPD
        ({"iupd_date": None, "icpd_date": "2024-04-01"}, "icpd_date"),  # iCPD without iUPD
        ({"iupd_date": "2024-02-01"}, "iupd_date"),  # iUPD before the RECIST progression
        ({"iupd_date": "2024/03/01"}, "iupd_date"),  # not ISO
        ({"death_date": "2024-02-15", "last_followup_date": "2024-02-15"}, "death_date"),
    ],
)
def test_inconsistent_irecist_dates_are_rejected_with_row_and_column(change, column):
    row, rejects = derive(**change)
    assert pd.isna(row["ipfs_days"]) and pd.isna(row["pseudoprogression"])
    mine = [r for r in rejects if r["column"] == column]
    assert mine and mine[0]["row"] == 1 and mine[0]["file"] == "clinical.csv"
