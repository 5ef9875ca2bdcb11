"""ctdna.levels: the SNV/copy-number combination rule, hGE/mL and mutant molecules/mL,
with expected values derived by hand."""

# ruff: noqa: E712  (frames hold numpy booleans: compare with ==, not "is")
from __future__ import annotations

import math

import pandas as pd
import pytest

from ctdna import level_markers, levels
from ctdna.snv import SnvCall

NAN = math.nan


def snv(detected, tf=0.04, p=1e-6, vaf=0.02, lod=0.01):
    return {
        "n_sites": 3,
        "alt_fragments": 12,
        "total_fragments": 600,
        "mean_vaf": vaf,
        "tumour_fraction": tf,
        "tf_ci_low": tf / 2,
        "tf_ci_high": tf * 2,
        "p_value": p,
        "detected": detected,
        "reason": None,
        "lod95_tf": lod,
        "tf_model": "het_diploid_assumed",
    }


def cn(amplified, tf=0.1, log2=0.8, p=1e-9, reason=None, sd=0.05):
    return {
        "log2_ratio": log2,
        "z": 9.0,
        "p_value": p,
        "amplified": amplified,
        "tf_cn": tf,
        "tf_cn_low": tf * 0.8,
        "tf_cn_high": tf * 1.2,
        "copy_number": 20.0,
        "pon_sd": sd,
        "pon_mean": 0.0,
        "pon_n": 8,
        "reason": reason,
    }


NO_SNV = {
    **snv(None, tf=NAN, p=NAN, vaf=NAN, lod=NAN),
    "n_sites": 0,
    "reason": "no tumour site in the targets",
}


def test_hge_per_ml_from_cfdna_yield():
    # 3.3 ng/mL / 3.3 pg per haploid genome = 1000 hGE/mL
    assert levels.sample_level(snv(True), cn(True), 3.3)["hge_per_ml"] == pytest.approx(1000.0)
    assert math.isnan(levels.sample_level(snv(True), cn(True), None)["hge_per_ml"])


def test_snv_frame_from_snv_calls():
    call = SnvCall(
        n_sites=2,
        alt_fragments=5,
        total_fragments=100,
        mean_vaf=0.05,
        tumour_fraction=0.1,
        tf_ci_low=0.05,
        tf_ci_high=0.2,
        p_value=1e-5,
        detected=True,
        evaluable=True,
        reason=None,
    )
    frame = levels.snv_frame({"s1": call})
    assert list(frame.columns) == ["sample", *levels.SNV_COLUMNS, *levels.FIXED_COLUMNS]
    assert frame.iloc[0]["tumour_fraction"] == 0.1 and frame.iloc[0]["detected"] == True
    assert frame.iloc[0]["snv_mode"] == "tumour_informed" and frame.iloc[0]["fixed_n_sites"] == 0


def test_snv_detected_wins_and_mutant_molecules_from_mean_vaf():
    row = levels.sample_level(snv(True), cn(True), 6.6)
    assert row["tf_source"] == "snv" and row["tumour_fraction"] == 0.04
    assert row["detected"] is True and row["detection_source"] == "snv+cn"
    assert row["p_value"] == 1e-6 and row["p_value_source"] == "snv"
    assert row["hge_per_ml"] == pytest.approx(2000.0)
    assert row["mutant_molecules_per_ml"] == pytest.approx(40.0)  # 2000 * 0.02


def test_cn_used_when_snv_not_detected_but_amplified():
    row = levels.sample_level(snv(False, tf=0.001, p=0.4), cn(True), NAN)
    assert row["tf_source"] == "cn" and row["tumour_fraction"] == 0.1
    assert row["tf_ci_low"] == pytest.approx(0.08)
    assert row["detected"] is True and row["detection_source"] == "cn"
    assert row["p_value"] == 1e-9 and row["p_value_source"] == "cn"
    assert math.isnan(row["hge_per_ml"]) and math.isnan(row["mutant_molecules_per_ml"])


def test_snv_estimate_kept_when_nothing_detected():
    row = levels.sample_level(snv(False, tf=0.001, p=0.4), cn(False, tf=0.002), 5.0)
    assert row["tf_source"] == "snv" and row["detected"] is False
    assert row["p_value"] == 0.4 and row["p_value_source"] == "snv" and row["evaluable"] is True


def test_no_site_in_targets_and_no_tissue_mdm2_is_na_never_negative():
    row = levels.sample_level(NO_SNV, cn(False, tf=0.003, p=0.6), 5.0)
    assert row["detected"] is None and row["evaluable"] is False
    assert row["reason_code"] == "no_informative_marker"
    assert row["markers_informative"] == "none" and row["markers_tested"] == "mdm2"
    assert row["reason"].startswith("no informative marker")
    assert math.isnan(row["lod95_tf"]) and math.isnan(row["mutant_molecules_per_ml"])


