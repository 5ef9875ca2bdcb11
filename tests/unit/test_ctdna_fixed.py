"""ctdna.fixed and the fixed-site part of ctdna.levels on hand-built site-count tables.

Sites (chr17, TP53 hot spots): F1, F2, F3 on the fixed list; T2 only in the tumour VCF of
P1, whose VCF also lists F1; F4 on the list, carried by two PoN donors at 10 % VAF (black
list). Four PoN donors with 3,000 fragments per site. Expected values derived by hand;
per-site p-values recomputed here as an explicit sum of Beta-Binomial terms from log-gamma
functions (not scipy's distribution nor the convolution of ctdna.snv.pooled_test that the
code uses; scipy's betabinom.sf is off by orders of magnitude far in the tail), integrated
over the sample factor with scipy's adaptive quadrature (the code uses Gauss-Hermite nodes).
Four donors are below ctdna.overdispersion.MIN_PON_DONORS: the null takes the documented
fallback (within-sample relative variance e - 1, sample factor e^0.25 - 1; the moment
estimates of these counts are lower: the class numerator is negative).
"""

# ruff: noqa: E712  (frames hold numpy booleans: compare with ==)
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special

from ctdna import fixed, levels, site_calls, snv, snv_background
from ctdna.sites import FIXED_SITES

F1, F2 = ("chr17", 7675088, "C", "T"), ("chr17", 7674220, "C", "T")
F3 = ("chr17", 7673802, "G", "A")
F4, T2 = ("chr17", 7674900, "G", "T"), ("chr17", 7676000, "A", "G")
DEPTH = 3000
PON_ALT = {
    F1: (1, 0, 0, 1),
    F2: (0, 0, 0, 0),
    F3: (0, 1, 0, 0),
    F4: (300, 310, 0, 0),
    T2: (0, 0, 1, 0),
}
# prior of ctdna.snv: pooled over the non-black-listed PoN sites (F1 F2 F3 T2): 4 alt of
# 4 x 4 x 3,000 = 48,000 fragments -> r = 4.5 / 48,001; a0 = 1,000 r
A0 = 1000 * 4.5 / 48001


def rows(sample: str, tumour_sample: str, sites: dict, depth: dict | None = None) -> list[dict]:
    """site_counts rows of one sample ({site: alt fragments}), depth 3,000 unless given."""
    out = []
    for site, alt in sites.items():
        d = (depth or {}).get(site, DEPTH)
        out.append(
            {
                "sample": sample,
                "tumour_sample": tumour_sample,
                **dict(zip(snv.SITE_KEY, site)),
                "gene": "TP53",
                "variant_type": "snv",
                "tissue_vaf": math.nan if tumour_sample == FIXED_SITES else 0.4,
                "ref_fragments": d - alt,
                "alt_fragments": alt,
                "other_fragments": 0,
                "discordant_fragments": 0,
                "depth_fragments": d,
            }
        )
    return out


def pon_rows() -> list[dict]:
    """PoN donors counted at every tumour site (T1: F1, T2) and every fixed site."""
    out = []
    for i in range(4):
        donor = f"N{i + 1}"
        out += rows(donor, "T1", {s: PON_ALT[s][i] for s in (F1, T2)})
        out += rows(donor, FIXED_SITES, {s: PON_ALT[s][i] for s in (F1, F2, F3, F4)})
    return out


SHEET = pd.DataFrame(
    {"patient": ["P1", "P1", "P2", "P3", "P4"], "sample": ["W", "V", "X", "Y", "Z"]}
)
TUMOUR = pd.DataFrame({"patient": ["P1"], "sample": ["T1"]})


def cohort(plasma_rows: list[dict], sample_backgrounds=None, pon=True):
    table = pd.DataFrame(plasma_rows + (pon_rows() if pon else []))
    pon_frame = table[table["sample"].str.startswith("N")]
    background = (
        snv_background.background_from_pon(pon_frame)
        if pon
        else pd.DataFrame(columns=snv_background.BACKGROUND_COLUMNS)
    )
    calls, fixed_calls, detail = site_calls.call_snv_cohort(
        table, SHEET, TUMOUR, background, sample_backgrounds
    )
    frame = levels.cohort_levels(
        SHEET.assign(timepoint="baseline", collection_date=None, cfdna_ng_per_ml=3.3),
        levels.snv_frame(calls, fixed_calls),
        None,
    )
    return frame.set_index("sample"), detail


