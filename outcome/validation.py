"""Internal validation of the multivariable Cox model (outcome.multivariable): bootstrap
optimism of Harrell's C and of the calibration slope, and calibration at 6 months.

- Apparent C: Harrell's C of the fitted linear predictor on the data it was fitted on, pairs
  compared within strata, score ties as R (outcome.diagnostics; R ``concordance(fit)``).
- Optimism (Harrell, Lee & Mark, Stat Med 1996; Steyerberg, Clinical Prediction Models,
  ch. 17): B resamples of the complete cases with replacement (row indices from
  ``numpy.random.default_rng(seed)``, ``bootstrap_indices``); in each valid resample b the
  model is refitted (model_b) and optimism_b = C(model_b on resample b) - C(model_b on the
  original data) (R ``concordance(fit_b, newdata = original)``); optimism = mean_b
  optimism_b; corrected C = apparent C - optimism.
- Calibration slope: the coefficient γ of model_b's linear predictor in a Cox model of the
  original outcome with the same strata (R ``coxph(Surv(t, e) ~ lp_b + strata(h, l))``). On
  the resample it is 1 by construction, so optimism = 1 - mean_b γ_b and the corrected slope
  = 1 - optimism (apparent slope 1). A corrected slope below 1 says predictions are too
  extreme (shrinkage needed).
- A resample fails, is counted with its reason and left out of the means (never dropped
  silently), when a stratum with events in the original data has none in it (model_b has
  no baseline hazard there), a term has a single value in it (not estimable), or the refit
  does not converge or is near-separated (SE of a log HR > outcome.survival.UNSTABLE_SE).
- 6-month calibration: outcome.calibration (apparent: predicted S(h | x) of the fitted model
  against the Kaplan-Meier S(h) in tertiles of predicted risk).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from outcome import calibration, coxfit, diagnostics, survival
from outcome.family import PFS_HORIZON_DAYS, SEED
from outcome.multivariable import COMPLETE_CASE, ModelSpec, MultivariableCox
from stereosarc.schemas import table_columns

LOG = logging.getLogger("outcome.validation")
N_BOOTSTRAP = 200  # resamples of the optimism bootstrap (Harrell 1996 and rms::validate use 200)
COLUMNS = table_columns("model_validation")  # model_validation.tsv, in schema order
INTEGER_COLUMNS = [
    "n",
    "events",
    "bootstraps_requested",
    "bootstraps_valid",
    "bootstraps_failed",
    "seed",
]  # written as integers (NA where not applicable)


@dataclass(frozen=True)
class ValidationSettings:
    """Bootstrap resamples, seed, calibration horizon (days) and number of risk groups."""

    n_bootstrap: int = N_BOOTSTRAP
    seed: int = SEED
    horizon_days: float = PFS_HORIZON_DAYS
    groups: int = calibration.CALIBRATION_GROUPS


def bootstrap_indices(n: int, n_bootstrap: int, seed: int) -> np.ndarray:
    """Row indices (0-based) of each resample: an n_bootstrap x n integer array."""
    return np.random.default_rng(seed).integers(0, n, size=(n_bootstrap, n))


@dataclass
class _Arrays:
    """The complete cases as arrays: time, event, covariates (terms order), stratum label."""

    time: np.ndarray
    event: np.ndarray
    x: np.ndarray
    stratum: np.ndarray

    @classmethod
    def of(cls, data: pd.DataFrame, spec: ModelSpec) -> _Arrays:
        return cls(
            data["pfs_days"].to_numpy(float),
            data["pfs_event"].to_numpy(int),
            data[spec.terms].to_numpy(float),
            calibration.stratum_key(data, spec.strata),
        )

    def take(self, rows: np.ndarray) -> _Arrays:
        return _Arrays(self.time[rows], self.event[rows], self.x[rows], self.stratum[rows])

    def c_index(self, beta: np.ndarray) -> float:
        """Harrell's C of x β, pairs within strata (R concordance)."""
        risk = diagnostics.linear_predictor(self.x, beta)
        return diagnostics.harrell_c(self.time, self.event, risk, self.stratum)

    def refit(self, x: np.ndarray) -> coxfit.ArrayFit:
        """Stratified Efron Cox fit of this outcome on the columns of ``x``."""
        return coxfit.fit(self.time, self.event, x, self.stratum)


def _unusable(fit: coxfit.ArrayFit) -> bool:
    """Non-convergence or near-separation (SE of a log HR > survival.UNSTABLE_SE)."""
    return not (fit.converged and (fit.se <= survival.UNSTABLE_SE).all())


def _failure(original: _Arrays, resample: _Arrays) -> str | None:
    """Why a resample cannot give a model_b (None: it can)."""
    if set(original.stratum[original.event == 1]) - set(resample.stratum[resample.event == 1]):
        return "stratum without events"
    if any(len(np.unique(column)) < 2 for column in resample.x.T):
        return "covariate with a single value"
    return None


