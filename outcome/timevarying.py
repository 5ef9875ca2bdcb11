"""Time-varying Cox model of ctDNA status (counting-process form, Andersen–Gill).

Each patient's follow-up (0, pfs_days] is cut at the plasma sample days (day =
collection_date − start_date): on (day_k, day_k+1] (the last up to pfs_days) the covariate
is sample k's ``detected`` status, carried forward until the next usable sample. A sample
drawn before day 0 (baseline, a few days before treatment) applies from day 0. Time before a
patient's first sample has no known status and is not used (delayed entry). Relapse samples
(timepoint ``relapse``) are never used, whatever their date: they are drawn because
progression is suspected, often days before it is confirmed, so their status anticipates
the event they are meant to predict (an inflated HR); they stay descriptive
(``ctdna_relapse_detected``, lead time). Samples at or after the end of follow-up and samples
without a date or a detected status are not used either; all are counted. The event is on
the last interval.
Fitted with lifelines CoxTimeVaryingFitter (Efron ties, strata), the model of R
``coxph(Surv(tstart, tstop, event) ~ detected + strata(histology, line))`` on the data
``survival::tmerge(..., detected = tdc(day, detected))`` builds (cross-checked in
tests/crosscheck/test_outcome_r_timevarying.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ctdna import dynamics, methods
from outcome.survival import CI_LEVEL, NEWTON_OPTIONS, _z

RELAPSE = "relapse"  # samplesheet timepoint drawn at suspected progression: descriptive only


def counting_process(patients: pd.DataFrame, samples: pd.DataFrame):
    """Intervals (patient, start, stop, event, detected, strata columns) and usage counts.

    ``patients``: patient, pfs_days, pfs_event (+ strata). ``samples``: patient, day,
    detected (day = days from start of treatment), optionally timepoint (``relapse`` samples
    are left out). Returns (intervals, counts).
    """
    relapse = (
        samples["timepoint"] == RELAPSE
        if "timepoint" in samples
        else pd.Series(False, index=samples.index)
    )
    usable = samples["day"].notna() & samples["detected"].notna() & ~relapse
    rows, counts = (
        [],
        {
            "relapse_samples_descriptive_only": int(relapse.sum()),
            "samples_without_date_or_status": int((~usable & ~relapse).sum()),
            "samples_after_follow_up": 0,
            "patients_without_sample": 0,
        },
    )
    samples = samples[usable].sort_values(["patient", "day"], kind="mergesort")
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
                rows.append(
                    {
                        **patient._asdict(),
                        "start": start,
                        "stop": stop,
                        "event": int(patient.pfs_event) if i == len(starts) - 1 else 0,
                        "detected": float(used["detected"].iloc[i]),
                    }
                )
    return pd.DataFrame(rows), counts


def fit_time_varying(
    intervals: pd.DataFrame, strata: list[str] | None = None, level: float = CI_LEVEL
) -> dict:
    """HR of ``detected`` with Wald CI and p from the counting-process Cox model."""
    from lifelines import CoxTimeVaryingFitter

    data = intervals[["patient", "start", "stop", "event", "detected", *(strata or [])]]
    model = CoxTimeVaryingFitter(penalizer=0.0, alpha=1 - level, strata=strata or None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(
            data,
            id_col="patient",
            event_col="event",
            start_col="start",
            stop_col="stop",
            fit_options=NEWTON_OPTIONS,
        )
    coef = float(model.summary.loc["detected", "coef"])
    se = float(model.summary.loc["detected", "se(coef)"])
    return {
        "coef": coef,
        "se": se,
        "estimate": float(np.exp(coef)),
        "ci_low": float(np.exp(coef - _z(level) * se)),
        "ci_high": float(np.exp(coef + _z(level) * se)),
        "p_value": float(model.summary.loc["detected", "p"]),
        "n": int(data["patient"].nunique()),
        "events": int(data["event"].sum()),
    }


def sample_days(ctdna: pd.DataFrame, start_dates: pd.DataFrame) -> pd.DataFrame:
    """patient, timepoint, day, detected: sample collection_date minus the patient's start_date
    (days). Samples with no date, no start date or an unparseable date get day NA (not used).
    When ctdna.tsv has samples of several methods (capture panel, low-pass WGS), only the
    level chosen per patient and timepoint is used (ctdna.dynamics, docs/ctdna.md "Combining
    methods"): two assays' statuses never alternate within a timepoint.
    """
    if methods.has_other_methods(ctdna):
        ctdna = dynamics.select_timepoint_samples(ctdna)[0]
    if "timepoint" not in ctdna:
        ctdna = ctdna.assign(timepoint=pd.NA)
    merged = ctdna[["patient", "timepoint", "collection_date", "detected"]].merge(
        start_dates[["patient", "start_date"]], on="patient", how="left"
    )
    collected = pd.to_datetime(merged["collection_date"], errors="coerce", format="%Y-%m-%d")
    start = pd.to_datetime(merged["start_date"], errors="coerce", format="%Y-%m-%d")
    return pd.DataFrame(
        {
            "patient": merged["patient"],
            "timepoint": merged["timepoint"],
            "day": (collected - start).dt.days,
            "detected": pd.to_numeric(merged["detected"], errors="coerce"),
        }
    )


def usage_note(counts: dict) -> str:
    """'3 samples after follow up, ...': what was not used, for the row's note."""
    return (
        "ctDNA status changing at plasma sample dates (counting process); not used: "
        + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
    )


def refusal(intervals: pd.DataFrame, min_n: int, min_events: float) -> str | None:
    """Why the time-varying model must not be fitted (None when it may be): fewer than
    ``min_n`` patients, no or fewer than ``min_events`` events, one status only, or no event
    under one status (monotone likelihood)."""
    n = int(intervals["patient"].nunique()) if len(intervals) else 0
    if n < min_n:
        return f"n = {n} < {min_n} patients with a usable plasma sample"
    events = int(intervals["event"].sum())
    if events == 0:
        return "no events (all censored)"
    if intervals["detected"].nunique() < 2:
        return "ctDNA status has a single value"
    if events < min_events:
        return f"{events} events < {min_events:g} per parameter x 1"
    for status in (0.0, 1.0):
        if intervals.loc[intervals["detected"] == status, "event"].sum() == 0:
            return f"no events while detected = {status:g} (monotone likelihood)"
    return None