def betabinom_tail(alt: int, depth: int, a: float, b: float) -> float:
    """P(X >= alt) = sum_k C(d, k) B(k + a, d - k + b) / B(a, b), k = alt..d, summed in logs."""
    k = np.arange(alt, depth + 1, dtype=float)
    terms = (
        special.gammaln(depth + 1)
        - special.gammaln(k + 1)
        - special.gammaln(depth - k + 1)
        + special.betaln(k + a, depth - k + b)
        - special.betaln(a, b)
    )
    top = terms.max()
    tail = math.exp(top) * math.fsum(np.exp(terms - top))
    assert tail > 0, "underflow: the comparison would be vacuous"
    return tail


FAR_TAIL_REL = 0.03  # Gauss-Hermite nodes over W: relative error ~1 % near p = 1e-9 (far tail)


def pon_tail(site, alt: int, depth: int = DEPTH) -> float:
    """P(X >= alt) under the small-PoN fallback null, derived by hand: site mean
    e = (A_s + a0) / (D_s + 1000); log W ~ N(-1/8, 1/4) (omega = e^0.25 - 1); given W = w,
    Beta-Binomial with mean e w and relative variance (1 + t2)(1 + v) - 1, t2 = e - 1
    (site c^2 = e x e^0.25 - 1), v = 1 / (A_s + a0) + c^2 4 x 3000^2 / (12,000 + 1000)^2."""
    pon_alt, pon_depth = sum(PON_ALT[site]), 4 * DEPTH
    rate = (pon_alt + A0) / (pon_depth + 1000)
    v = 1 / (pon_alt + A0) + math.expm1(1.25) * 4 * DEPTH**2 / (pon_depth + 1000) ** 2
    within = math.e * (1 + v) - 1

    def given(z):
        mean = rate * math.exp(0.5 * z - 0.125)
        precision = (1 - mean) / (mean * within) - 1
        return (
            math.exp(-z * z / 2)
            / math.sqrt(2 * math.pi)
            * betabinom_tail(alt, depth, mean * precision, (1 - mean) * precision)
        )

    return integrate.quad(given, -14, 14, epsabs=0, epsrel=1e-10, limit=200)[0]


NAIVE_X = rows("X", FIXED_SITES, {F1: 0, F2: 30, F3: 1, F4: 300})


def test_patient_without_tumour_vcf_and_planted_mutation_is_detected_tumour_naive():
    frame, detail = cohort(NAIVE_X)
    x = frame.loc["X"]
    assert x["snv_mode"] == "tumour_naive" and x["detected"] == True
    assert x["detection_source"] == "fixed" and x["p_value_source"] == "fixed"
    assert x["fixed_n_sites"] == 3  # F4 black-listed (PoN VAF 10 %): not tested, not in n
    assert x["fixed_n_called"] == 1 and x["fixed_max_vaf"] == pytest.approx(30 / 3000)
    assert x["fixed_p_value"] == pytest.approx(3 * pon_tail(F2, 30), rel=FAR_TAIL_REL)
    assert x["p_value"] == x["fixed_p_value"]
    # no tumour fraction from fixed sites, no tumour-informed quantities
    assert math.isnan(x["tumour_fraction"]) and x["tf_source"] == "none"
    assert x["n_sites"] == 0 and math.isnan(x["mutant_molecules_per_ml"])
    assert "tumour-naive call on the fixed sites" in x["reason"]
    sites = detail[detail["sample"] == "X"].set_index("pos")
    assert "pon_vaf" in sites.loc[F4[1], "blacklist_reason"] and sites.loc[F4[1], "used"] == False
    assert sites.loc[F2[1], "site_called"] == True and sites.loc[F3[1], "site_called"] == False
    assert sites.loc[F3[1], "site_p_value"] == pytest.approx(pon_tail(F3, 1), rel=1e-6)
    assert set(sites["site_set"]) == {"fixed"}


