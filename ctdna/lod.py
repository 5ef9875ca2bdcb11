"""Per-sample limit of detection (LoD) of the ctDNA tests, as a tumour fraction.

``lod95_tf`` is the smallest tumour fraction TF (fraction of cfDNA fragments from tumour
cells) that the test, as run on this sample, detects with probability ``LOD_POWER`` (95 %):

- tumour-informed sites: the pooled alt count X = sum_s a_s is positive when X >= k_min,
  the smallest count with null tail P(X >= k | no ctDNA) below the test level (from
  ``ctdna.snv.pooled_test``, so the background's dispersion is in it) and at least the
  minimum alt fragments. Under TF, a_s ~ Binomial(d_s, p_s(TF)) with
  p_s = mu_s (1 - e_s) + (1 - mu_s) e_s and mu_s = TF m_s / (TF C_s + 2 (1 - TF))
  (``ctdna.tumour_fraction``); power(TF) = P(X >= k_min), computed exactly by convolution
  of the per-site laws on 0..k_min - 1. LoD = the root of power(TF) = 0.95 (power is
  increasing in TF); NA when even TF = 1 is not detected with that power.
- copy number (MDM2): the plasma gene log2 ratio is amplified when it reaches the critical
  value ``crit = max(amp_log2, mean + t_(1 - level, n - 1) s sqrt(1 + 1/n))`` (the
  predictive law of a new sample against n PoN values with mean and SD s). Under TF its
  expectation is ``log2(1 + TF (C - 2) / 2)`` and its spread that of the PoN, so 95 % power
  needs ``log2(1 + TF (C - 2) / 2) = crit + t_(0.95, n - 1) s sqrt(1 + 1/n)``; LoD =
  ``2 (2^x - 1) / (C - 2)`` for that x; NA without a tissue copy number C > 2, without a PoN
  spread, or above 1.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from ctdna import tumour_fraction as tf_model

LOD_POWER = 0.95  # LoD convention: concentration detected with 95 % probability (CLSI EP17-A2)
# a negative is conclusive only when the sample's LoD95 is <= 5 % TF (docs/ctdna.md "Limit of
# detection")
MAX_LOD_TF = 0.05
TF_FLOOR = 1e-6  # smallest TF searched: below the deduplicated error rate of any site (numerical)


def _below_probability(
    tf: float,
    depth: np.ndarray,
    error: np.ndarray,
    mult: np.ndarray,
    copies: np.ndarray,
    k_min: int,
) -> float:
    """P(X < k_min) with X = sum_s Binomial(d_s, p_s(TF)), by truncated convolution."""
    p = np.clip(tf_model.alt_probability(tf, error, mult, copies), 0.0, 1.0)
    grid = np.arange(k_min)
    pmf = np.zeros(k_min)
    pmf[0] = 1.0
    for d, q in zip(depth, p):
        pmf = np.convolve(pmf, stats.binom.pmf(grid, d, q))[:k_min]
    return float(pmf.sum())


def snv_lod(
    depth: np.ndarray,
    error: np.ndarray,
    mult: np.ndarray,
    copies: np.ndarray,
    k_min: int | None,
    power: float = LOD_POWER,
) -> float:
    """LoD95 tumour fraction of the pooled site test (NA when k_min is None or TF = 1 does
    not reach ``power``)."""
    if k_min is None or len(depth) == 0:
        return math.nan
    depth = np.asarray(depth, dtype=float)
    error, mult, copies = (np.asarray(x, dtype=float) for x in (error, mult, copies))

    def shortfall(tf):
        return (1.0 - _below_probability(tf, depth, error, mult, copies, k_min)) - power

    if shortfall(1.0) < 0:
        return math.nan
    if shortfall(TF_FLOOR) >= 0:
        return TF_FLOOR
    return float(optimize.brentq(shortfall, TF_FLOOR, 1.0, xtol=1e-9, rtol=1e-6))


def cn_critical_log2(
    pon_mean: float, pon_sd: float, n_pon: int, amp_log2: float, level: float
) -> float:
    """Smallest gene log2 ratio called amplified: max(amp_log2, predictive upper quantile)."""
    if not (np.isfinite(pon_mean) and np.isfinite(pon_sd)) or n_pon < 2:
        return math.nan
    scale = pon_sd * math.sqrt(1.0 + 1.0 / n_pon)
    return max(amp_log2, pon_mean + stats.t.isf(level, n_pon - 1) * scale)


def cn_lod(
    pon_mean: float,
    pon_sd: float,
    n_pon: int,
    copy_number: float,
    amp_log2: float,
    level: float,
    power: float = LOD_POWER,
) -> float:
    """LoD95 tumour fraction of the gene amplification test for tumour copy number C."""
    crit = cn_critical_log2(pon_mean, pon_sd, n_pon, amp_log2, level)
    if not (np.isfinite(crit) and np.isfinite(copy_number)) or copy_number <= 2:
        return math.nan
    target = crit + stats.t.ppf(power, n_pon - 1) * pon_sd * math.sqrt(1.0 + 1.0 / n_pon)
    fraction = 2.0 * (2.0**target - 1.0) / (copy_number - 2.0)
    return float(fraction) if 0 < fraction <= 1 else math.nan
