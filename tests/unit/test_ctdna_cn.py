"""ctdna.cn: hand-derived ratios (including the scaling to the PoN by the median ratio of the
reference targets), the purity formula, and a seeded simulation with known tumour fraction
and MDM2 copy number (recovery within +/-25 % at f >= 2 %, C >= 15; no amplification called
in any PoN sample, leave-one-out)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctdna import cn

SEED = 20240601  # project default seed (docs/development.md)


def _frame(rows):
    return pd.DataFrame(
        rows, columns=["sample", "chrom", "start", "end", "gene", "mean_fragment_depth"]
    )


def _tiny():
    """Two reference targets (depth 100, 300 -> median 200) and one MDM2 target."""
    rows = []
    for sample, mdm2 in (("pon1", 200.0), ("pon2", 220.0), ("pon3", 180.0), ("p1", 400.0)):
        rows += [
            (sample, "chr1", 0, 100, "BACKBONE_01", 100.0),
            (sample, "chr1", 200, 300, "BACKBONE_02", 300.0),
            (sample, "chr12", 0, 100, "MDM2", mdm2),
            (sample, "chr17", 0, 100, "TP53", 5000.0),
        ]
    return _frame(rows)


def test_roles_and_normalised_depth_by_reference_median():
    norm = cn.normalise_depth(_tiny(), ["MDM2"], ["TP53"])
    p1 = norm[norm["sample"] == "p1"].set_index("gene")
    assert list(p1["role"]) == ["reference", "reference", "cn", "excluded"]
    # median(100, 300) = 200; TP53 (excluded) does not enter the median
    assert p1.loc["MDM2", "norm_depth"] == pytest.approx(2.0)
    assert p1.loc["BACKBONE_01", "norm_depth"] == pytest.approx(0.5)


def test_gene_log2_against_pon_median_and_leave_one_out():
    norm = cn.normalise_depth(_tiny(), ["MDM2"], ["TP53"])
    result = cn.call_gene(norm, ["pon1", "pon2", "pon3"], "MDM2").set_index("sample")
    # PoN MDM2 normalised depths 1.0, 1.1, 0.9 -> median 1.0; p1 = 2.0 -> log2 = 1
    assert result.loc["p1", "log2_ratio"] == pytest.approx(1.0)
    # pon2 against median(1.0, 0.9) = 0.95
    assert result.loc["pon2", "log2_ratio"] == pytest.approx(math.log2(1.1 / 0.95))
    loo = [math.log2(1.0 / 1.0), math.log2(1.1 / 0.95), math.log2(0.9 / 1.05)]
    assert result.loc["p1", "pon_sd"] == pytest.approx(np.std(loo, ddof=1))
    # predictive t against n = 3 PoN values: (x - mean) / (sd sqrt(1 + 1/3)), t with 2 df
    t = (1.0 - np.mean(loo)) / (np.std(loo, ddof=1) * math.sqrt(1 + 1 / 3))
    assert result.loc["p1", "z"] == pytest.approx(t)
    assert result.loc["p1", "pon_n"] == 3
    # t = 4.01 on 2 df: p = 0.0285 (R: pt(4.0059, 2, lower.tail = FALSE)) > Phi(-3) = 0.00135,
    # so a doubling against 3 PoN samples is not an amplification call (the former normal
    # tail called it at z = 4.6)
    assert result.loc["p1", "p_value"] == pytest.approx(0.0285181123672145, rel=1e-6)
    assert bool(result.loc["p1", "amplified"]) is False
    assert result.loc["p1", "reason"].startswith("no tumour copy number")


def test_sample_scaled_by_its_median_ratio_to_the_pon_over_reference_targets():
    """A reference target of median depth that is off (260 instead of 200) does not set the
    sample's scale: the median ratio of the reference targets to the PoN does."""
    rows = []
    for sample, middle, mdm2 in (
        ("pon1", 200.0, 200.0),
        ("pon2", 200.0, 200.0),
        ("pon3", 260.0, 200.0),
        ("p1", 260.0, 400.0),
    ):
        rows += [
            (sample, "chr1", 0, 100, "BACKBONE_01", 100.0),
            (sample, "chr1", 200, 300, "BACKBONE_02", middle),
            (sample, "chr1", 400, 500, "BACKBONE_03", 300.0),
            (sample, "chr12", 0, 100, "MDM2", mdm2),
        ]
    norm = cn.normalise_depth(_frame(rows), ["MDM2"], [])
    pon = ["pon1", "pon2", "pon3"]
    result = cn.call_gene(norm, pon, "MDM2").set_index("sample")
    # p1 first pass: / median(100, 260, 300) = 260 -> MDM2 400/260. PoN reference (pon3's
    # scaled depths equal the others): 0.5, 1, 1.5, MDM2 1. p1 ratios 100/260/0.5, 1,
    # 300/260/1.5 -> median 200/260 -> MDM2 (400/260) / (200/260) = 2 -> log2 1
    # (the first pass alone would give log2(400/260) = 0.62)
    assert result.loc["p1", "log2_ratio"] == pytest.approx(1.0)
    # pon3 against pon1/pon2 (0.5, 1, 1.5, 1): scaled like p1 -> MDM2 200/200 -> log2 0
    assert result.loc["pon3", "log2_ratio"] == pytest.approx(0.0, abs=1e-12)
    table = cn.target_table(norm, pon)
    p1 = table[table["sample"] == "p1"].set_index("gene")
    assert p1.loc["BACKBONE_01", "log2_ratio"] == pytest.approx(0.0, abs=1e-12)
    assert p1.loc["BACKBONE_02", "log2_ratio"] == pytest.approx(math.log2(260 / 200))
    assert p1.loc["MDM2", "norm_depth"] == pytest.approx(2.0)


