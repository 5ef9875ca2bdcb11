"""PFS censoring rules (outcome.censoring via outcome-clinical), the per-protocol flag, and the
primary-endpoint table (outcome.primary) on hand-derived cases and a published example."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from outcome import endpoints, primary

BASE = {
    "arm": "SBRT",
    "histology": "liposarcoma",
    "line": "1",
    "start_date": "2021-01-01",
    "progression_date": None,
    "death_date": None,
    "last_assessment_date": "2021-09-01",
    "last_followup_date": "2021-12-01",
    "diagnosis_date": "2020-01-01",
    "best_response": "SD",
    "_file": "clinical.csv",
}


def derive(rows: list[dict], **settings):
    frame = pd.DataFrame(
        [BASE | {"patient": f"P{i}", "_row": i + 2} | r for i, r in enumerate(rows)]
    )
    return endpoints.derive(frame, **settings)


def test_event_after_two_missed_assessments_is_censored_at_the_last_one():
    # last assessment before progression day 120 (2021-05-01); gap 123 > 2 x 56 + 7 = 119
    late = {
        "progression_date": "2021-09-01",
        "assessment_dates": "2021-03-01;2021-05-01;2021-09-01",
    }
    # gap 2021-07-01 -> 2021-09-01 = 62 days: one missed at most, event kept
    kept = late | {"assessment_dates": "2021-03-01;2021-07-01;2021-09-01"}
    table, _ = derive([late, kept])
    assert table.loc[0, ["pfs_days", "pfs_event"]].tolist() == [243, 1]
    assert table.loc[0, ["pfs_days_missed_visits", "pfs_event_missed_visits"]].tolist() == [120, 0]
    assert table.loc[1, ["pfs_days_missed_visits", "pfs_event_missed_visits"]].tolist() == [243, 1]


def test_window_and_interval_are_parameters():
    late = {"progression_date": "2021-09-01", "assessment_dates": "2021-05-01;2021-09-01"}
    table, _ = derive([late], interval=56, window=4)  # 123 > 2 x 56 + 4 = 116: censored
    assert table.loc[0, "pfs_event_missed_visits"] == 0
    table, _ = derive([late], interval=60, window=7)  # 123 <= 127: kept
    assert table.loc[0, "pfs_event_missed_visits"] == 1


def test_new_therapy_before_progression_censors_at_last_assessment_before_it():
    row = {
        "progression_date": "2021-09-01",
        "new_therapy_date": "2021-06-01",
        "assessment_dates": "2021-03-01;2021-05-01;2021-09-01",
    }
    after = row | {"new_therapy_date": "2021-10-01"}
    no_event = {
        "new_therapy_date": "2021-06-01",
        "last_assessment_date": "2021-05-20",
        "assessment_dates": "",
    }
    table, _ = derive([row, after, no_event])
    assert table.loc[0, ["pfs_days_new_therapy", "pfs_event_new_therapy"]].tolist() == [120, 0]
    assert table.loc[1, ["pfs_days_new_therapy", "pfs_event_new_therapy"]].tolist() == [243, 1]
    # last assessment (day 139) is before the therapy: censored there, as the standard rule
    assert table.loc[2, ["pfs_days_new_therapy", "pfs_event_new_therapy"]].tolist() == [139, 0]
    assert table.loc[0, ["pfs_days_fda", "pfs_event_fda"]].tolist() == [120, 0]


def test_rules_are_na_with_a_note_when_their_columns_are_absent():
    table, _ = derive([{"progression_date": "2021-09-01"}])
    assert (
        table[["pfs_days_new_therapy", "pfs_days_missed_visits", "pfs_days_fda"]]
        .isna()
        .all(axis=None)
    )
    assert "no new_therapy_date column" in table.loc[0, "pfs_censoring_notes"]
    assert "assessment_dates needed" in table.loc[0, "pfs_censoring_notes"]


def test_bad_per_protocol_and_assessment_list_are_rejected_with_row_and_column():
    table, rejects = derive(
        [
            {"per_protocol": "yes", "assessment_dates": "2021-03-01;March"},
            {"per_protocol": "1", "assessment_dates": ""},
        ]
    )
    assert pd.isna(table.loc[0, "per_protocol"]) and table.loc[1, "per_protocol"] == 1
    columns = {(r["row"], r["column"]) for r in rejects}
    assert {(2, "per_protocol"), (2, "assessment_dates")} <= columns
    assert pd.isna(table.loc[0, "pfs_days_missed_visits"])


def test_newcombe_interval_reproduces_the_published_example():
    """Newcombe (Stat Med 1998) Table II: 56/70 vs 48/80, method 10: 0.0524 to 0.3339."""
    arm = ["SBRT+atezolizumab"] * 70 + ["SBRT"] * 80
    free = [1] * 56 + [0] * 14 + [1] * 48 + [0] * 32
    frame = pd.DataFrame(
        {
            "patient": [f"P{i}" for i in range(150)],
            "arm": arm,
            "pfs_days": [400 if f else 100 for f in free],
            "pfs_event": [0 if f else 1 for f in free],
        }
    )
    table = primary.analyse(frame)
    row = table[
        (table["analysis"] == "binary_difference")
        & (table["ci_level"] == 0.95)
        & (table["population"] == "itt")
    ].iloc[0]
    assert row["estimate"] == pytest.approx(0.2)
    assert [round(row["ci_low"], 4), round(row["ci_high"], 4)] == [0.0524, 0.3339]


def test_per_protocol_population_and_not_analysed_rows():
    frame = pd.DataFrame(
        {
            "patient": list("ABCDEF"),
            "arm": ["SBRT", "SBRT+atezolizumab"] * 3,
            "pfs_days": [100, 300, 200, 250, 190, 400],
            "pfs_event": [1, 0, 1, 1, 0, 0],
        }
    )
    table = primary.analyse(frame)
    pp = table[table["population"] == "per_protocol"]
    assert pp["note"].str.contains("no per_protocol").all() and pp["estimate"].isna().all()
    table = primary.analyse(frame.assign(per_protocol=[1, 1, 1, 0, 1, np.nan]))
    rates = table[
        (table["population"] == "per_protocol")
        & (table["analysis"] == "km_rate")
        & (table["censoring"] == "standard")
    ]
    assert rates["n"].sum() == 4 and rates["note"].str.contains("1 patients").all()
    assert table["primary"].sum() == 1


def test_two_sided_design_changes_p_and_level_only():
    frame = pd.DataFrame(
        {
            "patient": [f"P{i}" for i in range(8)],
            "arm": ["SBRT", "SBRT+atezolizumab"] * 4,
            "pfs_days": [50, 300, 90, 250, 200, 60, 400, 330],
            "pfs_event": [1, 0, 1, 1, 0, 1, 1, 0],
        }
    )
    one = primary.analyse(frame, primary.PrimarySettings(alpha=0.1, sided="one"))
    two = primary.analyse(frame, primary.PrimarySettings(alpha=0.05, sided="two"))
    first, second = (t[t["primary"] == 1].iloc[0] for t in (one, two))
    assert first["ci_level"] == pytest.approx(0.8) and second["ci_level"] == pytest.approx(0.95)
    z = first["statistic"]
    assert second["p_value"] == pytest.approx(2 * min(first["p_value"], 1 - first["p_value"]))
    assert second["statistic"] == pytest.approx(z)
    with pytest.raises(ValueError):
        primary.analyse(frame, primary.PrimarySettings(sided="left"))
