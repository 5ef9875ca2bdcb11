"""No look-ahead at the landmark: a ctDNA value counts only when its sample was drawn before
the landmark (within the window) and before progression (outcome.landmark)."""

from __future__ import annotations

import pandas as pd
import pytest

from outcome import landmark, merge

L = 182.625  # 6-month landmark (days)


def _patients(rows):
    """patient, start_date 2021-01-01, pfs_days, pfs_event, month-6 day (None: no date)."""
    frame = pd.DataFrame(
        rows, columns=["patient", "pfs_days", "pfs_event", "m6_day", "ctdna_month6_detected"]
    )
    start = pd.Timestamp("2021-01-01")
    frame["start_date"] = "2021-01-01"
    frame["ctdna_month6_date"] = [
        None if pd.isna(d) else (start + pd.Timedelta(days=int(d))).strftime("%Y-%m-%d")
        for d in frame["m6_day"]
    ]
    return frame.drop(columns="m6_day")


def test_month6_sample_drawn_after_the_landmark_is_excluded():
    frame = _patients(
        [
            ("A", 400, 1, 175, 1),
            ("B", 400, 1, 190, 1),
            ("C", 300, 0, 182, 0),
            ("D", 500, 0, 183, 0),
        ]
    )
    cohort, excluded = landmark.landmark_cohort(frame, "ctdna_month6_detected", L, window_days=42)
    assert cohort["patient"].tolist() == ["A", "C"]  # day 175 and 182 <= 182.625
    assert excluded["sample_after_landmark"] == 2  # B (day 190) and D (day 183)
    assert cohort["pfs_days"].tolist() == pytest.approx([400 - L, 300 - L])


def test_every_reason_a_sample_is_not_known_at_the_landmark():
    frame = _patients(
        [
            ("early", 400, 0, 120, 1),
            ("nodate", 400, 0, None, 1),
            ("afterprog", 150, 1, 160, 1),
            ("onprog", 170, 1, 170, 1),
            ("used", 400, 0, 141, 0),
            ("late", 400, 0, 183, 1),
        ]
    )
    reason = landmark.known_at_landmark(frame, "month6", L, 42).tolist()
    assert reason[:4] == [
        "sample_before_window",
        "sample_without_date",
        "sample_after_progression",
        "sample_after_progression",
    ]
    assert pd.isna(reason[4]) and reason[5] == "sample_after_landmark"  # 141 >= 182.625 - 42


def test_without_dates_no_month6_value_is_used():
    frame = _patients([("A", 400, 1, 175, 1)]).drop(columns="ctdna_month6_date")
    cohort, excluded = landmark.landmark_cohort(frame, "ctdna_month6_detected", L, window_days=42)
    assert cohort.empty and excluded["sample_without_date"] == 1
    assert excluded["marker_missing"] == 0


def test_merge_carries_the_collection_dates():
    endpoints = pd.DataFrame(
        {
            "patient": ["P1"],
            "arm": ["SBRT"],
            "histology": ["liposarcoma"],
            "line": [1],
            "pfs_days": [300.0],
            "pfs_event": [0],
        }
    )
    ctdna = pd.DataFrame(
        {
            "patient": ["P1", "P1"],
            "sample": ["P1-B", "P1-M6"],
            "timepoint": ["baseline", "month6"],
            "tumour_fraction": [0.1, 0.0],
            "detected": [1, 0],
            "collection_date": ["2021-01-01", "2021-06-20"],
            "_file": "ctdna.tsv",
            "_row": [2, 3],
        }
    )
    table, _ = merge.merge(endpoints, ctdna=ctdna)
    assert table.loc[0, "ctdna_month6_date"] == "2021-06-20"
    assert table.loc[0, "ctdna_baseline_date"] == "2021-01-01"
    assert pd.isna(table.loc[0, "ctdna_relapse_date"])