def test_too_few_pon_samples_gives_na_call_with_reason():
    norm = cn.normalise_depth(_tiny(), ["MDM2"], ["TP53"])
    result = cn.call_gene(norm, ["pon1", "pon2"], "MDM2").set_index("sample")
    assert result.loc["p1", "amplified"] is None
    assert "at least 3" in result.loc["p1", "reason"]


def test_purity_formula_hand_values():
    # C = 22, f = 0.1 -> R = 1 + 0.1 * 20 / 2 = 2 -> log2R = 1
    assert cn.tf_from_ratio(1.0, 22) == pytest.approx(0.1)
    assert cn.tf_from_ratio(-0.5, 20) == 0.0
    assert math.isnan(cn.tf_from_ratio(1.0, 2))
    assert math.isnan(cn.tf_from_ratio(1.0, float("nan")))
    low, high = cn.tf_interval(1.0, 0.1, 22, level=0.95)
    assert low == pytest.approx(2 * (2 ** (1 - 1.959964 * 0.1) - 1) / 20, rel=1e-5)
    assert low < 0.1 < high


def test_amplification_call_thresholds():
    level = cn.amplification_level(3.0)
    assert level == pytest.approx(0.0013498980316301, rel=1e-12)  # R: pnorm(-3)
    assert cn.amplification_call(0.2, level) is True
    assert cn.amplification_call(0.19, 1e-9) is False
    assert cn.amplification_call(1.0, 0.0014) is False
    assert cn.amplification_call(float("nan"), 1e-9) is None
    assert cn.amplification_call(1.0, float("nan")) is None


def simulate(rng, n_pon=12, plasma=(), n_ref=16, n_mdm2=10, fragments=3000, noise_sd=0.01):
    """Fragment counts per target: Poisson(mean * capture efficiency * copy ratio) with a
    per-sample x target log-normal bias (sd ``noise_sd``). ``plasma``: (name, f, C) tuples.
    Defaults: 10 MDM2 targets, ~3000 fragments per target, 1 % bias (docs/ctdna.md gives the
    recovery at other noise levels)."""
    efficiency = rng.lognormal(0, 0.4, n_ref + n_mdm2)
    genes = [f"BACKBONE_{i + 1:02d}" for i in range(n_ref)] + ["MDM2"] * n_mdm2
    specs = [(f"pon{i + 1}", 0.0, 2.0) for i in range(n_pon)] + list(plasma)
    rows = []
    for name, fraction, copies in specs:
        depth_scale = rng.uniform(0.5, 2.0)
        for k, gene in enumerate(genes):
            ratio = 1 + fraction * (copies - 2) / 2 if gene == "MDM2" else 1.0
            mean = fragments * depth_scale * efficiency[k] * ratio
            count = rng.poisson(mean * rng.lognormal(0, noise_sd))
            rows.append(
                (
                    name,
                    "chr12" if gene == "MDM2" else "chr1",
                    1000 * k,
                    1000 * k + 200,
                    gene,
                    count / 200.0,
                )
            )
    return _frame(rows)