def test_tissue_mdm2_not_amplified_is_not_informative():
    row = levels.sample_level(NO_SNV, cn(False, p=0.6), 5.0, tissue_cn=3.0)
    assert row["detected"] is None and row["reason_code"] == "no_informative_marker"
    assert row["mdm2_informative"] is False


# MDM2 LoD95 by hand (ctdna.lod docstring): n = 8 PoN values, mean 0, SD s, C = 20,
# level 1 - Phi(3) = 0.00135: scale s' = s sqrt(1 + 1/8); crit = max(0.2, t_7(0.99865) s');
# 95 % power at log2(1 + f 18 / 2) = crit + t_7(0.95) s'.
# Values from R: q <- qt(pnorm(3, lower.tail = FALSE), 7, lower.tail = FALSE) = 4.529974;
# s = 0.05: s' = 0.05303, crit = 0.2402, x = crit + qt(0.95, 7) s' = 0.3407,
# f = 2 (2^x - 1) / 18 = 0.02959807 <= 5 %: a flat plasma MDM2 is a negative.
# s = 0.2: s' = 0.2121, crit = 0.9610, x = 1.3629, f = 0.17465928 > 5 %: not a negative.
def test_tissue_mdm2_amplified_flat_plasma_negative_only_when_lod_allows():
    negative = levels.sample_level(NO_SNV, cn(False, p=0.6, sd=0.05), 5.0, tissue_cn=20.0)
    assert negative["detected"] is False and negative["reason_code"] is None
    assert negative["markers_informative"] == "mdm2"
    assert negative["lod95_tf"] == pytest.approx(0.02959807, rel=1e-6)
    blind = levels.sample_level(NO_SNV, cn(False, p=0.6, sd=0.2), 5.0, tissue_cn=20.0)
    assert blind["detected"] is None and blind["reason_code"] == "below_lod"
    assert blind["mdm2_lod95_tf"] == pytest.approx(0.17465928, rel=1e-6)


def test_plasma_mdm2_amplification_without_tissue_data_is_positive():
    row = levels.sample_level(NO_SNV, cn(True, p=1e-9), 5.0)
    assert row["detected"] is True and row["markers_positive"] == "mdm2"
    assert row["markers_informative"] == "none" and row["detection_source"] == "cn"


def test_mdm2_positive_needs_the_per_test_level():
    settings = level_markers.CallSettings(test_level=0.005)
    row = levels.sample_level(NO_SNV, cn(True, p=0.01), 5.0, settings=settings)
    assert row["detected"] is None and row["test_level"] == 0.005


def test_snv_negative_with_high_lod_is_below_lod():
    row = levels.sample_level(snv(False, tf=0.0, p=0.5, lod=0.2), cn(False, p=0.6), 5.0)
    assert row["detected"] is None and row["reason_code"] == "below_lod"
    assert row["snv_lod95_tf"] == 0.2


def test_amplified_without_copy_number_detected_but_tf_na():
    row = levels.sample_level(NO_SNV, cn(True, tf=NAN, reason="no tumour copy number"), 5.0)
    assert row["tf_source"] == "none" and math.isnan(row["tumour_fraction"])
    assert row["detected"] is True and row["p_value"] == 1e-9
    assert "no tumour copy number" in row["reason"]


def test_nothing_assessable_is_na_not_negative():
    row = levels.sample_level(NO_SNV, cn(None, tf=NAN, log2=NAN, p=NAN), 5.0)
    assert row["detected"] is None and row["evaluable"] is False
    assert row["tf_source"] == "none" and row["p_value_source"] == "none"
    assert math.isnan(row["p_value"])


def test_cohort_levels_one_row_per_plasma_sample_even_without_results():
    plasma = pd.DataFrame(
        {
            "patient": ["P2", "P1"],
            "sample": ["s2", "s1"],
            "timepoint": ["baseline", "month6"],
            "collection_date": [None, "2024-01-01"],
            "cfdna_ng_per_ml": [NAN, 3.3],
        }
    )
    snv_frame = pd.DataFrame([{"sample": "s1", **snv(True)}])
    frame = levels.cohort_levels(plasma, snv_frame, None)
    assert list(frame["sample"]) == ["s1", "s2"]
    assert list(frame.columns) == levels.level_columns()
    assert frame.iloc[0]["detected"] == True and frame.iloc[0]["hge_per_ml"] == pytest.approx(1000)
    assert frame.iloc[1]["detected"] is None and frame.iloc[1]["tf_source"] == "none"


def test_tissue_mdm2_amplified_without_plasma_depth_is_not_assessable():
    # informative marker, but no target depth for the sample: no PoN summaries at all
    no_depth = cn(None, tf=NAN, log2=NAN, p=NAN, sd=NAN)
    no_depth.update(pon_mean=NAN, pon_n=NAN)
    row = levels.sample_level(NO_SNV, no_depth, 5.0, tissue_cn=20.0)
    assert row["detected"] is None and row["reason_code"] == "not_assessable"
    assert math.isnan(row["mdm2_lod95_tf"])
