"""Plasma sample plan, samplesheet and truth tables of the demo cohort (pure).

Tumour fraction (TF) per plasma sample = fraction of cfDNA fragments shed by the tumour.
Baseline TF is the patient's latent value; month 6 follows the planted month-6 ctDNA status
(0 when negative; falls in responders, stays or rises otherwise); relapse rises above both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stereosarc.schemas import samplesheet_columns

BASELINE_P = 0.95  # share of patients with a baseline plasma (issue 2: ~95 %)
MONTH6_P = 0.85  # share of patients still on study at month 6 who give a sample (~80 % overall)
RELAPSE_P = 0.8  # share of progressing patients with a relapse plasma (issue 2: "most")
MONTH6_DAY = 182  # 6 months after day 1
MONTH6_FLOOR_TF = 0.015  # smallest TF of a month-6-positive sample: detectable at ~300x
RELAPSE_FLOOR_TF = 0.03  # smallest relapse TF
MAX_TF = 0.6  # cap of any TF
RESPONDER_FALL = (0.1, 0.4)  # month-6 TF / baseline TF in responders (planted "falls")
NON_RESPONDER_CHANGE = (0.7, 1.6)  # month-6 TF / baseline TF in other month-6-positive patients
RELAPSE_RISE = (1.3, 3.0)  # relapse TF / max(baseline, month-6 TF) (planted "rises")
CFDNA_MEDIAN_NG_ML = 6.0  # cfDNA yield in ng/mL plasma, typical of cancer patients
ERROR_RATE_RANGE = (1e-4, 1e-3)  # per-base sequencing error rate, log-uniform (issue 2)
SAMPLESHEET_COLUMNS = samplesheet_columns()  # assets/schema_input.json


def plasma_plan(patients: pd.DataFrame, n_pon: int, seed: int) -> pd.DataFrame:
    """One row per plasma and PoN sample: patient, sample, type, timepoint, day, TF, CN, yield."""
    rng = np.random.default_rng([seed, 2])
    rows = []
    for p in patients.itertuples(index=False):
        responder = p.best_response in ("CR", "PR")
        tf_b = float(p.baseline_tf)
        if rng.random() < BASELINE_P:
            rows.append((p.patient, "B", "baseline", -int(rng.integers(0, 8)), tf_b))
        tf_m6 = 0.0
        if p.ctdna_month6_positive:
            change = rng.uniform(*(RESPONDER_FALL if responder else NON_RESPONDER_CHANGE))
            tf_m6 = max(tf_b * change, MONTH6_FLOOR_TF)
        day_m6 = MONTH6_DAY + int(rng.integers(-7, 8))
        end = min(np.nan_to_num(p.progression_day, nan=np.inf), p.last_followup_day)
        if day_m6 < end and rng.random() < MONTH6_P:
            rows.append((p.patient, "M6", "month6", day_m6, tf_m6))
        if not np.isnan(p.progression_day) and rng.random() < RELAPSE_P:
            tf_r = max(max(tf_b, tf_m6) * rng.uniform(*RELAPSE_RISE), RELAPSE_FLOOR_TF)
            rows.append((p.patient, "R", "relapse", int(p.progression_day), tf_r))
    plan = pd.DataFrame(rows, columns=["patient", "suffix", "timepoint", "day", "tumour_fraction"])
    plan["sample"] = plan["patient"] + "-" + plan["suffix"]
    plan["type"] = "plasma"
    info = patients.set_index("patient")
    plan["mdm2_copy_number"] = plan["patient"].map(info["mdm2_copy_number"]).astype(int)
    plan["collection_date"] = (
        plan["patient"].map(info["start_date"]) + pd.to_timedelta(plan["day"], unit="D")
    ).dt.strftime("%Y-%m-%d")
    pon = pd.DataFrame(
        {
            "patient": None,
            "sample": [f"PON{i:02d}" for i in range(1, n_pon + 1)],
            "type": "pon",
            "timepoint": None,
            "tumour_fraction": 0.0,
            "mdm2_copy_number": 2,
            "collection_date": None,
        }
    )
    plan = pd.concat([plan.drop(columns=["suffix", "day"]), pon], ignore_index=True)
    plan["tumour_fraction"] = plan["tumour_fraction"].clip(upper=MAX_TF)
    yield_ = rng.lognormal(np.log(CFDNA_MEDIAN_NG_ML), 0.5, len(plan)) * (
        1 + 5 * plan["tumour_fraction"]
    )
    plan["cfdna_ng_per_ml"] = np.round(yield_, 2)
    low, high = np.log(ERROR_RATE_RANGE)
    plan["error_rate"] = np.exp(rng.uniform(low, high, len(plan)))
    plan["sample_seed"] = rng.integers(0, 2**31, len(plan))
    return plan


def samplesheet(
    patients: pd.DataFrame, plan: pd.DataFrame, extra: pd.DataFrame | None = None
) -> pd.DataFrame:
    """DESIGN.md samplesheet: tumour rows, plasma rows, PoN rows (and ``extra`` rows with every
    samplesheet column: the low-pass samples), by patient; paths relative to the folder."""
    tumours = patients[patients["has_tissue"]]
    tumour_rows = pd.DataFrame(
        {
            "patient": tumours["patient"],
            "sample": tumours["patient"] + "-T",
            "type": "tumour",
            "timepoint": None,
            "vcf": "vcf/" + tumours["patient"] + "-T.vcf.gz",
            "bam": None,
            "cfdna_ng_per_ml": None,
            "collection_date": None,
            "assay": None,
        }
    )
    plasma_rows = plan.assign(
        assay="capture",
        vcf=None,
        bam="bam/" + plan["sample"] + ".bam",
        cfdna_ng_per_ml=plan["cfdna_ng_per_ml"].map("{:.2f}".format),
    )
    parts = [tumour_rows, plasma_rows[SAMPLESHEET_COLUMNS]]
    if extra is not None and len(extra):
        parts.append(extra[SAMPLESHEET_COLUMNS])
    sheet = pd.concat(parts, ignore_index=True)
    order = {"tumour": 0, "plasma": 1, "pon": 2}
    sheet["_type"] = sheet["type"].map(order)
    sheet["_patient"] = sheet["patient"].fillna("~")
    sheet = sheet.sort_values(["_patient", "_type", "sample"], kind="stable")
    return sheet[SAMPLESHEET_COLUMNS].reset_index(drop=True)


def truth_samples(plan: pd.DataFrame) -> pd.DataFrame:
    """truth.tsv: true TF and MDM2 copy number per plasma/PoN sample."""
    truth = plan[
        [
            "patient",
            "sample",
            "type",
            "timepoint",
            "tumour_fraction",
            "mdm2_copy_number",
            "error_rate",
        ]
    ].copy()
    truth["patient"] = truth["patient"].astype(object)
    return truth.reset_index(drop=True)


def truth_patients(patients: pd.DataFrame, tmb: pd.DataFrame) -> pd.DataFrame:
    """truth_patients.tsv: per patient true TMB count and planted group labels."""
    table = patients[["patient", "arm", "histology", "line"]].copy()
    table = table.merge(tmb, on="patient", how="left")
    table["tmb_latent_per_mb"] = patients["tmb_per_mb"].to_numpy()
    table["cps_true"] = patients["cps"].to_numpy()
    table["nlr_true"] = patients["nlr"].to_numpy()
    for column in ("tmb_high", "cps_high", "nlr_high", "ctdna_month6_positive", "has_tissue"):
        table[column] = patients[column].to_numpy().astype(bool)
    table["responder"] = patients["best_response"].isin(["CR", "PR"]).to_numpy()
    table["baseline_tf"] = patients["baseline_tf"].to_numpy()
    table["mdm2_copy_number"] = patients["mdm2_copy_number"].to_numpy()
    table["n_tp53_mutations"] = patients["n_tp53_mutations"].to_numpy()
    table["pfs_latent_days"] = patients["pfs_latent_days"].to_numpy()
    return table
