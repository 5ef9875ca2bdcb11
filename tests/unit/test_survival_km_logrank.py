"""Kaplan–Meier, median, 6-month rate, log-rank, Lausen–Schumacher and BH: hand-computed
cases and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outcome import cutpoints, multiplicity, survival


def test_km_product_limit_and_greenwood_by_hand():
    # times 1,2,2(censored),3,4(censored): S = 4/5, 4/5*3/4, 0.6*1/2, 0.3
    table = survival.km_table([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    np.testing.assert_allclose(table["surv"], [0.8, 0.6, 0.3, 0.3])
    np.testing.assert_array_equal(table["n_risk"], [5, 4, 2, 1])
    greenwood = np.cumsum([1 / (5 * 4), 1 / (4 * 3), 1 / (2 * 1), 0])
    np.testing.assert_allclose(table["std_err"], np.sqrt(greenwood))
    z = 1.959963984540054  # standard normal 97.5 % quantile
    surv = np.array([0.8, 0.6, 0.3, 0.3])
    np.testing.assert_allclose(table["ci_low"], surv * np.exp(-z * np.sqrt(greenwood)))
    np.testing.assert_allclose(
        table["ci_high"], np.minimum(1, surv * np.exp(z * np.sqrt(greenwood)))
    )


def test_median_first_time_at_or_below_half_and_midpoint_on_exact_half():
    assert survival.km_median(survival.km_table([1, 2, 2, 3, 4], [1, 1, 0, 1, 0]))[0] == 3
    # S = .75, .5, .25, 0: exactly 0.5 on [2, 3) -> R reports (2 + 3) / 2
    assert survival.km_median(survival.km_table([1, 2, 3, 4], [1, 1, 1, 1]))[0] == 2.5


def test_median_not_reached_and_all_censored_are_na():
    assert np.isnan(survival.km_median(survival.km_table([5, 6, 7], [1, 0, 0]))[0])
    assert np.isnan(survival.km_median(survival.km_table([5, 6, 7], [0, 0, 0]))[0])


def test_rate_at_horizon_is_na_beyond_follow_up():
    table = survival.km_table([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    assert survival.km_at(table, 2.5)[0] == pytest.approx(0.6)
    assert np.isnan(survival.km_at(table, 10)[0])


def test_logrank_two_groups_by_hand():
    # A: events at 1, 3; B: events at 2, 4. O_A - E_A = 2 - (1/2 + 1/3 + 1/2 + 0) = 2/3
    # V = 1/4 + 2/9 + 1/4 -> chi2 = (2/3)^2 / V
    result = survival.logrank([1, 3, 2, 4], [1, 1, 1, 1], ["A", "A", "B", "B"])
    assert result.chisq == pytest.approx((2 / 3) ** 2 / (0.25 + 2 / 9 + 0.25))
    assert result.df == 1


def test_logrank_one_group_gives_na_not_a_crash():
    result = survival.logrank([1, 2, 3], [1, 0, 1], ["A", "A", "A"])
    assert np.isnan(result.p_value) and result.df == 0


def test_lausen_schumacher_formula_by_hand():
    # b = 3, 10-90 %: phi(3) (3 - 1/3) log(81) + 4 phi(3) / 3, phi(3) = 0.004431848411938
    phi = 0.004431848411938008
    expected = phi * (3 - 1 / 3) * np.log(81) + 4 * phi / 3
    assert cutpoints.lausen_schumacher_p(3.0) == pytest.approx(expected)
    assert cutpoints.lausen_schumacher_p(0.5) == 1.0  # approximation not valid for b <= 1


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(1, 30), st.integers(0, 1)), min_size=1, max_size=25))
def test_km_is_non_increasing_within_its_interval(records):
    time, event = zip(*records)
    table = survival.km_table(time, event)
    assert (table["surv"].diff().dropna() <= 1e-12).all()
    inside = table.dropna(subset=["ci_low"])
    assert (
        (inside["ci_low"] <= inside["surv"] + 1e-12)
        & (inside["surv"] <= inside["ci_high"] + 1e-12)
    ).all()


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_bh_q_values_are_at_least_p_and_keep_the_order(p_values):
    q = multiplicity.benjamini_hochberg(p_values)
    p = np.asarray(p_values)
    assert np.all(q >= p - 1e-12) and np.all(q <= 1)
    order = np.argsort(p, kind="mergesort")
    assert np.all(np.diff(q[order]) >= -1e-12)
