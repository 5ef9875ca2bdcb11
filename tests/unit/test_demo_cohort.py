"""Pure cohort functions of the demo generator at full size (no files).

Planted hazard ratios are re-estimated with lifelines' Cox model (an independent estimator);
tolerances are wide enough for the sampling error of the stated n and fixed seeds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter

from stereosarc.demo.cohort import clinical_table, simulate_patients
from stereosarc.demo.labs import labs_table
from stereosarc.demo.pathology import ihc_plan, ihc_table
from stereosarc.demo.samples import plasma_plan

SEED = 20240601


@pytest.fixture(scope="module")
def patients() -> pd.DataFrame:
    print(f"seed {SEED}")
    return simulate_patients(103, SEED)


def test_randomisation_is_two_to_one_within_each_stratum(patients):
    counts = patients["arm"].value_counts()
    assert counts.sum() == 103
    assert 66 <= counts["SBRT+atezolizumab"] <= 71  # 2/3 of 103 = 68.7, blocks of 3 per stratum
    for _, stratum in patients.groupby(["histology", "line"]):
        atezo = (stratum["arm"] == "SBRT+atezolizumab").sum()
        assert abs(atezo - 2 * len(stratum) / 3) <= 1, (
            stratum[["histology", "line"]].iloc[0].tolist()
        )
    assert set(patients["histology"]) == {"leiomyosarcoma", "liposarcoma", "undifferentiated"}
    assert set(patients["line"]) == {"1", "2"}


def test_clinical_dates_are_consistent(patients):
    table = clinical_table(patients)
    dates = {c: pd.to_datetime(table[c]) for c in table.columns if c.endswith("_date")}
    assert (dates["diagnosis_date"] < dates["start_date"]).all()
    assert (dates["start_date"] <= dates["last_assessment_date"]).all()
    assert (dates["last_assessment_date"] <= dates["last_followup_date"]).all()
    progressed = dates["progression_date"].notna()
    assert (dates["progression_date"][progressed] > dates["start_date"][progressed]).all()
    assert (
        dates["progression_date"][progressed] == dates["last_assessment_date"][progressed]
    ).all()
    dead = dates["death_date"].notna()
    assert (dates["death_date"][dead] == dates["last_followup_date"][dead]).all()
    assert ((dates["death_date"] >= dates["progression_date"]) | ~(dead & progressed)).all()
    every = pd.concat(dates.values()).dropna()
    assert every.dt.year.between(2012, 2022).all()
    assert dates["start_date"].dt.year.between(2019, 2022).all()
    early_pd = (dates["progression_date"] - dates["start_date"]).dt.days <= 60
    assert (table.loc[early_pd, "best_response"] == "PD").all()


def test_pfs_median_and_event_rate_are_realistic(patients):
    table = clinical_table(patients)
    start = pd.to_datetime(table["start_date"])
    event_date = pd.to_datetime(table["progression_date"]).fillna(
        pd.to_datetime(table["death_date"])
    )
    event = event_date.notna()
    days = np.where(
        event,
        (event_date - start).dt.days,
        (pd.to_datetime(table["last_assessment_date"]) - start).dt.days,
    )
    median_months = KaplanMeierFitter().fit(days, event).median_survival_time_ / 30.4375
    assert 6 <= median_months <= 9
    assert 0.62 <= event.mean() <= 0.8


def test_planted_hazard_ratios_are_recovered_by_cox():
    large = simulate_patients(3000, 1)
    frame = pd.DataFrame(
        {
            "days": large["pfs_days"],
            "event": large["pfs_event"].astype(int),
            "ctdna_m6": large["ctdna_month6_positive"].astype(int),
            "nlr_high": large["nlr_high"].astype(int),
        }
    )
    atezo = large["arm"] == "SBRT+atezolizumab"
    frame["cps_high_atezo"] = (large["cps_high"] & atezo).astype(int)
    frame["tmb_high_atezo"] = (large["tmb_high"] & atezo).astype(int)
    hr = np.exp(CoxPHFitter().fit(frame, "days", "event").params_)
    assert 2.1 <= hr["ctdna_m6"] <= 3.0
    assert 1.35 <= hr["nlr_high"] <= 1.9
    assert 0.4 <= hr["cps_high_atezo"] <= 0.7
    assert 0.35 <= hr["tmb_high_atezo"] <= 0.7
    responders = large["best_response"].isin(["CR", "PR"])
    assert responders[atezo & large["cps_high"]].mean() > responders[~atezo].mean()


def test_tumour_fraction_falls_in_responders_and_rises_at_relapse(patients):
    plan = plasma_plan(patients, 8, SEED)
    wide = plan.pivot_table(index="patient", columns="timepoint", values="tumour_fraction")
    responders = patients.set_index("patient")["best_response"].isin(["CR", "PR"])
    both = wide.dropna(subset=["baseline", "month6"])
    fell = both["month6"] < both["baseline"]
    positive_baseline = both["baseline"] > 0
    assert fell[responders.reindex(both.index) & positive_baseline].all()
    relapse = wide.dropna(subset=["relapse"])
    assert (relapse["relapse"] > relapse[["baseline", "month6"]].max(axis=1).fillna(0)).all()
    pon = plan[plan["type"] == "pon"]
    assert len(pon) == 8 and (pon["tumour_fraction"] == 0).all()
    assert plan["sample"].is_unique


def test_pdl1_counts_keep_cps_on_the_side_of_its_latent_group(patients):
    plan = ihc_plan(patients, SEED)
    table, _ = ihc_table(patients, plan)
    counts = (
        table[table["marker"] == "PD-L1"]
        .pivot_table(index="sample", columns="metric", values="value", aggfunc="first")
        .astype(float)
    )
    counts = counts.dropna(subset=["viable_tumour_cells"])
    cps = (
        (
            counts["pdl1_pos_tumour_cells"]
            + counts["pdl1_pos_lymphocytes"]
            + counts["pdl1_pos_macrophages"]
        )
        / counts["viable_tumour_cells"]
        * 100
    )
    latent = patients.set_index("patient")["cps_high"]
    patient_of = counts.index.str.split("-").str[0]
    assert ((cps >= 1).to_numpy() == latent.reindex(patient_of).to_numpy()).all()
    assert (counts["viable_tumour_cells"] < 100).sum() == 3


FACTOR = {
    "10^9/L": 1,
    "G/L": 1,
    "/uL": 1e-3,
    "/mm3": 1e-3,
    "mg/L": 1,
    "mg/dL": 10,
    "g/L": 1,
    "g/dL": 10,
}


def test_lab_units_convert_back_to_the_baseline_nlr(patients):
    rows, offsets = labs_table(patients, SEED)
    rows = rows[rows["patient"] != "P999"].copy()
    assert set(rows["unit"]) <= set(FACTOR)
    rows["canonical"] = rows["value"].astype(float) * rows["unit"].map(FACTOR)
    start = patients.set_index("patient")["start_date"]
    first = (
        rows.assign(date=pd.to_datetime(rows["date"]))
        .sort_values("date")
        .groupby(["patient", "analyte"])
        .first()
    )
    nlr = (
        first.xs("neutrophils", level="analyte")["canonical"]
        / first.xs("lymphocytes", level="analyte")["canonical"]
    )
    np.testing.assert_allclose(
        nlr.sort_index(), patients.set_index("patient")["nlr"].sort_index(), rtol=1e-9
    )
    days_before = (start - first.xs("neutrophils", level="analyte")["date"]).dt.days
    assert days_before.between(0, 16).all()
    assert (days_before == 0).any() and (days_before == 16).any()
    assert (
        offsets.set_index("patient")["baseline_days_before_start"]
        == days_before.reindex(offsets["patient"]).to_numpy()
    ).all()


def test_patient_ids_widen_to_four_digits_above_998_and_never_use_the_planted_p999():
    """Up to 998 patients the ids keep three digits (the demo's P001..P103); from 999 on they
    take four, so P999 (the planted patient absent from clinical.csv) is never a real one."""
    from stereosarc.demo.cohort import patient_ids

    assert patient_ids(998)[-1] == "P998"
    assert patient_ids(1000)[:2] == ["P0001", "P0002"]
    assert patient_ids(1000)[-1] == "P1000"
    assert "P999" not in patient_ids(1000)
