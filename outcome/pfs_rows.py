"""PFS rows of associations.tsv: stratified Cox (arm-adjusted, per arm), the biomarker x arm
interaction, the stratified log-rank test and Kaplan-Meier curves with their summaries.

- Cox: stratified by histology and line (randomisation strata), HR per transform unit of
  the biomarker; when adjusted, arm is a covariate. With the HR: the Wald p of the x-arm
  product term (predictive vs prognostic), cox.zph PH test, Harrell's C, events per
  variable and the detectable HR at 80% power (outcome.arms).
- Interaction: ratio of HRs (SBRT+atezolizumab / SBRT), exp of the x-arm coefficient.
- Log-rank: chi-square of a dichotomy, stratified by histology/line.
- KM: per group, the curve (km.tsv), the median and the survival at the PFS horizon.

A model that cannot be estimated gives its row with the reason in ``note``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from outcome import arms, survival
from outcome.family import (
    ARM_EXPERIMENTAL,
    ARM_REFERENCE,
    INTERVAL,
    KM_COLUMNS,
    STRATA,
    estimate_fields,
    join_notes,
    row_fields,
)
from outcome.family import row as _row


def _pfs_data(frame: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    data = frame[["pfs_days", "pfs_event", "arm_experimental", *STRATA]].copy()
    data["x"] = x
    return data.dropna()


def cox_row(
    frame,
    x,
    biomarker,
    label,
    settings,
    family="biomarker",
    method="cox_stratified",
    interaction=True,
    note="",
    adjust_arm=False,
    group=np.nan,
) -> dict:
    """Stratified Cox HR of ``x`` on PFS (adjusted for arm when ``adjust_arm`` and both arms
    are present), with interaction p, PH test, C and the detectable HR (or the refusal)."""
    data = _pfs_data(frame, x)
    both = adjust_arm and data["arm_experimental"].nunique() == 2
    terms = ["x", "arm_experimental"] if both else ["x"]
    events = int(data["pfs_event"].sum())
    base = dict(
        family=family,
        biomarker=biomarker,
        endpoint="pfs",
        method=method,
        transform=label,
        group=group,
        estimate_type="HR",
        n=len(data),
        n_missing=int(frame["pfs_days"].notna().sum() - len(data)),
        events=events,
        ci_level=settings.level,
        events_per_variable=events / len(terms),
        note=note,
        adjusted_for="arm" if both else np.nan,
        detectable_hr=arms.detectable_hr(data["x"], events),
    )
    refusal = survival.cox_refusal(
        data,
        "pfs_days",
        "pfs_event",
        "x",
        len(terms),
        settings.min_n,
        settings.min_events_per_variable,
    )
    if refusal:
        return _row(**base | {"note": join_notes(note, f"not fitted: {refusal}")})
    fit = survival.fit_cox(data, "pfs_days", "pfs_event", terms, list(STRATA), settings.level)
    term = fit.summary.loc["x"]
    if not term["se"] <= survival.UNSTABLE_SE:
        unstable = (
            f"not fitted: unstable, SE of log HR {term['se']:.3g} > "
            f"{survival.UNSTABLE_SE:g} (near-separation)"
        )
        return _row(**base | {"note": join_notes(note, unstable)})
    product, why = (
        arms.interaction_fit(
            data, STRATA, settings.level, settings.min_n, settings.min_events_per_variable
        )
        if interaction
        else (None, "")
    )
    return _row(
        **base | {"note": join_notes(note, why)},
        **estimate_fields(term, "hr"),
        interaction_p=np.nan if product is None else product["p_value"],
        ph_p=fit.ph_p,
        c_index=fit.c_index,
    )


def interaction_row(
    frame, x, biomarker, label, settings, method="cox_interaction", note=""
) -> dict:
    """Ratio of HRs (SBRT+atezolizumab / SBRT) of ``x``: exp of the x·arm coefficient."""
    data = _pfs_data(frame, x)
    product, why = arms.interaction_fit(
        data, STRATA, settings.level, settings.min_n, settings.min_events_per_variable
    )
    base = dict(
        family="interaction",
        biomarker=biomarker,
        endpoint="pfs",
        method=method,
        transform=label,
        estimate_type="ratio_of_HR",
        n=len(data),
        events=int(data["pfs_event"].sum()),
        ci_level=settings.level,
        events_per_variable=data["pfs_event"].sum() / arms.INTERACTION_PARAMS,
        adjusted_for="arm",
        group=f"{ARM_EXPERIMENTAL} / {ARM_REFERENCE}",
    )
    if product is None:
        return _row(
            **base, note=join_notes(note, why.replace("interaction not tested", "not fitted"))
        )
    return _row(
        **base,
        **estimate_fields(product, "hr"),
        note=note,
    )


def logrank_row(frame, x, biomarker, settings, family="supportive", note="") -> dict:
    """Log-rank test of a dichotomy, stratified by histology and line."""
    data = _pfs_data(frame, x)
    base = row_fields(family, biomarker, "pfs", "logrank_stratified", "chisq", data, "pfs_event")
    base["note"] = note
    if len(data) < settings.min_n or data["x"].nunique() < 2 or data["pfs_event"].sum() == 0:
        why = "not tested: fewer than min_n patients, one group or no events"
        return _row(**base | {"note": join_notes(note, why)})
    test = survival.logrank(
        data["pfs_days"], data["pfs_event"], data["x"], data["histology"] + "/" + data["line"]
    )
    return _row(**base, statistic=test.chisq, df=test.df, p_value=test.p_value)


def km_rows(frame, x, curve, groups: dict, settings, duration="pfs_days", event="pfs_event"):
    """KM curve rows (km.tsv) and per-group median / 6-month rate rows (associations)."""
    curves, summaries = [], []
    for value, label in groups.items():
        data = frame[(x == value) & frame[duration].notna() & frame[event].notna()]
        if data.empty:
            continue
        table = survival.km_table(data[duration], data[event], settings.level)
        start = pd.DataFrame(
            [
                {
                    "time": 0.0,
                    "n_risk": len(data),
                    "n_event": 0,
                    "n_censor": 0,
                    "surv": 1.0,
                    "ci_low": 1.0,
                    "ci_high": 1.0,
                }
            ]
        )
        curves.append(
            pd.concat([start, table], ignore_index=True).assign(
                endpoint="pfs", curve=curve, group=label
            )
        )
        common = row_fields("descriptive", curve, "pfs", "km", "", data, event)
        common |= {"group": label, "ci_level": settings.level}
        estimates = {
            "median_days": survival.km_median(table),
            f"surv_{settings.pfs_horizon_days:g}d": survival.km_at(
                table, settings.pfs_horizon_days
            ),
        }
        for estimate_type, values in estimates.items():
            summaries.append(
                _row(**common | {"estimate_type": estimate_type}, **dict(zip(INTERVAL, values)))
            )
    curves = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame()
    return curves.reindex(columns=KM_COLUMNS), summaries
