"""ctdna.tumour_fraction and ctdna.lod: copy-number-aware tumour fraction, its interval, and the
limit of detection, against hand-derived values and independent simulations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ctdna import lod
from ctdna import tumour_fraction as tfm


def test_multiplicity_from_purity_copy_number_and_vaf():
    # purity 0.5, C = 4, m = 2: VAF = 0.5 * 2 / (0.5 * 4 + 2 * 0.5) = 1/3
    m, source = tfm.site_multiplicity(np.array([1 / 3]), np.array([0.5]), np.array([4.0]))
    assert m[0] == 2 and source[0] == "tissue"
    # LOH at C = 1, purity 0.8: VAF = 0.8 / (0.8 + 0.4) = 2/3 -> m = 1
    m, _ = tfm.site_multiplicity(np.array([2 / 3]), np.array([0.8]), np.array([1.0]))
    assert m[0] == 1


def test_multiplicity_defaults_when_tissue_data_are_missing():
    m, source = tfm.site_multiplicity(
        np.array([0.3, np.nan]), np.array([np.nan, 0.5]), np.array([3.0, np.nan])
    )
    assert list(m) == [1, 1] and list(source) == ["assumed_m", "default"]


def test_mutant_fraction_reduces_to_half_tf_when_heterozygous_diploid():
    assert tfm.mutant_fraction(0.1, np.array([1.0]), np.array([2.0]))[0] == pytest.approx(0.05)
    # genome-doubled LOH (C = 2, m = 2): every tumour fragment is mutant
    assert tfm.mutant_fraction(0.1, np.array([2.0]), np.array([2.0]))[0] == pytest.approx(0.1)
    # C = 4, m = 1 at TF 0.5: 0.5 / (0.5 * 4 + 2 * 0.5) = 1/6
    assert tfm.mutant_fraction(0.5, np.array([1.0]), np.array([4.0]))[0] == pytest.approx(1 / 6)


def test_estimate_without_background_uncertainty_is_the_binomial_mle():
    # one het diploid site, no error: mu = TF/2 and MLE of mu = a/d -> TF = 2 a / d
    tf, low, high = tfm.estimate(
        np.array([30]), np.array([1000]), np.array([1e-12]), np.ones(1), np.full(1, 2.0), 0.95
    )
    assert tf == pytest.approx(0.06, rel=1e-6)

    # likelihood-ratio interval of a binomial proportion 30/1000 (by hand: chi2 drop 1.92)
    def loglik(p):
        return 30 * math.log(p) + 970 * math.log(1 - p)

    assert loglik(low / 2) == pytest.approx(loglik(0.03) - 1.920729, abs=1e-4)
    assert loglik(high / 2) == pytest.approx(loglik(0.03) - 1.920729, abs=1e-4)


def test_background_uncertainty_widens_the_interval():
    args = (np.array([4]), np.array([3000]), np.array([5e-4]), np.ones(1), np.full(1, 2.0), 0.95)
    _, low_point, high_point = tfm.estimate(*args)
    uncertain = np.array([[1.5, 1.5 / 5e-4]])  # Beta with mean 5e-4 and weight 3,000
    _, low, high = tfm.estimate(*args, beta=uncertain)
    assert low <= low_point and high > high_point


@pytest.mark.parametrize("copies,mult", [(1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (4, 1), (4, 2)])
def test_tissue_copy_state_recovers_tf_where_the_diploid_default_is_biased(copies, mult):
    rng = np.random.default_rng(copies * 10 + mult)
    truth, depth, error = 0.03, np.full(3, 3000), np.full(3, 1e-4)
    c, m = np.full(3, float(copies)), np.full(3, float(mult))
    p = tfm.alt_probability(truth, error, m, c)
    informed, default = [], []
    for _ in range(40):
        alt = rng.binomial(depth, p)
        informed.append(tfm.estimate(alt, depth, error, m, c, 0.95)[0])
        default.append(tfm.estimate(alt, depth, error, np.ones(3), np.full(3, 2.0), 0.95)[0])
    assert abs(np.median(informed) / truth - 1) <= 0.25
    expected_bias = tfm.mutant_fraction(truth, m[:1], c[:1])[0] * 2 / truth  # default reads 2 mu
    assert np.median(default) / truth == pytest.approx(expected_bias, rel=0.25)


def test_snv_lod_has_95_percent_power_by_simulation():
    depth, error = np.array([800, 1200]), np.array([2e-4, 1e-4])
    k_min = 3
    value = lod.snv_lod(depth, error, np.ones(2), np.full(2, 2.0), k_min)
    rng = np.random.default_rng(7)
    p = tfm.alt_probability(value, error, np.ones(2), np.full(2, 2.0))
    detected = (rng.binomial(depth, p, size=(20000, 2)).sum(axis=1) >= k_min).mean()
    assert detected == pytest.approx(0.95, abs=0.006)


def test_snv_lod_is_na_when_even_tf_one_is_not_detectable():
    assert math.isnan(lod.snv_lod(np.array([1]), np.array([1e-4]), np.ones(1), np.full(1, 2.0), 3))


def test_cn_lod_has_95_percent_power_by_simulation():
    mean, sd, n, copies, level = 0.01, 0.04, 6, 15.0, stats.norm.sf(3)
    value = lod.cn_lod(mean, sd, n, copies, 0.2, level)
    crit = lod.cn_critical_log2(mean, sd, n, 0.2, level)
    rng = np.random.default_rng(3)
    expected = math.log2(1 + value * (copies - 2) / 2)
    draws = expected + sd * math.sqrt(1 + 1 / n) * rng.standard_t(n - 1, 200000)
    assert (draws >= crit).mean() == pytest.approx(0.95, abs=0.003)
