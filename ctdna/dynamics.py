"""ctDNA dynamics per patient across baseline, month 6 and relapse.

Input: the per-sample ctDNA levels (one row per plasma sample: patient, sample, timepoint,
collection_date, tumour_fraction, tf_source, detected, evaluable) and optionally the clinical
progression dates. Output: one row per patient with any plasma sample.

Definitions (TF = tumour fraction, the ctdna.tsv ``tumour_fraction``; detected is 1/0/NA):

- change baseline -> month 6: ``tf_log2_fold_change = log2(TF_m6 / TF_b)`` and
  ``tf_percent_change = 100 (TF_m6 - TF_b) / TF_b``; NA unless both TFs are > 0.
- molecular response (baseline detected only): 1 when month 6 is not detected, or when
  ``TF_m6 <= (1 - threshold) TF_b`` (default threshold 0.5: a decrease of at least 50 %);
  0 otherwise; NA when baseline is not detected or either sample is missing/not evaluable.
- clearance: 1 = detected at baseline and not detected at month 6; 0 = detected at both;
  NA otherwise (baseline negative, missing or not evaluable; month 6 missing or not evaluable).
- methods (docs/ctdna.md "Combining methods"): when a timepoint has samples of several methods
  (capture panel, low-pass WGS), the one giving the level is chosen by ``ctdna.methods``
  (``<timepoint>_tf_source`` names it: snv/cn for the panel, lowpass for low-pass WGS). The
  change, molecular response and clearance compare baseline and month 6 only when both come
  from the same method; otherwise they are NA with the reason (a ratio of tumour fractions
  from different assays, or a negative of a less sensitive assay after a positive of a more
  sensitive one, would not measure a change).
- relapse_detected: the detection call of the relapse sample (NA when absent).
- lead time (days): ``progression_date - first collection_date`` over the detected
  post-baseline samples (month6, relapse) collected strictly before radiological progression;
  NA when there is no progression, no such sample, or no dates.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ctdna import methods
from stereosarc import protocol

RESPONSE_DECREASE = 0.5  # molecular response: >= 50 % decrease baseline -> month 6 (issue 5)
POST_BASELINE = protocol.POST_BASELINE  # samples that can anticipate progression


def select_timepoint_samples(levels: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One sample per (patient, timepoint): the earliest collection date, then sample id.

    Returns (selected, unused); ``unused`` rows are further samples of the same timepoint and
    method, reported by the caller as rejects rather than dropped silently. Samples of several
    methods at one timepoint: the first per method, then one of them by ``ctdna.methods``
    (the others stay in ctdna.tsv, not rejects).
    """
    if methods.has_other_methods(levels):
        return _select_among_methods(levels)
    ordered = levels.sort_values(
        ["patient", "timepoint", "collection_date", "sample"], na_position="last", kind="mergesort"
    )
    first = ~ordered.duplicated(["patient", "timepoint"], keep="first")
    return ordered[first], ordered[~first]