def _one_resample(original: _Arrays, resample: _Arrays) -> dict:
    """c_resample, c_original and slope_original of model_b, or the failure reason."""
    why = _failure(original, resample)
    if why:
        return {"failure": why}
    fit = resample.refit(resample.x)
    if _unusable(fit):
        return {"failure": "no convergence or near-separation"}
    slope = original.refit(diagnostics.linear_predictor(original.x, fit.coef)[:, None])
    if _unusable(slope):
        return {"failure": "calibration-slope refit did not converge"}
    return {
        "c_resample": resample.c_index(fit.coef),
        "c_original": original.c_index(fit.coef),
        "slope_original": float(slope.coef[0]),
        "failure": "",
    }


def bootstrap_optimism(data: pd.DataFrame, spec: ModelSpec, indices: np.ndarray) -> pd.DataFrame:
    """One row per resample (rows of ``indices``, 0-based into ``data``): c_resample,
    c_original, slope_original and failure (the reason, '' for a valid resample)."""
    original = _Arrays.of(data, spec)
    rows = [_one_resample(original, original.take(resample)) for resample in indices]
    return pd.DataFrame(rows, columns=["c_resample", "c_original", "slope_original", "failure"])


def _reasons(failures: pd.Series) -> str:
    """'reason: count; ...' of the failed resamples, 'none' when every resample was valid."""
    counts = Counter(reason.split(" (")[0] for reason in failures if reason)
    return "; ".join(f"{reason}: {count}" for reason, count in sorted(counts.items())) or "none"


def _row(**values) -> dict:
    return dict.fromkeys(COLUMNS, np.nan) | {"analysis": COMPLETE_CASE} | values


def validate(model: MultivariableCox, settings: ValidationSettings) -> pd.DataFrame:
    """model_validation.tsv rows of a fitted (or refused) MultivariableCox."""
    table = _validation_rows(model, settings)
    return table.astype({column: "Int64" for column in INTEGER_COLUMNS})


def _validation_rows(model: MultivariableCox, settings: ValidationSettings) -> pd.DataFrame:
    data, spec = model.complete_.reset_index(drop=True), model.spec
    n, events = len(data), int(data["pfs_event"].sum())
    common = dict(
        n=n,
        events=events,
        ci_level=spec.level,
        bootstraps_requested=settings.n_bootstrap,
        seed=settings.seed,
    )
    if model.fit_ is None:
        note = f"not fitted: {model.refusal_}"
        return pd.DataFrame(
            [
                _row(quantity=q, **common, note=note)
                for q in ("c_index", "calibration_slope", "calibration_6m")
            ],
            columns=COLUMNS,
        )
    indices = bootstrap_indices(n, settings.n_bootstrap, settings.seed)
    runs = bootstrap_optimism(data, spec, indices)
    valid = runs[runs["failure"] == ""]
    counts = dict(
        bootstraps_valid=len(valid),
        bootstraps_failed=len(runs) - len(valid),
        failure_reasons=_reasons(runs["failure"]),
    )
    note = "" if len(valid) else "no valid resample: optimism not estimable"
    LOG.info(
        "bootstrap validation: %d resamples (seed %d), %d valid; %s",
        len(runs),
        settings.seed,
        len(valid),
        counts["failure_reasons"],
    )
    apparent_c = model.fit_.c_index
    c_optimism = (
        float((valid["c_resample"] - valid["c_original"]).mean()) if len(valid) else np.nan
    )
    slope_optimism = float(1 - valid["slope_original"].mean()) if len(valid) else np.nan
    rows = [
        _row(
            quantity="c_index",
            apparent=apparent_c,
            optimism=c_optimism,
            corrected=apparent_c - c_optimism,
            **common,
            **counts,
            note=note,
        ),
        _row(
            quantity="calibration_slope",
            apparent=1.0,
            optimism=slope_optimism,
            corrected=1.0 - slope_optimism,
            **common,
            **counts,
            note=note,
        ),
    ]
    rows += calibration_rows(model, settings)
    return pd.DataFrame(rows, columns=COLUMNS)


def calibration_rows(model: MultivariableCox, settings: ValidationSettings) -> list[dict]:
    """Apparent calibration at the horizon, per tertile of predicted risk and overall."""
    data, spec = model.complete_.reset_index(drop=True), model.spec
    predicted = calibration.predicted_survival(
        data, data, spec.terms, spec.strata, model.beta_, settings.horizon_days
    )
    missing = int(np.isnan(predicted).sum())
    note = "apparent (no optimism correction); groups at tertiles of predicted risk" + (
        f"; {missing} patients whose stratum ends before the horizon left out" if missing else ""
    )
    table = calibration.calibration_groups(
        data, predicted, settings.horizon_days, spec.level, settings.groups
    )
    return [
        _row(
            quantity="calibration_6m",
            **group,
            ci_level=spec.level,
            horizon_days=settings.horizon_days,
            note=note if group["n"] else f"{note}; empty group",
        )
        for group in table.to_dict("records")
    ]
