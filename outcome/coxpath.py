"""lifelines' Newton-Raphson path for the stratified Efron Cox model, on arrays.

outcome.survival.fit_cox reported lifelines ``CoxPHFitter`` fits, which spend 0.3-1.5 s each
partitioning pandas frames by stratum (about 140 fits in one outcome-associate run on the
demo; docs/development.md, "Cox engine"). This module takes the same steps as lifelines 0.30
``CoxPHFitter._newton_raphson_for_efron_model`` so that the reported numbers do not move:

- covariates standardised, z = (x - mean) / sd (sd with n - 1), β₀ = 0;
- at each iterate the Efron log partial likelihood, score and information (outcome.coxfit,
  the same quantities as R ``coxfit6``), Newton direction δ = I⁻¹ U, damped step β + s δ with
  lifelines' step sizer (s₀ = 0.95; s × 0.1 when |δ| >= 15, × 0.25 when 5 < |δ| < 15;
  × 1.3 up to 1 after three decreasing |δ|, × 0.98 otherwise);
- stop at the current β (the last δ is not taken) when |δ| < precision, the relative change
  of the log likelihood < r_precision, or the Newton decrement U·δ / 2 < precision;
- coef = β / sd, var = I⁻¹ / (sd sdᵀ).

lifelines therefore stops one Newton step short of the maximum (up to ~1e-6 relative on the
demo; R ``coxph`` and outcome.coxfit go to it). A path that fails (singular information,
step below 1e-5, max_steps) returns ``converged = False`` and the caller uses lifelines.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg

from outcome import coxfit

INITIAL_STEP = 0.95  # lifelines _newton_raphson_for_efron_model step_size default
STEP_GROWTH = 1.3  # lifelines StepSizer SCALE
LOOKBACK = 3  # lifelines StepSizer LOOKBACK
SMALLEST_STEP = 1e-5  # lifelines gives up at step_size <= 0.00001


@dataclass
class _StepSizer:
    """lifelines.utils.StepSizer: the damping factor of each Newton step."""

    size: float = INITIAL_STEP
    temper_back_up: bool = False
    norms: list = field(default_factory=list)

    def update(self, norm_delta: float) -> float:
        self.norms.append(norm_delta)
        if self.temper_back_up:
            self.size = min(self.size * STEP_GROWTH, INITIAL_STEP)
        if norm_delta >= 15.0:
            self.size *= 0.1
            self.temper_back_up = True
        elif 15.0 > norm_delta > 5.0:
            self.size *= 0.25
            self.temper_back_up = True
        if len(self.norms) >= LOOKBACK:
            decreasing = bool(np.all(np.diff(self.norms[-LOOKBACK:]) < 0))
            self.size = min(self.size * STEP_GROWTH, 1.0) if decreasing else self.size * 0.98
        return self.size


def _stops(i, norm_delta, decrement, loglik, previous, step, options) -> bool | None:
    """True: converged; False: failed; None: go on (lifelines' order of the tests)."""
    if norm_delta < options["precision"]:
        return True
    if previous != 0 and abs(loglik - previous) / (-previous) < options["r_precision"]:
        return True
    if decrement < options["precision"]:
        return True
    if i >= options["max_steps"] or step <= SMALLEST_STEP:
        return False
    if abs(loglik) < 1e-4 and norm_delta > 1.0:
        return False
    return None


def fit(time, event, x, strata, options: dict) -> coxfit.ArrayFit:
    """Stratified Efron Cox fit along lifelines' Newton path (module docstring).

    ``options``: precision, r_precision, max_steps as lifelines ``fit_options``."""
    time, event = np.asarray(time, float), np.asarray(event, int)
    x = np.asarray(x, float).reshape(len(time), -1)
    strata = np.zeros(len(time)) if strata is None else np.asarray(strata).astype(str)
    sd = x.std(axis=0, ddof=1)
    z = (x - x.mean(axis=0)) / sd
    layout = coxfit._strata_layout(time, event, strata)
    beta, delta, sizer = np.zeros(x.shape[1]), np.zeros(x.shape[1]), _StepSizer()
    step, previous, i = sizer.size, 0.0, 0
    while True:
        beta = beta + step * delta
        i += 1
        loglik, score, info = coxfit._derivatives(z, beta, layout)
        try:
            with warnings.catch_warnings():  # ill-conditioned: lifelines goes on (its warnings
                warnings.simplefilter("ignore")  # were silenced by fit_cox as these are)
                delta = linalg.solve(info, score, assume_a="pos", check_finite=False)
        except (ValueError, np.linalg.LinAlgError):
            return coxfit.ArrayFit(beta / sd, np.full(len(beta), np.inf), loglik, False)
        if np.isnan(delta).any():
            return coxfit.ArrayFit(beta / sd, np.full(len(beta), np.inf), loglik, False)
        norm_delta = float(np.linalg.norm(delta))
        done = _stops(i, norm_delta, score @ delta / 2, loglik, previous, step, options)
        if done is not None:
            break
        previous = loglik
        step = sizer.update(norm_delta)
    variance = np.linalg.inv(info) / np.outer(sd, sd)
    return coxfit.ArrayFit(beta / sd, np.sqrt(np.diag(variance)), float(loglik), done)