def _select_among_methods(levels: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """select_timepoint_samples when ctdna.tsv has rows of several methods."""
    frame = levels.assign(_method=methods.methods_of(levels))
    keys = ["patient", "timepoint", "_method", "collection_date", "sample"]
    ordered = frame.sort_values(
        [k for k in keys if k in frame.columns], na_position="last", kind="mergesort"
    )
    first = ~ordered.duplicated(["patient", "timepoint", "_method"], keep="first")
    chosen, _ = methods.choose(ordered[first], ["patient", "timepoint"])
    return chosen.drop(columns="_method"), ordered[~first].drop(columns="_method")


def _state(row: pd.Series | None) -> dict:
    """TF, detection and source of one timepoint; NA when absent or not evaluable."""
    if row is None:
        return {
            "sample": None,
            "tf": math.nan,
            "detected": None,
            "source": None,
            "lod": math.nan,
            "method": None,
        }
    evaluable = row.get("evaluable")
    detected = (
        None if evaluable in (0, False) or pd.isna(row.get("detected")) else bool(row["detected"])
    )
    tf = float(row["tumour_fraction"]) if pd.notna(row.get("tumour_fraction")) else math.nan
    lod = row.get("lod95_tf")
    return {
        "sample": row["sample"],
        "tf": tf,
        "detected": detected,
        "source": row.get("tf_source"),
        "lod": float(lod) if pd.notna(lod) else math.nan,
        "method": row.get("method") if pd.notna(row.get("method")) else methods.PANEL,
    }


def fold_change(baseline_tf: float, month6_tf: float) -> tuple[float, float]:
    """(log2 fold change, percent change) month 6 vs baseline; NA unless both TF > 0."""
    if not (baseline_tf > 0 and month6_tf > 0):
        return math.nan, math.nan
    return (math.log2(month6_tf / baseline_tf), 100.0 * (month6_tf - baseline_tf) / baseline_tf)


def molecular_response(
    baseline: dict, month6: dict, decrease: float = RESPONSE_DECREASE
) -> bool | None:
    """Response per the module rule; None when not assessable."""
    if baseline["detected"] is not True or month6["detected"] is None:
        return None
    if month6["detected"] is False:
        return True
    if not (baseline["tf"] > 0 and np.isfinite(month6["tf"])):
        return None
    return bool(month6["tf"] <= (1.0 - decrease) * baseline["tf"])


def clearance(baseline: dict, month6: dict) -> bool | None:
    """Detected at baseline and not at month 6 (True), detected at both (False), else None."""
    if baseline["detected"] is not True or month6["detected"] is None:
        return None
    return not month6["detected"]


def lead_time(samples: pd.DataFrame, progression_date) -> tuple[float, object]:
    """(days, first positive date) of the earliest detected post-baseline sample collected
    strictly before ``progression_date``; (NA, None) otherwise."""
    if progression_date is None or pd.isna(progression_date):
        return math.nan, None
    progression = pd.Timestamp(progression_date)
    dates = pd.to_datetime(samples["collection_date"], errors="coerce")
    positive = (
        samples["timepoint"].isin(POST_BASELINE)
        & (samples["detected"] == 1)
        & (samples["evaluable"] != 0)
        & (dates < progression)
    )
    if not positive.any():
        return math.nan, None
    first = dates[positive].min()
    return float((progression - first).days), first.date().isoformat()


def mixed_methods(baseline: dict, month6: dict) -> str | None:
    """Why baseline and month 6 are not compared (None when they come from one method or
    either is missing)."""
    first, second = baseline["method"], month6["method"]
    if first is None or second is None or first == second:
        return None
    return f"baseline ({first}) and month6 ({second}) from different methods: not compared"


def _reason(states: dict, has_progression: bool) -> str | None:
    """Plain-words summary of what could not be assessed (None when all was)."""
    mixed = mixed_methods(states["baseline"], states["month6"])
    notes = [mixed] if mixed else []
    notes += [
        f"{tp} missing or not evaluable"
        for tp in ("baseline", "month6")
        if states[tp]["detected"] is None
    ]
    if states["baseline"]["detected"] is False:
        notes.append("baseline not detected: no clearance or molecular response")
    if not has_progression:
        notes.append("no progression date: no lead time")
    return "; ".join(notes) or None


def patient_dynamics(
    samples: pd.DataFrame, progression_date=None, decrease: float = RESPONSE_DECREASE
) -> dict:
    """One patient's dynamics row from their selected samples (one per timepoint)."""
    by_timepoint = {row["timepoint"]: row for _, row in samples.iterrows()}
    states = {tp: _state(by_timepoint.get(tp)) for tp in protocol.TIMEPOINTS}
    log2_fc, percent = fold_change(states["baseline"]["tf"], states["month6"]["tf"])
    response = molecular_response(states["baseline"], states["month6"], decrease)
    cleared = clearance(states["baseline"], states["month6"])
    if mixed_methods(states["baseline"], states["month6"]):
        log2_fc, percent, response, cleared = math.nan, math.nan, None, None
    days, first_positive = lead_time(samples, progression_date)
    row = {"patient": samples["patient"].iloc[0]}
    for tp in protocol.TIMEPOINTS:
        row.update(
            {
                f"{tp}_sample": states[tp]["sample"],
                f"{tp}_tf": states[tp]["tf"],
                f"{tp}_tf_source": states[tp]["source"],
                f"{tp}_detected": states[tp]["detected"],
                f"{tp}_lod95_tf": states[tp]["lod"],
            }
        )
    row.update(
        {
            "tf_log2_fold_change": log2_fc,
            "tf_percent_change": percent,
            "molecular_response": response,
            "clearance": cleared,
            "progression_date": progression_date if pd.notna(progression_date) else None,
            "first_positive_date": first_positive,
            "lead_time_days": days,
            "reason": _reason(states, pd.notna(progression_date)),
        }
    )
    return row


def cohort_dynamics(
    levels: pd.DataFrame, progression: pd.Series | None = None, decrease: float = RESPONSE_DECREASE
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dynamics per patient with any plasma sample, sorted by patient.

    ``progression``: progression date (ISO string or NA) indexed by patient.
    Returns (dynamics, unused duplicate-timepoint samples).
    """
    selected, unused = select_timepoint_samples(levels)
    progression = progression if progression is not None else pd.Series(dtype=object)
    rows = [
        patient_dynamics(group, progression.get(patient), decrease)
        for patient, group in selected.groupby("patient", sort=True)
    ]
    return pd.DataFrame(rows, columns=dynamics_columns()), unused


def dynamics_columns() -> list[str]:
    """Column order of ctdna_dynamics.tsv."""
    per_timepoint = [
        f"{tp}_{field}"
        for tp in protocol.TIMEPOINTS
        for field in ("sample", "tf", "tf_source", "detected", "lod95_tf")
    ]
    return [
        "patient",
        *per_timepoint,
        "tf_log2_fold_change",
        "tf_percent_change",
        "molecular_response",
        "clearance",
        "progression_date",
        "first_positive_date",
        "lead_time_days",
        "reason",
    ]
