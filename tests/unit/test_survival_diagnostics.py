"""Cox diagnostics (outcome.diagnostics): Harrell's C by hand, the cox.zph score test's time
transform by hand, its invariances, and that it flags planted non-proportional hazards.
The R comparison is in tests/crosscheck/test_outcome_r.py."""

from __future__ import annotations

import numpy as np
import pytest

from outcome import diagnostics, survival

SEED = 20240601


def test_harrell_c_by_hand_with_tied_scores_and_tied_times():
    # pairs (earlier event i, later j): (0,1) disc, (0,2) disc, (0,3) conc; (1,2) tied time,
    # 2 censored: comparable, tied score 1/2; (1,3) conc -> (1 + 0.5 + 1) / 5
    c = diagnostics.harrell_c([1, 2, 2, 5], [1, 1, 0, 1], [1, 3, 3, 0])
    assert c == pytest.approx(2.5 / 5)
    # two events at the same time are not a comparable pair
    assert np.isnan(diagnostics.harrell_c([2, 2], [1, 1], [1, 0]))


def test_harrell_c_within_strata_ignores_pairs_across_strata():
    time, event, risk = [1, 2, 3, 4], [1, 1, 1, 1], [2, 1, 4, 3]
    # within A = {0, 1} and B = {2, 3} both pairs are concordant; the 4 pairs across
    # strata are all discordant, so pooled C = 2 / 6
    assert diagnostics.harrell_c(time, event, risk, ["A", "A", "B", "B"]) == 1.0
    assert diagnostics.harrell_c(time, event, risk) == pytest.approx(2 / 6)


def test_km_time_transform_is_one_minus_left_continuous_km():
    # three events at 1, 2, 3: S(t-) = 1, 2/3, 1/3 -> g = 0, 1/3, 2/3 (before centring)
    g = diagnostics._time_transform(np.array([1.0, 2.0, 3.0]), np.array([1, 1, 1]), "km")
    np.testing.assert_allclose(g, [0, 1 / 3, 2 / 3])
    with pytest.raises(ValueError, match="unknown transform"):
        diagnostics._time_transform(np.array([1.0]), np.array([1]), "logit")


def _cohort(n, hazard_ratio_late, seed=SEED):
    """Binary x with HR 3 before day 100 and ``hazard_ratio_late`` after (piecewise)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, n).astype(float)
    early = rng.exponential(200 / np.where(x == 1, 3.0, 1.0))
    late = 100 + rng.exponential(200 / np.where(x == 1, hazard_ratio_late, 1.0))
    latent = np.where(early <= 100, early, late)
    censor = rng.uniform(50, 600, n)
    return np.ceil(np.minimum(latent, censor)), (latent <= censor).astype(int), x


def _zph_p(time, event, x):
    import pandas as pd

    frame = pd.DataFrame({"t": time, "e": event, "x": x})
    return survival.fit_cox(frame, "t", "e", ["x"]).ph_p


def test_zph_flags_planted_non_proportional_hazards_and_not_proportional_ones():
    assert _zph_p(*_cohort(300, 1 / 3)) < 0.001  # HR 3 then 1/3: hazards cross
    assert _zph_p(*_cohort(300, 3.0)) > 0.05  # HR 3 throughout


def test_zph_is_invariant_to_shifting_and_rescaling_the_covariate():
    time, event, x = _cohort(120, 1.0)
    beta = np.array([0.7])
    base = diagnostics.zph_test(time, event, x, beta)
    np.testing.assert_allclose(diagnostics.zph_test(time, event, x + 5, beta), base, rtol=1e-10)
    np.testing.assert_allclose(
        diagnostics.zph_test(time, event, 2 * x, beta / 2), base, rtol=1e-10
    )


def test_identical_covariate_rows_get_identical_scores():
    """227 patients aged 66 with ECOG 1 and the coefficients of lung's age + ph.ecog +
    strata(sex) model, in the column-major layout pandas hands over: a blocked BLAS product
    gives the tail rows a score 1 ulp away (on this machine x @ beta has 2 distinct values);
    the score must be one value, so that every pair stays tied, as in R."""
    x = np.asfortranarray(np.tile([[66.0, 1.0]], (227, 1)))
    beta = np.array([0.01056625460094952, 0.46242443435829050])
    score = diagnostics.linear_predictor(x, beta)
    assert len(np.unique(score)) == 1
    assert score[0] == pytest.approx(66 * beta[0] + beta[1], rel=1e-15)
    time, event = np.arange(1.0, 228.0), np.ones(227)
    assert diagnostics.harrell_c(time, event, score) == 0.5  # all pairs tied on the score
