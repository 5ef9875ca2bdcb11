"""Time-to-event statistics, matching R's survival package (Therneau) where both exist.

- Kaplan–Meier ``S(t) = prod_{t_i <= t} (1 - d_i / n_i)`` (d_i events, n_i at risk at event
  time t_i); Greenwood variance ``var(log S) = sum d_i / (n_i (n_i - d_i))``; pointwise CI on
  the log scale, ``S exp(±z se(log S))`` capped at 1 (R ``survfit`` default ``conf.type="log"``).
- Median: first time with S(t) <= 0.5; when S equals 0.5 exactly on a flat segment, the
  midpoint of that segment (R ``quantile.survfit``). Its CI: the same rule on the CI curves.
- Log-rank: observed minus expected per group, hypergeometric variance, summed over strata
  (R ``survdiff`` with ``strata()``); chi-square with k − 1 df.
- Cox: Efron ties (R ``coxph`` default), optional strata, fitted along lifelines ``CoxPHFitter``'s
  Newton path on arrays (outcome.coxpath; lifelines itself when that fails or is separated);
  Wald CI; proportional-hazards score test of R survival >= 3.0 ``cox.zph`` (KM time
  transform) and Harrell's C within strata (outcome.diagnostics).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from outcome import coxpath, diagnostics

CI_LEVEL = 0.95  # two-sided 95 % intervals: SAP convention
MIN_EVENTS_PER_VARIABLE = 10  # events per Cox parameter (Peduzzi et al., J Clin Epidemiol 1996)
MIN_N = 10  # patients with data below which no model is fitted (issue 7, degenerate inputs)
# lifelines Newton-Raphson stops, tighter than its defaults (1e-8 / 1e-9): converged as R coxph
NEWTON_OPTIONS = {"precision": 1e-12, "r_precision": 1e-14, "max_steps": 200}
UNSTABLE_SE = 5.0  # SE of log HR above which the fit is flagged (CI spans > e^19; assumption)
HALF_TOLERANCE = 1e-9  # S(t) == 0.5 test in the median rule, R quantile.survfit tolerance


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


def _at_or_after(time: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Count of ``time`` >= t for each t of ``times`` (NA times never counted; O(n log n))."""
    ordered = np.sort(time[~np.isnan(time)])
    return len(ordered) - np.searchsorted(ordered, times, side="left")


