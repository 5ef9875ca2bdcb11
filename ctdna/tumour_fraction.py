"""Tumour fraction from tumour-informed sites, aware of tissue copy number and multiplicity.

Quantities (one plasma sample, its used sites s; a_s alt and d_s depth fragments):

- site copy state from tissue: C_s the tumour's total copy number at the site (the gene's
  ``copy_number`` in the tissue table) and m_s the number of mutant copies, derived from the
  tissue VAF v_s and the tissue purity p (cellularity of the sequenced block) as in
  ABSOLUTE/PyClone: ``m_s = round(v_s (p C_s + 2 (1 - p)) / p)`` clipped to [1, C_s].
- expected mutant fraction of plasma fragments at tumour fraction TF (fraction of cfDNA
  fragments from tumour cells, normal cells diploid):
  ``mu_s(TF) = TF m_s / (TF C_s + 2 (1 - TF))``. Default when no tissue copy number is
  given: C_s = 2, m_s = 1 (heterozygous, diploid, clonal), i.e. ``mu_s = TF / 2``; the
  sample's ``tf_model`` says which sites used it.
- observed alt probability ``p_s = mu_s (1 - e_s) + (1 - mu_s) e_s`` with e_s the
  background error rate of the site.
- likelihood: ``L(TF) = prod_s E_e[Binomial(a_s; d_s, p_s(TF, e))]``, the expectation over
  the background's Beta law of e_s (beta_a, beta_b of the background table; a point mass at
  e_s when none is given), by the midpoint rule on ``QUANTILE_POINTS`` Beta quantiles: the
  interval carries the uncertainty of the background, not only the counting noise.
- TF = argmax L on [0, 1]; interval = ``{TF: 2 (log L_max - log L(TF)) <= chi2_1(level)}``
  (likelihood-ratio / profile interval).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

DIPLOID = 2.0  # normal cells and the default tumour copy number at a site (het diploid clonal)
# Beta quantiles averaged over for the background error (midpoint rule; 32 -> < 1e-3 relative
# change in the demo's log-likelihoods)
QUANTILE_POINTS = 32
PROBABILITY_FLOOR = (
    1e-12  # keeps log-likelihoods finite when a probability is exactly 0 or 1 (numerical)
)
HET_DIPLOID = "het_diploid_assumed"  # tf_model: no site had tissue copy number
TISSUE_CN = "tissue_cn"  # tf_model: every used site had tissue copy number and multiplicity
TISSUE_CN_PARTIAL = "tissue_cn_partial"  # tf_model: some used sites had them
TISSUE_CN_HET = "tissue_cn_m_assumed"  # tf_model: copy number given, no purity/VAF: m_s = 1
# tf_model of --multiplicity tissue_vaf: m_s from VAF / median VAF, C_s = 2
RELATIVE = "tissue_vaf_relative"


def site_multiplicity(
    tissue_vaf: np.ndarray, purity: np.ndarray, copies: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(m_s, source) per site: ``round(v (p C + 2 (1 - p)) / p)`` clipped to [1, C] when
    VAF, purity in (0, 1] and C >= 1 are known ('tissue'); 1 with C known but no VAF or
    purity ('assumed_m'); 1 with C = 2 otherwise ('default')."""
    vaf, purity, copies = (np.asarray(x, dtype=float) for x in (tissue_vaf, purity, copies))
    known_c = np.isfinite(copies) & (copies >= 1)
    known_m = known_c & np.isfinite(vaf) & (vaf > 0) & np.isfinite(purity) & (purity > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = vaf * (purity * copies + DIPLOID * (1 - purity)) / purity
    m = np.where(known_m, np.clip(np.round(raw), 1, np.where(known_c, copies, 1)), 1.0)
    source = np.where(known_m, "tissue", np.where(known_c, "assumed_m", "default"))
    return m, source


def site_copies(copies: np.ndarray) -> np.ndarray:
    """C_s where the tissue gives one (>= 1), else the diploid default."""
    copies = np.asarray(copies, dtype=float)
    return np.where(np.isfinite(copies) & (copies >= 1), copies, DIPLOID)


def tf_model(sources: pd.Series) -> str:
    """The sample's tf_model from the used sites' multiplicity sources."""
    kinds = set(sources)
    if kinds == {RELATIVE}:
        return RELATIVE
    if kinds <= {"default"}:
        return HET_DIPLOID
    if kinds == {"tissue"}:
        return TISSUE_CN
    if "tissue" in kinds:
        return TISSUE_CN_PARTIAL
    return TISSUE_CN_HET


def mutant_fraction(tf: float, mult: np.ndarray, copies: np.ndarray) -> np.ndarray:
    """mu_s = TF m_s / (TF C_s + 2 (1 - TF)): fraction of the site's plasma fragments that
    carry the mutation (unitless, in [0, 1] because m_s <= C_s)."""
    return tf * mult / (tf * copies + DIPLOID * (1.0 - tf))


def alt_probability(
    tf: float, error: np.ndarray, mult: np.ndarray, copies: np.ndarray
) -> np.ndarray:
    """p_s = mu_s (1 - e_s) + (1 - mu_s) e_s (``error`` may carry a trailing axis of
    quantiles)."""
    mu = mutant_fraction(tf, mult, copies)
    if np.ndim(error) > np.ndim(mu):
        mu = mu[..., None]
    return mu * (1.0 - error) + (1.0 - mu) * error


def error_grid(
    error: np.ndarray, beta: np.ndarray | None, points: int = QUANTILE_POINTS
) -> np.ndarray:
    """(n_sites, points) error rates: midpoint Beta quantiles of each site's background law,
    or the point value repeated when ``beta`` is None."""
    error = np.asarray(error, dtype=float)
    if beta is None:
        return np.repeat(error[:, None], 1, axis=1)
    levels = (np.arange(points) + 0.5) / points
    return stats.beta.ppf(levels[None, :], beta[:, :1], beta[:, 1:2])


def log_likelihood(
    tf: float,
    alt: np.ndarray,
    depth: np.ndarray,
    grid: np.ndarray,
    mult: np.ndarray,
    copies: np.ndarray,
) -> float:
    """log L(TF) = sum_s log mean_j Binomial(a_s; d_s, p_s(TF, e_sj)), without the
    binomial coefficient (constant in TF)."""
    p = np.clip(alt_probability(tf, grid, mult, copies), PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)
    terms = alt[:, None] * np.log(p) + (depth - alt)[:, None] * np.log1p(-p)
    return float(np.sum(special.logsumexp(terms, axis=1) - np.log(grid.shape[1])))


def estimate(
    alt: np.ndarray,
    depth: np.ndarray,
    error: np.ndarray,
    mult: np.ndarray,
    copies: np.ndarray,
    level: float,
    beta: np.ndarray | None = None,
) -> tuple[float, float, float]:
    """(TF, ci_low, ci_high): maximum of the background-marginal likelihood on [0, 1] and
    its likelihood-ratio interval at ``level``."""
    alt, depth = np.asarray(alt, dtype=float), np.asarray(depth, dtype=float)
    grid = error_grid(error, beta)

    def nll(tf):
        return -log_likelihood(tf, alt, depth, grid, mult, copies)

    fit = optimize.minimize_scalar(
        nll, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-10}
    )
    tf = min([0.0, float(fit.x), 1.0], key=nll)
    best = nll(tf)
    drop = stats.chi2.ppf(level, 1) / 2.0

    def excess(x):
        return nll(x) - best - drop

    low = 0.0 if excess(0.0) <= 0 else optimize.brentq(excess, 0.0, tf, xtol=1e-12)
    high = 1.0 if excess(1.0) <= 0 else optimize.brentq(excess, tf, 1.0, xtol=1e-12)
    return tf, float(low), float(high)
