"""The family of association analyses over the per-patient biomarker table.

For every baseline biomarker (continuous on its documented scale, and each pre-specified
dichotomy) against PFS and objective response:

- PFS: Cox model stratified by histology and line (randomisation strata), HR per transform
  unit; biomarker × arm interaction (Wald p of the product term in a stratified model with
  biomarker, arm and product: predictive vs prognostic); cox.zph PH test; Harrell's C;
  events per variable; for dichotomies also the stratified log-rank test and KM curves.
- Response: Fisher's exact test (dichotomies) or logistic regression / Firth (continuous),
  ROC AUC with a bootstrap interval; ORR per group with Clopper–Pearson intervals.
- Primary comparison (family ``primary``, not adjusted): arm, on PFS and response, and the
  6-month PFS rate per arm (KM).
- Month-6 ctDNA: landmark analysis (outcome.landmark). Relapse ctDNA: descriptive only.
- Exploratory rows (cut-points, time-varying ctDNA Cox, elastic net): outcome.exploratory.
- BH q-values across the ``biomarker`` family (outcome.multiplicity).

Models that cannot be estimated give a row with the reason in ``note``, never a crash.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from outcome import arms, ctdna_outcome, exploratory, landmark, multiplicity, response, survival
from outcome.family import (
    ARM_EXPERIMENTAL,
    ARM_REFERENCE,
    BINARY_FIXED,  # noqa: F401
    COLUMNS,
    KM_COLUMNS,
    LANDMARK_MARKERS,
    STRATA,
    Marker,
    Settings,
    baseline_markers,
    prepare,
    transform,
)
from outcome.family import row as _row

LOG = logging.getLogger("outcome.associations")
MULTIPLICITY_FAMILIES = ("biomarker", "interaction")  # BH within each (docs/statistics.md)
PER_ARM_SUFFIX = "_per_arm"  # method of a row fitted within one arm: cox_stratified_per_arm, ...


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
        return _row(**base | {"note": "; ".join(filter(None, [note, f"not fitted: {refusal}"]))})
    fit = survival.fit_cox(data, "pfs_days", "pfs_event", terms, list(STRATA), settings.level)
    term = fit.summary.loc["x"]
    if not term["se"] <= survival.UNSTABLE_SE:
        return _row(
            **base
            | {
                "note": "; ".join(
                    filter(
                        None,
                        [
                            note,
                            (
                                f"not fitted: unstable, SE of log HR {term['se']:.3g} > "
                                f"{survival.UNSTABLE_SE:g} (near-separation)"
                            ),
                        ],
                    )
                )
            }
        )
    product, why = (
        arms.interaction_fit(
            data, STRATA, settings.level, settings.min_n, settings.min_events_per_variable
        )
        if interaction
        else (None, "")
    )
    return _row(
        **base | {"note": "; ".join(filter(None, [note, why]))},
        estimate=term["hr"],
        ci_low=term["ci_low"],
        ci_high=term["ci_high"],
        p_value=term["p_value"],
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
            **base,
            note="; ".join(
                filter(None, [note, why.replace("interaction not tested", "not fitted")])
            ),
        )
    return _row(
        **base,
        estimate=product["hr"],
        ci_low=product["ci_low"],
        ci_high=product["ci_high"],
        p_value=product["p_value"],
        note=note,
    )


def per_arm_rows(
    frame, x, biomarker, label, settings, kind: str, method="cox_stratified", note=""
) -> list[dict]:
    """HR of ``x`` within each arm (stratified Cox) and, for baseline markers, the OR."""
    rows = []
    for arm in (ARM_REFERENCE, ARM_EXPERIMENTAL):
        inside = frame["arm"] == arm
        rows.append(
            cox_row(
                frame[inside],
                x[inside],
                biomarker,
                label,
                settings,
                family="per_arm",
                method=method,
                interaction=False,
                note=note,
                group=arm,
            )
        )
        if kind == "binary":
            rows.append(fisher_row(frame[inside], x[inside], biomarker, settings))
        elif kind == "continuous":
            rows.append(
                continuous_response_rows(
                    frame[inside], x[inside], biomarker, label, settings, with_auc=False
                )[0]
            )
        rows[-1] |= {"family": "per_arm", "group": arm}
    return [r | {"method": f"{r['method']}{PER_ARM_SUFFIX}"} for r in rows]


def logrank_row(frame, x, biomarker, settings, family="supportive", note="") -> dict:
    """Log-rank test of a dichotomy, stratified by histology and line."""
    data = _pfs_data(frame, x)
    base = dict(
        family=family,
        biomarker=biomarker,
        endpoint="pfs",
        method="logrank_stratified",
        transform="none",
        estimate_type="chisq",
        n=len(data),
        events=int(data["pfs_event"].sum()),
        note=note,
    )
    if len(data) < settings.min_n or data["x"].nunique() < 2 or data["pfs_event"].sum() == 0:
        return _row(
            **base
            | {
                "note": "; ".join(
                    filter(
                        None,
                        [note, "not tested: fewer than min_n patients, one group or no events"],
                    )
                )
            }
        )
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
        common = dict(
            family="descriptive",
            biomarker=curve,
            endpoint="pfs",
            method="km",
            transform="none",
            group=label,
            n=len(data),
            events=int(data[event].sum()),
            ci_level=settings.level,
        )
        median = survival.km_median(table)
        rate = survival.km_at(table, settings.pfs_horizon_days)
        summaries.append(
            _row(
                **common,
                estimate_type="median_days",
                estimate=median[0],
                ci_low=median[1],
                ci_high=median[2],
            )
        )
        summaries.append(
            _row(
                **common,
                estimate_type=f"surv_{settings.pfs_horizon_days:g}d",
                estimate=rate[0],
                ci_low=rate[1],
                ci_high=rate[2],
            )
        )
    curves = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame()
    return curves.reindex(columns=KM_COLUMNS), summaries


def _response_data(frame, x):
    data = pd.DataFrame({"x": x, "y": frame["objective_response"]}).dropna()
    return data, int(frame["objective_response"].notna().sum() - len(data))


def orr_rows(frame, x, biomarker, groups: dict, settings) -> list[dict]:
    """ORR (responders / evaluable) per group with Clopper–Pearson intervals."""
    data, _ = _response_data(frame, x)
    rows = []
    for value, label in groups.items():
        y = data.loc[data["x"] == value, "y"]
        rate = response.clopper_pearson(int(y.sum()), len(y), settings.level)
        rows.append(
            _row(
                family="descriptive",
                biomarker=biomarker,
                endpoint="objective_response",
                method="clopper_pearson",
                transform="none",
                group=label,
                estimate_type="ORR",
                n=len(y),
                events=int(y.sum()),
                estimate=rate[0],
                ci_low=rate[1],
                ci_high=rate[2],
                ci_level=settings.level,
            )
        )
    return rows


def fisher_row(frame, x, biomarker, settings, family="biomarker") -> dict:
    """Fisher's exact test of a dichotomy vs response; conditional MLE odds ratio."""
    data, missing = _response_data(frame, x)
    base = dict(
        family=family,
        biomarker=biomarker,
        endpoint="objective_response",
        method="fisher_exact",
        transform="none",
        estimate_type="OR",
        n=len(data),
        n_missing=missing,
        events=int(data["y"].sum()),
        ci_level=settings.level,
    )
    if len(data) < settings.min_n or data["x"].nunique() < 2 or data["y"].nunique() < 2:
        return _row(
            **base,
            note="not tested: fewer than min_n patients or a single "
            "value of biomarker or response",
        )
    a = int(((data.x == 1) & (data.y == 1)).sum())
    b = int(((data.x == 1) & (data.y == 0)).sum())
    c = int(((data.x == 0) & (data.y == 1)).sum())
    d = int(((data.x == 0) & (data.y == 0)).sum())
    result = response.fisher_exact(a, b, c, d, settings.level)
    return _row(
        **base,
        **result,
        note=f"table [[{a}, {b}], [{c}, {d}]] (rows marker 1/0, columns response 1/0)",
    )


