"""SNV ctDNA model (ctdna.snv): background, detection, tumour fraction; expected values by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctdna import snv, snv_background


def _pon(rows):
    return pd.DataFrame(
        rows,
        columns=[
            "sample",
            "chrom",
            "pos",
            "ref",
            "alt",
            "variant_type",
            "alt_fragments",
            "depth_fragments",
        ],
    )


def test_background_from_pon_by_hand():
    pon = _pon(
        [
            ("N1", "chr17", 10, "C", "T", "snv", 0, 1000),
            ("N2", "chr17", 10, "C", "T", "snv", 1, 1000),
            ("N2", "chr17", 10, "C", "T", "snv", 1, 1000),  # same site from 2nd tumour VCF
            ("N1", "chr17", 20, "G", "A", "snv", 100, 1000),  # 10 % in a donor: CHIP/germline
            ("N2", "chr17", 20, "G", "A", "snv", 0, 1000),
            ("N1", "chr17", 30, "CA", "C", "deletion", 0, 500),
            ("N2", "chr17", 30, "CA", "C", "deletion", 0, 0),
        ]
    )
    background = snv_background.background_from_pon(pon, prior_weight=1000).set_index("pos")
    # SNV prior pooled over non-black-listed SNV rows (pos 10 only): (1 + 0.5) / (2000 + 1)
    prior = 1.5 / 2001
    assert background.loc[10, "prior_rate"] == pytest.approx(prior)
    assert background.loc[10, "error_rate"] == pytest.approx((1 + prior * 1000) / (2000 + 1000))
    assert background.loc[
        10, ["pon_alt_fragments", "pon_depth_fragments", "n_pon_samples", "n_pon_samples_with_alt"]
    ].tolist() == [1, 2000, 2, 1]
    assert not background.loc[10, "blacklisted"]
    assert background.loc[20, "blacklisted"]
    assert background.loc[20, "blacklist_reason"] == "pon_vaf;high_error"  # 100/2000 = 5 %
    # deletion: depth only in N1; prior (0 + 0.5) / (500 + 1)
    assert background.loc[30, "n_pon_samples"] == 1
    assert background.loc[30, "error_rate"] == pytest.approx((0.5 / 501 * 1000) / 1500)


def test_background_recurrent_and_high_error_black_list():
    rows = [(f"N{i}", "chr17", 10, "C", "T", "snv", 2, 100) for i in range(3)]  # 2 % x 3 donors
    rows += [(f"N{i}", "chr17", 40, "T", "G", "snv", 1, 1000) for i in range(10)]  # stray noise
    rows += [(f"N{i}", "chr17", 50, "T", "G", "snv", 20 if i < 2 else 0, 1000) for i in range(10)]
    rows += [
        (f"N{i}", "chr17", 60, "T", "G", "snv", 1, 50) for i in range(10)
    ]  # 2 % but 1 fragment
    rows += [
        (f"N{i}", "chr17", 70, "T", "G", "snv", 30, 1000) for i in range(10)
    ]  # 3 % everywhere
    background = snv_background.background_from_pon(_pon(rows)).set_index("pos")
    assert background.loc[10, "blacklist_reason"] == "recurrent_in_pon"
    assert background.loc[10, "n_pon_samples_carrying"] == 3
    assert background.loc[70, "blacklist_reason"] == "recurrent_in_pon;high_error"  # 300/10000
    assert background.loc[50, "blacklist_reason"] == "recurrent_in_pon"  # 2 donors at 2 %
    assert not background.loc[40, "blacklisted"] and not background.loc[60, "blacklisted"]
    assert background.loc[40, "n_pon_samples_with_alt"] == 10


def test_background_from_empty_pon():
    assert snv_background.background_from_pon(_pon([])).empty


def test_background_from_sample_by_class():
    counts = pd.DataFrame(
        [
            ("S", "chr17", 10, "G", "A", "snv"),
            ("S", "chr17", 20, "CA", "C", "deletion"),
            ("S", "chr17", 30, "C", "CT", "insertion"),
        ],
        columns=["sample", "chrom", "pos", "ref", "alt", "variant_type"],
    )
    own = pd.DataFrame(
        {
            "sample": "S",
            "error_class": ["C>T", "C>A", "deletion"],
            "error_count": [9, 0, 0],
            "opportunity_count": [9999, 9999, 1e6],
        }
    )
    background = snv_background.background_from_sample(counts, own).set_index("pos")
    assert background.loc[10, "error_rate"] == pytest.approx(9.5 / 10000)  # G>A is C>T
    assert background.loc[20, "error_rate"] == pytest.approx(
        max(0.5 / 1000001, snv_background.MIN_PRIOR_RATE)
    )
    assert math.isnan(background.loc[30, "error_rate"])  # no insertion row
    assert not background["blacklisted"].any()
    assert (background["background_source"] == "sample").all()


def _sites(alt, depth, tissue=None):
    n = len(alt)
    return pd.DataFrame(
        {
            "sample": "S",
            "tumour_sample": "T",
            "chrom": "chr17",
            "pos": range(100, 100 + n),
            "ref": "C",
            "alt": "T",
            "variant_type": "snv",
            "tissue_vaf": tissue if tissue is not None else [0.3] * n,
            "alt_fragments": alt,
            "depth_fragments": depth,
        }
    )


def _background(rates, blacklisted=None):
    n = len(rates)
    return pd.DataFrame(
        {
            "chrom": "chr17",
            "pos": range(100, 100 + n),
            "ref": "C",
            "alt": "T",
            "variant_type": "snv",
            "error_rate": rates,
            "blacklisted": blacklisted or [False] * n,
            "blacklist_reason": [None] * n,
        }
    )


def test_single_site_mle_closed_form():
    # one site: MLE of p is a/d; p = mu (1 - 2e) + e, mu = TF / 2 -> TF = 2 (a/d - e) / (1 - 2e)
    call = snv.call_sample(_sites([60], [3000]), _background([1e-3]))
    assert call.tumour_fraction == pytest.approx(2 * (0.02 - 1e-3) / (1 - 2e-3), rel=1e-6)
    assert call.tf_ci_low < call.tumour_fraction < call.tf_ci_high
    assert call.detected is True and call.evaluable and call.reason is None
    assert (call.n_sites, call.alt_fragments, call.total_fragments) == (1, 60, 3000)
    assert call.mean_vaf == pytest.approx(0.02)


def test_single_site_p_value_is_binomial_tail():
    from scipy import stats

    call = snv.call_sample(_sites([3], [2000]), _background([5e-4]))
    assert call.p_value == pytest.approx(stats.binom.sf(2, 2000, 5e-4), rel=1e-9)


def test_zero_alt_gives_zero_tf_and_not_detected():
    call = snv.call_sample(_sites([0, 0], [3000, 3000]), _background([1e-4, 1e-4]))
    assert call.tumour_fraction == 0 and call.tf_ci_low == 0 and call.tf_ci_high > 0
    assert call.p_value == 1.0 and call.detected is False and call.evaluable


def test_low_depth_negative_is_not_evaluable():
    call = snv.call_sample(_sites([0], [50]), _background([1e-4]))
    assert call.evaluable is False and call.detected is None
    assert call.reason.startswith(
        "LoD95 0.18"
    )  # Binomial(50, TF/2): P(X >= 2) = 0.95 at TF = 0.183


def test_low_depth_positive_is_still_detected():
    call = snv.call_sample(_sites([5], [50]), _background([1e-4]))
    assert call.detected is True and call.evaluable


def test_blacklisted_and_empty_sites_not_used():
    call = snv.call_sample(
        _sites([30, 900], [3000, 3000]), _background([1e-4, 1e-4], [False, True])
    )
    assert call.n_sites == 1 and call.alt_fragments == 30
    used = call.per_site.set_index("pos")
    assert used.loc[101, "not_used_reason"] == "blacklisted" and not used.loc[101, "used"]
    none = snv.call_sample(_sites([1], [100]), _background([1e-4], [True]))
    assert none.evaluable is False and none.detected is None and none.reason == "no usable site"
    empty = snv.call_sample(_sites([], []), _background([]))
    assert empty.n_sites == 0 and empty.reason == "no site in the targets"


def test_missing_background_site_not_used():
    call = snv.call_sample(_sites([3, 4], [1000, 1000]), _background([1e-4]))
    assert call.n_sites == 1
    assert call.per_site.set_index("pos").loc[101, "not_used_reason"] == "no background error rate"


def test_tissue_vaf_multiplicity_doubles_expected_fraction():
    # two sites, the second with twice the median-relative tissue VAF -> m = (2/3, 4/3)
    call = snv.call_sample(
        _sites([20, 40], [4000, 4000], tissue=[0.2, 0.4]),
        _background([1e-9, 1e-9]),
        multiplicity="tissue_vaf",
    )
    assert call.per_site["multiplicity"].tolist() == pytest.approx([2 / 3, 4 / 3])
    # MLE: 60 = TF/2 * (2/3 + 4/3) * 4000 -> TF = 0.015
    assert call.tumour_fraction == pytest.approx(0.015, rel=1e-4)
    with pytest.raises(ValueError):
        snv.call_sample(_sites([1], [10]), _background([1e-4]), multiplicity="bogus")


def test_hge_and_mutant_molecules():
    assert snv.hge_per_ml(6.6) == pytest.approx(2000.0)
    assert snv.mutant_molecules_per_ml(2000.0, 0.01) == pytest.approx(20.0)
    assert snv.hge_per_ml(None) is None and snv.mutant_molecules_per_ml(None, 0.1) is None
    assert snv.hge_per_ml(float("nan")) is None


def test_to_dict_has_cohort_fields():
    call = snv.call_sample(_sites([3], [3000]), _background([1e-4]))
    assert set(call.to_dict()) == {
        "n_sites",
        "alt_fragments",
        "total_fragments",
        "mean_vaf",
        "tumour_fraction",
        "tf_ci_low",
        "tf_ci_high",
        "p_value",
        "detected",
        "evaluable",
        "reason",
        "lod95_tf",
        "tf_model",
    }


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    alt=st.lists(st.integers(0, 400), min_size=1, max_size=4),
    depth_extra=st.integers(1, 3000),
    rate=st.floats(1e-6, 1e-2),
)
def test_tumour_fraction_in_unit_interval_and_inside_ci(alt, depth_extra, rate):
    depth = [a + depth_extra for a in alt]
    call = snv.call_sample(_sites(alt, depth), _background([rate] * len(alt)))
    assert 0.0 <= call.tf_ci_low <= call.tumour_fraction <= call.tf_ci_high <= 1.0
    assert 0.0 <= call.p_value <= 1.0


@settings(max_examples=25, deadline=None, derandomize=True)
@given(alt=st.integers(0, 50), extra=st.integers(1, 20))
def test_more_alt_fragments_never_raise_the_p_value(alt, extra):
    first = snv.call_sample(_sites([alt], [5000]), _background([2e-4]))
    second = snv.call_sample(_sites([alt + extra], [5000]), _background([2e-4]))
    assert second.p_value <= first.p_value
    assert second.tumour_fraction >= first.tumour_fraction - 1e-9


def test_pooled_test_k_min():
    p_value, k_min = snv.pooled_test(np.array([0]), np.array([1000]), np.array([1e-3]), 0.01)
    from scipy import stats

    assert k_min == next(k for k in range(50) if stats.binom.sf(k - 1, 1000, 1e-3) < 0.01)
    assert p_value == 1.0


def test_single_alt_fragment_is_never_a_detection():
    # p = 1 - (1 - 1e-6)^3000 ~ 0.003 < alpha, but one fragment is below min_alt_fragments = 2
    call = snv.call_sample(_sites([1], [3000]), _background([1e-6]))
    assert call.p_value < 0.01 and call.detected is False
    assert snv.call_sample(_sites([2], [3000]), _background([1e-6])).detected is True


def test_beta_binomial_null_is_more_conservative_than_binomial():
    sites = _sites([4], [3000])
    plain = snv.call_sample(sites, _background([2e-4]))
    background = _background([2e-4]).assign(beta_a=[6.0], beta_b=[29994.0])  # mean 2e-4
    beta = snv.call_sample(sites, background)
    from scipy import stats

    assert beta.p_value == pytest.approx(stats.betabinom.sf(3, 3000, 6.0, 29994.0), rel=1e-7)
    assert beta.p_value > plain.p_value
