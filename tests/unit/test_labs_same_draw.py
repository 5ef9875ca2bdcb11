"""Blood ratios from one draw and censored values (blood.draws, blood.markers)."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

import blood.draws
import blood.markers
import blood.rows

START = {"P1": date(2024, 3, 1)}


def long_table(spec):
    """spec: (date, analyte, value text, unit) of patient P1, as the labs file holds them."""
    return pd.DataFrame(
        [
            {
                "patient": "P1",
                "date": d,
                "analyte": a,
                "value": v,
                "unit": u,
                "_row": i + 1,
                "_file": "labs.csv",
            }
            for i, (d, a, v, u) in enumerate(spec)
        ]
    )


def markers(spec, tolerance=0):
    """labs_patient row of P1 through the labs-markers steps; and the rejects."""
    rows, rejects = blood.rows.normalise(long_table(spec), START, {})
    rows, bad = blood.rows.deduplicate(rows)
    baseline, later, bad2 = blood.markers.select_values(rows)
    pairs = blood.draws.same_draw_pairs(rows, blood.markers.BASELINE_WINDOW_DAYS, tolerance)
    used = blood.draws.used_rows(pairs)
    rejects += bad + [r for r in bad2 if (r["file"], r["row"]) not in used]
    return blood.markers.patient_table(baseline, later, START, pairs, tolerance).iloc[0], rejects


# The two-line example: neutrophils of day -14 with lymphocytes of day -1 cross NLR 5.
MIXED = [
    ("2024-02-16", "neutrophils", "7.5", "G/L"),
    ("2024-02-16", "lymphocytes", "2.0", "G/L"),
    ("2024-02-29", "lymphocytes", "1.4", "G/L"),
]


def test_a_mixed_day_differential_is_not_combined():
    row, rejects = markers(MIXED)
    # same-day pair of day -14: 7.5 / 2.0 = 3.75, not 7.5 / 1.4 = 5.36 (mixed days)
    assert row["nlr"] == pytest.approx(3.75) and row["nlr_day"] == -14
    assert not rejects  # both day -14 values are used by the pair, not "superseded"
    alone, _ = markers(MIXED[:1] + MIXED[2:])  # no same-day lymphocytes at all
    assert math.isnan(alone["nlr"]) and "not combined" in alone["nlr_note"]
    assert "days -14, -1" in alone["nlr_note"]


def test_tolerance_in_days_is_a_parameter():
    spec = MIXED[:1] + MIXED[2:]
    assert math.isnan(markers(spec, tolerance=12)[0]["nlr"])
    assert markers(spec, tolerance=13)[0]["nlr"] == pytest.approx(7.5 / 1.4)


def test_a_crp_below_5_gives_mgps_0():
    row, rejects = markers(
        [("2024-02-29", "crp", "<5", "mg/L"), ("2024-02-29", "albumin", "30", "g/L")]
    )
    assert row["mgps"] == 0 and row["crp_censored"] == "<5"
    assert math.isnan(row["crp_mg_l"]) and math.isnan(row["car"])  # the number is unknown
    assert not rejects


@pytest.mark.parametrize(
    "crp, albumin, expected",
    [
        ("<10", "30", 0),
        ("<0.5", "30", 0),  # mg/dL: <0.5 mg/dL = <5 mg/L
        ("<20", "30", None),  # undecided: could be <= 10 or > 10
        (">10", "40", 1),
        (">10", "<30", 2),
        (">10", "<40", None),
        (">10", ">35", 1),
        ("12", ">20", None),
        ("12", "<35", 2),
    ],
)
def test_censored_values_used_only_where_the_rule_is_decided(crp, albumin, expected):
    unit = "mg/dL" if crp == "<0.5" else "mg/L"
    row, _ = markers([("2024-02-29", "crp", crp, unit), ("2024-02-29", "albumin", albumin, "g/L")])
    assert pd.isna(row["mgps"]) if expected is None else row["mgps"] == expected


def test_crp_and_albumin_of_different_draws_are_flagged():
    row, _ = markers([("2024-02-20", "crp", "20", "mg/L"), ("2024-02-29", "albumin", "30", "g/L")])
    assert row["crp_albumin_same_draw"] == 0 and row["mgps"] == 2
    same, _ = markers(
        [
            ("2024-02-29", "crp", "20", "mg/L"),
            ("2024-02-29", "albumin", "30", "g/L"),
            ("2024-02-20", "albumin", "40", "g/L"),
        ]
    )
    assert same["crp_albumin_same_draw"] == 1 and same["crp_albumin_day"] == -1


def test_censored_value_parsing_and_text_refused():
    assert blood.draws.parse_value(" >250 ") == (250.0, ">")
    assert blood.draws.parse_value("12.5") == (12.5, None)
    _, rejects = blood.rows.normalise(
        long_table([("2024-02-29", "crp", "<<5", "mg/L"), ("2024-02-29", "crp", "neg", "mg/L")]),
        START,
        {},
    )
    assert [(r["code"], r["detail"]) for r in rejects] == [
        ("value_not_a_number", "value '<<5' (nor <x / >x)"),
        ("value_not_a_number", "value 'neg' (nor <x / >x)"),
    ]