def continuous_response_rows(
    frame, x, biomarker, label, settings, with_auc: bool = True
) -> list[dict]:
    """Logistic (or Firth) OR per transform unit, and ROC AUC with a bootstrap CI."""
    data, missing = _response_data(frame, x)
    base = dict(
        biomarker=biomarker,
        endpoint="objective_response",
        transform=label,
        n=len(data),
        n_missing=missing,
        events=int(data["y"].sum()),
        ci_level=settings.level,
    )
    minority = int(min(data["y"].sum(), len(data) - data["y"].sum())) if len(data) else 0
    if len(data) < settings.min_n or data["x"].nunique() < 2 or minority == 0:
        why = "not fitted: fewer than min_n patients or a single value of biomarker or response"
        return [
            _row(**base, family="biomarker", method="logistic", estimate_type="OR", note=why),
            _row(**base, family="exploratory", method="roc_auc", estimate_type="AUC", note=why),
        ]
    note = (
        ""
        if minority >= settings.min_events_per_variable
        else (f"events per variable {minority} < {settings.min_events_per_variable:g}: unstable")
    )
    fit = response.logistic(data["x"], data["y"], settings.level)
    if not with_auc:
        return [
            _row(
                **base,
                family="biomarker",
                estimate_type="OR",
                events_per_variable=minority,
                note=note,
                **fit,
            )
        ]
    roc = response.auc_bootstrap(
        data["x"], data["y"], settings.seed, settings.n_bootstrap, settings.level
    )
    return [
        _row(
            **base,
            family="biomarker",
            estimate_type="OR",
            events_per_variable=minority,
            note=note,
            **fit,
        ),
        _row(
            **base,
            family="exploratory",
            method="roc_auc",
            estimate_type="AUC",
            estimate=roc["estimate"],
            ci_low=roc["ci_low"],
            ci_high=roc["ci_high"],
            p_value=roc["p_value"],
            note=f"p: Wilcoxon rank-sum; CI: percentile "
            f"bootstrap, {roc['n_boot_valid']} resamples, seed {settings.seed}",
        ),
    ]