def _at(time: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Count of ``time`` == t for each t of ``times`` (NA never equal; O(n log n))."""
    ordered = np.sort(time[~np.isnan(time)])
    return np.searchsorted(ordered, times, side="right") - np.searchsorted(
        ordered, times, side="left"
    )


def km_table(time, event, level: float = CI_LEVEL) -> pd.DataFrame:
    """Kaplan–Meier estimate at every distinct observed time.

    Columns: time, n_risk, n_event, n_censor, surv, std_err (of log S, Greenwood), ci_low,
    ci_high (log transform). An empty input gives an empty table.
    """
    time = np.asarray(time, float)
    event = np.asarray(event, int)
    times = np.unique(time)
    n_risk = _at_or_after(time, times)
    n_event = _at(time[event == 1], times)
    n_censor = _at(time[event == 0], times)
    if not len(times):  # the dtype of an empty table as before (float)
        n_risk, n_event, n_censor = (np.zeros(0) for _ in range(3))
    surv = np.cumprod(1 - n_event / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    std_err = np.sqrt(np.cumsum(terms))
    std_err = np.where(surv > 0, std_err, np.nan)
    z = _z(level)
    low = surv * np.exp(-z * std_err)
    high = np.minimum(surv * np.exp(z * std_err), 1.0)
    return pd.DataFrame(
        {
            "time": times,
            "n_risk": n_risk,
            "n_event": n_event,
            "n_censor": n_censor,
            "surv": surv,
            "std_err": std_err,
            "ci_low": low,
            "ci_high": high,
        }
    )


def _first_below_half(times: np.ndarray, curve: np.ndarray) -> float:
    """First time the step curve reaches 0.5 (midpoint rule on an exact 0.5 plateau)."""
    curve = np.where(np.isnan(curve), np.inf, curve)  # NA CI where S = 0: never reached (R)
    below = np.nonzero(curve <= 0.5 + HALF_TOLERANCE)[0]
    if len(below) == 0:
        return np.nan
    i = below[0]
    if abs(curve[i] - 0.5) < HALF_TOLERANCE and i + 1 < len(times):
        return float((times[i] + times[i + 1]) / 2)
    return float(times[i])


def km_median(table: pd.DataFrame) -> tuple[float, float, float]:
    """Median survival time and its CI (NA where the curve never reaches 0.5)."""
    events = table[table["n_event"] > 0]
    if events.empty:
        return np.nan, np.nan, np.nan
    times = events["time"].to_numpy()
    return (
        _first_below_half(times, events["surv"].to_numpy()),
        _first_below_half(times, events["ci_low"].to_numpy()),
        _first_below_half(times, events["ci_high"].to_numpy()),
    )


def km_at(table: pd.DataFrame, horizon: float) -> tuple[float, float, float]:
    """S(horizon) with its CI; NA when follow-up ends before ``horizon``."""
    if table.empty or horizon > table["time"].max():
        return np.nan, np.nan, np.nan
    before = table[table["time"] <= horizon]
    if before.empty:
        return 1.0, 1.0, 1.0
    row = before.iloc[-1]
    return float(row["surv"]), float(row["ci_low"]), float(row["ci_high"])


@dataclass
class LogRank:
    """Log-rank test result: chi-square, degrees of freedom, p-value, observed/expected."""

    chisq: float
    df: int
    p_value: float
    observed: dict = field(default_factory=dict)
    expected: dict = field(default_factory=dict)


def _logrank_stratum(time, event, group, levels):
    """O − E vector and variance matrix of one stratum (hypergeometric, survdiff rho=0)."""
    times = np.unique(time[event == 1])
    n_g = np.array([_at_or_after(time[group == g], times) for g in levels], float).T
    d_g = np.array([_at(time[(group == g) & (event == 1)], times) for g in levels], float).T
    n, d = n_g.sum(axis=1), d_g.sum(axis=1)  # per event time (rows)
    e_g = d[:, None] * n_g / n[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n > 1, d * (n - d) / (n * n * (n - 1)), 0.0)
    diagonal = np.einsum("tg,gh->tgh", n_g * n[:, None], np.eye(len(levels)))
    terms = factor[:, None, None] * (diagonal - n_g[:, :, None] * n_g[:, None, :])
    # sums in time order (cumsum is sequential), as the former loop over event times added
    return (
        _running_total(d_g - e_g, len(levels)),
        _running_total(e_g, len(levels)),
        _running_total(np.where((n > 1)[:, None, None], terms, 0.0), (len(levels),) * 2),
    )


def _running_total(values: np.ndarray, shape) -> np.ndarray:
    """Sum over the first axis in order (zeros without rows)."""
    return np.cumsum(values, axis=0)[-1] if len(values) else np.zeros(shape)


def logrank(time, event, group, strata=None) -> LogRank:
    """(Stratified) log-rank test of ``group``; chi-square = (O−E)' V⁻ (O−E), df = k − 1."""
    time, event = np.asarray(time, float), np.asarray(event, int)
    group = np.asarray(group).astype(str)
    strata = np.zeros(len(time), int) if strata is None else np.asarray(strata).astype(str)
    levels = sorted(set(group))
    o_minus_e, expected, var = np.zeros(len(levels)), np.zeros(len(levels)), 0.0
    for stratum in np.unique(strata):
        keep = strata == stratum
        ome, exp, v = _logrank_stratum(time[keep], event[keep], group[keep], levels)
        o_minus_e, expected, var = o_minus_e + ome, expected + exp, var + v
    df = len(levels) - 1
    if df < 1:
        return LogRank(np.nan, 0, np.nan)
    sub = np.asarray(var)[:df, :df]
    chisq = float(o_minus_e[:df] @ np.linalg.pinv(sub) @ o_minus_e[:df])
    observed = {g: float(((group == g) & (event == 1)).sum()) for g in levels}
    return LogRank(
        chisq, df, float(stats.chi2.sf(chisq, df)), observed, dict(zip(levels, expected.tolist()))
    )


@dataclass
class CoxResult:
    """One Cox model: per-term coefficients, SEs, HRs with CI, plus model diagnostics."""

    summary: pd.DataFrame  # index term; coef, se, hr, ci_low, ci_high, p_value
    n: int
    events: int
    c_index: float  # Harrell's C of the linear predictor, pairs within strata (as R)
    ph_p: float  # cox.zph (R >= 3.0, KM transform) p-value of the first term, NA if not done
    log_likelihood: float


def _lifelines_cox(data, duration, event, terms, strata, level) -> tuple[pd.DataFrame, float]:
    """coef, se(coef) and p of lifelines ``CoxPHFitter`` (Efron), and its log likelihood."""
    from lifelines import CoxPHFitter

    model = CoxPHFitter(penalizer=0.0, alpha=1 - level)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(
            data,
            duration_col=duration,
            event_col=event,
            strata=strata or None,
            fit_options=NEWTON_OPTIONS,
        )
    table = model.summary
    return table[["coef", "se(coef)", "p"]], float(model.log_likelihood_)


def _engine_fit(data, duration, event, terms, stratum, level, strata):
    """coef, se(coef), p and log likelihood along lifelines' Newton path (outcome.coxpath);
    lifelines itself for a fit that fails there or is near-separated (SE > UNSTABLE_SE), so
    those rows and their notes stay lifelines' (docs/development.md, "Cox engine")."""
    fit = coxpath.fit(
        data[duration], data[event], data[terms].to_numpy(float), stratum, NEWTON_OPTIONS
    )
    if not (fit.converged and (fit.se <= UNSTABLE_SE).all()):
        return _lifelines_cox(data, duration, event, terms, strata, level)
    table = pd.DataFrame(
        {"coef": fit.coef, "se(coef)": fit.se, "p": stats.chi2.sf((fit.coef / fit.se) ** 2, 1)},
        index=pd.Index(terms, name="covariate"),
    )
    return table, fit.log_likelihood


def fit_cox(
    frame: pd.DataFrame,
    duration: str,
    event: str,
    terms: list[str],
    strata: list[str] | None = None,
    level: float = CI_LEVEL,
    ph_test: bool = True,
) -> CoxResult:
    """Cox model of ``terms`` (numeric columns) with optional strata, Efron ties; Wald p as
    lifelines (chi-square of z², 1 df)."""
    data = frame[[duration, event, *terms, *(strata or [])]].copy()
    stratum = data[strata].astype(str).agg("/".join, axis=1).to_numpy() if strata else None
    table, log_likelihood = _engine_fit(data, duration, event, terms, stratum, level, strata)
    z = _z(level)
    coef, se = table["coef"], table["se(coef)"]
    with np.errstate(over="ignore"):
        summary = pd.DataFrame(
            {
                "coef": coef,
                "se": se,
                "hr": np.exp(coef),
                "ci_low": np.exp(coef - z * se),
                "ci_high": np.exp(coef + z * se),
                "p_value": table["p"],
            }
        )
    x = data[terms].to_numpy(float)
    beta = coef[terms].to_numpy()
    c_index = diagnostics.harrell_c(
        data[duration], data[event], diagnostics.linear_predictor(x, beta), stratum
    )
    ph_p = (
        diagnostics.zph_test(data[duration], data[event], x, beta, stratum)[0]
        if ph_test
        else np.nan
    )
    return CoxResult(
        summary, len(data), int(data[event].sum()), float(c_index), ph_p, log_likelihood
    )


def cox_refusal(
    frame: pd.DataFrame,
    duration: str,
    event: str,
    term: str,
    n_params: int = 1,
    min_n: int = MIN_N,
    min_epv: float = MIN_EVENTS_PER_VARIABLE,
) -> str | None:
    """Why a Cox model of ``term`` must not be fitted on ``frame`` (None when it may be)."""
    n = len(frame)
    events = int(frame[event].sum()) if n else 0
    if n < min_n:
        return f"n = {n} < {min_n} patients with data"
    if events == 0:
        return "no events (all censored)"
    if frame[term].nunique() < 2:
        return "biomarker has a single value"
    if events < min_epv * n_params:
        return (
            f"{events} events < {min_epv:g} per parameter x {n_params} "
            f"(events per variable {events / n_params:.1f})"
        )
    values = frame[term]
    if values.nunique() == 2:
        for level in values.unique():
            if frame.loc[values == level, event].sum() == 0:
                return f"no events in group {term} = {level:g} (monotone likelihood)"
    return None
