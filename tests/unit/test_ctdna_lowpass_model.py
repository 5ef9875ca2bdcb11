"""Low-pass WGS tumour-fraction model (ctdna/lowpass_hmm.py, ctdna/lowpass_model.py): the
forward likelihood and Viterbi path against brute-force enumeration of every state path,
hand-derived mixture ratios, the profile interval of a known quadratic, and the fit on
simulated samples (stereosarc.demo.lowpass binned-count equivalents, seed printed)."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ctdna import lowpass_hmm, lowpass_model, lowpass_norm, lowpass_pon
from stereosarc.demo import lowpass

SEED = 20240601
RATIOS = np.array([0.05, 0.42, -0.3, 0.1, 0.35])
CHROMS = np.array(["1", "1", "1", "2", "2"])


def _brute_force(ratios, chroms, mu, sigma, reference_cn):
    """(log total probability, best path) over all STATES^n paths, written from the model."""
    k, stay = lowpass_hmm.STATES.size, lowpass_hmm.STAY
    move = (1 - stay) / (k - 1)
    start_index = list(lowpass_hmm.STATES).index(reference_cn)
    emission = [lowpass_hmm._emission(r, mu[None, :], sigma)[0] for r in ratios]
    total, best, best_path = 0.0, -np.inf, None
    for path in itertools.product(range(k), repeat=len(ratios)):
        p = 1.0
        for i, state in enumerate(path):
            if i == 0 or chroms[i] != chroms[i - 1]:
                p *= stay if state == start_index else move
            else:
                p *= stay if state == path[i - 1] else move
            p *= emission[i][state]
        total += p
        if p > best:
            best, best_path = p, path
    return np.log(total), lowpass_hmm.STATES[list(best_path)]


@pytest.mark.parametrize("purity, reference_cn", [(0.4, 2), (0.25, 3), (0.0, 2)])
def test_forward_and_viterbi_equal_brute_force_enumeration(purity, reference_cn):
    mu = lowpass_hmm.expected_log2(np.array([purity]), np.array([reference_cn]))
    sigma = 0.12
    expected_loglik, expected_path = _brute_force(RATIOS, CHROMS, mu[0], sigma, reference_cn)
    got = lowpass_hmm.forward_loglik(RATIOS, CHROMS, mu, sigma, np.array([reference_cn]))
    assert got[0] == pytest.approx(expected_loglik, rel=1e-12)
    if purity > 0:  # at p = 0 every path is equally likely
        path = lowpass_hmm.viterbi(RATIOS, CHROMS, mu[0], sigma, reference_cn)
        assert list(path) == list(expected_path)


def test_expected_ratios_are_the_mixture():
    mu = lowpass_hmm.expected_log2(np.array([0.5, 0.2, 0.0]), np.array([2, 3, 2]))
    states = list(lowpass_hmm.STATES)
    assert mu[0, states.index(4)] == pytest.approx(np.log2(3 / 2))  # (1 + 2) / (1 + 1)
    assert mu[1, states.index(3)] == pytest.approx(0.0)  # the reference state
    assert mu[1, states.index(1)] == pytest.approx(np.log2(1.8 / 2.2))  # (1.6+.2)/(1.6+.6)
    assert np.all(mu[2] == 0)


def test_profile_interval_of_a_quadratic_is_the_wald_interval():
    grid = np.round(np.arange(0, 0.9501, 0.005), 3)
    profiled = -((grid - 0.3) ** 2) / (2 * 0.05**2)
    best, low, high = lowpass_model.profile_interval(profiled, grid)
    assert best == 0.3
    assert low == pytest.approx(0.3 - 1.959964 * 0.05, abs=1e-3)
    assert high == pytest.approx(0.3 + 1.959964 * 0.05, abs=1e-3)


def test_noise_is_estimated_across_segments():
    rng = np.random.default_rng(SEED)
    chroms = np.repeat(["1", "2"], 200)
    ratios = rng.normal(0, 0.1, 400) + np.where(np.arange(400) % 100 < 50, 0.0, 0.4)
    assert lowpass_hmm.noise_sd(ratios, chroms) == pytest.approx(0.1, rel=0.12)


def test_too_few_bins_give_na_with_a_reason():
    bins = pd.DataFrame({"chrom": "1", "start": [0, 1], "end": [1, 2], "log2_ratio": 0.0})
    fit = lowpass_model.fit_sample(bins)
    assert np.isnan(fit.tumour_fraction) and fit.detected is None and "usable" in fit.reason


GENOME = {f"chr{i}": 4_000_000 for i in range(1, 9)} | {"chrX": 2_000_000, "chrY": 1_000_000}
PROFILE = [
    lowpass.Segment("chr1", 0, 2_000_000, 3),  # arm-level gain
    lowpass.Segment("chr2", 0, 4_000_000, 1),  # whole-chromosome loss
    lowpass.Segment("chr3", 1_000_000, 1_500_000, 5),  # focal amplification
    lowpass.Segment("chr5", 2_000_000, 4_000_000, 3),
]


@pytest.fixture(scope="module")
def simulation():
    print(f"seed {SEED}")
    sequences = lowpass.reference_genome(SEED, GENOME)
    rng = np.random.default_rng(SEED)

    def sample(sex, tumour_fraction=0.0):
        blocks = lowpass.block_table(sequences, PROFILE, sex)
        fragments = lowpass.draw_fragments(blocks, tumour_fraction, 0.5, rng)
        return lowpass.binned_fragments(fragments, sequences, 100_000)

    pon = lowpass_pon.build_pon({f"N{i}": sample(("female", "male")[i % 2]) for i in range(6)})
    donor_ratios = lowpass_pon.leave_one_out_ratios(pon)
    donors = lowpass_model.donor_lr(donor_ratios)

    def fit(tumour_fraction, sex="female"):
        depth = lowpass_norm.normalise_sample(sample(sex, tumour_fraction))
        return lowpass_model.fit_sample(lowpass_pon.log2_ratios(depth, pon, "T"), donors=donors)

    return SimpleNamespace(fit=fit, donor_ratios=donor_ratios, donors=donors)


@pytest.mark.parametrize("truth", [0.2, 0.5])
def test_tumour_fraction_is_recovered_within_25_percent(simulation, truth):
    fit = simulation.fit(truth)
    assert fit.detected and fit.reference_cn == 2
    assert fit.tumour_fraction == pytest.approx(truth, rel=0.25)
    assert fit.ci_low <= fit.tumour_fraction <= fit.ci_high and fit.ci_high - fit.ci_low < 0.2
    # coverage of the truth by the interval is measured over replicates in bench/ctdna
    assert fit.lod < truth and 1.8 < fit.ploidy < 2.2
    assert set(fit.segments["copy_number"]) >= {1, 2, 3}


def test_no_tumour_is_not_detected(simulation):
    fit = simulation.fit(0.0, sex="male")
    assert not fit.detected and fit.lr_statistic < fit.threshold
    assert fit.ci_low == 0.0  # the interval includes 0 (and a copy-neutral tumour: no upper)
    assert 0 < fit.lod < 0.3


def test_pon_donors_against_the_others_floor_the_threshold(simulation):
    assert set(simulation.donor_ratios) == {f"N{i}" for i in range(6)}
    for ratios in simulation.donor_ratios.values():
        assert (ratios["pon_size"] == 5).all()  # each donor against the 5 others
        assert abs(ratios["log2_ratio"].median()) < 0.05
    fit = simulation.fit(0.0)
    assert fit.threshold >= simulation.donors > 0
    assert not fit.detected
