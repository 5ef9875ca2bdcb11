"""ctdna.dynamics rules on hand-built patient series: change, response, clearance, relapse,
lead time, missing timepoints and not-evaluable samples. Expected values derived by hand."""

# ruff: noqa: E712  (frames hold numpy booleans: compare with ==, not "is")
from __future__ import annotations

import math

import pandas as pd
import pytest

from ctdna import dynamics

COLUMNS = [
    "patient",
    "sample",
    "timepoint",
    "collection_date",
    "tumour_fraction",
    "tf_source",
    "detected",
    "evaluable",
]


def _levels(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def _one(rows, progression=None, **kwargs):
    frame, unused = dynamics.cohort_dynamics(
        _levels(rows), pd.Series({"P1": progression}) if progression else None, **kwargs
    )
    assert len(frame) == 1
    return frame.iloc[0], unused


def test_response_and_clearance_when_month6_not_detected():
    row, _ = _one(
        [
            ("P1", "b", "baseline", "2024-01-01", 0.08, "snv", True, True),
            ("P1", "m", "month6", "2024-07-01", 0.02, "snv", False, True),
        ]
    )
    assert row["clearance"] == True and row["molecular_response"] == True
    assert row["tf_log2_fold_change"] == pytest.approx(-2.0)  # log2(0.02 / 0.08)
    assert row["tf_percent_change"] == pytest.approx(-75.0)
    assert row["relapse_detected"] is None and math.isnan(row["relapse_tf"])


def test_response_threshold_is_inclusive_at_half():
    row, _ = _one(
        [
            ("P1", "b", "baseline", None, 0.10, "snv", True, True),
            ("P1", "m", "month6", None, 0.05, "snv", True, True),
        ]
    )
    assert row["molecular_response"] == True and row["clearance"] == False
    row, _ = _one(
        [
            ("P1", "b", "baseline", None, 0.10, "snv", True, True),
            ("P1", "m", "month6", None, 0.06, "cn", True, True),
        ]
    )
    assert row["molecular_response"] == False and row["month6_tf_source"] == "cn"
    row, _ = _one(
        [
            ("P1", "b", "baseline", None, 0.10, "snv", True, True),
            ("P1", "m", "month6", None, 0.06, "snv", True, True),
        ],
        decrease=0.3,
    )  # 40 % decrease >= 30 %
    assert row["molecular_response"] == True


def test_baseline_not_detected_gives_na_response_and_clearance():
    row, _ = _one(
        [
            ("P1", "b", "baseline", None, 0.001, "snv", False, True),
            ("P1", "m", "month6", None, 0.0, "snv", False, True),
        ]
    )
    assert row["clearance"] is None and row["molecular_response"] is None
    assert math.isnan(row["tf_log2_fold_change"])  # month6 TF 0 -> no log fold
    assert "baseline not detected" in row["reason"]


def test_missing_month6_and_not_evaluable_baseline():
    row, _ = _one(
        [
            ("P1", "b", "baseline", None, None, "none", None, False),
            ("P1", "r", "relapse", "2024-09-01", 0.2, "cn", True, True),
        ]
    )
    assert row["baseline_detected"] is None and row["month6_sample"] is None
    assert row["clearance"] is None and row["molecular_response"] is None
    assert row["relapse_detected"] == True
    assert "baseline missing or not evaluable" in row["reason"]
    assert "month6 missing or not evaluable" in row["reason"]


def test_not_evaluable_month6_counts_as_missing_even_if_detected_flag_set():
    row, _ = _one(
        [
            ("P1", "b", "baseline", None, 0.1, "snv", True, True),
            ("P1", "m", "month6", None, 0.1, "snv", True, False),
        ]
    )
    assert row["clearance"] is None and row["molecular_response"] is None


def test_missing_baseline_gives_na_change_but_keeps_month6_relapse_and_lead_time():
    row, _ = _one(
        [
            ("P1", "m", "month6", "2024-07-01", 0.03, "snv", True, True),
            ("P1", "r", "relapse", "2024-11-01", 0.2, "cn", True, True),
        ],
        progression="2024-10-01",
    )
    assert row["baseline_sample"] is None and math.isnan(row["baseline_tf"])
    assert math.isnan(row["tf_log2_fold_change"]) and math.isnan(row["tf_percent_change"])
    assert row["clearance"] is None and row["molecular_response"] is None
    assert row["month6_detected"] == True and row["relapse_detected"] == True
    assert row["lead_time_days"] == 92  # 2024-07-01 -> 2024-10-01: 31 + 31 + 30 days
    assert "baseline missing or not evaluable" in row["reason"]


def test_baseline_detected_without_tumour_fraction():
    """MDM2 amplified at baseline but no tissue copy number: TF NA, detection known."""
    base = ("P1", "b", "baseline", "2024-01-01", None, "none", True, True)
    row, _ = _one([base, ("P1", "m", "month6", "2024-07-01", None, "none", True, True)])
    assert row["clearance"] == False and row["molecular_response"] is None
    assert math.isnan(row["tf_log2_fold_change"])
    row, _ = _one([base, ("P1", "m", "month6", "2024-07-01", 0.0, "snv", False, True)])
    assert row["clearance"] == True and row["molecular_response"] == True


def test_not_evaluable_positive_sample_gives_no_lead_time():
    row, _ = _one(
        [
            ("P1", "b", "baseline", "2024-01-01", 0.1, "snv", True, True),
            ("P1", "m", "month6", "2024-07-01", 0.1, "snv", True, False),
        ],
        progression="2024-09-01",
    )
    assert math.isnan(row["lead_time_days"]) and row["month6_detected"] is None


def test_lead_time_from_first_positive_post_baseline_sample_before_progression():
    rows = [
        ("P1", "b", "baseline", "2024-01-01", 0.1, "snv", True, True),
        ("P1", "m", "month6", "2024-07-01", 0.01, "snv", True, True),
        ("P1", "r", "relapse", "2024-10-01", 0.2, "snv", True, True),
    ]
    row, _ = _one(rows, progression="2024-09-15")
    assert row["lead_time_days"] == 76  # 2024-07-01 -> 2024-09-15: 30 + 31 + 15 days
    assert row["first_positive_date"] == "2024-07-01"
    # positive only at relapse, collected after progression: no lead time
    rows[1] = ("P1", "m", "month6", "2024-07-01", 0.0, "snv", False, True)
    row, _ = _one(rows, progression="2024-09-15")
    assert math.isnan(row["lead_time_days"])
    # same-day sample is not "before" progression
    row, _ = _one(rows, progression="2024-10-01")
    assert math.isnan(row["lead_time_days"])
    row, _ = _one(rows, progression="2024-10-02")
    assert row["lead_time_days"] == 1


def test_no_progression_gives_na_lead_time_with_reason():
    row, _ = _one([("P1", "m", "month6", "2024-07-01", 0.3, "cn", True, True)])
    assert math.isnan(row["lead_time_days"]) and "no progression date" in row["reason"]


def test_duplicate_timepoint_keeps_earliest_and_returns_the_other():
    frame, unused = dynamics.cohort_dynamics(
        _levels(
            [
                ("P1", "b2", "baseline", "2024-01-05", 0.2, "snv", True, True),
                ("P1", "b1", "baseline", "2024-01-01", 0.1, "snv", True, True),
                ("P2", "x", "month6", None, 0.0, "snv", False, True),
            ]
        )
    )
    assert list(frame["patient"]) == ["P1", "P2"]
    assert frame.iloc[0]["baseline_sample"] == "b1"
    assert list(unused["sample"]) == ["b2"]
    assert list(frame.columns) == dynamics.dynamics_columns()


def test_empty_input_gives_empty_table_with_columns():
    frame, unused = dynamics.cohort_dynamics(_levels([]))
    assert frame.empty and list(frame.columns) == dynamics.dynamics_columns()
