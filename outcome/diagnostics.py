"""Diagnostics of a fitted Cox model, as R survival >= 3.0 computes them.

- Proportional-hazards test (``zph_test``): the score test of R survival >= 3.0
  ``cox.zph(fit, transform = "km")`` (Therneau's 2019 rewrite, C routine ``zph1``). For each
  term j the model is extended by gamma_j x_j g(t), g the centred time transform, and the
  score test of gamma_j = 0 is computed at (beta-hat, 0), one step, all betas free:
  T_j = U_g' [I^-1]_gg U_g, U_g = sum over event times of g(t) (sum of x of the deaths −
  Efron-weighted risk-set means), I the 2p × 2p information of (beta, gamma) with Efron
  ties, restricted to (all beta, gamma_j); T_j ~ chi2(1). Strata: risk sets within strata,
  g(t) from the pooled data (as R). This is not the pre-3.0 Grambsch–Therneau approximation
  (scaled Schoenfeld residuals regressed on g with the variance of beta-hat), which differs
  by a few per cent.
  g(t): "km" (R default) = 1 − S(t−) of the pooled Kaplan–Meier curve; "rank" = rank of
  the time among all observations (ties averaged); "identity" = t; centred on the mean over
  events.
- Harrell's concordance (``harrell_c``): over pairs comparable within a stratum — i with an
  event and t_i < t_j, or t_i = t_j with i an event and j censored — the share where i has
  the higher risk score, ties in the score counting ½ (R ``concordance`` of a ``coxph``
  fit: pairs are compared within strata for a stratified model).
- Risk score (``linear_predictor``): R's concordancefit ties scores by exact equality
  (``match(risk, sort(unique(risk)))``) of the linear predictor that coxph computed; in R,
  patients with identical covariates get bit-identical scores, so they are tied (½). A
  blocked BLAS matrix-vector product may give identical rows scores 1 ulp apart, which would
  turn a tie into a concordant or discordant pair. The score is therefore computed once per
  distinct covariate row and given to every patient with that row: ties are exactly R's
  (lung, age + ph.ecog + strata(sex): R 0.6058492; x @ beta gave 0.6057536).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

ZPH_TRANSFORMS = ("km", "rank", "identity")  # R cox.zph character transforms (log omitted)


def _time_transform(time: np.ndarray, event: np.ndarray, transform: str) -> np.ndarray:
    """g(t) of R cox.zph before centring: 1 − S(t−) (km), rank(t), or t."""
    if transform == "rank":
        return stats.rankdata(time)
    if transform == "identity":
        return time.astype(float)
    if transform != "km":
        raise ValueError(f"unknown transform {transform!r}: one of {', '.join(ZPH_TRANSFORMS)}")
    times = np.unique(time)
    at_risk = np.array([(time >= t).sum() for t in times])
    deaths = np.array([((time == t) & (event == 1)).sum() for t in times])
    surv = np.cumprod(1 - deaths / at_risk)
    before = np.searchsorted(times, time, side="left")  # distinct times strictly below t
    return 1 - np.r_[1.0, surv][before]


def _efron_terms(x, risk, dead):
    """Efron steps at one event time: list of (mean vector, variance matrix) per step.

    ``x``, ``risk`` of the risk set; ``dead`` marks the deaths at this time. Step k
    (k = 1..d) gives the deaths weight k/d in the risk-set sums (R zph1 order).
    """
    d = int(dead.sum())
    base_w, base_x = risk[~dead].sum(), risk[~dead] @ x[~dead]
    base_xx = (x[~dead] * risk[~dead, None]).T @ x[~dead]
    dead_w, dead_x = risk[dead].sum(), risk[dead] @ x[dead]
    dead_xx = (x[dead] * risk[dead, None]).T @ x[dead]
    terms = []
    for k in range(1, d + 1):
        share = k / d
        w, sx, sxx = base_w + share * dead_w, base_x + share * dead_x, base_xx + share * dead_xx
        mean = sx / w
        terms.append((mean, sxx / w - np.outer(mean, mean)))
    return terms


def zph_score(time, event, x, beta, strata=None, transform: str = "km"):
    """Score vector of gamma (p) and the 2p × 2p information of (beta, gamma) at (beta, 0)."""
    time, event = np.asarray(time, float), np.asarray(event, int)
    x = np.asarray(x, float).reshape(len(time), -1)
    x = x - x.mean(axis=0)  # R zph1 recentres X for stability (no effect on the test)
    strata = np.zeros(len(time)) if strata is None else np.asarray(strata).astype(str)
    g = _time_transform(time, event, transform)
    g = g - g[event == 1].mean()
    eta = x @ np.asarray(beta, float)
    p = x.shape[1]
    score, info = np.zeros(p), np.zeros((2 * p, 2 * p))
    for stratum in np.unique(strata):
        own = strata == stratum
        t_s, e_s, x_s, r_s, g_s = time[own], event[own], x[own], np.exp(eta[own]), g[own]
        for t in np.unique(t_s[e_s == 1]):
            at_risk = t_s >= t
            dead = (t_s[at_risk] == t) & (e_s[at_risk] == 1)
            g_t = g_s[(t_s == t)][0]
            terms = _efron_terms(x_s[at_risk], r_s[at_risk], dead)
            score += g_t * (x_s[at_risk][dead].sum(axis=0) - sum(m for m, _ in terms))
            var = sum(v for _, v in terms)
            info[:p, :p] += var
            info[:p, p:] += g_t * var
            info[p:, p:] += g_t**2 * var
    info[p:, :p] = info[:p, p:].T
    return score, info


def zph_test(time, event, x, beta, strata=None, transform: str = "km") -> np.ndarray:
    """p-value per term of the R >= 3.0 cox.zph score test (chi-square, 1 df each)."""
    score, info = zph_score(time, event, x, beta, strata, transform)
    p = len(score)
    p_values = np.full(p, np.nan)
    for j in range(p):
        keep = np.r_[np.arange(p), p + j]
        u = np.r_[np.zeros(p), score[j]]
        try:
            statistic = float(u @ np.linalg.solve(info[np.ix_(keep, keep)], u))
        except np.linalg.LinAlgError:
            continue
        p_values[j] = stats.chi2.sf(statistic, 1)
    return p_values


def linear_predictor(x: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """x β with bit-identical values for identical rows of x (one product per distinct row)."""
    x = np.asarray(x, float)
    if x.ndim == 1:
        x = x[:, None]
    if len(x) == 0:
        return np.zeros(0)
    rows, inverse = np.unique(x, axis=0, return_inverse=True)
    return np.array([float(np.dot(row, beta)) for row in rows])[np.ravel(inverse)]


def harrell_c(time, event, risk, strata=None) -> float:
    """Harrell's C of ``risk`` (higher = earlier event) over pairs within strata; NA if no
    comparable pair. O(n log n) per stratum (``_concordant_counts``); a risk score of NA
    makes its pairs comparable but neither concordant nor tied, as R's sign(NA) would."""
    time, event = np.asarray(time, float), np.asarray(event, int)
    risk = np.asarray(risk, float)
    strata = np.zeros(len(time)) if strata is None else np.asarray(strata).astype(str)
    agree, pairs = 0.0, 0
    for stratum in np.unique(strata):
        own = (strata == stratum) & ~np.isnan(time)
        higher, tied, comparable = _concordant_counts(time[own], event[own], risk[own])
        agree += higher + 0.5 * tied
        pairs += comparable
    return float(agree / pairs) if pairs else np.nan


