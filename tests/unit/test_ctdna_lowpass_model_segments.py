"""Segmentation of low-pass log2 ratios (ctdna/lowpass_fit_segments.py): toy profiles with
known breakpoints, the CBS statistic against its formula, the segment-level noise and the
white-noise false-split rate that SPLIT_Z is chosen for (seed printed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctdna import lowpass_fit_segments as segmentation

SEED = 20240601


def _bins(ratios: np.ndarray, chrom: str = "1") -> pd.DataFrame:
    starts = np.arange(ratios.size) * 1_000_000
    return pd.DataFrame({"chrom": chrom, "start": starts, "end": starts + 1_000_000,
                         "log2_ratio": ratios})  # fmt: skip


def test_toy_profile_breakpoints_and_means():
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    truth = np.r_[np.zeros(20), np.full(15, 0.4), np.zeros(25), np.full(10, -0.3)]
    ratios = truth + rng.normal(0, 0.05, truth.size)
    cuts = segmentation.breakpoints(ratios, 0.05)
    assert cuts == [0, 20, 35, 60, 70]
    table = segmentation.segment(_bins(ratios), 0.05)
    assert list(table["n_bins"]) == [20, 15, 25, 10]
    assert list(table["start"]) == [0, 20_000_000, 35_000_000, 60_000_000]
    assert table["end"].iat[-1] == 70_000_000
    np.testing.assert_allclose(table["mean_log2"], [ratios[a:b].mean() for a, b in
                                                    zip(cuts[:-1], cuts[1:])])  # fmt: skip


def test_segments_never_cross_chromosomes():
    bins = pd.concat([_bins(np.zeros(10), "1"), _bins(np.full(10, 0.5), "2")], ignore_index=True)
    table = segmentation.segment(bins, 0.05)
    assert list(table["chrom"]) == ["1", "2"] and list(table["n_bins"]) == [10, 10]


def test_statistic_of_the_best_arc_is_the_formula():
    ratios = np.r_[np.zeros(6), np.full(4, 1.0), np.zeros(5)] + np.linspace(0, 0.01, 15)
    i, j, statistic = segmentation.best_arc(ratios, 0.2, tau=0.1)
    assert (i, j) == (6, 10)
    arc, rest = ratios[6:10], np.r_[ratios[:6], ratios[10:]]
    expected = (arc.mean() - rest.mean()) / np.sqrt(0.2**2 * (1 / 4 + 1 / 11) + 2 * 0.1**2)
    assert statistic == pytest.approx(expected)


def test_no_arc_leaves_a_piece_shorter_than_the_minimum():
    n, least = 12, segmentation.MIN_SEGMENT_BINS
    allowed = segmentation._arc_geometry(n)[0]
    for i, j in zip(*np.nonzero(allowed)):
        pieces = [i, j - i, n - j]
        assert all(piece == 0 or piece >= least for piece in pieces) and j - i < n
    assert allowed[0, least] and allowed[least, 2 * least] and not allowed[1, 1 + least]
    assert segmentation.best_arc(np.zeros(5), 0.1) == (0, 0, 0.0)  # 5 bins: no 3 + 3 split


def test_segment_noise_sees_slow_waves_the_bin_noise_misses():
    rng = np.random.default_rng(SEED)
    chroms = np.repeat(["1", "2", "3", "4"], 250)
    white = rng.normal(0, 0.05, 1000)
    assert segmentation.segment_noise(white, chroms, 0.05) < 0.006
    wave = np.repeat(rng.normal(0, 0.02, 40), 25)  # block-constant waves of sd 0.02
    tau = segmentation.segment_noise(white + wave, chroms, 0.05)
    assert tau == pytest.approx(0.02, rel=0.35)


def test_white_noise_is_rarely_split():
    rng = np.random.default_rng(SEED)
    splits = sum(len(segmentation.breakpoints(rng.normal(0, 1, 200), 1.0)) > 2 for _ in range(200))
    assert 5 <= splits <= 25  # SPLIT_Z = 4: 15 of 200 white-noise 200-bin chromosomes
