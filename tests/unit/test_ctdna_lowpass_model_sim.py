"""Full-genome binned-count simulator (ctdna/lowpass_sim.py): genome size in bins, fragments
per bin at 0.1x and 0.5x, hand-derived short-fragment shares, the mixture ratio of a gained
arm after the real normalisation, and the heterogeneity between samples (seed printed)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from ctdna import lowpass_norm, lowpass_sim

SEED = 20240601


@pytest.fixture(scope="module")
def genome():
    print(f"seed {SEED}")
    return lowpass_sim.genome_layout(seed=SEED)


def test_layout_is_the_grch38_genome_in_1mb_bins(genome):
    bins = genome.bins
    autosomal = ~bins["chrom"].isin(["chrX", "chrY"])
    assert 2_870 <= autosomal.sum() <= 2_890  # 2,875 Mb of autosomes
    assert bins.loc[bins["chrom"] == "chr1", "end"].max() == 248_956_422
    gap = bins["gap"]
    assert bins.loc[gap, "gc"].isna().all() and bins.loc[~gap, "gc"].between(0.3, 0.65).all()
    assert bins.loc[(bins["chrom"] == "chr13") & (bins["start"] < 15_000_000), "gap"].all()


def test_fragments_per_bin_follow_depth(genome):
    rng = np.random.default_rng(SEED)
    shallow = lowpass_sim.simulate_sample(genome, rng, 0.1)
    deeper = lowpass_sim.simulate_sample(genome, rng, 0.5)
    usable = ~genome.bins["gap"] & (genome.bins["mappability"] >= 0.9)
    usable &= ~genome.bins["chrom"].isin(["chrX", "chrY"])
    for sample, depth in ((shallow, 0.1), (deeper, 0.5)):
        median = sample.loc[usable, "fragments"].median()
        assert median == pytest.approx(6_000 * depth, rel=0.35)  # ~600 and ~3,000 per Mb
    assert (shallow.loc[genome.bins["gap"], "fragments"] == 0).all()
    assert (shallow["short"] + shallow["long"] <= shallow["fragments"]).all()


def test_short_and_long_shares_by_hand():
    normal_short, normal_long, tumour_short, _ = lowpass_sim.length_shares()
    # N(167, 20): P(89.5 < L < 150.5) = Phi(-0.825) - Phi(-3.875)
    assert normal_short == pytest.approx(norm.cdf(-0.825) - norm.cdf(-3.875))
    # given not short: P(150.5 < L < 220.5) / (1 - short)
    long = norm.cdf(2.675) - norm.cdf(-0.825)
    assert normal_long == pytest.approx(long / (1 - normal_short))
    assert tumour_short == pytest.approx(norm.cdf((150.5 - 145) / 25) - norm.cdf(-55.5 / 25))


def test_gained_arm_has_the_mixture_ratio_after_normalisation(genome):
    rng = np.random.default_rng(SEED)
    copies = np.where(genome.bins["chrom"].isin(["chrX", "chrY"]), np.nan, 2.0)
    gained = ((genome.bins["chrom"] == "chr7") & (genome.bins["arm"] == "q")).to_numpy()
    copies[gained] = 3.0
    bins = lowpass_sim.simulate_sample(genome, rng, 0.5, 0.4, copies)
    depth = lowpass_norm.normalise_sample(bins).bins
    log2 = depth["log2_depth"].to_numpy()
    neutral = ~gained & ~depth["chrom"].isin(["chrX", "chrY"]).to_numpy()
    difference = np.nanmedian(log2[gained]) - np.nanmedian(log2[neutral])
    assert difference == pytest.approx(np.log2((1.2 + 1.2) / 2.0), abs=0.03)  # (2x0.6+3x0.4)/2
    female_x = depth.loc[depth["chrom"] == "chrX", "log2_depth"]
    assert abs(np.nanmedian(female_x)) < 0.05


def test_samples_differ_in_gc_curve_and_dispersion(genome):
    rng = np.random.default_rng(SEED)
    usable = ~genome.bins["gap"] & ~genome.bins["chrom"].isin(["chrX", "chrY"])
    gc = genome.bins.loc[usable, "gc"].to_numpy()
    slopes = []
    for _ in range(6):
        sample = lowpass_sim.simulate_sample(genome, rng, 0.5)
        log_rate = np.log(sample.loc[usable, "fragments"].to_numpy() + 1)
        slopes.append(np.polyfit(gc, log_rate, 1)[0])
    assert max(slopes) - min(slopes) > 1.0  # GC curves differ between samples
    noisy = lowpass_sim.simulate_sample(genome, rng, 0.5, noisy=True)
    counts = noisy.loc[usable, "fragments"].to_numpy()
    ratio = counts[1:] - counts[:-1]
    assert np.var(ratio) / 2 > 3 * counts.mean()  # far beyond Poisson (var = mean)
    male = lowpass_sim.simulate_sample(genome, rng, 0.5, sex="male")
    assert male.loc[male["chrom"] == "chrY", "fragments"].sum() > 0


def test_whole_genome_doubled_tumour_has_ploidy_3_to_4(genome):
    rng = np.random.default_rng(SEED)
    for ploidy, low, high in ((2, 1.7, 2.6), (4, 3.0, 4.5)):
        copies = lowpass_sim.random_tumour(genome, rng, ploidy, subclonal_share=0.5)
        assert low <= np.nanmean(copies) <= high
        assert 1 <= np.nanmin(copies) and np.nanmax(copies) <= lowpass_sim.MAX_CN
        assert np.any(copies % 1 == 0.5)  # the subclonal arm
