"""Predicted survival of a stratified Cox model and its calibration at a horizon.

- Predicted survival (``predicted_survival``): S(h | x, stratum k) = exp(-H0_k(h) e^(η)),
  η = (x - x̄) β, with H0_k the Breslow baseline cumulative hazard of stratum k computed with
  Efron's tie correction: at an event time with d tied events, risk-set sum R = Σ e^η over
  the stratum's patients still at risk and D = Σ e^η over the d events, the increment is
  Σ_{j=0}^{d-1} 1 / (R - (j / d) D) (1 / R without ties, the plain Breslow estimator). This is
  R survival ``survfit(coxph_fit, newdata)`` for an Efron fit (its defaults ctype = 2,
  stype = 2; Therneau & Grambsch 2000, section 10.2). NA when the stratum's follow-up ends
  before h (R ``summary(..., times = h, extend = FALSE)`` gives no value there).
- Calibration in groups of predicted risk (``calibration_groups``): patients are grouped by
  predicted risk 1 - S(h | x) at the tertiles (quantile type 7; a patient on a cut-point goes
  to the lower group; ties stay together), and in each group the mean predicted S(h) is set
  against the observed Kaplan-Meier S(h) with its log-scale Greenwood CI (outcome.survival);
  the same for all patients together (calibration in the large). Steyerberg, Clinical
  Prediction Models (2nd ed. 2019), chapter 15; Harrell, Regression Modeling Strategies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from outcome import diagnostics, survival

CALIBRATION_GROUPS = 3  # tertiles of predicted risk: ~24 patients per group in a 72-patient fit


def stratum_key(frame: pd.DataFrame, strata: list[str]) -> np.ndarray:
    """One label per patient joining its strata values ('leiomyosarcoma/1')."""
    if not strata:
        return np.zeros(len(frame)).astype(str)
    return frame[strata].astype(str).agg("/".join, axis=1).to_numpy()


def baseline_cumhaz(time, event, eta, horizon: float) -> float:
    """H0(horizon) of one stratum (Breslow, Efron tie correction) at η; NA past follow-up."""
    time, event = np.asarray(time, float), np.asarray(event, int)
    risk = np.exp(np.asarray(eta, float))
    if len(time) == 0 or time.max() < horizon:
        return np.nan
    total = 0.0
    for t in np.unique(time[(event == 1) & (time <= horizon)]):
        at_risk = risk[time >= t].sum()
        dead = risk[(time == t) & (event == 1)]
        d = len(dead)
        total += sum(1.0 / (at_risk - (j / d) * dead.sum()) for j in range(d))
    return total


def predicted_survival(
    fit_data: pd.DataFrame,
    new_data: pd.DataFrame,
    terms: list[str],
    strata: list[str],
    beta: np.ndarray,
    horizon: float,
    duration: str = "pfs_days",
    event: str = "pfs_event",
) -> np.ndarray:
    """S(horizon | x) for each row of ``new_data`` from the model (``beta``) fitted on
    ``fit_data``; NA for a patient whose stratum has no follow-up to the horizon or is
    absent from ``fit_data``."""
    centre = fit_data[terms].to_numpy(float).mean(axis=0)
    eta_fit = diagnostics.linear_predictor(fit_data[terms].to_numpy(float) - centre, beta)
    eta_new = diagnostics.linear_predictor(new_data[terms].to_numpy(float) - centre, beta)
    fit_key, new_key = stratum_key(fit_data, strata), stratum_key(new_data, strata)
    out = np.full(len(new_data), np.nan)
    for key in np.unique(new_key):
        own = fit_key == key
        cumhaz = baseline_cumhaz(
            fit_data[duration].to_numpy()[own],
            fit_data[event].to_numpy()[own],
            eta_fit[own],
            horizon,
        )
        target = new_key == key
        out[target] = np.exp(-cumhaz * np.exp(eta_new[target]))
    return out


def risk_groups(predicted: np.ndarray, groups: int = CALIBRATION_GROUPS) -> np.ndarray:
    """Group 1..groups of predicted risk 1 - S (1 = lowest risk) at its quantiles (type 7);
    0 for a patient without a prediction."""
    risk = 1 - np.asarray(predicted, float)
    present = np.isfinite(risk)
    out = np.zeros(len(risk), int)
    if not present.any():
        return out
    cuts = np.quantile(risk[present], np.arange(1, groups) / groups)
    out[present] = 1 + np.searchsorted(cuts, risk[present], side="left")
    return out


def calibration_groups(
    data: pd.DataFrame,
    predicted: np.ndarray,
    horizon: float,
    level: float = survival.CI_LEVEL,
    groups: int = CALIBRATION_GROUPS,
    duration: str = "pfs_days",
    event: str = "pfs_event",
) -> pd.DataFrame:
    """Per risk group and for all patients: group, n, events, predicted (mean S(h)),
    observed (KM S(h)), ci_low, ci_high (observed); a group past its follow-up is NA."""
    group = risk_groups(predicted, groups)
    labels = {g: f"risk tertile {g} of {groups}" for g in range(1, groups + 1)}
    labels[1] += " (lowest risk)"
    labels[groups] += " (highest risk)"
    rows = []
    for key, members in [*((labels[g], group == g) for g in labels), ("all", group > 0)]:
        chosen = data[members]
        if chosen.empty:
            rows.append({"group": key, "n": 0, "events": 0})
            continue
        table = survival.km_table(chosen[duration], chosen[event], level)
        observed, low, high = survival.km_at(table, horizon)
        rows.append(
            {
                "group": key,
                "n": len(chosen),
                "events": int(chosen[event].sum()),
                "predicted": float(np.mean(np.asarray(predicted)[members])),
                "observed": observed,
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows)
