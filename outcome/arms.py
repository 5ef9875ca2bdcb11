"""Arm-aware quantities of the biomarker analyses (randomised two-arm trial).

- Ratio of hazard ratios: in the Cox model stratified by histology and line with terms
  biomarker x, arm a (1 = SBRT+atezolizumab) and the product x·a, exp(β_xa) =
  HR_x(SBRT+atezolizumab) / HR_x(SBRT), with Wald CI exp(β_xa ± z se) and Wald p
  (R ``coxph(Surv(t, e) ~ x * arm + strata(histology, line))``).
- Detectable hazard ratio (power line): Schoenfeld (Biometrika 1981; 1983) for a Cox term,
  D events and variance σ² of the covariate (p(1 − p) for a 1/0 dichotomy, the sample
  variance on the analysed scale otherwise; Hsieh & Lavori, Control Clin Trials 2000):
  |log HR| = (z_{1−α/2} + z_{power}) / sqrt(D σ²), reported as HR > 1 (its inverse is
  equally detectable). Defaults: two-sided α = 0.05, power 0.80.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from outcome import survival

POWER = 0.80  # conventional power of the detectable-effect line (issue 14)
POWER_ALPHA = 0.05  # two-sided significance of the detectable-effect line (issue 14)
INTERACTION_PARAMS = 3  # x, arm, x·arm


def detectable_hr(x, events: int, alpha: float = POWER_ALPHA, power: float = POWER) -> float:
    """Smallest HR (> 1) per unit of ``x`` detectable with ``events`` events (Schoenfeld)."""
    x = np.asarray(pd.to_numeric(pd.Series(x), errors="coerce").dropna(), float)
    if events <= 0 or len(x) < 2:
        return np.nan
    values = np.unique(x)
    variance = x.mean() * (1 - x.mean()) if set(values) <= {0.0, 1.0} else float(np.var(x, ddof=1))
    if not variance > 0:
        return np.nan
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    with np.errstate(over="ignore"):  # a near-constant marker: nothing detectable (inf)
        return float(np.exp(z / np.sqrt(events * variance)))


def interaction_fit(
    data: pd.DataFrame, strata, level: float, min_n: int, min_epv: float
) -> tuple[pd.Series | None, str]:
    """The x·arm term (coef, se, hr = ratio of HRs, CI, p) of the stratified interaction
    Cox model on ``data`` (columns pfs_days, pfs_event, x, arm_experimental, strata), or
    None with the reason it was not fitted."""
    data = data.assign(x_arm=data["x"] * data["arm_experimental"])
    refusal = survival.cox_refusal(
        data, "pfs_days", "pfs_event", "x", INTERACTION_PARAMS, min_n, min_epv
    )
    if refusal is None and data["arm_experimental"].nunique() < 2:
        refusal = "one arm only"
    if refusal:
        return None, f"interaction not tested: {refusal}"
    from lifelines.exceptions import ConvergenceError

    try:
        fit = survival.fit_cox(
            data,
            "pfs_days",
            "pfs_event",
            ["x", "arm_experimental", "x_arm"],
            list(strata),
            level,
            ph_test=False,
        )
    except (ConvergenceError, np.linalg.LinAlgError) as err:  # e.g. x only in one arm: x_arm = x
        return None, f"interaction not estimated: singular model ({str(err).split('.')[0]})"
    term = fit.summary.loc["x_arm"]
    if not term["se"] <= survival.UNSTABLE_SE:
        return None, (
            f"interaction not estimated: unstable, SE {term['se']:.3g} > {survival.UNSTABLE_SE:g}"
        )
    return term, ""