def marker_rows(frame, marker: Marker, settings, km: list) -> list[dict]:
    """Every row of one baseline biomarker (PFS and response)."""
    if frame[marker.column].isna().all():
        return [
            _row(
                family="biomarker",
                biomarker=marker.column,
                endpoint=endpoint,
                method="not_analysed",
                n=0,
                n_missing=len(frame),
                note="not tested: no "
                "value in biomarkers.tsv (its input was absent or not evaluable)",
            )
            for endpoint in ("pfs", "objective_response")
        ]
    x, label = transform(frame[marker.column], marker.transform)
    arm_aware = [
        interaction_row(frame, x, marker.column, label, settings),
        *per_arm_rows(frame, x, marker.column, label, settings, marker.kind),
    ]
    if marker.kind == "continuous":
        return [
            cox_row(frame, x, marker.column, label, settings, adjust_arm=True),
            exploratory.maxstat_row(frame, marker.column, settings),
            *continuous_response_rows(frame, x, marker.column, label, settings),
            *arm_aware,
        ]
    groups = {1.0: f"{marker.column} = 1", 0.0: f"{marker.column} = 0"}
    curves, summaries = km_rows(frame, x, marker.column, groups, settings)
    km.append(curves)
    return [
        cox_row(frame, x, marker.column, "none", settings, adjust_arm=True),
        *arm_aware,
        logrank_row(frame, x, marker.column, settings),
        *summaries,
        fisher_row(frame, x, marker.column, settings),
        *orr_rows(frame, x, marker.column, groups, settings),
    ]


def primary_rows(frame, settings, km: list) -> list[dict]:
    """Arm comparison (atezolizumab vs SBRT): stratified Cox, log-rank, KM, ORR, Fisher."""
    x = frame["arm_experimental"]
    groups = {1.0: ARM_EXPERIMENTAL, 0.0: ARM_REFERENCE}
    curves, summaries = km_rows(frame, x, "arm", groups, settings)
    km.append(curves)
    return [
        cox_row(
            frame,
            x,
            "arm",
            f"{ARM_EXPERIMENTAL} vs {ARM_REFERENCE}",
            settings,
            family="primary",
            interaction=False,
        ),
        logrank_row(frame, x, "arm", settings, family="primary"),
        *summaries,
        fisher_row(frame, x, "arm", settings, family="primary"),
        *orr_rows(frame, x, "arm", groups, settings),
    ]


def landmark_rows(frame, settings, km: list) -> list[dict]:
    """Month-6 ctDNA at the 6-month landmark (clock restarted; exclusions in ``note``)."""
    rows = []
    for column, how in LANDMARK_MARKERS.items():
        if column not in frame:
            continue
        cohort, exclusions = landmark.landmark_cohort(
            frame, column, settings.landmark_days, window_days=settings.landmark_window_days
        )
        note = landmark.exclusion_note(
            exclusions, settings.landmark_days, settings.landmark_window_days
        )
        x, label = transform(cohort[column], "none" if how == "binary" else how)
        rows.append(
            cox_row(
                cohort,
                x,
                column,
                label,
                settings,
                method="cox_landmark",
                note=note,
                adjust_arm=True,
            )
        )
        rows.append(
            interaction_row(
                cohort, x, column, label, settings, method="cox_landmark_interaction", note=note
            )
        )
        rows += per_arm_rows(
            cohort, x, column, label, settings, "landmark", method="cox_landmark", note=note
        )
        if how == "binary":
            rows.append(logrank_row(cohort, x, column, settings, note=note))
            curves, summaries = km_rows(
                cohort,
                x,
                f"{column} (landmark)",
                {1.0: f"{column} = 1", 0.0: f"{column} = 0"},
                settings,
            )
            km.append(curves)
            rows += summaries
    return rows


def associate(
    biomarkers: pd.DataFrame, ctdna: pd.DataFrame | None = None, settings: Settings | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All association rows (COLUMNS) and the KM curves (KM_COLUMNS)."""
    settings = settings or Settings()
    frame = prepare(biomarkers)
    km: list[pd.DataFrame] = []
    rows = primary_rows(frame, settings, km)
    for marker in baseline_markers(frame.columns):
        LOG.info("biomarker %s (%s, %s)", marker.column, marker.kind, marker.transform)
        rows += marker_rows(frame, marker, settings, km)
    rows += landmark_rows(frame, settings, km)
    rows += ctdna_outcome.ctdna_radiology_rows(frame, settings)
    rows.append(exploratory.time_varying_row(frame, ctdna, settings))
    rows += exploratory.elastic_net_rows(frame, settings)
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["note"] = table["note"].replace("", np.nan)
    table["q_value"] = multiplicity.adjust_by_family(table, adjusted=MULTIPLICITY_FAMILIES)
    curves = pd.concat(km, ignore_index=True) if km else pd.DataFrame(columns=KM_COLUMNS)
    return table, curves
