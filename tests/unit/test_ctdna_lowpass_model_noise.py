"""The sample's own segment-mean variance (ctdna/lowpass_fit_noise.py): block variances of
white and AR(1) noise against their closed forms, blocks never crossing a segment boundary,
the excess floor and the CBS statistic with a constant excess equal to the tau form (seed
printed)."""

from __future__ import annotations

import numpy as np
import pytest

from ctdna import lowpass_fit_noise as noise
from ctdna import lowpass_fit_segments as segmentation

SEED = 20240601


def _ar1(rng: np.random.Generator, n: int, sd: float, ar: float) -> np.ndarray:
    series = np.empty(n)
    series[0] = rng.normal(0.0, sd)
    shocks = rng.normal(0.0, sd * np.sqrt(1 - ar**2), n)
    for i in range(1, n):
        series[i] = ar * series[i - 1] + shocks[i]
    return series


def _ar1_mean_variance(length: int, sd: float, ar: float) -> float:
    """Var of the mean of L consecutive AR(1) values: sd^2 / L^2 (L + 2 sum_k (L - k) ar^k)."""
    lags = np.arange(1, length)
    return sd**2 / length**2 * (length + 2 * np.sum((length - lags) * ar**lags))


def test_white_noise_block_variance_is_sigma2_over_length():
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    ratios = rng.normal(0.0, 0.05, 200_000)
    s2 = noise.block_variance(ratios, np.array([0, ratios.size]))
    np.testing.assert_allclose(s2, 0.05**2 / noise.BLOCK_LENGTHS, rtol=0.06)


def test_ar1_block_variance_matches_closed_form():
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    ratios = _ar1(rng, 300_000, 0.04, 0.8)
    s2 = noise.block_variance(ratios, np.array([0, ratios.size]))
    expected = [_ar1_mean_variance(int(n), 0.04, 0.8) for n in noise.BLOCK_LENGTHS]
    np.testing.assert_allclose(s2, expected, rtol=0.08)


def test_blocks_stay_inside_segments():
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    ratios = np.r_[rng.normal(0.0, 0.05, 1600), rng.normal(1.0, 0.05, 1600)]
    inside = noise.block_variance(ratios, np.array([0, 1600, 3200]))
    across = noise.block_variance(ratios, np.array([0, 3200]))
    assert inside[-1] < 0.05**2 / 64 * 3  # the unit step never enters a block
    assert across[-1] > 0.01  # without the cut the step dominates
    assert np.isnan(noise.block_variance(ratios[:100], np.array([0, 100]))[-1])  # 1 block


def test_excess_floor_monotone_and_lengths():
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    white = rng.normal(0.0, 0.05, 20_000)
    cuts = np.array([0, white.size])
    excess = noise.excess_by_length(white, cuts, 0.05, 0.004, 300)
    assert excess.shape == (301,)
    assert np.allclose(excess, 0.004**2, rtol=0.5)  # white noise: only the floor
    wavy = white + _ar1(rng, white.size, 0.03, 0.9)
    excess = noise.excess_by_length(wavy, cuts, 0.05, 0.004, 300)
    assert np.all(np.diff(excess) <= 1e-15)  # a longer mean never has more excess
    assert excess[1] > 10 * 0.004**2
    variance = noise.mean_variance(np.array([1, 64, 10_000]), 0.05, excess)
    np.testing.assert_allclose(variance, 0.05**2 / np.array([1, 64, 10_000])
                               + excess[[1, 64, 300]])  # fmt: skip


@pytest.mark.parametrize("tau", [0.0, 0.01])
def test_constant_excess_is_the_tau_statistic(tau):
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    ratios = np.r_[np.zeros(30), np.full(12, 0.15), np.zeros(20)] + rng.normal(0, 0.05, 62)
    flat = np.full(ratios.size + 1, tau**2)
    assert segmentation.best_arc(ratios, 0.05, tau) == pytest.approx(
        segmentation.best_arc(ratios, 0.05, excess=flat)
    )
