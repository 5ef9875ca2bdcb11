"""The family of association analyses over the per-patient biomarker table (the rows are
built by outcome.pfs_rows and outcome.response_rows; this module says which rows each
biomarker gets).

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

from outcome import ctdna_outcome, exploratory, landmark, multiplicity
from outcome.family import (
    ARM_EXPERIMENTAL,
    ARM_REFERENCE,
    COLUMNS,
    KM_COLUMNS,
    LANDMARK_MARKERS,
    Marker,
    Settings,
    baseline_markers,
    prepare,
    transform,
)
from outcome.family import row as _row
from outcome.pfs_rows import cox_row, interaction_row, km_rows, logrank_row
from outcome.response_rows import continuous_response_rows, fisher_row, orr_rows

LOG = logging.getLogger("outcome.associations")
MULTIPLICITY_FAMILIES = ("biomarker", "interaction")  # BH within each (docs/statistics.md)
PER_ARM_SUFFIX = "_per_arm"  # method of a row fitted within one arm: cox_stratified_per_arm, ...


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
