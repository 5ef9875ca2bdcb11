"""Low-pass WGS copy-number states (ctdna/lowpass_fit_mixture.py): hand-derived mixture
ratios (ploidy 2, 3-4 and subclonal states), the state prior, the dispersion and the profile
interval of a known quadratic. The fit on simulated samples: test_ctdna_lowpass_model_fit.py."""

from __future__ import annotations

import numpy as np
import pytest

from ctdna import lowpass_fit_mixture as mixture
from ctdna.lowpass_fit_segments import noise_sd

SEED = 20240601


def test_expected_ratios_are_the_mixture():
    def mu(purity, reference_cn, copies):
        return mixture.expected_log2(np.array([purity]), reference_cn, np.array([copies]))[0, 0]

    assert mu(0.5, 2, 4) == pytest.approx(np.log2(3 / 2))  # (1 + 2) / (1 + 1)
    assert mu(0.2, 3, 3) == pytest.approx(0.0)  # the reference state
    assert mu(0.2, 3, 1) == pytest.approx(np.log2(1.8 / 2.2))  # (1.6 + 0.2) / (1.6 + 0.6)
    assert mu(0.0, 2, 5) == 0


def test_mixture_ratios_of_ploidy_3_4_and_subclonal_states_by_hand():
    # phi = 4, p = 0.5: a 2-copy segment has (2 x 0.5 + 2 x 0.5) / (2 x 0.5 + 4 x 0.5) = 2 / 3
    copies = mixture.state_copies(4, 0.5)
    mu = mixture.expected_log2(np.array([0.5]), 4, copies)[0]
    assert mu[list(copies).index(2)] == pytest.approx(np.log2(2 / 3))
    assert mu[list(copies).index(4)] == pytest.approx(0.0)
    # phi = 3, p = 0.2: 4 copies -> (1.6 + 0.8) / (1.6 + 0.6)
    mu = mixture.expected_log2(np.array([0.2]), 3, mixture.state_copies(3, 0.3))[0]
    assert mu[3] == pytest.approx(np.log2(2.4 / 2.2))
    # subclonal gain in half of the tumour cells, phi = 2, p = 0.4: (1.2 + 0.4 x 2.5) / 2
    copies = mixture.state_copies(2, 0.5)
    assert list(copies[-2:]) == [2.5, 1.5]
    mu = mixture.expected_log2(np.array([0.4, 0.0]), 2, copies)
    assert mu[0, -2] == pytest.approx(np.log2(2.2 / 2.0))
    assert mu[0, -1] == pytest.approx(np.log2(1.8 / 2.0))
    assert np.all(mu[1] == 0)  # p = 0: every state has ratio 0


def test_state_prior_sums_to_one_and_prefers_one_copy_steps():
    for phi in mixture.REFERENCE_CNS:
        weight = np.exp(mixture.state_log_prior(int(phi)))
        assert weight.sum() == pytest.approx(1.0)
        copies = mixture.state_copies(int(phi), 0.5)
        assert weight[list(copies).index(phi)] == pytest.approx(mixture.REFERENCE_WEIGHT)
        one_up = weight[list(copies).index(phi + 1)]
        assert weight[list(copies).index(phi + 2)] == pytest.approx(one_up / mixture.STATE_DECAY)
        assert weight[-2:] == pytest.approx([mixture.SUBCLONAL_WEIGHT] * 2)


def test_null_loglik_is_the_surface_at_zero_purity():
    means, variance = np.array([0.05, -0.02, 0.0]), np.array([1e-3, 4e-4, 2e-3])
    surface = mixture.loglik_surface(means, variance, np.array([0.0, 0.3]))
    assert surface[0, 0, 0] == pytest.approx(mixture.null_loglik(means, variance))
    expected = np.sum(np.log(np.exp(-(means**2) / (2 * variance)) / np.sqrt(2 * np.pi * variance)))
    assert mixture.null_loglik(means, variance) == pytest.approx(expected)


def test_dispersion_of_means_scattered_twice_as_wide():
    rng = np.random.default_rng(SEED)
    variance = np.full(4000, 1e-4)
    means = rng.normal(0, np.sqrt(2e-4), 4000)
    assert mixture.dispersion(means, variance, np.zeros(4000)) == pytest.approx(2.0, rel=0.06)
    assert mixture.dispersion(means[:2], variance[:2], np.zeros(2)) == 1.0  # too few segments


def test_profile_interval_of_a_quadratic_is_the_wald_interval():
    grid = mixture.PURITY_GRID
    profiled = -((grid - 0.3) ** 2) / (2 * 0.05**2)
    best, low, high = mixture.profile_interval(profiled, grid)
    assert best == 0.3
    assert low == pytest.approx(0.3 - 1.959964 * 0.05, abs=1e-4)
    assert high == pytest.approx(0.3 + 1.959964 * 0.05, abs=1e-4)
    best, low, high = mixture.profile_interval(-((grid - 0.01) ** 2) / (2 * 0.05**2), grid)
    assert low == 0.0 and high == pytest.approx(0.01 + 1.959964 * 0.05, abs=1e-4)


def test_noise_is_estimated_across_segments():
    rng = np.random.default_rng(SEED)
    chroms = np.repeat(["1", "2"], 200)
    ratios = rng.normal(0, 0.1, 400) + np.where(np.arange(400) % 100 < 50, 0.0, 0.4)
    assert noise_sd(ratios, chroms) == pytest.approx(0.1, rel=0.12)
