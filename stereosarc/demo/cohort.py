"""Patients of the demo cohort: randomisation, latent biomarkers, planted effects, clinical dates.

Pure: ``simulate_patients(n, seed)`` returns one row per patient with the latent (true) values
that every other demo table is derived from; ``clinical_table`` formats the DESIGN.md clinical
columns. PFS is exponential with a proportional-hazards model (docs/demo.md, planted effects):

    hazard = ln 2 / BASE_MEDIAN_DAYS x HR_CTDNA^ctdna_month6_positive x HR_NLR^nlr_high
             x (atezolizumab arm only) HR_CPS^cps_high x HR_TMB^tmb_high

Tumour assessments are every ASSESSMENT_INTERVAL_DAYS, so a progression is dated at the first
scan after the latent progression time (RECIST progression is only seen on a scan).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stereosarc import protocol
from stereosarc.demo import irecist

HISTOLOGY_P = (0.4, 0.3, 0.3)  # demo mix of the three randomisation strata (assumption)
LINE_P = (0.55, 0.45)  # first vs second metastatic line (assumption)
# 2:1 permuted block (protocol ratio)
BLOCK = (protocol.ARM_EXPERIMENTAL, protocol.ARM_EXPERIMENTAL, protocol.ARM_REFERENCE)
ACCRUAL = ("2019-01-07", "2021-09-30")  # enrolment window; all dates stay in 2019-2022 (issue 2)
DATA_CUTOFF = "2022-12-31"  # administrative censoring date
BASE_MEDIAN_DAYS = 300.0  # PFS median with no risk factor; gives a cohort median of ~7 months
HR_CTDNA = 2.5  # planted: ctDNA detected at month 6 (issue 2)
HR_NLR = 1.6  # planted: baseline NLR >= 5 (issue 2)
HR_CPS = 0.55  # planted, atezolizumab arm only: CPS >= 1 (issue 2: "better PFS")
HR_TMB = 0.5  # planted, atezolizumab arm only: TMB >= 10 mut/Mb (issue 2: "better PFS")
NLR_HIGH = 5.0  # NLR cut-off of the planted effect (issue 2)
CPS_HIGH = 1.0  # CPS cut-off (PD-L1 22C3 CPS >= 1, issue 2)
TMB_HIGH = 10.0  # mut/Mb, FDA pembrolizumab TMB-high cut-off
ASSESSMENT_INTERVAL_DAYS = 56  # RECIST scans every 8 weeks (assumed schedule)
DEATH_WITHOUT_PROGRESSION = 0.06  # share of PFS events that are deaths (assumption)
DROPOUT_MEDIAN_DAYS = 900.0  # exponential loss to follow-up (tuned: ~70 % PFS events)
POST_PROGRESSION_MEDIAN_DAYS = 420.0  # median survival after progression (assumption)
MONTH6_CTDNA_P = (0.12, 0.4)  # P(ctDNA positive at month 6) without / with baseline ctDNA
BASELINE_CTDNA_NEGATIVE = 0.25  # share of patients with no tumour DNA in baseline plasma
TISSUE_AVAILABLE = 0.9  # share of patients with a sequenced tumour block (issue 2: ~90 %)
LPS_MDM2_AMPLIFIED = 0.85  # WD/DD liposarcoma: MDM2 amplified in most (issue 2)
LPS_TP53_MUTANT = 0.1  # liposarcomas "mostly TP53 wild-type" (issue 2)


def _dates(values: np.ndarray, origin: pd.Timestamp) -> pd.Series:
    return pd.Series(origin + pd.to_timedelta(np.round(values).astype(int), unit="D"))


def _shuffle_blocks(rng: np.random.Generator, strata: pd.Series) -> np.ndarray:
    """Arms with each stratum's blocks permuted (the order inside a block is random)."""
    arms = np.empty(len(strata), dtype=object)
    for stratum in pd.unique(strata):
        index = np.flatnonzero(strata.to_numpy() == stratum)
        sequence = [a for _ in range(len(index) // 3 + 1) for a in rng.permutation(BLOCK)]
        arms[index] = sequence[: len(index)]
    return arms


def _biomarkers(rng: np.random.Generator, n: int, histology: np.ndarray) -> dict:
    """Latent biomarker values per patient (true values, before any measurement)."""
    tmb = np.clip(rng.lognormal(np.log(3.5), 0.85, n), 0.4, 40.0)  # mut/Mb, ~10 % >= 10
    cps_low = rng.random(n) < 0.4
    cps = np.where(
        cps_low, rng.uniform(0, 0.8, n), np.clip(rng.lognormal(np.log(6), 1.2, n), 1.3, 100)
    )
    lymphocytes = np.round(np.clip(rng.lognormal(np.log(1.4), 0.4, n), 0.3, 4.5), 2)  # 10^9/L
    nlr_latent = np.clip(rng.lognormal(np.log(3.2), 0.55, n), 0.8, 25)
    neutrophils = np.round(lymphocytes * nlr_latent, 2)
    baseline_tf = np.where(
        rng.random(n) < BASELINE_CTDNA_NEGATIVE,
        0.0,
        np.clip(rng.lognormal(np.log(0.04), 1.0, n), 0.01, 0.5),
    )
    m6_p = np.where(baseline_tf > 0, MONTH6_CTDNA_P[1], MONTH6_CTDNA_P[0])
    lps = histology == "liposarcoma"
    amplified = lps & (rng.random(n) < LPS_MDM2_AMPLIFIED)
    n_tp53 = np.where(lps, (rng.random(n) < LPS_TP53_MUTANT).astype(int), rng.integers(1, 4, n))
    return {
        "tmb_per_mb": tmb,
        "cps": cps,
        "neutrophils": neutrophils,
        "lymphocytes": lymphocytes,
        "nlr": neutrophils / lymphocytes,
        "baseline_tf": baseline_tf,
        "ctdna_month6_positive": rng.random(n) < m6_p,
        "has_tissue": rng.random(n) < TISSUE_AVAILABLE,
        "mdm2_copy_number": np.where(amplified, rng.integers(15, 41, n), 2),
        "n_tp53_mutations": n_tp53,
    }


def _log_hazard_ratio(frame: pd.DataFrame) -> np.ndarray:
    atezo = (frame["arm"] == protocol.ARM_EXPERIMENTAL).to_numpy()
    return (
        np.log(HR_CTDNA) * frame["ctdna_month6_positive"].to_numpy()
        + np.log(HR_NLR) * frame["nlr_high"].to_numpy()
        + atezo
        * (
            np.log(HR_CPS) * frame["cps_high"].to_numpy()
            + np.log(HR_TMB) * frame["tmb_high"].to_numpy()
        )
    )


def patient_ids(n: int) -> list[str]:
    """P001..Pn, with four digits (P0001..) when n > 998 (P999 is the planted absent patient)."""
    width = 3 if n <= 998 else 4
    return [f"P{i:0{width}d}" for i in range(1, n + 1)]


def simulate_patients(n: int, seed: int) -> pd.DataFrame:
    """One row per patient P001..Pn: arm, strata, latent biomarkers, PFS/OS times and dates."""
    rng = np.random.default_rng([seed, 1])
    histology = rng.choice(protocol.HISTOLOGIES, n, p=HISTOLOGY_P)
    line = rng.choice(protocol.LINES, n, p=LINE_P)
    frame = pd.DataFrame({"patient": patient_ids(n), "histology": histology, "line": line})
    frame["arm"] = _shuffle_blocks(rng, frame["histology"] + "/" + frame["line"])
    frame = frame.assign(**_biomarkers(rng, n, histology))
    frame["nlr_high"] = frame["nlr"] >= NLR_HIGH
    frame["cps_high"] = frame["cps"] >= CPS_HIGH
    frame["tmb_high"] = frame["tmb_per_mb"] >= TMB_HIGH
    accrual = pd.to_datetime(list(ACCRUAL))
    frame["start_date"] = _dates(
        np.sort(rng.uniform(0, (accrual[1] - accrual[0]).days, n)), accrual[0]
    )
    frame["diagnosis_date"] = frame["start_date"] - pd.to_timedelta(
        rng.integers(150, 1800, n), unit="D"
    )
    return _outcomes(rng, frame)


def _outcomes(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    """Latent PFS -> observed progression/death/censoring dates, best response, OS."""
    n = len(frame)
    rate = np.log(2) / BASE_MEDIAN_DAYS * np.exp(_log_hazard_ratio(frame))
    latent = rng.exponential(1 / rate)
    cutoff = (pd.Timestamp(DATA_CUTOFF) - frame["start_date"]).dt.days.to_numpy()
    censor = np.minimum(
        cutoff, np.maximum(rng.exponential(DROPOUT_MEDIAN_DAYS / np.log(2), n), 60)
    )
    is_death = rng.random(n) < DEATH_WITHOUT_PROGRESSION
    jitter = rng.integers(-3, 4, n)
    scan = np.ceil(latent / ASSESSMENT_INTERVAL_DAYS) * ASSESSMENT_INTERVAL_DAYS + jitter
    event_day = np.where(is_death, np.ceil(latent), scan)
    observed = event_day <= censor
    progression = observed & ~is_death
    last_scan = (
        np.floor(np.minimum(event_day, censor) / ASSESSMENT_INTERVAL_DAYS)
        * ASSESSMENT_INTERVAL_DAYS
    )
    last_assessment = np.where(progression, event_day, np.maximum(last_scan, 0))
    survival_after = np.ceil(rng.exponential(POST_PROGRESSION_MEDIAN_DAYS / np.log(2), n))
    death_day = np.where(
        progression, event_day + survival_after, np.where(observed & is_death, event_day, np.inf)
    )
    followup_end = np.where(progression, cutoff, censor)
    dead = death_day <= followup_end
    frame["pfs_latent_days"] = latent
    frame["pfs_days"] = np.where(observed, event_day, last_assessment)
    frame["pfs_event"] = observed
    frame["progression_day"] = np.where(progression, event_day, np.nan)
    frame["death_day"] = np.where(dead, death_day, np.nan)
    frame["last_assessment_day"] = last_assessment
    frame["last_followup_day"] = np.where(dead, death_day, followup_end)
    frame["best_response"] = _best_response(rng, frame)
    return frame


def _best_response(rng: np.random.Generator, frame: pd.DataFrame) -> np.ndarray:
    """RECIST best response consistent with the PFS course; atezolizumab x CPS/TMB raise ORR."""
    atezo = (frame["arm"] == protocol.ARM_EXPERIMENTAL).to_numpy()
    logit = (
        -1.9
        + atezo * (1.2 * frame["cps_high"] + 1.0 * frame["tmb_high"])
        - 1.2 * frame["ctdna_month6_positive"]
        - 0.5 * frame["nlr_high"]
    ).to_numpy(float)
    responder = rng.random(len(frame)) < 1 / (1 + np.exp(-logit))
    complete = rng.random(len(frame)) < 0.2
    first_scan = ASSESSMENT_INTERVAL_DAYS + 3
    assessed = frame["last_assessment_day"].to_numpy() >= ASSESSMENT_INTERVAL_DAYS - 3
    early_pd = frame["progression_day"].to_numpy() <= first_scan
    response = np.where(responder, np.where(complete, "CR", "PR"), "SD")
    response = np.where(early_pd, "PD", response)
    return np.where(~assessed & ~early_pd, "NE", response)


IRECIST = {"CR": "iCR", "PR": "iPR", "SD": "iSD", "PD": "iCPD", "NE": "NE"}


def clinical_table(patients: pd.DataFrame, seed: int | None = None) -> pd.DataFrame:
    """DESIGN.md clinical columns as ISO-date strings (empty = none); with ``seed``, the
    optional iRECIST columns too (stereosarc.demo.irecist, its own random stream)."""
    start = patients["start_date"]
    course = irecist.irecist_days(patients, seed) if seed is not None else None
    if course is not None:
        patients = patients.join(course.drop(columns="best_response_irecist").add_prefix("_"))

    def day(column: str) -> pd.Series:
        values = patients[column]
        dates = start + pd.to_timedelta(values.fillna(0), unit="D")
        return dates.dt.strftime("%Y-%m-%d").where(values.notna(), None)

    table = pd.DataFrame(
        {
            "patient": patients["patient"],
            "arm": patients["arm"],
            "histology": patients["histology"],
            "line": patients["line"],
            "start_date": start.dt.strftime("%Y-%m-%d"),
            "progression_date": day("progression_day"),
            "death_date": day("death_day"),
            "last_assessment_date": day("last_assessment_day"),
            "last_followup_date": day("last_followup_day"),
            "diagnosis_date": patients["diagnosis_date"].dt.strftime("%Y-%m-%d"),
            "best_response": patients["best_response"],
            "best_response_irecist": patients["best_response"].map(IRECIST),
        }
    )
    if course is None:
        return table
    return table.assign(
        best_response_irecist=course["best_response_irecist"],
        iupd_date=day("_iupd_day"),
        icpd_date=day("_icpd_day"),
        irecist_last_assessment_date=day("_irecist_last_day"),
    )