@pytest.mark.parametrize("copies", [15, 20, 40])
def test_simulated_tumour_fraction_recovered_within_25_percent(copies):
    """20 replicates per f, all within +/-25 % at f >= 2 % (the issue's target; largest
    error 17 % at f = 2 %, C = 15). docs/ctdna.md gives noisier settings (bench)."""
    rng = np.random.default_rng(SEED + copies)
    print("seed", SEED + copies)
    fractions = [0.02, 0.05, 0.1, 0.3]
    plasma = [(f"p{r}_{f}", f, float(copies)) for f in fractions for r in range(20)]
    norm = cn.normalise_depth(simulate(rng, plasma=plasma), ["MDM2"], [])
    pon = [s for s in norm["sample"].unique() if s.startswith("pon")]
    cns = pd.Series({name: c for name, _, c in plasma})
    result = cn.call_gene(norm, pon, "MDM2", copy_numbers=cns).set_index("sample")
    for fraction in fractions:
        names = [name for name, f, _ in plasma if f == fraction]
        within = (result.loc[names, "tf_cn"] / fraction - 1).abs() <= 0.25
        assert within.all(), (fraction, within.mean())
        assert (result.loc[names, "tf_cn_low"] <= result.loc[names, "tf_cn_high"]).all()
    assert not result.loc[pon, "amplified"].any()


def test_no_amplification_in_any_pon_sample_over_seeded_cohorts():
    for offset in range(20):
        rng = np.random.default_rng(SEED + 100 + offset)
        norm = cn.normalise_depth(simulate(rng, n_pon=15), ["MDM2"], [])
        pon = sorted(norm["sample"].unique())
        result = cn.call_gene(norm, pon, "MDM2")
        assert result["amplified"].notna().all()
        assert not result["amplified"].astype(bool).any(), f"seed {SEED + 100 + offset}"


def test_target_table_uses_leave_one_out_reference_for_pon():
    norm = cn.normalise_depth(_tiny(), ["MDM2"], ["TP53"])
    table = cn.target_table(norm, ["pon1", "pon2", "pon3"])
    mdm2 = table[table["gene"] == "MDM2"].set_index("sample")
    assert mdm2.loc["p1", "pon_norm_depth"] == pytest.approx(1.0)
    assert mdm2.loc["pon1", "pon_norm_depth"] == pytest.approx(1.0)  # median(1.1, 0.9)
    assert mdm2.loc["pon2", "log2_ratio"] == pytest.approx(math.log2(1.1 / 0.95))
    assert len(table) == 16


@settings(max_examples=200, deadline=None, derandomize=True)
@given(log2r=st.floats(-5, 5), copies=st.floats(2.01, 200), sd=st.floats(0.001, 1))
def test_tumour_fraction_and_interval_stay_in_unit_interval_and_ordered(log2r, copies, sd):
    fraction = cn.tf_from_ratio(log2r, copies)
    low, high = cn.tf_interval(log2r, sd, copies, df=10)
    assert 0.0 <= low <= fraction <= high <= 1.0


@settings(max_examples=100, deadline=None, derandomize=True)
@given(fraction=st.floats(0.0, 1.0), copies=st.floats(3, 100))
def test_purity_formula_inverts_the_ratio_model(fraction, copies):
    ratio = 1 + fraction * (copies - 2) / 2  # R = 1 + f (C - 2) / 2
    assert cn.tf_from_ratio(math.log2(ratio), copies) == pytest.approx(fraction, abs=1e-9)


def test_without_pon_the_reason_says_so():
    norm = cn.normalise_depth(_tiny(), ["MDM2"], ["TP53"])
    result = cn.call_gene(norm[norm["sample"] == "p1"], [], "MDM2").set_index("sample")
    assert math.isnan(result.loc["p1", "log2_ratio"])
    assert result.loc["p1", "reason"].startswith("no PoN sample")
