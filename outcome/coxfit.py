"""A small array Cox fitter for the bootstrap refits of outcome.validation.

Stratified Cox partial likelihood with Efron's tie handling, maximised by Newton-Raphson with
step halving, as R ``coxph`` (Therneau & Grambsch 2000, ch. 3; R ``coxfit6``). At an event
time t of stratum s with d tied events, risk set R(t) (patients of s with time >= t) and
a_j = j / d (j = 0..d-1): the log partial likelihood gains Σ_events η - Σ_j log(S0 - a_j D0),
with S0 = Σ_R e^η, D0 = Σ_events e^η (and S1, D1, S2, D2 the first and second moments of x
with the same weights) giving the score Σ_events x - Σ_j (S1 - a_j D1) / (S0 - a_j D0) and the
information Σ_j [(S2 - a_j D2) / (S0 - a_j D0) - m_j m_j'], m_j the mean vector of step j.

outcome.survival.fit_cox (lifelines) remains the engine of reported fits; lifelines spends
~0.7 s of pandas overhead per fit, which 2 x 200 bootstrap refits cannot afford. Both are
checked against R survival (tests/crosscheck/test_multivariable_r.py) and against each other
(tests/unit/test_multivariable_model.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_ITER = 50  # Newton steps (R coxph iter.max is 20; halving can need a few more)
TOLERANCE = 1e-11  # relative change of the log partial likelihood at convergence (R: 1e-9)


@dataclass
class ArrayFit:
    """Coefficients, their SEs (inverse information), log partial likelihood, converged."""

    coef: np.ndarray
    se: np.ndarray
    log_likelihood: float
    converged: bool


def _rev_cumsum(values: np.ndarray) -> np.ndarray:
    return values[::-1].cumsum(axis=0)[::-1]


@dataclass
class _Stratum:
    """Rows of one stratum sorted by time, the first row of each distinct event time, and
    each event row's event-time number."""

    rows: np.ndarray
    first: np.ndarray
    event_rows: np.ndarray
    event_group: np.ndarray
    ties: np.ndarray


def _strata_layout(time, event, strata) -> list[_Stratum]:
    layout = []
    for stratum in np.unique(strata):
        rows = np.flatnonzero(strata == stratum)
        rows = rows[np.argsort(time[rows], kind="mergesort")]
        t, e = time[rows], event[rows]
        moments = np.unique(t[e == 1])
        event_rows = rows[e == 1]
        group = np.searchsorted(moments, time[event_rows])
        first = np.searchsorted(t, moments, side="left")
        layout.append(_Stratum(rows, first, event_rows, group, np.bincount(group)))
    return layout


def _derivatives(x, beta, layout):
    """Log partial likelihood, score and information at ``beta`` (Efron)."""
    eta = x @ beta
    eta = eta - eta.max()  # the likelihood is invariant to a common shift; avoids overflow
    risk = np.exp(eta)
    p = x.shape[1]
    loglik, score, info = 0.0, np.zeros(p), np.zeros((p, p))
    for s in layout:
        if len(s.ties) == 0:
            continue
        r, xs = risk[s.rows], x[s.rows]
        outer = xs[:, :, None] * xs[:, None, :]
        s0 = _rev_cumsum(r)[s.first]
        s1 = _rev_cumsum(r[:, None] * xs)[s.first]
        s2 = _rev_cumsum(r[:, None, None] * outer)[s.first]
        rd, xd = risk[s.event_rows], x[s.event_rows]
        k = len(s.ties)
        d0 = np.bincount(s.event_group, rd, minlength=k)
        d1 = np.zeros((k, p))
        np.add.at(d1, s.event_group, rd[:, None] * xd)
        d2 = np.zeros((k, p, p))
        np.add.at(d2, s.event_group, rd[:, None, None] * xd[:, :, None] * xd[:, None, :])
        loglik += eta[s.event_rows].sum()
        score += xd.sum(axis=0)
        for j in range(int(s.ties.max())):
            on = s.ties > j
            share = (j / s.ties[on])[:, None]
            w0 = s0[on] - share[:, 0] * d0[on]
            mean = (s1[on] - share * d1[on]) / w0[:, None]
            loglik -= np.log(w0).sum()
            score -= mean.sum(axis=0)
            second = (s2[on] - share[:, :, None] * d2[on]) / w0[:, None, None]
            info += (second - mean[:, :, None] * mean[:, None, :]).sum(axis=0)
    return loglik, score, info


def fit(time, event, x, strata=None) -> ArrayFit:
    """Maximum partial-likelihood fit of a stratified Efron Cox model (x: n x p)."""
    time, event = np.asarray(time, float), np.asarray(event, int)
    x = np.asarray(x, float).reshape(len(time), -1)
    x = x - x.mean(axis=0)  # centring (as R) changes nothing but the numerical range
    strata = np.zeros(len(time)) if strata is None else np.asarray(strata).astype(str)
    blocks = _strata_layout(time, event, strata)
    beta = np.zeros(x.shape[1])
    loglik, score, info = _derivatives(x, beta, blocks)
    converged = False
    for _ in range(MAX_ITER):
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            break
        new = beta + step
        new_loglik, new_score, new_info = _derivatives(x, new, blocks)
        halvings = 0
        while not new_loglik >= loglik - 1e-12 * abs(loglik) and halvings < 20:
            new = (beta + new) / 2
            new_loglik, new_score, new_info = _derivatives(x, new, blocks)
            halvings += 1
        change = abs(new_loglik - loglik)
        beta, loglik, score, info = new, new_loglik, new_score, new_info
        if change <= TOLERANCE * max(abs(loglik), 1.0) and np.abs(step).max() < 1e-6:
            converged = True
            break
    try:
        se = np.sqrt(np.diag(np.linalg.inv(info)))
    except np.linalg.LinAlgError:
        se, converged = np.full(len(beta), np.inf), False
    return ArrayFit(beta, se, float(loglik), converged and bool(np.isfinite(beta).all()))
