"""TMB point estimate, exact Poisson interval, TMB-high call, calibration and panel guard."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tmb import burden
from tmb.exceptions import PanelTooSmallError


def test_zero_count_interval_is_closed_form():
    low, high = burden.poisson_exact_ci(0)
    assert low == 0 and high == pytest.approx(-math.log(0.025))  # 3.68888, P(X=0)=0.025


def test_one_count_upper_bound_closed_form():
    # P(X <= 1 | mu) = e^-mu (1 + mu) = 0.025 -> mu = 5.571643 (solved by hand/Newton)
    _, high = burden.poisson_exact_ci(1)
    assert math.exp(-high) * (1 + high) == pytest.approx(0.025, abs=1e-9)
    low, _ = burden.poisson_exact_ci(1)
    assert low == pytest.approx(-math.log(1 - 0.025))  # P(X >= 1 | mu) = 0.025


def test_tmb_and_high_call_at_the_boundary():
    est = burden.tmb_estimate(12, 1.2)  # 12 / 1.2 Mb = 10 mut/Mb exactly -> TMB-high
    assert est["tmb"] == pytest.approx(10) and est["tmb_high"] == 1
    assert burden.tmb_estimate(11, 1.2)["tmb_high"] == 0
    assert math.isnan(est["tmb_wes_calibrated"])


def test_calibration_is_linear():
    est = burden.tmb_estimate(10, 2.0, calibration=(0.8, 1.5))
    assert est["tmb_wes_calibrated"] == pytest.approx(0.8 * 5 + 1.5)


def test_zero_panel_gives_na_not_a_number():
    est = burden.tmb_estimate(3, 0.0)
    assert math.isnan(est["tmb"]) and est["tmb_high"] is None


def test_tmb_high_at_the_cut_off_agrees_with_the_merge_rule():
    """tmb.tsv and biomarkers.tsv make one call at the cut-off (issue 16): 3 variants on
    0.1 * 3 Mb is 9.999999999999998 in binary, exactly 10 mut/Mb on paper."""
    import pandas as pd

    from outcome import merge

    panel_mb = 0.1 * 3
    est = burden.tmb_estimate(3, panel_mb)
    assert est["tmb"] < 10.0 and est["tmb_high"] == 1
    assert merge.at_least(pd.Series([est["tmb"]]), burden.TMB_HIGH).tolist() == [1]
    assert burden.tmb_estimate(3, 0.31)["tmb_high"] == 0  # 9.68 mut/Mb: a real shortfall


def test_panel_guard(caplog):
    assert burden.check_panel_size(1.0) is False
    assert burden.check_panel_size(0.5) is True
    assert "below 0.667" in caplog.text
    with pytest.raises(PanelTooSmallError, match="force-small-panel"):
        burden.check_panel_size(0.1)
    assert burden.check_panel_size(0.1, force=True) is True


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 500), st.floats(0.2, 5.0))
def test_tmb_never_decreases_when_a_variant_is_added(count, panel_mb):
    before, after = burden.tmb_estimate(count, panel_mb), burden.tmb_estimate(count + 1, panel_mb)
    assert after["tmb"] > before["tmb"]
    assert before["tmb_ci_low"] <= before["tmb"] <= before["tmb_ci_high"]
    assert (
        after["tmb_ci_low"] >= before["tmb_ci_low"]
        and after["tmb_ci_high"] >= before["tmb_ci_high"]
    )
