"""Planted effects of the demo cohort (stereosarc.demo.cohort, docs/demo.md) come out in the
right direction: ctDNA at month 6 (HR 2.5), NLR >= 5 (HR 1.6), CPS >= 1 (HR 0.55 in the
atezolizumab arm), the atezolizumab arm itself (benefit through CPS/TMB), and higher ORR
with CPS >= 1. The demo cohort is 103 patients, seed 20240601 (stereosarc.demo.cli)."""

from __future__ import annotations

import pandas as pd
import pytest

from outcome import associations
from stereosarc.demo.cohort import simulate_patients

DEMO_SEED, DEMO_PATIENTS = 20240601, 103  # stereosarc.demo.cli defaults

MONTH6_DRAWN = "2021-06-28"  # day 175 from start: drawn before the 182.625-day landmark
NO_ENET = associations.Settings(n_bootstrap=20, enet_repeats=0)  # fast settings


def biomarkers_from_truth(patients: pd.DataFrame) -> pd.DataFrame:
    """biomarkers.tsv-like columns from the demo's latent (true) values."""
    return pd.DataFrame(
        {
            "patient": patients["patient"],
            "arm": patients["arm"],
            "histology": patients["histology"],
            "line": patients["line"],
            "pfs_days": patients["pfs_days"],
            "pfs_event": patients["pfs_event"].astype(int),
            "objective_response": patients["best_response"].isin(["CR", "PR"]).astype(int),
            "tmb_high": patients["tmb_high"].astype(int),
            "cps_high": patients["cps_high"].astype(int),
            "nlr_high": patients["nlr_high"].astype(int),
            "ctdna_month6_detected": patients["ctdna_month6_positive"].astype(int),
            "start_date": "2021-01-04",
            "ctdna_month6_date": MONTH6_DRAWN,
        }
    )


@pytest.fixture(scope="module")
def demo_table():
    frame = biomarkers_from_truth(simulate_patients(DEMO_PATIENTS, DEMO_SEED))
    table, _ = associations.associate(frame, settings=NO_ENET)
    return table


def estimate(table, biomarker, method) -> float:
    rows = table[(table["biomarker"] == biomarker) & (table["method"] == method)]
    assert len(rows) == 1
    return float(rows["estimate"].iloc[0])


@pytest.mark.parametrize(
    "biomarker, method, harmful",
    [
        ("ctdna_month6_detected", "cox_landmark", True),
        ("nlr_high", "cox_stratified", True),
        ("cps_high", "cox_stratified", False),
        ("arm", "cox_stratified", False),
    ],
)
def test_planted_hazard_ratio_direction(demo_table, biomarker, method, harmful):
    hr = estimate(demo_table, biomarker, method)
    assert (hr > 1) if harmful else (hr < 1), f"{biomarker}: HR {hr:.3g}"


def test_cps_raises_response(demo_table):
    assert estimate(demo_table, "cps_high", "fisher_exact") > 1


def test_tmb_effect_in_the_atezolizumab_arm_of_a_larger_cohort():
    """TMB-high is ~10 % of 103 patients: too few to test; 600 simulated patients are used,
    atezolizumab arm only (where the HR of 0.5 is planted)."""
    frame = biomarkers_from_truth(simulate_patients(600, DEMO_SEED))
    atezo = frame[frame["arm"] == "SBRT+atezolizumab"]
    data = associations.prepare(atezo)
    row = associations.cox_row(
        data,
        data["tmb_high"].astype(float),
        "tmb_high",
        "none",
        associations.Settings(),
        interaction=False,
    )
    assert row["estimate"] < 1, row