def _concordant_counts(t: np.ndarray, e: np.ndarray, r: np.ndarray) -> tuple[int, int, int]:
    """(pairs with r_i > r_j, pairs with r_i = r_j, comparable pairs) over the comparable
    pairs (i an event; t_i < t_j, or t_i = t_j with j censored).

    Each event i is a query: the rows j later than i are those of a smaller ``order`` key
    (times descending; at one time, censored rows before the events, events sharing it one
    key). A bottom-up merge over the sequence sorted by key counts, for every query, the rows
    before it whose risk rank is below (and at most) its own: each (row, query) pair is
    counted at the one level where they fall in the two halves of a block (searchsorted on
    the left halves of all blocks at once, with block-offset ranks)."""
    finite = ~np.isnan(r)
    _, time_code = np.unique(-t, return_inverse=True)
    key = 2 * np.ravel(time_code) + (e == 1)  # events after the censored rows of their time
    queries = np.flatnonzero(e == 1)
    comparable_of = np.searchsorted(np.sort(key), key[queries], side="left")
    comparable = int(comparable_of.sum())
    if comparable == 0:
        return 0, 0, 0
    _, rank = np.unique(np.where(finite, r, 0.0), return_inverse=True)
    rank = np.ravel(rank)
    # the sequence: rows with finite risk (kind 1) and queries of finite risk (kind 0), a
    # query before every row of its own key, so that only smaller keys precede it
    rows_in, asked = np.flatnonzero(finite), queries[finite[queries]]
    seq_key = np.r_[key[rows_in], key[asked]]
    seq_kind = np.r_[np.ones(len(rows_in), int), np.zeros(len(asked), int)]
    seq_rank = np.r_[rank[rows_in], rank[asked]]
    order = np.lexsort((seq_kind, seq_key))
    seq_kind, seq_rank = seq_kind[order], seq_rank[order]
    is_query = seq_kind == 0
    below = np.zeros(len(order), np.int64)
    at_most = np.zeros(len(order), np.int64)
    span = int(rank.max()) + 2
    position = np.arange(len(order))
    level = 0
    while (1 << level) < len(order):
        block = position >> (level + 1)
        left = ((position >> level) & 1) == 0
        shifted = block * span + seq_rank
        pool = np.sort(shifted[left & ~is_query])
        ask = np.flatnonzero(~left & is_query)
        base = np.searchsorted(pool, block[ask] * span, side="left")
        below[ask] += np.searchsorted(pool, shifted[ask], side="left") - base
        at_most[ask] += np.searchsorted(pool, shifted[ask], side="right") - base
        level += 1
    higher = int(below[is_query].sum())
    return higher, int(at_most[is_query].sum()) - higher, comparable
