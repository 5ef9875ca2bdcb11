"""The report's "Multivariable model" section (outcome.report calls ``multivariable_section``):
the hazard ratios of the pre-specified model (multivariable.tsv, every analysis present:
complete case, and multiple imputation when given), its internal validation
(model_validation.tsv: apparent and optimism-corrected C and calibration slope, failed
resamples) and the 6-month calibration figure (mean predicted vs Kaplan-Meier observed PFS per
tertile of predicted risk, with the observed CI).
"""

from __future__ import annotations

import html

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from outcome import report_html as h
from outcome.figures import ci_offsets
from outcome.report_format import marker_label, p_text, ratio_ci, scale_label
from stereosarc.schemas import table_columns

TITLE = "Multivariable model: PFS ~ arm + baseline biomarkers, stratified by histology and line"
CALIBRATION_ONLY = ("group", "predicted", "observed", "ci_low", "ci_high", "ci_level")
VALIDATION_SHOWN = [
    c
    for c in table_columns("model_validation")
    if c not in ("analysis", "horizon_days", *CALIBRATION_ONLY)
]  # model_validation.tsv columns of the optimism table
CALIBRATION_SHOWN = ["group", "n", "events", "predicted", "observed", "ci_low", "ci_high", "note"]


def hazard_ratio_table(multivariable: pd.DataFrame) -> pd.DataFrame:
    """One row per analysis and term, in words: HR (95 % CI) with 2 decimals, p and the
    proportional-hazards p with 3 significant digits, n, events and the note."""
    table = multivariable.assign(
        **{
            "term": multivariable["term"].map(marker_label),
            "transform": multivariable["transform"].map(scale_label),
            "HR (95% CI)": [
                ratio_ci(hr, low, high)
                for hr, low, high in zip(
                    multivariable["hr"],
                    multivariable["ci_low"],
                    multivariable["ci_high"],
                    strict=True,
                )
            ],
            "p": multivariable["p_value"].map(p_text),
            "PH test p": multivariable["ph_p"].map(p_text) if "ph_p" in multivariable else "",
        }
    ).rename(columns={"transform": "scale"})
    shown = ["analysis", "term", "scale", "n", "events", "HR (95% CI)", "p", "PH test p", "note"]
    return table[[c for c in shown if c in table]]


def calibration_figure(validation: pd.DataFrame) -> Figure:
    """Mean predicted vs observed (KM) PFS at the horizon per risk group, observed CI bars."""
    rows = validation[
        (validation["quantity"] == "calibration_6m")
        & (validation["group"] != "all")
        & validation["observed"].notna()
    ]
    figure, axis = plt.subplots(figsize=(4.5, 4.5))
    predicted, observed = rows["predicted"].to_numpy(float), rows["observed"].to_numpy(float)
    axis.errorbar(
        predicted,
        observed,
        yerr=ci_offsets(observed, rows),
        fmt="o",
        color="black",
        capsize=3,
    )
    for x, y, label in zip(predicted, observed, rows["group"], strict=True):
        axis.annotate(
            str(label).split(" (")[0],
            (x, y),
            fontsize="x-small",
            xytext=(4, -10),
            textcoords="offset points",
        )
    axis.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    horizon = rows["horizon_days"].iloc[0] if len(rows) else np.nan
    axis.set_xlabel(f"predicted PFS at {horizon:g} days (mean in group)")
    axis.set_ylabel("observed PFS (Kaplan-Meier, 95 % CI)")
    axis.set_title("Calibration by tertile of predicted risk", fontsize="small")
    figure.tight_layout()
    return figure


def multivariable_section(inputs) -> str:
    """HTML of the section (outcome.report.ReportInputs: multivariable, validation)."""
    model, checks = inputs.table("multivariable"), inputs.table("validation")
    if model is None or model.empty:
        return h.section(TITLE, h.none("multivariable.tsv not given"))
    first = model.iloc[0]
    parts = [
        f"<p>Pre-specified Cox model (Efron ties) of PFS on the arm and "
        f"{html.escape(', '.join(model['term'].iloc[1:].astype(str).unique()))}, stratified by "
        "the randomisation strata; covariates on their registry scales (log2: HR per "
        "doubling). Complete cases: "
        f"{first['n']} patients, {first['events']} events"
        + (
            f", {first['n_excluded']} left out for a missing covariate"
            if "n_excluded" in model
            else ""
        )
        + ". Multiple imputation rows, when present, are the sensitivity analysis.</p>",
        h.table(hazard_ratio_table(model)),
        h.download(model, "multivariable.tsv"),
    ]
    if checks is None or checks.empty:
        parts.append(h.none("model_validation.tsv not given"))
        return h.section(TITLE, "\n".join(parts))
    summary = checks[checks["quantity"] != "calibration_6m"]
    calibration = checks[checks["quantity"] == "calibration_6m"]
    parts += [
        "<p>Internal validation (Harrell 1996 bootstrap): optimism = mean over resamples of "
        "the refitted model's value on its resample minus its value on the original data; "
        "corrected = apparent - optimism. Failed resamples are counted, not used.</p>",
        h.table(summary[[c for c in VALIDATION_SHOWN if c in summary]]),
    ]
    if calibration["observed"].notna().any():
        parts.append(h.svg(calibration_figure(checks)))
    parts += [
        "<p>Apparent calibration at 6 months: mean predicted PFS (stratified Cox, Breslow "
        "baseline per stratum) against the Kaplan-Meier estimate in tertiles of predicted "
        "risk.</p>",
        h.table(calibration[[c for c in CALIBRATION_SHOWN if c in calibration]]),
        h.download(checks, "model_validation.tsv"),
    ]
    return h.section(TITLE, "\n".join(parts))
