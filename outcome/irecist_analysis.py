"""iRECIST analyses beside RECIST 1.1 (irecist.tsv; definitions: outcome.irecist).

Population: patients with iRECIST data (ipfs_days and ipfs_event known). Every RECIST row is
computed on the same patients, so the two criteria are compared on one population.

- ``km_rate``: per arm, Kaplan–Meier S(h) at h = 182.625 days of iPFS (endpoint ``ipfs``)
  and of PFS (``pfs``), Greenwood SE, log-log 95 % CI (outcome.primary.km_rate; R
  ``summary(survfit(..., conf.type = "log-log"), times = h)``).
- ``km_median``: per arm, median iPFS / PFS with the survfit default (log) CI.
- ``cox_arm``: HR SBRT+atezolizumab vs SBRT from the Cox model stratified by histology and
  line (the randomisation strata, as for PFS; Efron ties), Wald CI and p (R ``coxph(Surv(t, e)
  ~ arm + strata(histology, line))``); refused, with the reason, below min_n patients or
  min_epv events.
- ``orr``: per arm, responders / patients with a best response (iCR/iPR for
  ``objective_response_irecist``, CR/PR for ``objective_response``), Clopper–Pearson CI;
  ``orr_odds_ratio``: conditional MLE odds ratio SBRT+atezolizumab vs SBRT with Fisher's
  exact test and its exact CI (R ``fisher.test``).
- ``response_concordance``: counts of each (RECIST best response, iRECIST best response)
  pair per arm and overall; ``estimate`` = patients, ``n`` = patients with both responses.
- ``pseudoprogression``: per arm, pseudo-progressions (``events``) among patients with a
  RECIST progression whose confirmation status is known (``n``), proportion with
  Clopper–Pearson CI.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from outcome import pfs_rows, primary, response, survival
from outcome.family import (
    ARM_EXPERIMENTAL,
    ARM_REFERENCE,
    KM_COLUMNS,
    STRATA,
    Settings,
    estimate_fields,
    prepare,
)
from stereosarc.schemas import table_columns

COLUMNS = table_columns("irecist")  # irecist.tsv, in schema order
TIME_ENDPOINTS = {"ipfs": ("ipfs_days", "ipfs_event"), "pfs": ("pfs_days", "pfs_event")}
RESPONSE_ENDPOINTS = ("objective_response_irecist", "objective_response")
ARM_ORDER = (ARM_EXPERIMENTAL, ARM_REFERENCE)  # row order of irecist.tsv: experimental arm first
KM_CURVE = "arm (iPFS)"  # km.tsv curve name of the iPFS curves per arm
NUMERIC = ("ipfs_days", "ipfs_event", "pseudoprogression", "objective_response_irecist")


def _row(**values) -> dict:
    out = dict.fromkeys(COLUMNS, np.nan)
    out.update(values)
    return out


def irecist_population(biomarkers: pd.DataFrame) -> pd.DataFrame:
    """Patients with iPFS known, prepared (arm_experimental, numeric endpoints)."""
    frame = prepare(biomarkers)
    for column in NUMERIC:
        frame[column] = pd.to_numeric(frame.get(column), errors="coerce")
    return frame[frame["ipfs_days"].notna() & frame["ipfs_event"].notna()]


def km_rows(frame: pd.DataFrame, endpoint: str, settings: Settings) -> list[dict]:
    """Per-arm S(h) (log-log CI) and median (log CI) of iPFS or PFS."""
    days, event = TIME_ENDPOINTS[endpoint]
    rows = []
    for arm in ARM_ORDER:
        data = frame.loc[frame["arm"] == arm, [days, event]].dropna()
        common = dict(endpoint=endpoint, group=arm, n=len(data), events=int(data[event].sum()))
        rate = primary.km_rate(data[days], data[event], settings.pfs_horizon_days, settings.level)
        rows.append(
            _row(
                **common,
                analysis="km_rate",
                estimate_type=f"surv_{settings.pfs_horizon_days:g}d",
                ci_level=settings.level,
                ci_method="log-log (Greenwood)",
                **rate,
            )
        )
        median = (
            survival.km_median(survival.km_table(data[days], data[event], settings.level))
            if len(data)
            else (np.nan,) * 3
        )
        rows.append(
            _row(
                **common,
                analysis="km_median",
                estimate_type="median_days",
                estimate=median[0],
                ci_low=median[1],
                ci_high=median[2],
                ci_level=settings.level,
                ci_method="log (survfit default)",
            )
        )
    return rows


def cox_arm_row(frame: pd.DataFrame, endpoint: str, settings: Settings) -> dict:
    """Stratified Cox HR of the arm on iPFS or PFS, or the reason it was not fitted."""
    days, event = TIME_ENDPOINTS[endpoint]
    data = frame[[days, event, "arm_experimental", *STRATA]].dropna()
    base = dict(
        endpoint=endpoint,
        analysis="cox_arm",
        group=f"{ARM_EXPERIMENTAL} vs {ARM_REFERENCE}",
        estimate_type="HR",
        n=len(data),
        events=int(data[event].sum()),
        ci_level=settings.level,
        ci_method="Wald, Cox stratified by histology and line (Efron ties)",
    )
    refusal = survival.cox_refusal(
        data,
        days,
        event,
        "arm_experimental",
        1,
        settings.min_n,
        settings.min_events_per_variable,
    )
    if refusal:
        return _row(**base, note=f"not fitted: {refusal}")
    fit = survival.fit_cox(
        data, days, event, ["arm_experimental"], list(STRATA), settings.level, ph_test=False
    )
    term = fit.summary.loc["arm_experimental"]
    return _row(
        **base,
        **estimate_fields(term, "hr"),
        se=term["se"],
        statistic=term["coef"] / term["se"],
    )


def _proportion_row(successes: int, trials: int, level: float, **values) -> dict:
    estimate, low, high = response.clopper_pearson(successes, trials, level)
    return _row(
        **values,
        n=trials,
        events=successes,
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        ci_level=level,
        ci_method="Clopper-Pearson",
    )


def orr_rows(frame: pd.DataFrame, endpoint: str, settings: Settings) -> list[dict]:
    """ORR per arm and the Fisher exact odds ratio between arms."""
    data = frame[["arm", endpoint]].dropna()
    counts = []
    rows = []
    for arm in ARM_ORDER:
        y = pd.to_numeric(data.loc[data["arm"] == arm, endpoint])
        counts.append((int(y.sum()), len(y)))
        rows.append(
            _proportion_row(
                int(y.sum()),
                len(y),
                settings.level,
                endpoint=endpoint,
                analysis="orr",
                group=arm,
                estimate_type="proportion",
            )
        )
    (x1, n1), (x0, n0) = counts
    base = dict(
        endpoint=endpoint,
        analysis="orr_odds_ratio",
        group=f"{ARM_EXPERIMENTAL} vs {ARM_REFERENCE}",
        estimate_type="OR",
        n=n1 + n0,
        events=x1 + x0,
        ci_level=settings.level,
        ci_method="Fisher exact (conditional MLE)",
    )
    if min(n1, n0) == 0:
        return rows + [_row(**base, note="not tested: an arm has no patient with a response")]
    test = response.fisher_exact(x1, n1 - x1, x0, n0 - x0, settings.level)
    return rows + [
        _row(
            **base,
            **estimate_fields(test),
        )
    ]


def concordance_rows(frame: pd.DataFrame) -> list[dict]:
    """Counts of (RECIST, iRECIST) best-response pairs per arm and overall."""
    data = frame[["arm", "best_response", "best_response_irecist"]].dropna()
    rows = []
    for group in (*ARM_ORDER, "all"):
        part = data if group == "all" else data[data["arm"] == group]
        pairs = part.groupby(["best_response", "best_response_irecist"]).size()
        rows += [
            _row(
                endpoint="best_response",
                analysis="response_concordance",
                group=group,
                estimate_type="count",
                recist=recist,
                irecist=irecist,
                n=len(part),
                estimate=float(count),
            )
            for (recist, irecist), count in pairs.items()
        ]
    return rows


def pseudoprogression_rows(frame: pd.DataFrame, settings: Settings) -> list[dict]:
    """Pseudo-progressions among RECIST progressions with known confirmation, per arm."""
    rows = []
    for group in (*ARM_ORDER, "all"):
        part = frame if group == "all" else frame[frame["arm"] == group]
        flag = part["pseudoprogression"].dropna()
        rows.append(
            _proportion_row(
                int(flag.sum()),
                len(flag),
                settings.level,
                endpoint="pseudoprogression",
                analysis="pseudoprogression",
                group=group,
                estimate_type="proportion",
                note="events = pseudo-progressions; n = RECIST progressions re-assessed",
            )
        )
    return rows


def analyse(biomarkers: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """Every irecist.tsv row (COLUMNS); one row with a note when no patient has iPFS."""
    settings = settings or Settings()
    if "ipfs_days" not in biomarkers or biomarkers["ipfs_days"].isna().all():
        return pd.DataFrame(
            [_row(endpoint="ipfs", analysis="not_analysed", n=0, note="no patient with iPFS")],
            columns=COLUMNS,
        )
    frame = irecist_population(biomarkers)
    rows = []
    for endpoint in TIME_ENDPOINTS:
        rows += km_rows(frame, endpoint, settings)
        rows.append(cox_arm_row(frame, endpoint, settings))
    for endpoint in RESPONSE_ENDPOINTS:
        rows += orr_rows(frame, endpoint, settings)
    rows += concordance_rows(frame) + pseudoprogression_rows(frame, settings)
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["note"] = table["note"].replace("", np.nan)
    return table


def km_curves(biomarkers: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """km.tsv rows of the iPFS curves per arm (endpoint ipfs, curve KM_CURVE); empty when no
    patient has iPFS."""
    settings = settings or Settings()
    if "ipfs_days" not in biomarkers or biomarkers["ipfs_days"].isna().all():
        return pd.DataFrame(columns=KM_COLUMNS)
    frame = irecist_population(biomarkers)
    curves, _ = pfs_rows.km_rows(
        frame,
        frame["arm_experimental"],
        KM_CURVE,
        {1.0: ARM_EXPERIMENTAL, 0.0: ARM_REFERENCE},
        settings,
        duration="ipfs_days",
        event="ipfs_event",
    )
    return curves.assign(endpoint="ipfs")


def with_ipfs_curves(
    km: pd.DataFrame, biomarkers: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """km.tsv rows plus the iPFS curves per arm when any patient has iPFS."""
    curves = km_curves(biomarkers, settings)
    return pd.concat([km, curves], ignore_index=True) if len(curves) else km
