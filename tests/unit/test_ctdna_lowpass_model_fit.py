"""The low-pass WGS fit (ctdna/lowpass_model.py) on whole-genome simulated samples
(ctdna.lowpass_sim in 2 Mb bins, ~1,400 modelled; real normalisation and PoN; seed printed):
TF recovered for a diploid and a whole-genome-doubled tumour, no tumour not detected, a
copy-neutral tumour reported NA with its reason, the short-fragment counts fitted the same
way, the contract's fields, and the null law's quantile. The null laws use 60 replicates
here (200 in the package) to keep the file within seconds."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from ctdna import lowpass_model, lowpass_norm, lowpass_pon, lowpass_sim

SEED = 20240601
DEPTH = 0.5


@pytest.fixture(scope="module")
def simulation():
    print(f"seed {SEED}")
    patch = pytest.MonkeyPatch()
    patch.setattr(lowpass_model, "NULL_REPLICATES", 60)
    lowpass_model._null_law.cache_clear()
    genome = lowpass_sim.genome_layout(2_000_000, seed=SEED)
    rng = np.random.default_rng(SEED)
    sexes = ("female", "male")
    normals = {
        f"N{i}": lowpass_sim.simulate_sample(genome, rng, DEPTH, sex=sexes[i % 2])
        for i in range(6)
    }
    pon = lowpass_pon.build_pon(normals)
    short_pon = lowpass_pon.build_pon(
        {name: bins.assign(fragments=bins["short"]) for name, bins in normals.items()}
    )
    donors = lowpass_model.donor_lr(lowpass_pon.leave_one_out_ratios(pon))

    def ratios(tumour_fraction=0.0, copies=None, short=False):
        bins = lowpass_sim.simulate_sample(genome, rng, DEPTH, tumour_fraction, copies)
        if short:
            bins = bins.assign(fragments=bins["short"])
        depth = lowpass_norm.normalise_sample(bins)
        return lowpass_pon.log2_ratios(depth, short_pon if short else pon, "T")

    def fit(*args, **kwargs):
        return lowpass_model.fit_sample(ratios(*args, **kwargs), donors=donors)

    yield SimpleNamespace(genome=genome, rng=rng, fit=fit, ratios=ratios, donors=donors)
    patch.undo()
    lowpass_model._null_law.cache_clear()


@pytest.mark.parametrize("ploidy, truth", [(2, 0.2), (4, 0.4)])
def test_tumour_fraction_is_recovered(simulation, ploidy, truth):
    copies = lowpass_sim.random_tumour(simulation.genome, simulation.rng, ploidy)
    fit = simulation.fit(truth, copies)
    assert fit.detected and fit.tumour_fraction == pytest.approx(truth, rel=0.25)
    assert lowpass_model.reported(fit) == (fit.tumour_fraction, None, None)
    assert fit.ci_low <= fit.tumour_fraction <= fit.ci_high and fit.ci_high - fit.ci_low < 0.2
    assert fit.reference_cn == ploidy and fit.lod < truth
    modelled = ~np.isnan(copies) & ~simulation.genome.bins["gap"].to_numpy()
    assert fit.ploidy == pytest.approx(np.mean(copies[modelled]), abs=0.4)
    assert list(fit.segments.columns) == lowpass_model.SEGMENT_COLUMNS
    assert list(fit.bins.columns) == lowpass_model.BIN_COLUMNS and len(fit.bins) == fit.n_bins
    assert fit.segments["n_bins"].sum() == fit.n_bins


def test_no_tumour_is_not_detected(simulation):
    fit = simulation.fit(0.0)
    assert not fit.detected and fit.lr_statistic <= fit.threshold
    assert fit.threshold >= max(simulation.donors, lowpass_model.CHI2_1DF_ALPHA)
    assert fit.ci_low == 0.0 and 0 < fit.lod < 0.15
    assert np.isnan(fit.subclonal_fraction)


def test_copy_neutral_tumour_is_na_with_its_reason(simulation):
    copies = np.where(simulation.genome.bins["chrom"].isin(["chrX", "chrY"]), np.nan, 2.0)
    fit = simulation.fit(0.5, copies)
    value, _, reason = lowpass_model.reported(fit)
    assert np.isnan(value) and "copy-neutral" in reason and not fit.detected


def test_short_fragment_counts_fit_the_same_way(simulation):
    copies = lowpass_sim.random_tumour(simulation.genome, simulation.rng, 2)
    ratios = simulation.ratios(0.2, copies, short=True)
    fit = lowpass_model.fit_sample(ratios, donors=simulation.donors)
    # short fragments (~20 % of normal, ~57 % of tumour ones) are enriched in tumour DNA
    tumour_short = 0.2 * 0.565 / (0.2 * 0.565 + 0.8 * 0.198)
    assert fit.detected and fit.tumour_fraction == pytest.approx(tumour_short, rel=0.25)
    assert fit.n_bins > 1_200  # ~2,600 short fragments per 2 Mb bin: no bin lost


def test_too_few_bins_give_na_with_a_reason():
    bins = pd.DataFrame({"chrom": "1", "start": [0, 1], "end": [1, 2], "log2_ratio": 0.0})
    fit = lowpass_model.fit_sample(bins)
    assert np.isnan(fit.tumour_fraction) and fit.detected is None and "usable" in fit.reason
    assert lowpass_model.reported(fit) == (
        pytest.approx(np.nan, nan_ok=True),
        "no_fit",
        fit.reason,
    )


def test_null_quantile_of_a_chi_square_sample():
    rng = np.random.default_rng(SEED)
    statistics = np.where(rng.random(20_000) < 0.5, 0.0, 2.0 * rng.chisquare(3, 20_000))
    # half zeros, half 2 x chi2_3: the 0.999 quantile is 2 x chi2_3 at 1 - 0.001 / 0.5
    expected = 2 * chi2.ppf(1 - 0.001 / 0.5, 3)
    assert lowpass_model.scaled_chi2_quantile(statistics, 0.001) == pytest.approx(
        expected, rel=0.05
    )


def test_subclonal_arm_is_found_with_its_fraction():
    rng = np.random.default_rng(SEED)
    copies = {"1": 3.0, "2": 1.0, "3": 2.5, "4": 4.0}  # chr3: a gain in half of the tumour
    chrom = np.repeat([str(i) for i in range(1, 23)], 60)
    tumour = np.array([copies.get(c, 2.0) for c in chrom])
    truth = np.log2((2 * 0.6 + 0.4 * tumour) / 2)
    starts = np.tile(np.arange(60) * 1_000_000, 22)
    ratios = pd.DataFrame({"chrom": chrom, "start": starts, "end": starts + 1_000_000,
                           "log2_ratio": truth + rng.normal(0, 0.03, truth.size)})  # fmt: skip
    fit = lowpass_model.fit_sample(ratios)
    assert fit.detected and fit.tumour_fraction == pytest.approx(0.4, abs=0.02)
    assert fit.subclonal_fraction == 0.5 and fit.reference_cn == 2
    segments = fit.segments.set_index("chrom")
    assert segments.loc["3", "subclonal"] and segments.loc["3", "copy_number"] == 3
    assert list(segments.loc[["1", "2", "4", "5"], "copy_number"]) == [3, 1, 4, 2]
    assert not segments.drop(index="3")["subclonal"].any()
    assert fit.ploidy == pytest.approx(tumour.mean(), abs=0.01)
    expected = fit.bins.loc[fit.bins["chrom"] == "3", "expected_log2"]
    p = fit.tumour_fraction  # the model's mean at its own estimate
    assert expected.to_numpy() == pytest.approx(np.log2((2 * (1 - p) + p * 2.5) / 2))
