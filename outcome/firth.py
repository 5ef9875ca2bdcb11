"""Firth-penalised logistic regression with logistf semantics (Firth, Biometrika 1993;
Heinze & Schemper, Stat Med 2002).

Penalised log-likelihood l*(β) = Σ [y log p + (1 − y) log(1 − p)] + ½ log det I(β), with
p = 1 / (1 + exp(−Xβ)) and I(β) = Xᵀ W X, W = diag(p (1 − p)); the penalty always uses the
full design (as logistf does, also when coefficients are held fixed).

- Estimate: Newton–Raphson on the modified score U*(β) = Xᵀ (y − p + h (½ − p)), h the
  diagonal of the hat matrix W^½ X I⁻¹ Xᵀ W^½; steps capped at 5 (logistf ``maxstep``) and
  halved while l* decreases (logistf ``maxhs``).
- Profile penalised-likelihood interval of β_j: {b : 2 [l*(β̂) − max_{β: β_j = b} l*(β)] ≤
  χ²₁(level)}; its two ends are found by root-finding (Brent) on the profile, not by the
  Wald approximation, and are asymmetric under separation.
- Penalised likelihood-ratio test of β_j = 0: χ² = 2 [l*(β̂) − max_{β_j = 0} l*], 1 df.
Checked against logistf's published results for Heinze & Schemper's endometrial example.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

MAX_ITER = 100  # Newton steps (logistf maxit 25; extra margin)
MAX_STEP = 5.0  # largest change of one coefficient in one step (logistf maxstep 5)
MAX_HALVINGS = 25  # step halvings while l* decreases (logistf maxhs)
TOL = 1e-10  # convergence on the largest coefficient change
BRACKET_STEPS = 60  # doublings of the search distance before a profile end is called infinite


def penalised_loglik(x: np.ndarray, y: np.ndarray, beta: np.ndarray) -> float:
    """l*(β) of the logistic model with Firth's penalty ½ log det(XᵀWX)."""
    eta = x @ beta
    loglik = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
    p = 1 / (1 + np.exp(-eta))
    sign, logdet = np.linalg.slogdet(x.T @ (x * (p * (1 - p))[:, None]))
    return loglik + 0.5 * logdet if sign > 0 else -np.inf


def fit(
    x: np.ndarray,
    y: np.ndarray,
    fixed: dict[int, float] | None = None,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """(β̂, l*(β̂)) maximising l* over the coefficients not in ``fixed`` ({column: value})."""
    fixed = fixed or {}
    free = np.array([j for j in range(x.shape[1]) if j not in fixed], int)
    beta = np.zeros(x.shape[1]) if start is None else np.array(start, float)
    for j, value in fixed.items():
        beta[j] = value
    current = penalised_loglik(x, y, beta)
    for _ in range(MAX_ITER):
        p = 1 / (1 + np.exp(-x @ beta))
        w = p * (1 - p)
        info = x.T @ (x * w[:, None])
        root_w = np.sqrt(w)[:, None]
        hat = np.einsum("ij,jk,ik->i", x * root_w, np.linalg.inv(info), x * root_w)
        score = x.T @ (y - p + hat * (0.5 - p))
        step = np.zeros_like(beta)
        step[free] = np.linalg.solve(info[np.ix_(free, free)], score[free])
        step /= max(1.0, np.abs(step).max() / MAX_STEP)
        for _ in range(MAX_HALVINGS):
            candidate = penalised_loglik(x, y, beta + step)
            if candidate >= current - 1e-12:
                break
            step /= 2
        beta, current = beta + step, candidate
        if np.abs(step).max() < TOL:
            break
    return beta, current


def _profile_end(x, y, j, beta_hat, loglik_hat, threshold, direction, scale) -> float:
    """The value b on ``direction`` (+1/−1) side of β̂_j where the profile deviance reaches
    ``threshold``; ±inf when it never does."""

    def excess(b):
        return 2 * (loglik_hat - fit(x, y, {j: b}, beta_hat)[1]) - threshold

    distance = scale
    for _ in range(BRACKET_STEPS):
        if excess(beta_hat[j] + direction * distance) > 0:
            ends = sorted([beta_hat[j], beta_hat[j] + direction * distance])
            return optimize.brentq(excess, *ends, xtol=1e-10, rtol=1e-12)
        distance *= 2
    return direction * np.inf


def profile(x: np.ndarray, y: np.ndarray, j: int, level: float = 0.95) -> dict:
    """Firth fit with the profile penalised-likelihood CI and penalised LR p of β_j."""
    beta, loglik = fit(x, y)
    threshold = float(stats.chi2.ppf(level, 1))
    p = 1 / (1 + np.exp(-x @ beta))
    cov = np.linalg.inv(x.T @ (x * (p * (1 - p))[:, None]))
    scale = max(float(np.sqrt(cov[j, j])), 1e-3)
    low = _profile_end(x, y, j, beta, loglik, threshold, -1, scale)
    high = _profile_end(x, y, j, beta, loglik, threshold, +1, scale)
    chisq = max(2 * (loglik - fit(x, y, {j: 0.0}, beta)[1]), 0.0)
    return {
        "coef": beta,
        "se": np.sqrt(np.diag(cov)),
        "ci_low": low,
        "ci_high": high,
        "chisq": chisq,
        "p_value": float(stats.chi2.sf(chisq, 1)),
        "loglik": loglik,
    }
