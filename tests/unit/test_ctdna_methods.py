"""Combining ctDNA methods (docs/ctdna.md "Combining methods"): the low-pass call rule of
ctdna.lowpass_levels, the choice among methods of ctdna.methods, dynamics that never compare
timepoints of different methods (ctdna.dynamics) and the biomarkers.tsv columns
(outcome.merge, outcome.merge_ctdna). Expected values follow from the written rules."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ctdna import dynamics, lowpass_levels, markers, methods
from outcome import merge, merge_ctdna, timevarying
from tests.unit.test_merge_table import ENDPOINTS, frame

PANEL, LOWPASS = methods.PANEL, methods.LOWPASS
MAX_LOD = 0.05


@pytest.mark.parametrize(
    "detected, lod, expected, code",
    [
        (1, 0.20, True, None),  # a positive counts whatever the LoD
        (0, 0.03, False, None),  # negative with LoD <= max_lod: informative negative
        (0, 0.05, False, None),  # at max_lod exactly: still a negative (<=)
        (0, 0.08, None, markers.BELOW_LOD),  # LoD too high: NA
        (0, math.nan, None, markers.BELOW_LOD),  # no LoD: a negative says nothing
        (None, 0.03, None, markers.NOT_ASSESSABLE),  # not modelled
    ],
)
def test_lowpass_call_uses_the_informative_negative_rule(detected, lod, expected, code):
    call = lowpass_levels.lowpass_call({"detected": detected, "lod95_tf": lod}, MAX_LOD)
    assert call.detected is expected and call.reason_code == code
    assert call.markers_informative == lowpass_levels.MARKER


def test_lowpass_row_keeps_the_model_values_and_leaves_panel_columns_empty():
    item = {"patient": "P1", "sample": "L1", "timepoint": "baseline", "cfdna_ng_per_ml": 6.6}
    result = {"tumour_fraction": 0.1, "tf_ci_low": 0.07, "tf_ci_high": 0.14, "detected": 1}
    row = lowpass_levels.sample_row(item, {**result, "lod95_tf": 0.04}, MAX_LOD, "")
    assert (row["tumour_fraction"], row["tf_ci_low"], row["tf_ci_high"]) == (0.1, 0.07, 0.14)
    assert row["method"] == LOWPASS and row["tf_source"] == "lowpass" and row["detected"]
    assert row["hge_per_ml"] == pytest.approx(2000.0)  # 6.6 ng/mL x 1000 / 3.3 pg
    assert "mdm2_log2_ratio" not in row and row["n_sites"] == 0 and row["reason"] is None
    below = {**result, "tumour_fraction": None, "lod95_tf": 0.04, "reason": "below LoD (x)"}
    below = lowpass_levels.sample_row(item, below, MAX_LOD, "")
    assert below["detected"] and below["reason"] == "low-pass WGS: below LoD (x)"
    assert math.isnan(below["tf_ci_low"]) and below["tf_source"] == "none"  # no lone interval
    absent = lowpass_levels.sample_row(item, None, MAX_LOD, "why")
    assert absent["detected"] is None and absent["reason"].endswith("why")
    assert absent["tf_source"] == "none" and math.isnan(absent["tumour_fraction"])


def _rows(*cells) -> pd.DataFrame:
    """(sample, method, detected) rows of one patient at baseline."""
    return pd.DataFrame(
        [("P1", "baseline", s, m, d) for s, m, d in cells],
        columns=["patient", "timepoint", "sample", "method", "detected"],
    )


@pytest.mark.parametrize(
    "panel, lowpass, chosen",
    [
        (1, 1, "S_panel"),  # both positive: the panel first
        (0, 1, "S_low"),  # a positive of any method beats a negative
        (None, 1, "S_low"),
        (0, 0, "S_panel"),  # both informative negatives: the panel
        (None, 0, "S_low"),  # panel not informative: the low-pass informative negative
        (0, None, "S_panel"),
        (None, None, "S_panel"),  # nothing informative: the panel's NA (and reason)
    ],
)
def test_choice_among_methods(panel, lowpass, chosen):
    rows = _rows(("S_low", LOWPASS, lowpass), ("S_panel", PANEL, panel))
    picked, others = methods.choose(rows, ["patient", "timepoint"])
    assert list(picked["sample"]) == [chosen] and len(others) == 1


def test_rows_without_a_method_column_are_the_capture_panel():
    rows = pd.DataFrame({"detected": [1], "method": [None]})
    assert list(methods.methods_of(rows)) == [PANEL]
    assert not methods.has_other_methods(rows.drop(columns="method"))


def _levels(rows) -> pd.DataFrame:
    """ctdna.tsv-like rows: (sample, timepoint, method, tf, detected, date)."""
    return pd.DataFrame(
        [
            {
                "patient": "P1",
                "sample": s,
                "timepoint": t,
                "method": m,
                "tumour_fraction": tf,
                "tf_source": "lowpass" if m == LOWPASS else "snv",
                "detected": d,
                "evaluable": d is not None,
                "collection_date": date,
                "lod95_tf": 0.01,
            }
            for s, t, m, tf, d, date in rows
        ]
    )


def test_dynamics_never_compare_two_methods():
    levels = _levels(
        [
            ("B", "baseline", PANEL, 0.04, 1, "2024-01-01"),
            ("M", "month6", PANEL, math.nan, None, "2024-07-01"),  # panel NA at month 6
            ("LM", "month6", LOWPASS, math.nan, 0, "2024-07-01"),  # low-pass negative
        ]
    )
    selected, unused = dynamics.select_timepoint_samples(levels)
    assert sorted(selected["sample"]) == ["B", "LM"] and unused.empty
    row, _ = dynamics.cohort_dynamics(levels)
    p1 = row.iloc[0]
    assert p1["month6_sample"] == "LM" and p1["month6_detected"] == False  # noqa: E712
    # a low-pass negative after a panel positive is not "clearance": NA with the reason
    assert pd.isna(p1["clearance"]) and pd.isna(p1["molecular_response"])
    assert "baseline (targeted_panel) and month6 (lowpass_wgs)" in p1["reason"]


def test_dynamics_of_one_method_compare_as_before():
    levels = _levels(
        [
            ("LB", "baseline", LOWPASS, 0.2, 1, "2024-01-01"),
            ("LM", "month6", LOWPASS, 0.05, 1, "2024-07-01"),
            ("LM2", "month6", LOWPASS, 0.5, 1, "2024-07-09"),  # later repeat: unused
            ("B", "baseline", PANEL, math.nan, None, "2024-01-01"),
        ]
    )
    selected, unused = dynamics.select_timepoint_samples(levels)
    assert sorted(selected["sample"]) == ["LB", "LM"] and list(unused["sample"]) == ["LM2"]
    p1 = dynamics.cohort_dynamics(levels)[0].iloc[0]
    assert p1["tf_log2_fold_change"] == pytest.approx(-2.0)  # log2(0.05 / 0.2)
    assert p1["molecular_response"] == True and p1["clearance"] == False  # noqa: E712


def _ctdna(rows) -> pd.DataFrame:
    return frame(
        rows, ["patient", "sample", "timepoint", "tumour_fraction", "detected", "method"], "c.tsv"
    )


def test_biomarkers_take_the_chosen_method_and_keep_both():
    ctdna = _ctdna(
        [
            ("P1", "B1", "baseline", 0.02, 0, PANEL),
            ("P1", "L1", "baseline", 0.15, 1, LOWPASS),
            ("P1", "M1", "month6", 0.0, 0, PANEL),
            ("P2", "B2", "baseline", 0.1, 1, PANEL),
            ("P2", "L2", "baseline", 0.2, 1, LOWPASS),
            ("P2", "L3", "baseline", 0.3, 1, LOWPASS),  # two low-pass: ambiguous
        ]
    )
    table, rejects = merge.merge(ENDPOINTS, ctdna=ctdna)
    p1 = table.set_index("patient").loc["P1"]
    assert (p1["ctdna_baseline_sample"], p1["ctdna_baseline_method"]) == ("L1", LOWPASS)
    assert (p1["ctdna_baseline_detected"], p1["ctdna_baseline_tf"]) == (1, 0.15)
    assert (p1["ctdna_baseline_panel_detected"], p1["ctdna_baseline_panel_tf"]) == (0, 0.02)
    assert p1["ctdna_month6_method"] == PANEL
    # baseline low-pass, month 6 panel: not compared
    assert pd.isna(p1["ctdna_month6_clearance"]) and pd.isna(p1["ctdna_month6_molecular_response"])
    p2 = table.set_index("patient").loc["P2"]
    assert p2["ctdna_baseline_method"] == PANEL and pd.isna(p2["ctdna_baseline_lowpass_detected"])
    assert sorted(r["row"] for r in rejects) == [5, 6]  # the two low-pass rows of P2
    assert set(merge_ctdna.METHOD_COLUMNS) <= set(table.columns)


def test_capture_only_ctdna_gives_no_method_columns():
    ctdna = _ctdna(
        [("P1", "B1", "baseline", 0.02, 1, PANEL), ("P1", "M1", "month6", 0.0, 0, PANEL)]
    )
    table, _ = merge.merge(ENDPOINTS, ctdna=ctdna)
    plain, _ = merge.merge(ENDPOINTS, ctdna=ctdna.drop(columns="method"))
    assert not set(merge_ctdna.METHOD_COLUMNS) & set(table.columns)
    pd.testing.assert_frame_equal(table, plain)
    assert table.set_index("patient").loc["P1", "ctdna_month6_clearance"] == 1


def test_time_varying_status_uses_the_chosen_level_only():
    levels = _levels(
        [
            ("B", "baseline", PANEL, 0.04, 1, "2024-01-01"),
            ("LB", "baseline", LOWPASS, math.nan, 0, "2024-01-03"),
            ("M", "month6", PANEL, 0.01, 1, "2024-07-01"),
        ]
    )
    start = pd.DataFrame({"patient": ["P1"], "start_date": ["2024-01-02"]})
    days = timevarying.sample_days(levels, start)
    assert list(zip(days["day"], days["detected"], strict=True)) == [(-1, 1), (181, 1)]
    panel_only = timevarying.sample_days(levels[levels["method"] == PANEL], start)
    assert (
        len(panel_only) == 2
        and len(timevarying.sample_days(levels.drop(columns="method"), start)) == 3
    )
