"""Overdispersed SNV null (ctdna.overdispersion, snv_background.background_from_pon,
and the leave-one-donor-out PoN check (ctdna.pon_check), on tiny fixtures named for the case.

Independent references: moment estimates worked by hand in the comments; scipy's maximum
likelihood fit of a beta-binomial (scipy.stats.fit, not our moment formulas); the pooled tail
under a shared sample factor by scipy's adaptive quadrature over binom.sf (not our
convolution nor our Gauss-Hermite nodes). Seeds are printed.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from ctdna import overdispersion, pon_check, snv, snv_background

SEED = 20261207


def pon_counts(alt: np.ndarray, depth) -> pd.DataFrame:
    """Long PoN site counts from a (donors, sites) alt matrix; sites chr1:1.. C>T."""
    n, sites = alt.shape
    depth = np.broadcast_to(np.asarray(depth), alt.shape)
    return pd.DataFrame(
        {
            "sample": np.repeat([f"N{i:02d}" for i in range(n)], sites),
            "chrom": "chr1",
            "pos": np.tile(np.arange(1, sites + 1), n),
            "ref": "C",
            "alt": "T",
            "variant_type": "snv",
            "alt_fragments": alt.ravel(),
            "depth_fragments": depth.ravel(),
        }
    )


def test_site_moment_estimate_by_hand_three_donors():
    # alt (0, 2, 7) of 1,000 each: m = 9/3000 = 0.003, expected 3 each, residuals -3, -1, 4
    # N = 3/2 (9 + 1 + 16 - 3 x 3 x 0.997) = 25.5405; S = 3 x 1000 x 999 x 0.003^2 = 26.973
    counts = pon_counts(np.array([[0], [2], [7]]), 1000)
    moments = overdispersion.site_moments(counts, snv.SITE_KEY).iloc[0]
    assert moments["dispersion_numerator"] == pytest.approx(25.5405, rel=1e-12)
    assert moments["dispersion_denominator"] == pytest.approx(26.973, rel=1e-12)
    assert moments["depth_squares"] == 3e6


def test_sample_factor_estimate_by_hand_three_donors_two_sites():
    # site 1 alt (1, 3, 8), site 2 alt (2, 4, 12), 1,000 fragments: expected 4 and 6;
    # residual sums R = -7, -3, 10; squares Q = 25, 5, 52; R^2 - Q = 24, 4, 48 (sum 76);
    # L^2 - L2 = 100 - 52 = 48 per donor (144); omega = 3/2 x 76 / 144 = 0.791666...
    counts = pon_counts(np.array([[1, 2], [3, 4], [8, 12]]), 1000)
    assert overdispersion.sample_factor_dispersion(counts, snv.SITE_KEY) == pytest.approx(
        1.5 * 76 / 144, rel=1e-12
    )


def test_moment_estimate_recovers_a_known_beta_binomial_and_agrees_with_scipy_ml():
    """400 donors, one site, 2,000 fragments, Beta(mean 2e-3, precision 500): relative
    variance c^2 = (1 - mu) / (mu (kappa + 1)) = 0.9960; the moment estimate lands within
    25 % of it and within 25 % of scipy's maximum-likelihood beta-binomial fit."""
    rng = np.random.default_rng(SEED)
    print("seed", SEED)
    mu, kappa, depth = 2e-3, 500.0, 2000
    alt = stats.betabinom.rvs(depth, mu * kappa, (1 - mu) * kappa, size=400, random_state=rng)
    moments = overdispersion.site_moments(pon_counts(alt[:, None], depth), snv.SITE_KEY).iloc[0]
    estimate = moments["dispersion_numerator"] / moments["dispersion_denominator"]
    truth = (1 - mu) / (mu * (kappa + 1))
    fit = stats.fit(
        stats.betabinom, alt, bounds={"n": (depth, depth), "a": (0.01, 100), "b": (1, 1e6)}
    )
    a, b = fit.params.a, fit.params.b
    ml = b / (a * (a + b + 1))  # (1 - mu) / (mu (kappa + 1)) with mu = a / (a + b)
    assert estimate == pytest.approx(truth, rel=0.25)
    assert estimate == pytest.approx(ml, rel=0.25)


def test_deep_homogeneous_pon_gives_a_near_binomial_null():
    """30 donors x 20 sites, 100,000 fragments each, one rate 1e-4 everywhere (no
    heterogeneity): the fitted spread is small and the test of a 3,000-fragment sample is
    within a few % of the binomial tail at the fitted rate, with the same threshold."""
    rng = np.random.default_rng(SEED + 1)
    background = snv_background.background_from_pon(
        pon_counts(rng.binomial(100_000, 1e-4, (30, 20)), 100_000)
    )
    site = background.iloc[[0]]
    assert site["dispersion_source"].item() == "pon" and site["n_pon_donors"].item() == 30
    assert site["within_dispersion"].item() < 0.2
    error = site["error_rate"].to_numpy()
    for alt in (2, 3, 4):
        p_value, k_min = snv.pooled_test(
            np.array([alt]), np.array([3000]), error, 0.01, **snv.null_parameters(site)
        )
        binomial = stats.binom.sf(alt - 1, 3000, error[0])
        assert p_value == pytest.approx(binomial, rel=0.05)
    assert k_min == snv.pooled_test(np.array([0]), np.array([3000]), error, 0.01)[1]


