"""Time-varying Cox model of ctDNA status (counting-process form, Andersen–Gill).

Each patient's follow-up [0, pfs_days] is cut at the plasma sample days: from a sample's day
until the next sample (or the end of follow-up) the covariate is that sample's ``detected``
status. Time before a patient's first sample has no known status and is not used (delayed
entry); samples after the end of follow-up (relapse samples) are not used. The event is
placed on the last interval. Fitted with lifelines CoxTimeVaryingFitter (Efron ties), the
same model as R ``coxph(Surv(start, stop, event) ~ detected + strata(...))``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from outcome.survival import CI_LEVEL, _z


def counting_process(patients: pd.DataFrame, samples: pd.DataFrame):
    """Intervals (patient, start, stop, event, detected, strata columns) and usage counts.

    ``patients``: patient, pfs_days, pfs_event (+ strata). ``samples``: patient, day,
    detected (day = days from start of treatment). Returns (intervals, counts).
    """
    rows, counts = [], {"samples_after_follow_up": 0, "patients_without_sample": 0}
    samples = samples.dropna(subset=["day", "detected"]).sort_values(["patient", "day"])
    by_patient = dict(list(samples.groupby("patient")))
    for patient in patients.itertuples(index=False):
        own = by_patient.get(patient.patient)
        if own is None:
            counts["patients_without_sample"] += 1
            continue
        used = own[own["day"] < patient.pfs_days]
        counts["samples_after_follow_up"] += len(own) - len(used)
        if used.empty:
            counts["patients_without_sample"] += 1
            continue
        starts = np.maximum(used["day"].to_numpy(float), 0.0)
        stops = np.append(starts[1:], patient.pfs_days)
        for i, (start, stop) in enumerate(zip(starts, stops)):
            if stop > start:
                rows.append({**patient._asdict(), "start": start, "stop": stop,
                             "event": int(patient.pfs_event) if i == len(starts) - 1 else 0,
                             "detected": float(used["detected"].iloc[i])})
    return pd.DataFrame(rows), counts


def fit_time_varying(intervals: pd.DataFrame, strata: list[str] | None = None,
                     level: float = CI_LEVEL) -> dict:
    """HR of ``detected`` with Wald CI and p from the counting-process Cox model."""
    from lifelines import CoxTimeVaryingFitter

    data = intervals[["patient", "start", "stop", "event", "detected", *(strata or [])]]
    model = CoxTimeVaryingFitter(penalizer=0.0, alpha=1 - level, strata=strata or None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(data, id_col="patient", event_col="event", start_col="start",
                  stop_col="stop")
    coef = float(model.summary.loc["detected", "coef"])
    se = float(model.summary.loc["detected", "se(coef)"])
    return {"coef": coef, "se": se, "estimate": float(np.exp(coef)),
            "ci_low": float(np.exp(coef - _z(level) * se)),
            "ci_high": float(np.exp(coef + _z(level) * se)),
            "p_value": float(model.summary.loc["detected", "p"]),
            "n": int(data["patient"].nunique()), "events": int(data["event"].sum())}


def sample_days(ctdna: pd.DataFrame, start_dates: pd.DataFrame) -> pd.DataFrame:
    """patient, day, detected: sample collection_date minus the patient's start_date (days).

    Samples with no date, no start date or an unparseable date get day NA (not used).
    """
    merged = ctdna[["patient", "collection_date", "detected"]].merge(
        start_dates[["patient", "start_date"]], on="patient", how="left")
    collected = pd.to_datetime(merged["collection_date"], errors="coerce", format="%Y-%m-%d")
    start = pd.to_datetime(merged["start_date"], errors="coerce", format="%Y-%m-%d")
    return pd.DataFrame({"patient": merged["patient"], "day": (collected - start).dt.days,
                         "detected": pd.to_numeric(merged["detected"], errors="coerce")})