def test_tf_zero_sample_and_pon_donors_are_not_detected():
    frame, _ = cohort(rows("Y", FIXED_SITES, {F1: 1, F2: 0, F3: 1, F4: 290}))
    y = frame.loc["Y"]
    assert y["fixed_detected"] == False
    # a tumour-naive negative says nothing (the tumour may carry none of the fixed sites)
    assert y["detected"] is None and y["evaluable"] == False
    assert y["reason_code"] == "no_informative_marker"
    assert y["fixed_n_called"] == 0 and math.isnan(y["fixed_max_vaf"])
    assert y["fixed_p_value"] == pytest.approx(min(1, 3 * min(pon_tail(F1, 1), pon_tail(F3, 1))))
    for i in range(4):  # every PoN donor against the other three (leave-one-out)
        donor = f"N{i + 1}"
        table = pd.DataFrame(pon_rows())
        others = snv_background.background_from_pon(table[table["sample"] != donor])
        own = table[(table["sample"] == donor) & (table["tumour_sample"] == FIXED_SITES)]
        assert fixed.call_fixed(own, others).detected == False, donor


def test_fixed_site_that_is_also_a_tumour_site_is_counted_once():
    # P1 (tumour T1: F1, T2): F1 is also on the fixed list; F2 lights up but is not a tumour site
    plasma = (
        rows("W", "T1", {F1: 20, T2: 15})
        + rows("W", FIXED_SITES, {F1: 20, F2: 25, F3: 0})
        + rows("V", "T1", {F1: 0, T2: 0})
        + rows("V", FIXED_SITES, {F1: 0, F2: 25, F3: 0})
    )
    frame, detail = cohort(plasma)
    w, v = frame.loc["W"], frame.loc["V"]
    assert w["snv_mode"] == "tumour_informed" and w["detection_source"] == "snv"
    assert (w["n_sites"], w["alt_fragments"], w["total_fragments"]) == (2, 35, 6000)
    assert w["fixed_n_sites"] == 2 and w["fixed_n_called"] == 1  # F2, F3 (F1 in the tumour set)
    assert w["fixed_p_value"] == pytest.approx(2 * pon_tail(F2, 25), rel=FAR_TAIL_REL)
    # fixed sites are reported, never pooled into the tumour-informed call
    assert v["detected"] == False and v["detection_source"] == "none"
    assert v["fixed_detected"] == True and v["p_value_source"] == "snv"
    f1 = detail[(detail["sample"] == "W") & (detail["pos"] == F1[1])].set_index("site_set")
    assert f1.loc["tumour", "used"] == True and f1.loc["fixed", "used"] == False
    assert f1.loc["fixed", "not_used_reason"] == site_calls.DUPLICATE


def test_shallow_fixed_site_makes_a_negative_not_evaluable():
    # F1 at 100 fragments, e = (2 + a0) / 13,000: TF = 1 % gives 100 (0.005 (1 - e) + 0.995 e)
    # = 0.516 expected alt fragments < 2
    frame, _ = cohort(rows("Z", FIXED_SITES, {F1: 0, F2: 0, F3: 0}, depth={F1: 100}))
    z = frame.loc["Z"]
    assert pd.isna(z["fixed_detected"]) and pd.isna(z["detected"]) and z["evaluable"] == False
    assert "1 of 3 fixed sites cannot detect TF=0.01" in z["reason"]
    e = (2 + A0) / 13000
    assert (
        f"chr17:7675088 C>T: expected {100 * (0.005 * (1 - e) + 0.995 * e):.2f} alt "
        "fragments < 2 needed for p<0.00333" in z["reason"]
    )
    # the same shallow site carrying the mutation is still a detection
    frame, _ = cohort(rows("Z", FIXED_SITES, {F1: 30, F2: 0, F3: 0}, depth={F1: 100}))
    assert frame.loc["Z", "detected"] == True and frame.loc["Z", "fixed_max_vaf"] == 0.3


