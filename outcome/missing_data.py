"""Missing data: how much is missing, by arm and histology, and a multiple-imputation
sensitivity analysis of a stratified Cox model (method: docs/statistics.md, Missing data).

- Missingness (``missingness_table``): for each analysed variable and each group (all
  patients, each arm, each histology) n = patients in the group (rows of biomarkers.tsv, the
  denominator), n_missing = those with the variable NA, percent_missing = 100 n_missing / n.
  ``missing_by_arm_p``: two-sided Fisher's exact test of the 2 x 2 table arm x (missing, not
  missing); NA when nothing or everything is missing (no test is possible).
- MICE (``impute``, ``mice_cox``): multiple imputation by chained equations (van Buuren &
  Groothuis-Oudshoorn 2011) with statsmodels ``MICEData``: per covariate a linear model on all
  other columns, its coefficients drawn from their approximate posterior N(beta-hat, cov)
  (proper imputation), then predictive mean matching with 5 donors (R mice default ``pmm``):
  each missing value is the observed value of one of the 5 patients with the closest
  predicted mean, so binary covariates stay 0/1 and values stay in the observed range. The
  imputation model holds the covariates, the event indicator and the Nelson–Aalen cumulative
  hazard H(T) at each patient's time (White & Royston, Stat Med 2009) and the strata as
  indicator columns. Dataset i (i = 0..m−1) is an independent chain seeded seed + i, after
  ``max_iter`` cycles. The same stratified Cox model (outcome.survival.fit_cox, Efron ties)
  is fitted on each completed dataset.
- Pooling (``rubin_pool``), exactly as R ``mice::pool`` (rule "rubin1987") and its
  ``summary(conf.int = TRUE)``: qbar = mean of the m estimates, ubar = mean within variance,
  b = between variance (m − 1 denominator), t = ubar + (1 + 1/m) b, se = sqrt(t),
  riv = (1 + 1/m) b / ubar, lambda = (1 + 1/m) b / t, Barnard–Rubin (1999) degrees of freedom
  df = df_old df_obs / (df_old + df_obs), df_old = (m − 1) / max(lambda, 1e−4)²,
  df_obs = (df_com + 1) / (df_com + 3) df_com (1 − max(lambda, 1e−4)), fmi = (riv + 2 / (df +
  3)) / (riv + 1); p = 2 P(T_df > |qbar / se|); CI qbar ± t_{df, 1 − a/2} se. The complete-data
  df_com is events − number of coefficients for a Cox model (mice ``get.dfcom`` for coxph).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from outcome import survival
from outcome.exceptions import OutcomeInputError
from outcome.family import STRATA, Settings, baseline_markers
from stereosarc.schemas import required_columns, table_columns

LOG = logging.getLogger("outcome.missing_data")
GROUP_TYPES = ("overall", "arm", "histology")  # rows of missingness.tsv per variable
MISSINGNESS_COLUMNS = table_columns("missingness")  # missingness.tsv, in schema order
MICE_COLUMNS = required_columns("multivariable")  # the multivariable.tsv columns MICE rows fill
MICE_IMPUTATIONS = Settings().mice_imputations  # default m (source: outcome.family.Settings)
MICE_ITERATIONS = Settings().mice_iterations  # default cycles (outcome.family.Settings)
LAMBDA_FLOOR = 1e-4  # lower bound of lambda in the df of R mice:::barnard.rubin
MIN_DF = 0.001  # df floor of the p-value in R mice summary.mipo (pmax(df, 0.001))
PMM_DONORS = 5  # predictive mean matching donors: R mice default (donors = 5L)


def analysed_columns(columns) -> list[str]:
    """Baseline biomarkers of the association family (outcome.family) and the strata."""
    return [m.column for m in baseline_markers(columns)] + [c for c in STRATA if c in columns]


def _missing_by_arm_p(frame: pd.DataFrame, missing: pd.Series) -> float:
    """Two-sided Fisher exact p of arm x missing; NA when one margin is empty."""
    arms = frame["arm"].dropna().unique()
    if len(arms) != 2 or missing.all() or not missing.any():
        return np.nan
    table = pd.crosstab(frame["arm"], missing).reindex(columns=[False, True], fill_value=0)
    return float(stats.fisher_exact(table.to_numpy())[1])


def missingness_table(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """One row per (variable, group_type, group): n patients in the group (denominator),
    n_missing with the variable NA, percent_missing = 100 n_missing / n; missing_by_arm_p
    (Fisher, see module docstring) on every row of the variable. ``columns`` defaults to
    ``analysed_columns``."""
    columns = analysed_columns(frame.columns) if columns is None else columns
    rows = []
    for variable in columns:
        missing = frame[variable].isna()
        p_arm = _missing_by_arm_p(frame, missing) if "arm" in frame else np.nan
        groups = [("overall", "all patients", pd.Series(True, index=frame.index))]
        for group_type in GROUP_TYPES[1:]:
            if group_type in frame:
                groups += [
                    (group_type, str(value), frame[group_type] == value)
                    for value in sorted(frame[group_type].dropna().unique())
                ]
        for group_type, group, inside in groups:
            n, n_missing = int(inside.sum()), int((missing & inside).sum())
            rows.append(
                dict(
                    variable=variable,
                    group_type=group_type,
                    group=group,
                    n=n,
                    n_missing=n_missing,
                    percent_missing=100 * n_missing / n if n else np.nan,
                    missing_by_arm_p=p_arm,
                )
            )
    return pd.DataFrame(rows, columns=MISSINGNESS_COLUMNS)


def rubin_pool(
    estimates, variances, n_complete: float, k: int, level: float = survival.CI_LEVEL
) -> pd.DataFrame:
    """Rubin's rules with Barnard–Rubin df (module docstring), one row per parameter.

    ``estimates``, ``variances``: arrays m x p (m >= 2 completed-data fits, squared SEs);
    df_com = max(n_complete − k, 1) (``n_complete`` = inf: large-sample df_com). Columns:
    estimate, se, ubar, b, t, df, riv, lambda, fmi, statistic, p_value, ci_low, ci_high.
    """
    q = np.atleast_2d(np.asarray(estimates, float))
    u = np.atleast_2d(np.asarray(variances, float))
    m = q.shape[0]
    if m < 2:
        raise ValueError("rubin_pool needs at least 2 completed-data fits")
    dfcom = np.inf if np.isinf(n_complete) else max(n_complete - k, 1)
    qbar, ubar, b = q.mean(axis=0), u.mean(axis=0), q.var(axis=0, ddof=1)
    t = ubar + (1 + 1 / m) * b
    lam = (1 + 1 / m) * b / t
    floored = np.maximum(lam, LAMBDA_FLOOR)
    df_old = (m - 1) / floored**2
    df_obs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - floored)
    df = df_old if np.isinf(dfcom) else df_old * df_obs / (df_old + df_obs)
    with np.errstate(divide="ignore", invalid="ignore"):
        riv = (1 + 1 / m) * b / ubar
    se = np.sqrt(t)
    statistic = qbar / se
    quantile = stats.t.ppf(0.5 + level / 2, df)
    return pd.DataFrame(
        {
            "estimate": qbar,
            "se": se,
            "ubar": ubar,
            "b": b,
            "t": t,
            "df": df,
            "riv": riv,
            "lambda": lam,
            "fmi": (riv + 2 / (df + 3)) / (riv + 1),
            "statistic": statistic,
            "p_value": 2 * stats.t.sf(np.abs(statistic), np.maximum(df, MIN_DF)),
            "ci_low": qbar - quantile * se,
            "ci_high": qbar + quantile * se,
        }
    )


def nelson_aalen_at_own_time(time, event) -> np.ndarray:
    """H(T_i) = sum over event times t <= T_i of d(t) / n(t) (Nelson–Aalen, all patients)."""
    from lifelines import NelsonAalenFitter

    fitter = NelsonAalenFitter(nelson_aalen_smoothing=False)
    fitter.fit(np.asarray(time, float), np.asarray(event, int))
    return fitter.cumulative_hazard_at_times(np.asarray(time, float)).to_numpy()


def _imputation_frame(model_frame, covariates, strata) -> pd.DataFrame:
    """Covariates, event, H(T) and stratum indicators (first level dropped), index 0..n−1."""
    outcome = pd.DataFrame(
        {
            "mice_event": model_frame["pfs_event"].to_numpy(float),
            "mice_cumhaz": nelson_aalen_at_own_time(
                model_frame["pfs_days"], model_frame["pfs_event"]
            ),
        },
        index=model_frame.index,
    )
    parts = [model_frame[covariates].astype(float), outcome]
    if strata:
        indicators = pd.get_dummies(
            model_frame[list(strata)].astype(str), drop_first=True, dtype=float
        )
        names = [f"mice_stratum{i}" for i in range(indicators.shape[1])]  # formula-safe names
        parts.append(indicators.set_axis(names, axis=1))
    return pd.concat(parts, axis=1).reset_index(drop=True)


@dataclass(frozen=True)
class Chains:
    """The imputation chains: ``m`` of them, chain i seeded ``seed + i``, ``max_iter`` cycles."""

    m: int = MICE_IMPUTATIONS
    seed: int = 0
    max_iter: int = MICE_ITERATIONS


def _array_design_mice():
    """statsmodels ``MICEData`` with the design matrix of each default conditional model
    (``v ~ every other column``: intercept, then the other columns in frame order, as patsy
    builds it) sliced from the data instead of rebuilt by patsy at every update. Everything
    else (OLS fit, Gaussian parameter draw, PMM, random stream) is statsmodels' own; patsy
    took 93 % of the imputation time (docs/development.md, "MICE design matrices")."""
    from statsmodels.imputation.mice import MICEData

    class ArrayDesignMICEData(MICEData):
        def _design(self, vname: str) -> tuple[np.ndarray, np.ndarray]:
            others = [c for c in self.data.columns if c != vname]
            exog = np.ones((len(self.data), len(others) + 1), order="F")
            exog[:, 1:] = self.data[others].to_numpy(float)
            return self.data[[vname]].to_numpy(float), exog

        def get_split_data(self, vname):
            endog, exog = self._design(vname)
            observed, missing = self.ix_obs[vname], self.ix_miss[vname]
            return endog[observed], exog[observed], exog[missing], {}, {}

        def get_fitting_data(self, vname):
            endog, exog = self._design(vname)
            observed = self.ix_obs[vname]
            return endog[observed, 0], exog[observed], {}, {}

    return ArrayDesignMICEData


def impute(
    model_frame: pd.DataFrame, covariates: list[str], strata=STRATA, chains: Chains = Chains()
) -> list[pd.DataFrame]:
    """m completed copies of ``model_frame`` (covariates imputed; module docstring)."""
    m, seed, max_iter = chains.m, chains.seed, chains.max_iter
    chain_class = _array_design_mice()
    matrix = _imputation_frame(model_frame, covariates, strata)
    completed = []
    for i in range(m):
        chain = chain_class(matrix, k_pmm=PMM_DONORS, rng=seed + i)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # near-singular imputation models warn; PMM copes
            chain.update_all(max_iter)
        copy = model_frame.copy()
        for column in covariates:
            copy[column] = chain.data[column].to_numpy()
        completed.append(copy)
    return completed


def _refusal(frame, covariates, min_n, min_epv) -> str | None:
    """Why no imputation model is fitted (None when it may be)."""
    events = int(frame["pfs_event"].sum())
    if len(frame) < min_n:
        return f"n = {len(frame)} < {min_n} patients with PFS and strata"
    for column in covariates:
        observed = frame[column].dropna()
        if observed.empty:
            return f"covariate {column} has no observed value"
        if observed.nunique() < 2:
            return f"covariate {column} has a single observed value"
    if events < min_epv * len(covariates):
        return f"{events} events < {min_epv:g} per parameter x {len(covariates)}"
    return None


def _rows(terms, values: dict) -> pd.DataFrame:
    table = pd.DataFrame({"term": terms, **values}, columns=MICE_COLUMNS)
    return table.assign(analysis="mice")


def pool_cox(
    completed: list[pd.DataFrame], covariates, strata=STRATA, level: float = survival.CI_LEVEL
) -> pd.DataFrame:
    """Stratified Cox of PFS on ``covariates`` in each completed dataset, pooled (MICE_COLUMNS)."""
    fits = [
        survival.fit_cox(d, "pfs_days", "pfs_event", covariates, list(strata), level, False)
        for d in completed
    ]
    estimates = np.array([f.summary.loc[covariates, "coef"].to_numpy() for f in fits])
    variances = np.array([f.summary.loc[covariates, "se"].to_numpy() ** 2 for f in fits])
    events = fits[0].events
    pooled = rubin_pool(estimates, variances, events, len(covariates), level)
    return _rows(
        covariates,
        dict(
            n=fits[0].n,
            events=events,
            m_imputations=len(completed),
            estimate=pooled["estimate"],
            se=pooled["se"],
            hr=np.exp(pooled["estimate"]),
            ci_low=np.exp(pooled["ci_low"]),
            ci_high=np.exp(pooled["ci_high"]),
            p_value=pooled["p_value"],
            df=pooled["df"],
            fmi=pooled["fmi"],
            note="",
        ),
    )


def mice_cox(
    model_frame: pd.DataFrame,
    covariates: list[str],
    strata=STRATA,
    chains: Chains = Chains(),
    min_n: int = survival.MIN_N,
    min_events_per_variable: float = survival.MIN_EVENTS_PER_VARIABLE,
    level: float = survival.CI_LEVEL,
) -> pd.DataFrame:
    """MICE sensitivity analysis of the stratified Cox model of PFS on ``covariates``.

    ``model_frame``: pfs_days, pfs_event, the ``strata`` and the numeric ``covariates`` (NaN =
    missing). Patients without PFS or a stratum are left out (counted in ``note``). One row per
    covariate (MICE_COLUMNS, analysis "mice"): pooled log HR (estimate), se, HR and CI on the
    HR scale, p from t(df), Barnard–Rubin df and fmi; NA estimates with the reason in ``note``
    when the model cannot be fitted.
    """
    m, seed, max_iter = chains.m, chains.seed, chains.max_iter
    wanted = ["pfs_days", "pfs_event", *strata, *covariates]
    absent = [c for c in wanted if c not in model_frame]
    if absent:
        raise OutcomeInputError(f"MICE model frame lacks column(s): {', '.join(absent)}")
    if m < 2 or max_iter < 1:
        raise OutcomeInputError("MICE needs m >= 2 imputations and >= 1 iteration")
    frame = model_frame[wanted].dropna(subset=["pfs_days", "pfs_event", *strata])
    dropped = len(model_frame) - len(frame)
    complete = int(frame[covariates].notna().all(axis=1).sum())
    notes = [
        f"{complete}/{len(frame)} complete cases; {m} imputations x {max_iter} iterations, "
        f"seeds {seed}..{seed + m - 1}"
    ]
    notes += [f"{dropped} patients without PFS or stratum left out"] if dropped else []
    base = dict(
        n=len(frame), events=int(frame["pfs_event"].sum()), m_imputations=m, note="; ".join(notes)
    )
    refusal = _refusal(frame, covariates, min_n, min_events_per_variable)
    if refusal:
        LOG.info("MICE Cox not fitted: %s", refusal)
        return _rows(covariates, base | {"note": f"not fitted: {refusal}; {base['note']}"})
    LOG.info("MICE Cox: %s", base["note"])
    completed = impute(frame, covariates, strata, chains)
    return pool_cox(completed, covariates, strata, level).assign(note=base["note"])


def mice_rows(
    model_frame: pd.DataFrame, covariates: list[str], settings: Settings
) -> pd.DataFrame:
    """``mice_cox`` with the analysis settings (m, iterations, seed, refusal rules, CI level):
    the MICE rows of the multivariable model for outcome-associate."""
    return mice_cox(
        model_frame,
        covariates,
        STRATA,
        Chains(settings.mice_imputations, settings.seed, settings.mice_iterations),
        settings.min_n,
        settings.min_events_per_variable,
        settings.level,
    )
