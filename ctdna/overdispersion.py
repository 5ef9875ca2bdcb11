"""Overdispersed null model of background errors at SNV/indel sites (docs/ctdna_null_model.md).

Data: PoN donors j = 1..n with alt a_js and depth d_js fragments at site s (one row per
donor, site and ALT; rows with d_js = 0 left out). Model of the per-fragment error rate of
sample j at site s: ``p_js = e_s W_j V_js`` with E[W] = E[V] = 1, where W_j is a factor
shared by all sites of one sample (library, run: relative variance omega = Var W) and V_js a
site-level donor-to-donor factor. Given p_js, a_js ~ Binomial(d_js, p_js).

Estimates (method of moments, clean sites = not black-listed):

- raw site rate ``m_s = A_s / D_s`` (A_s, D_s: alt and depth summed over donors), expected
  ``l_js = d_js m_s`` and residual ``r_js = a_js - l_js``;
- between-donor relative variance (squared CV) of the site rate, from
  Var(a_js) = d p (1 - p) + d (d - 1) p^2 c_s^2 (beta-binomial):
  ``N_s = n_s / (n_s - 1) sum_j [r_js^2 - l_js (1 - m_s)]``, ``S_s = sum_j d_js (d_js - 1) m_s^2``;
  class value (per variant_type, clean sites) ``c_c^2 = max(0, sum N_s / sum S_s)``; site value
  shrunk towards it, ``c_s^2 = max(0, (N_s + S0 c_c^2) / (S_s + S0))`` with S0 =
  ``DISPERSION_PRIOR_WEIGHT`` (a site with few expected errors leans on its class);
- shared sample factor, from the covariance of residuals of different sites of one donor,
  Cov(a_js, a_jt) = l_js l_jt omega:
  ``omega = max(0, n / (n - 1) sum_j (R_j^2 - Q_j) / sum_j (L_j^2 - L2_j))`` with R_j, Q_j
  the sum and sum of squares of the donor's residuals, L_j, L2_j of its expected counts
  (n / (n - 1) corrects for the means being estimated from the same donors);
- within-sample relative variance ``t_s^2 = max(0, (1 + c_s^2) / (1 + omega) - 1)``.

Predictive law of a NEW sample (the null of ``pooled_test``). Variance components estimated
from n donors are skewed low (heavy-tailed heterogeneity, few donors), so they enter at a
one-sided 97.5 % upper confidence limit on the log-normal scale (``upper_dispersion``:
log(1 + x) (n - 1) / chi2_{n-1}(0.025)), for omega and for t_s^2. Then
log W ~ Normal(-s^2/2, s^2), s^2 = log(1 + omega_upper), integrated by Gauss-Hermite
quadrature; given W = w, the sites are independent Beta-Binomial(d_s) with mean ``e_s w``
(e_s the shrunk mean ``error_rate`` of ctdna.snv) and relative variance
``(1 + t_s^2_upper)(1 + v_s) - 1``, where ``v_s = 1 / beta_a + c_s^2 sum_j d_js^2 /
(D_s + prior_weight)^2`` is the relative variance of the estimated mean e_s (Beta posterior
of the shrunk mean plus the donor spread of the pooled rate).

PoN smaller than ``MIN_PON_DONORS``: nothing is estimated per site; the sample factor is
``omega = max(omega, DEFAULT_SAMPLE_DISPERSION)`` and every site takes
``c_s^2 = max(c_c^2, (1 + DEFAULT_SITE_DISPERSION)(1 + omega) - 1)``, so that its
within-sample part t_s^2 is at least DEFAULT_SITE_DISPERSION; no upper limits
(dispersion_source 'default').
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
from numpy.polynomial import hermite_e
from scipy import stats

# below 10 donors a variance (df <= 8) and its upper limit are too unstable: defaults instead
# (choice, docs/ctdna_null_model.md)
MIN_PON_DONORS = 10
# class c^2 counts as a site with sum of squared expected errors 200 (25 donors x 2.8 errors each);
# smaller let noisy site values through (issue-12 bench)
DISPERSION_PRIOR_WEIGHT = 200.0
# within-sample t^2 of a log-normal donor-level factor with SD 1 (largest of the issue-12 bench):
# fallback floor
DEFAULT_SITE_DISPERSION = math.e - 1.0
# omega of a log-normal sample factor with SD 0.5 (issue-12 bench): fallback floor
DEFAULT_SAMPLE_DISPERSION = math.exp(0.25) - 1.0
# variance components enter at their one-sided 97.5 % upper limit (chi2, n-1 df): MoM variances
# from 20-30 donors are skewed low (issue-12 bench)
DISPERSION_UPPER_QUANTILE = 0.025
# Gauss-Hermite nodes over log W: tail probabilities within 1e-3 (relative) of adaptive quadrature
# at p >= 0.01 (test_ctdna_null_model)
QUADRATURE_NODES = 48
# per-node error mean capped at 50 %: an error rate above is not noise (numerical guard)
MAX_NODE_RATE = 0.5
MIN_PRECISION = 1e-6  # floor of the Beta precision a + b at extreme nodes (numerical guard)
# largest pooled count tabulated for an observed count; beyond, P(X >= K) is reported (an upper
# bound)
MAX_SUPPORT = 4000
NULL_TAIL_SD = (
    50.0  # independent null tabulated to lambda + 50 sd + 50: mass beyond is < 1e-300 (numerical)
)
# a site law is convolved only up to where its remaining mass is < 1e-20 (numerical; below float
# resolution of 1 - mass)
TRIM_MASS = 1e-20
# tabulate up to mean + 10 SD at the W quantile 1 - alpha/10; extended while no k_min (numerical)
SUPPORT_SD = 10.0
DISPERSION_COLUMNS = [
    "site_dispersion",
    "within_dispersion",
    "sample_dispersion",
    "n_pon_donors",
    "dispersion_source",
]


def site_moments(counts: pd.DataFrame, site_keys: list[str]) -> pd.DataFrame:
    """Per site: n_s, A_s, D_s, N_s (``dispersion_numerator``), S_s (``dispersion_denominator``),
    sum_j d_js^2 (``depth_squares``); ``counts`` has one row per donor and site (depth > 0)."""
    frame = counts[site_keys + ["sample", "alt_fragments", "depth_fragments"]].copy()
    grouped = frame.groupby(site_keys, sort=True)
    rate = grouped["alt_fragments"].transform("sum") / grouped["depth_fragments"].transform("sum")
    expected = frame["depth_fragments"] * rate
    frame["var_term"] = (frame["alt_fragments"] - expected) ** 2 - expected * (1 - rate)
    frame["den_term"] = frame["depth_fragments"] * (frame["depth_fragments"] - 1) * rate**2
    frame["depth_squares"] = frame["depth_fragments"].astype(float) ** 2
    out = frame.groupby(site_keys, sort=True).agg(
        n=("sample", "nunique"),
        var_sum=("var_term", "sum"),
        dispersion_denominator=("den_term", "sum"),
        depth_squares=("depth_squares", "sum"),
    )
    n = out["n"]
    out["dispersion_numerator"] = np.where(n > 1, out["var_sum"] * n / (n - 1).clip(lower=1), 0.0)
    out.loc[n < 2, "dispersion_denominator"] = 0.0
    return out.drop(columns=["var_sum"]).reset_index()


def class_dispersion(numerator: pd.Series, denominator: pd.Series) -> float:
    """c_c^2 = max(0, sum N_s / sum S_s) (0 when no site carries information)."""
    total = float(denominator.sum())
    return max(0.0, float(numerator.sum()) / total) if total > 0 else 0.0


def shrunk_dispersion(
    numerator, denominator, class_value: float, prior_weight: float = DISPERSION_PRIOR_WEIGHT
) -> np.ndarray:
    """c_s^2 = max(0, (N_s + S0 c_c^2) / (S_s + S0))."""
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    return np.maximum(0.0, (numerator + prior_weight * class_value) / (denominator + prior_weight))


def sample_factor_dispersion(counts: pd.DataFrame, site_keys: list[str]) -> float:
    """omega = max(0, n/(n-1) sum_j (R_j^2 - Q_j) / sum_j (L_j^2 - L2_j)) over the donors of
    ``counts`` (clean sites only, one row per donor and site, depth > 0)."""
    frame = counts[site_keys + ["sample", "alt_fragments", "depth_fragments"]].copy()
    grouped = frame.groupby(site_keys, sort=True)
    rate = grouped["alt_fragments"].transform("sum") / grouped["depth_fragments"].transform("sum")
    frame["expected"] = frame["depth_fragments"] * rate
    frame["residual"] = frame["alt_fragments"] - frame["expected"]
    frame["residual2"], frame["expected2"] = frame["residual"] ** 2, frame["expected"] ** 2
    donor = frame.groupby("sample")[["residual", "residual2", "expected", "expected2"]].sum()
    n = len(donor)
    denominator = float((donor["expected"] ** 2 - donor["expected2"]).sum())
    if n < 2 or denominator <= 0:
        return 0.0
    numerator = float((donor["residual"] ** 2 - donor["residual2"]).sum())
    return max(0.0, n / (n - 1) * numerator / denominator)


def upper_dispersion(
    value, n_donors: int, quantile: float = DISPERSION_UPPER_QUANTILE
) -> np.ndarray:
    """One-sided upper confidence limit of a relative variance estimated from n donors, on
    the log-normal scale: exp(log(1 + value) (n - 1) / chi2_{n-1}(quantile)) - 1."""
    factor = (n_donors - 1) / stats.chi2.ppf(quantile, n_donors - 1)
    return np.expm1(np.log1p(np.maximum(np.asarray(value, float), 0.0)) * factor)


def within_dispersion(
    site_value, omega: float, mean_uncertainty, n_donors: int | None
) -> np.ndarray:
    """Predictive relative variance given W: (1 + t_s^2)(1 + v_s) - 1, with
    t_s^2 = (1 + c_s^2) / (1 + omega) - 1 (>= 0) at its upper limit when n_donors is given."""
    within = np.maximum(0.0, (1.0 + np.asarray(site_value, float)) / (1.0 + omega) - 1.0)
    if n_donors is not None:
        within = upper_dispersion(within, n_donors)
    return (1.0 + within) * (1.0 + np.asarray(mean_uncertainty, float)) - 1.0


@functools.lru_cache(maxsize=8)
def _hermite_nodes(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """numpy's Gauss-Hermite (probabilists') nodes and weights, computed once per size."""
    z, weights = hermite_e.hermegauss(nodes)
    z.flags.writeable = weights.flags.writeable = False
    return z, weights


def sample_factor_nodes(
    sample_dispersion: float, nodes: int = QUADRATURE_NODES
) -> tuple[np.ndarray, np.ndarray]:
    """(w, weights): Gauss-Hermite nodes of W = exp(s Z - s^2/2), s^2 = log(1 + omega)."""
    if not sample_dispersion > 0:
        return np.ones(1), np.ones(1)
    s = math.sqrt(math.log1p(sample_dispersion))
    z, weights = _hermite_nodes(nodes)
    return np.exp(s * z - s * s / 2), weights / weights.sum()


def site_pmf(
    grid: np.ndarray, depth: int, error: float, dispersion: float, w: np.ndarray
) -> np.ndarray:
    """(len(w), len(grid)) pmf of a site's alt count given W = w: Beta-Binomial(depth) with
    mean min(error w, 0.5) and relative variance ``dispersion`` (Binomial when 0)."""
    mean = np.clip(error * w, 1e-300, MAX_NODE_RATE)[:, None]
    if dispersion <= 0:
        return stats.binom.pmf(grid[None, :], depth, mean)
    precision = np.maximum((1.0 - mean) / (mean * dispersion) - 1.0, MIN_PRECISION)
    return stats.betabinom.pmf(grid[None, :], depth, mean * precision, (1.0 - mean) * precision)


def null_tail(
    depth: np.ndarray,
    error: np.ndarray,
    dispersion: np.ndarray,
    sample_dispersion: float,
    support: int,
) -> np.ndarray:
    """tail[k] = P(X >= k), k = 0..support, X = sum_s a_s under the overdispersed null.

    Per node: exact convolution of the site laws on 0..support, each site's law cut where
    its remaining mass falls below TRIM_MASS; the node's mass beyond (1 - its tabulated
    mass, >= 0) is added to every tail value, so tail[k] is exact up to float rounding
    (~1e-16 absolute) for all k <= support.
    """
    w, weights = sample_factor_nodes(sample_dispersion)
    grid = np.arange(support + 1)
    pooled = np.zeros((len(w), support + 1))
    pooled[:, 0] = 1.0
    for d, e, c in zip(depth, error, dispersion):
        pmf = site_pmf(grid, int(d), float(e), float(c), w)
        kept = (np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1] > TRIM_MASS).sum(axis=1)
        pooled = np.stack(
            [
                np.convolve(pooled[i], pmf[i, : max(kept[i], 1)])[: support + 1]
                for i in range(len(w))
            ]
        )
    beyond = np.clip(1.0 - pooled.sum(axis=1), 0.0, None)
    node_tail = np.cumsum(pooled[:, ::-1], axis=1)[:, ::-1] + beyond[:, None]
    return weights @ node_tail


def bulk_support(
    depth: np.ndarray,
    error: np.ndarray,
    dispersion: np.ndarray,
    sample_dispersion: float,
    alpha: float,
) -> int:
    """Mean + 10 SD of the pooled count at the 1 - alpha/10 quantile of W, plus 20."""
    s = math.sqrt(math.log1p(max(sample_dispersion, 0.0)))
    w = math.exp(s * stats.norm.isf(alpha / 10) - s * s / 2)
    mean = depth * np.minimum(error * w, MAX_NODE_RATE)
    sd = math.sqrt(float(np.sum(mean * (1 + mean * dispersion))))
    return int(math.ceil(mean.sum() + SUPPORT_SD * sd + 20))


def overdispersed_test(
    alt: np.ndarray,
    depth: np.ndarray,
    error: np.ndarray,
    alpha: float,
    dispersion: np.ndarray,
    sample_dispersion: float,
) -> tuple[float, int | None]:
    """(P(X >= sum alt), k_min) under ``null_tail``; k_min: smallest k with P(X >= k) < alpha.

    The table reaches max(bulk_support, min(observed, MAX_SUPPORT)) and is doubled while no
    k_min is found (up to the total depth); an observed count beyond it reports the tail at
    its end (an upper bound of the p-value).
    """
    total = int(depth.sum())
    observed = int(alt.sum())
    support = min(
        total,
        max(
            bulk_support(depth, error, dispersion, sample_dispersion, alpha),
            min(observed, MAX_SUPPORT),
        ),
    )
    while True:
        tail = null_tail(depth, error, dispersion, sample_dispersion, support)
        below = np.nonzero(tail < alpha)[0]
        if len(below) or support >= total:
            break
        support = min(total, 2 * support)
    k_min = int(below[0]) if len(below) else None
    p_value = 1.0 if observed == 0 else float(min(1.0, tail[min(observed, support)]))
    return p_value, k_min


def fit_dispersion(
    counts: pd.DataFrame,
    site: pd.DataFrame,
    clean: pd.Series,
    site_keys: list[str],
    prior_weight: float,
) -> pd.DataFrame:
    """``site`` (one row per site: variant_type, beta_a, pon_depth_fragments) with
    DISPERSION_COLUMNS: site_dispersion c_s^2, within_dispersion (predictive, given W),
    sample_dispersion (omega of the predictive law), n_pon_donors, dispersion_source
    ('pon' or 'default'). ``counts``: one row per donor and site with depth > 0; ``clean``:
    boolean mask of ``site`` rows that inform the class and sample-factor estimates."""
    moments = site_moments(counts, site_keys)
    out = site.merge(moments.drop(columns=["n"]), on=site_keys, how="left")
    numerator, denominator = out["dispersion_numerator"], out["dispersion_denominator"]
    clean_rows = out[clean.to_numpy()]
    by_class = {
        vt: class_dispersion(rows["dispersion_numerator"], rows["dispersion_denominator"])
        for vt, rows in clean_rows.groupby("variant_type")
    }
    overall = class_dispersion(
        clean_rows["dispersion_numerator"], clean_rows["dispersion_denominator"]
    )
    class_value = out["variant_type"].map(by_class).fillna(overall).to_numpy(dtype=float)
    omega = sample_factor_dispersion(counts.merge(clean_rows[site_keys], on=site_keys), site_keys)
    n_donors = int(counts["sample"].nunique())
    if n_donors >= MIN_PON_DONORS:
        value, source = shrunk_dispersion(numerator, denominator, class_value), "pon"
        predictive, upper_n = float(upper_dispersion(omega, n_donors)), n_donors
    else:
        omega = predictive = max(omega, DEFAULT_SAMPLE_DISPERSION)
        value = np.maximum(class_value, (1 + DEFAULT_SITE_DISPERSION) * (1 + omega) - 1)
        source = "default"
        upper_n = None
    mean_uncertainty = (
        1.0 / out["beta_a"]
        + value * out["depth_squares"] / (out["pon_depth_fragments"] + prior_weight) ** 2
    )
    out["site_dispersion"] = value
    out["within_dispersion"] = within_dispersion(value, omega, mean_uncertainty, upper_n)
    out["sample_dispersion"] = predictive
    out["n_pon_donors"] = n_donors
    out["dispersion_source"] = source
    return out.drop(columns=["dispersion_numerator", "dispersion_denominator", "depth_squares"])


def independent_test(
    alt: np.ndarray, depth: np.ndarray, error: np.ndarray, alpha: float, beta: np.ndarray | None
) -> tuple[float, int | None]:
    """(p-value, k_min) with independent sites: Beta-Binomial(d_s, beta_a_s, beta_b_s) when
    ``beta`` is given, else Binomial(d_s, e_s); exact convolution on 0..K, K = lambda +
    50 sd + 50 (lambda = sum d_s e_s, sd inflated for the Beta spread); an observed count
    beyond K reports P(X >= K), an upper bound."""
    lam = float(np.sum(depth * error))
    spread = 1.0 if beta is None else (beta.sum(axis=1) + depth) / (beta.sum(axis=1) + 1)
    sd = math.sqrt(float(np.sum(depth * error * (1 - error) * spread)))  # beta-binomial variance
    support = int(min(depth.sum(), math.ceil(lam + NULL_TAIL_SD * sd + NULL_TAIL_SD)))
    pmf = np.zeros(support + 1)
    pmf[0] = 1.0
    grid = np.arange(support + 1)
    for i, (d, e) in enumerate(zip(depth, error)):
        site_pmf = (
            stats.betabinom.pmf(grid, d, beta[i, 0], beta[i, 1])
            if beta is not None
            else stats.binom.pmf(grid, d, e)
        )
        pmf = np.convolve(pmf, site_pmf)[: support + 1]
    tail = np.cumsum(pmf[::-1])[::-1]  # tail[k] = P(X >= k), summed from the small end
    observed = int(min(alt.sum(), support))
    below = np.nonzero(tail < alpha)[0]
    k_min = int(below[0]) if len(below) else None
    p_value = 1.0 if observed == 0 else float(min(1.0, tail[observed]))  # P(X >= 0) = 1 exactly
    return p_value, k_min
