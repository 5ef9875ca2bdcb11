"""ORR intervals, Fisher's exact test, logistic/Firth and ROC AUC on hand-derived cases."""

from __future__ import annotations

import numpy as np
import pytest

from outcome import firth, response

SEED = 20240601


def test_clopper_pearson_boundaries_have_closed_forms():
    # 0/n: upper = 1 - (alpha/2)^(1/n); n/n: lower = (alpha/2)^(1/n)
    assert response.clopper_pearson(0, 10)[1:] == pytest.approx((0.0, 1 - 0.025**0.1))
    assert response.clopper_pearson(10, 10)[1:] == pytest.approx((0.025**0.1, 1.0))
    assert np.isnan(response.clopper_pearson(0, 0)[0])


def test_fisher_two_by_two_diagonal_by_hand():
    # [[2, 0], [0, 2]]: P(a) = 1/6, 4/6, 1/6 for a = 0, 1, 2 -> two-sided p = 1/3
    result = response.fisher_exact(2, 0, 0, 2)
    assert result["p_value"] == pytest.approx(1 / 3)
    assert result["estimate"] == np.inf and result["ci_high"] == np.inf


def test_fisher_mle_solves_the_conditional_mean_equation():
    result = response.fisher_exact(10, 2, 3, 15)
    h = response._NoncentralHypergeometric(10, 2, 3, 15)
    assert h.mean(result["estimate"]) == pytest.approx(10, abs=1e-8)
    # CI limits: the tail probabilities at the limits equal alpha / 2
    assert h.cdf(10, result["ci_low"], upper=True) == pytest.approx(0.025, abs=1e-8)
    assert h.cdf(10, result["ci_high"], upper=False) == pytest.approx(0.025, abs=1e-8)


def test_fisher_symmetric_table_has_odds_ratio_one():
    result = response.fisher_exact(4, 4, 4, 4)
    assert result["estimate"] == pytest.approx(1.0) and result["p_value"] == pytest.approx(1.0)


def test_auc_by_hand_including_ties():
    assert response.auc([1, 2, 3, 4], [0, 0, 1, 1]) == 1.0
    assert response.auc([1, 1], [0, 1]) == 0.5
    assert np.isnan(response.auc([1, 2], [1, 1]))


def test_auc_bootstrap_is_reproducible_and_brackets_the_estimate():
    rng = np.random.default_rng(SEED)
    marker = rng.normal(size=60)
    outcome = (marker + rng.normal(size=60) > 0).astype(int)
    first = response.auc_bootstrap(marker, outcome, SEED, 500)
    assert first == response.auc_bootstrap(marker, outcome, SEED, 500)
    assert first["ci_low"] < first["estimate"] < first["ci_high"]


@pytest.mark.parametrize("block_cells", [response.BOOTSTRAP_BLOCK_CELLS, 7 * 12])
def test_auc_bootstrap_resamples_equal_scikit_learn_per_resample(monkeypatch, block_cells):
    """The vectorised resample AUCs (mid-ranks of a block of resamples at once; one block,
    or blocks of 7 resamples with a shorter last one) give the same percentile interval as
    scikit-learn's roc_auc_score called on each resample of one 300 x 12 draw, with ties
    (a 5-level marker) and resamples holding one class only (skipped by both)."""
    from sklearn.metrics import roc_auc_score

    monkeypatch.setattr(response, "BOOTSTRAP_BLOCK_CELLS", block_cells)
    print("seed", SEED)
    rng = np.random.default_rng(SEED)
    marker = rng.integers(0, 5, size=12).astype(float)
    outcome = np.r_[np.ones(3), np.zeros(9)].astype(int)
    result = response.auc_bootstrap(marker, outcome, SEED, 300)
    index = np.random.default_rng(SEED).integers(0, 12, size=(300, 12))
    values = [roc_auc_score(outcome[i], marker[i]) for i in index if 0 < outcome[i].sum() < 12]
    assert result["n_boot_valid"] == len(values) < 300
    low, high = np.quantile(values, [0.025, 0.975])
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((low, high), abs=1e-12)


def test_logistic_falls_back_to_firth_under_complete_separation():
    marker = np.r_[np.zeros(10), np.ones(10)]
    result = response.logistic(marker, marker)
    assert result["method"] == "firth_logistic" and np.isfinite(result["estimate"])
    # Firth 2x2 closed form: OR = ((a + .5)(d + .5)) / ((b + .5)(c + .5)) = 10.5^2 / 0.5^2
    assert result["estimate"] == pytest.approx(441.0, rel=1e-6)


def test_firth_close_to_maximum_likelihood_without_separation():
    rng = np.random.default_rng(SEED)
    marker = rng.normal(size=400)
    outcome = (rng.random(400) < 1 / (1 + np.exp(-marker))).astype(int)
    ml = response.logistic(marker, outcome)
    x = np.column_stack([np.ones(400), marker])
    firth, _ = response.firth_logistic(x, outcome.astype(float))
    assert ml["method"] == "logistic"
    assert np.exp(firth[1]) == pytest.approx(ml["estimate"], rel=0.02)


def test_firth_row_reports_the_profile_interval_and_penalised_lr_p():
    # separated 2 x 2 [[10, 0], [0, 10]]: the profile interval is asymmetric on the log scale
    # (Wald's would be symmetric about log 441) and the p-value is the penalised LR test's
    marker = np.r_[np.zeros(10), np.ones(10)]
    result = response.logistic(marker, marker)
    log_or = np.log(result["estimate"])
    below, above = log_or - np.log(result["ci_low"]), np.log(result["ci_high"]) - log_or
    assert result["ci_low"] > 1 and abs(above - below) > 0.5
    x = np.column_stack([np.ones(20), marker])
    assert result["p_value"] == pytest.approx(firth.profile(x, marker, 1)["p_value"])


def test_auc_bootstrap_interval_width_agrees_with_hanley_mcneil():
    """Percentile bootstrap half-width / 1.96 vs the Hanley & McNeil (1982) standard error
    (an independent closed-form approximation), within 15 % on 400 patients."""
    rng = np.random.default_rng(SEED)
    outcome = (rng.random(400) < 0.4).astype(int)
    marker = rng.normal(size=400) + 0.8 * outcome
    result = response.auc_bootstrap(marker, outcome, SEED, 2000)
    a, n1, n0 = result["estimate"], outcome.sum(), (1 - outcome).sum()
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    se = np.sqrt((a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n1 * n0))
    half_width = (result["ci_high"] - result["ci_low"]) / 2 / 1.959963984540054
    assert half_width == pytest.approx(se, rel=0.15)