def test_without_pon_the_sample_background_is_used_and_nothing_black_listed():
    own = pd.DataFrame(
        {
            "sample": "X",
            "error_class": ["C>T", "C>A"],
            "error_count": [10, 5],
            "opportunity_count": [1_000_000] * 2,
        }
    )
    frame, detail = cohort(NAIVE_X, sample_backgrounds=own, pon=False)
    x = frame.loc["X"]
    # C>T class (F1, F2, F3 = G>A) Beta(10.5, 999,990.5); F4 G>T = C>A is now tested too
    sites = detail.set_index("pos")
    assert sites.loc[F2[1], "site_p_value"] == pytest.approx(
        betabinom_tail(30, DEPTH, 10.5, 1_000_000 - 10 + 0.5), rel=1e-6
    )
    assert sites.loc[F1[1], "site_p_value"] == 1.0  # 0 alt fragments: P(X >= 0)
    # F4, 300 alt: beyond the null support K = ceil(lambda + 50 sd + 50) = 57, ctdna.snv reports
    # the upper bound P(X >= 57) (the exact tail, ~1e-700, is below the float range)
    assert sites.loc[F4[1], "site_p_value"] == pytest.approx(
        betabinom_tail(57, DEPTH, 5.5, 1_000_000 - 5 + 0.5), rel=1e-6
    )
    assert x["fixed_n_sites"] == 4 and x["fixed_n_called"] == 2
    assert x["fixed_p_value"] == pytest.approx(4 * sites["site_p_value"].min(), rel=1e-12)
    assert x["fixed_max_vaf"] == pytest.approx(0.1)  # F4: the PoN would have black-listed it
    assert set(detail["background_source"]) == {"sample"}


def test_no_fixed_sites_keeps_the_previous_behaviour():
    frame, detail = cohort(rows("Y", "T9", {F1: 5}))  # only another patient's rows
    y = frame.loc["Y"]
    assert y["snv_mode"] == "none" and y["fixed_n_sites"] == 0 and pd.isna(y["detected"])
    assert "no tumour VCF for this patient" in y["reason"]
    assert list(detail["not_used_reason"]) == [site_calls.FOREIGN]


def test_tumour_naive_with_mdm2_amplification():
    naive = {
        "n_sites": 0,
        "alt_fragments": math.nan,
        "total_fragments": math.nan,
        "mean_vaf": math.nan,
        "tumour_fraction": math.nan,
        "tf_ci_low": math.nan,
        "tf_ci_high": math.nan,
        "p_value": math.nan,
        "detected": None,
        "reason": "no tumour VCF for this patient",
        "snv_mode": "tumour_naive",
        "fixed_n_sites": 3,
        "fixed_n_called": 1,
        "fixed_p_value": 1e-7,
        "fixed_detected": True,
        "fixed_max_vaf": 0.02,
        "fixed_reason": None,
    }
    cn = {
        "log2_ratio": 0.8,
        "z": 9.0,
        "p_value": 1e-9,
        "amplified": True,
        "tf_cn": 0.1,
        "tf_cn_low": 0.08,
        "tf_cn_high": 0.12,
        "copy_number": 20.0,
        "pon_sd": 0.05,
        "reason": None,
    }
    row = levels.sample_level(naive, cn, 3.3)
    assert row["detection_source"] == "fixed+cn" and row["tf_source"] == "cn"
    assert row["tumour_fraction"] == 0.1 and row["p_value"] == 1e-7
    assert row["p_value_source"] == "fixed"
    negative = levels.sample_level(
        {**naive, "fixed_detected": False, "fixed_n_called": 0, "fixed_p_value": 0.4},
        {**cn, "amplified": False},
        3.3,
    )
    assert negative["detected"] is None and negative["p_value_source"] == "fixed"
    assert negative["reason_code"] == "no_informative_marker"
    assert negative["p_value"] == 0.4


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    alts=st.lists(st.integers(0, 60), min_size=3, max_size=3),
    site=st.integers(0, 2),
    extra=st.integers(1, 10),
)
def test_more_alt_fragments_never_weaken_the_fixed_call(alts, site, extra):
    background = snv_background.background_from_pon(pd.DataFrame(pon_rows()))
    sites = [F1, F2, F3]
    before = fixed.call_fixed(
        pd.DataFrame(rows("X", FIXED_SITES, dict(zip(sites, alts)))), background
    )
    alts[site] += extra
    after = fixed.call_fixed(
        pd.DataFrame(rows("X", FIXED_SITES, dict(zip(sites, alts)))), background
    )
    assert after.p_value <= before.p_value
    assert after.n_called >= before.n_called and 0 <= after.p_value <= 1
    if before.detected:
        assert after.detected and after.max_vaf >= before.max_vaf
