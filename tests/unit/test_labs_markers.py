"""Baseline window edges, ratios, mGPS boundaries and on-treatment change."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

import blood.draws
import blood.markers


def rows(spec):
    """spec: (analyte, day, value) of patient P1."""
    table = pd.DataFrame(
        [
            {
                "patient": "P1",
                "analyte": a,
                "day": d,
                "value": v,
                "unusual": False,
                "source_file": "labs.csv",
                "source_row": i + 1,
            }
            for i, (a, d, v) in enumerate(spec)
        ]
    )
    return table


@pytest.mark.parametrize(
    "window, day, used",
    [
        (15, -16, False),
        (15, -15, True),
        (15, 0, True),
        (15, 1, False),  # DESIGN.md default
        (7, -8, False),
        (7, -7, True),
        (0, -1, False),
        (0, 0, True),
    ],
)  # the window is a parameter
def test_baseline_window_edges(window, day, used):
    baseline, _, rejects = blood.markers.select_values(
        rows([("crp", day, 5.0)]), window_days=window
    )
    assert (len(baseline) == 1) is used
    assert (len(rejects) == 0) is (used or day == 1)  # day 1 is on-treatment, not rejected
    if not used and day < 0:
        assert (rejects[0]["code"], rejects[0]["detail"]) == (
            "lab_before_baseline_window",
            f"day {day}",
        )
        assert rejects[0]["severity"] == "excluded_by_rule"


def test_baseline_is_the_last_value_in_the_window():
    baseline, _, rejects = blood.markers.select_values(
        rows([("crp", -10, 5.0), ("crp", -2, 7.0), ("crp", -20, 9.0)])
    )
    assert baseline["value"].tolist() == [7.0]
    assert sorted((r["detail"], r["code"]) for r in rejects) == [
        ("day -10", "lab_superseded_baseline"),
        ("day -20", "lab_before_baseline_window"),
    ]


def test_on_treatment_is_the_first_value_within_42_days():
    _, later, rejects = blood.markers.select_values(
        rows([("crp", 30, 20.0), ("crp", 10, 15.0), ("crp", 43, 1.0)]), on_treatment_days=42
    )
    assert later[["day", "value"]].values.tolist() == [[10, 15.0]]
    assert sorted((r["detail"], r["code"]) for r in rejects) == [
        ("day 30", "lab_not_first_on_treatment"),
        ("day 43", "lab_after_on_treatment_window"),
    ]


def test_routine_exclusions_group_by_code_whatever_the_day():
    """Issue 17: 785 lab rejects were grouped by a reason that included the day. Twenty
    values on twenty different days give four codes and four reasons; the day is in detail."""
    days = [-40, -30, -20, -16, -10, -5, -3, -2, -1, 5, 9, 12, 20, 30, 41, 43, 50, 60, 90, 120]
    _, _, rejects = blood.markers.select_values(rows([("crp", d, 5.0) for d in days]))
    assert len(rejects) == len(days) - 2  # day -1 is the baseline, day 5 the on-treatment value
    assert {r["detail"] for r in rejects} == {f"day {d}" for d in days if d not in (-1, 5)}
    by_code = {r["code"]: r["reason"] for r in rejects}
    assert sorted(by_code) == [
        "lab_after_on_treatment_window",
        "lab_before_baseline_window",
        "lab_not_first_on_treatment",
        "lab_superseded_baseline",
    ]
    assert len({r["reason"] for r in rejects}) == 4
    assert {r["severity"] for r in rejects} == {"excluded_by_rule"}


@pytest.mark.parametrize(
    "crp, albumin, score",
    [
        (10.0, 20.0, 0),  # CRP exactly 10 -> 0 whatever albumin
        (10.0, None, 0),
        (10.01, 35.0, 1),  # albumin exactly 35 with CRP > 10 -> 1
        (10.01, 34.99, 2),
        (50.0, None, None),  # CRP > 10, albumin missing -> NA
        (None, 40.0, None),
    ],
)
def test_mgps_boundaries(crp, albumin, score):
    result = blood.markers.mgps(
        float("nan") if crp is None else crp, float("nan") if albumin is None else albumin
    )
    assert (result is pd.NA) if score is None else result == score


def test_patient_row_ratios_and_change():
    spec = [
        ("neutrophils", -3, 6.0),
        ("lymphocytes", -3, 1.5),
        ("platelets", -3, 300.0),
        ("monocytes", -3, 0.5),
        ("crp", -1, 20.0),
        ("albumin", -1, 40.0),
        ("neutrophils", 14, 3.0),
        ("lymphocytes", 14, 1.5),
    ]
    baseline, later, _ = blood.markers.select_values(rows(spec))
    pairs = blood.draws.same_draw_pairs(rows(spec), blood.markers.BASELINE_WINDOW_DAYS)
    row = blood.markers.patient_table(baseline, later, {"P1": date(2024, 3, 1)}, pairs).iloc[0]
    assert row["nlr"] == pytest.approx(4.0)  # 6 / 1.5
    assert row["plr"] == pytest.approx(200.0)  # 300 / 1.5
    assert row["lmr"] == pytest.approx(3.0)  # 1.5 / 0.5
    assert row["car"] == pytest.approx(0.5)  # 20 mg/L / 40 g/L
    assert row["mgps"] == 1
    assert row["nlr_on_treatment"] == pytest.approx(2.0)
    assert row["nlr_change"] == pytest.approx(-2.0)
    assert row["neutrophils_change"] == pytest.approx(-3.0) and math.isnan(row["crp_change"])
    assert row["neutrophils_day"] == -3 and row["neutrophils_on_treatment_day"] == 14


def test_zero_lymphocytes_give_na_ratios():
    assert math.isnan(blood.markers.ratio(5.0, 0.0)) and math.isnan(
        blood.markers.ratio(float("nan"), 2.0)
    )


@pytest.mark.parametrize(
    "value, sign, expected",
    [
        (3.0, None, True),  # 3 < 5
        (5.0, None, False),  # 5 is not below 5
        (7.0, None, False),
        (5.0, "<", True),  # '<5': every possible value is below 5
        (6.0, "<", None),  # '<6' may be 5.5 or 4
        (5.0, ">", False),  # '>5': never below 5
        (4.0, ">", None),  # '>4' may be 4.5 or 6
        (float("nan"), None, None),
    ],
)
def test_decided_below_by_hand(value, sign, expected):
    """Albumin below its cut (mGPS), with censored values, worked by hand at cut 5."""
    assert blood.draws.decided_below(value, sign, 5.0) is expected