def test_heterogeneous_pon_widens_the_null_tail():
    """Same mean rate (2e-4 x 10,000 fragments = 2 expected errors): donors with a log-normal
    (SD 1) site factor give a wider null than homogeneous donors: larger p at 8 alt
    fragments, larger k_min, and larger than the former pooled-rate Beta null."""
    rng = np.random.default_rng(SEED + 2)
    factor = np.exp(rng.normal(-0.5, 1.0, (25, 20)))
    calm = snv_background.background_from_pon(
        pon_counts(rng.binomial(10_000, 2e-4, (25, 20)), 10_000)
    )
    noisy = snv_background.background_from_pon(
        pon_counts(rng.binomial(10_000, 2e-4 * factor), 10_000)
    )
    tests = {}
    for name, background in (("calm", calm), ("noisy", noisy)):
        site = background[~background["blacklisted"]].iloc[[0]]
        tests[name] = snv.pooled_test(
            np.array([8]), np.array([10_000]), np.array([2e-4]), 0.01, **snv.null_parameters(site)
        )
        tests[name + "_former"] = snv.pooled_test(
            np.array([8]),
            np.array([10_000]),
            np.array([2e-4]),
            0.01,
            beta=snv.beta_parameters(site),
        )
    assert noisy["site_dispersion"].median() > 5 * calm["site_dispersion"].median()
    assert tests["noisy"][0] > 3 * tests["calm"][0]
    assert tests["noisy"][1] > tests["calm"][1]
    assert tests["noisy"][0] > 3 * tests["noisy_former"][0]


def test_shared_sample_factor_tail_matches_adaptive_quadrature():
    """Three sites, rate 3e-4, 5,000 fragments each, no within-sample spread, sample factor
    omega = 1: X | W ~ Binomial(15,000, 3e-4 W); P(X >= k) integrated over log W ~
    N(-s^2/2, s^2) by scipy.integrate.quad; the independence convolution has a far lighter tail."""
    depth, error = np.full(3, 5000), np.full(3, 3e-4)
    s = math.sqrt(math.log(2.0))

    def reference(k):
        def given(z):
            return stats.norm.pdf(z) * stats.binom.sf(
                k - 1, 15_000, 3e-4 * math.exp(s * z - s * s / 2)
            )

        return integrate.quad(given, -8, 8, epsabs=0, epsrel=1e-11, limit=200)[0]

    for k in (5, 10, 20):
        p_value, k_min = snv.pooled_test(
            np.array([k, 0, 0]), depth, error, 0.01, dispersion=np.zeros(3), sample_dispersion=1.0
        )
        assert p_value == pytest.approx(reference(k), rel=1e-3)  # 48 Gauss-Hermite nodes
    independent, k_independent = snv.pooled_test(np.array([k, 0, 0]), depth, error, 0.01)
    assert p_value > 100 * independent  # at k = 20 (mean 4.5) the shared factor dominates
    assert k_min > k_independent


def test_old_callers_keep_the_binomial_and_beta_nulls():
    alt, depth, error = np.array([3]), np.array([2000]), np.array([5e-4])
    assert snv.pooled_test(alt, depth, error, 0.01)[0] == pytest.approx(
        stats.binom.sf(2, 2000, 5e-4), rel=1e-9
    )
    assert snv.null_parameters(pd.DataFrame({"beta_a": [1.0], "beta_b": [999.0]})) == {
        "beta": pytest.approx(np.array([[1.0, 999.0]]))
    }


def test_small_pon_falls_back_to_documented_defaults():
    """Five homogeneous donors (< MIN_PON_DONORS = 10): the sample factor is e^0.25 - 1
    (log-normal SD 0.5) and the site relative variance e^1.25 - 1, whose within-sample part
    is e - 1 (log-normal SD 1); none is estimated."""
    rng = np.random.default_rng(SEED + 3)
    background = snv_background.background_from_pon(
        pon_counts(rng.binomial(3000, 2e-4, (5, 6)), 3000)
    )
    assert (background["dispersion_source"] == "default").all()
    assert (background["n_pon_donors"] == 5).all()
    assert background["site_dispersion"].to_numpy() == pytest.approx(math.exp(1.25) - 1)
    assert background["sample_dispersion"].to_numpy() == pytest.approx(math.exp(0.25) - 1)
    assert (background["within_dispersion"] > math.e - 1).all()


def test_sample_background_keeps_the_beta_null():
    counts = pd.DataFrame(
        [("S", "chr17", 10, "G", "A", "snv")],
        columns=["sample", "chrom", "pos", "ref", "alt", "variant_type"],
    )
    own = pd.DataFrame(
        {"sample": "S", "error_class": ["C>T"], "error_count": [9], "opportunity_count": [9999]}
    )
    background = snv_background.background_from_sample(counts, own)
    assert background["within_dispersion"].isna().all()
    assert set(snv.null_parameters(background)) == {"beta"}


def test_leave_one_donor_out_check_one_row_per_donor_and_site_set():
    rng = np.random.default_rng(SEED + 4)
    counts = pon_counts(rng.binomial(3000, 2e-4, (12, 6)), 3000)
    counts["tumour_sample"] = np.where(counts["pos"] <= 3, "T1", "T2")
    check = pon_check.leave_one_donor_out(counts)
    assert list(check.columns) == pon_check.PON_CHECK_COLUMNS
    assert len(check) == 24 and set(check["site_set"]) == {"T1", "T2"}
    assert (check["n_pon_donors"] == 11).all() and (check["n_sites"] == 3).all()
    assert check["p_value"].between(0, 1).all()
    assert not check["detected"].astype(bool).any()
    summary = pon_check.summary(check)
    assert summary["n_tested"] == 24 and summary["false_positives"] == 0
    assert summary["fpr_upper"] == pytest.approx(1 - 0.025 ** (1 / 24), rel=1e-9)  # k = 0
