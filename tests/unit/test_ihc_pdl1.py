"""CPS, TPS and SP142 IC categories: hand-derived values and every boundary."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ihc import pdl1


def test_cps_is_positive_cells_over_viable_tumour_cells_times_100():
    # (30 + 15 + 5) / 200 * 100 = 25
    assert pdl1.cps_from_counts(30, 15, 5, 200) == (25.0, None)


def test_cps_is_capped_at_100():
    # (150 + 60 + 10) / 100 * 100 = 220 -> 100
    assert pdl1.cps_from_counts(150, 60, 10, 100) == (100.0, None)


@pytest.mark.parametrize("viable, evaluable", [(99, False), (100, True), (101, True)])
def test_cps_and_tps_not_evaluable_under_100_viable_tumour_cells(viable, evaluable):
    cps, reason = pdl1.cps_from_counts(1, 0, 0, viable)
    tps, tps_reason = pdl1.tps_from_counts(1, viable)
    assert (not math.isnan(cps)) is evaluable and (not math.isnan(tps)) is evaluable
    if not evaluable:
        assert "99 viable tumour cells < 100" in reason and "< 100" in tps_reason


def test_values_are_not_rounded():
    # 2 / 300 * 100 = 0.6666..., must stay below 1 for the CPS >= 1 threshold
    cps, _ = pdl1.cps_from_counts(2, 0, 0, 300)
    assert cps == pytest.approx(2 / 3, rel=1e-12) and cps < 1


def test_tps_uses_tumour_cells_only():
    # 20 / 400 * 100 = 5 (lymphocytes and macrophages ignored)
    assert pdl1.tps_from_counts(20, 400) == (5.0, None)


def test_missing_count_gives_na_with_reason():
    cps, reason = pdl1.cps_from_counts(1, float("nan"), 0, 200)
    assert math.isnan(cps) and "pdl1_pos_lymphocytes missing" in reason


@pytest.mark.parametrize(
    "percent, category",
    [
        (0, "IC0"),
        (0.99, "IC0"),
        (1, "IC1"),
        (4.99, "IC1"),
        (5, "IC2"),
        (9.99, "IC2"),
        (10, "IC3"),
        (60, "IC3"),
    ],
)
def test_sp142_ic_categories(percent, category):
    assert pdl1.ic_category(percent) == category


def test_given_pathologist_cps_wins_over_counts():
    scores = pdl1.block_scores(
        {
            "cps": 0.67,
            "pdl1_pos_tumour_cells": 50,
            "pdl1_pos_lymphocytes": 0,
            "pdl1_pos_macrophages": 0,
            "viable_tumour_cells": 100,
        }
    )
    assert scores["cps"] == 0.67 and scores["cps_source"] == "given"
    assert scores["tps"] == 50.0 and scores["tps_source"] == "counts"


def test_block_without_pdl1_has_reason():
    scores = pdl1.block_scores({})
    assert math.isnan(scores["cps"]) and scores["cps_na_reason"] == "no CPS or PD-L1 counts"


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.integers(100, 10_000),
)
def test_cps_is_always_in_0_100_and_never_below_tps(tumour, lymph, macro, viable):
    cps, _ = pdl1.cps_from_counts(tumour, lymph, macro, viable)
    assert 0 <= cps <= 100
    tumour = min(tumour, viable)
    tps, _ = pdl1.tps_from_counts(tumour, viable)
    assert 0 <= tps <= 100
    assert pdl1.cps_from_counts(tumour, lymph, macro, viable)[0] >= tps - 1e-12
