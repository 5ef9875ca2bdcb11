"""Tumour fraction, reference copy number and subclonal fraction from segment means (pure).

Segments j (``lowpass_fit_segments``) carry a mean log2 ratio m_j over n_j bins. With tumour
fraction p (share of cells that are tumour), reference copy number phi (the tumour copy
number of the ratio-0 bins; 2 for a diploid tumour, 3-4 for a whole-genome-doubled one) and
a subclonal fraction s (share of tumour cells carrying the subclonal event), a segment in
tumour copy state c has expected ratio (normal cells diploid; ichorCNA's mixture)

    mu(c) = log2( (2 (1 - p) + c p) / (2 (1 - p) + phi p) ),

clonal states c in ``CLONAL_STATES`` (1-6; no homozygous deletion at 0.5-1 Mb bins, as
ichorCNA --includeHOMD FALSE) and two subclonal states c = phi + s and phi - s (one copy
gained or lost in a share s of the tumour cells, on top of the reference state). Emission:
m_j ~ N(mu(c), v_j), v_j = sigma^2 / n_j + TAU^2 (sigma: bin noise; TAU: segment-level
residue the PoN leaves, e.g. GC waves). The log-likelihood marginalises the state of each
segment over prior weights w (``state_log_prior``):

    l(p, phi, s) = sum_j log sum_c w_c(phi) N(m_j; mu(c), v_j)  +  log pi(phi).

Priors (assumptions, they resolve what the ratios cannot): w puts ``REFERENCE_WEIGHT`` on
c = phi, gives each state two or more copies from phi 1 / ``STATE_DECAY`` of the weight of
each state one copy away (flat beyond: a 6-copy focal amplification costs what a 4-copy one
does), subclonal states ``SUBCLONAL_WEIGHT`` each: a profile explained by one-copy steps at
p is preferred to two-copy steps at p/2 (the p vs p/k ambiguity: for small p, mu is nearly
linear in (c - phi) p). pi(phi): phi = 2 is ``NON_DIPLOID_LOG_PRIOR`` log units more likely
than 3 or 4 (a phi = 4 tumour at p has exactly the ratios of a phi = 2 one at p / (1 + p)
with states shifted by 2, except where the shifted state would be < 1: only then can the
ratios favour phi = 4). At p = 0 every mu is 0 and l(0) is the no-tumour model.
"""

from __future__ import annotations

import numpy as np

CLONAL_STATES = np.arange(1, 7)  # tumour copy numbers 1-6 (ichorCNA maxCN 5-7; no HOMD)
REFERENCE_CNS = np.array([2, 3, 4])  # reference copy numbers tried (ploidy 2 and 3-4)
PURITY_GRID = np.round(np.arange(0.0, 0.9501, 0.0025), 4)  # tumour fractions tried
SUBCLONAL_GRID = np.array([0.3, 0.5, 0.7])  # subclonal fractions tried (as ichorCNA's grid)
TAU = 0.006  # log2 sd of a segment mean beyond bin noise (assumption; bench calibration)
REFERENCE_WEIGHT = 0.8  # prior share of segments in the reference state (assumption)
STATE_DECAY = 4.0  # a state 2+ copies from phi is 4x less likely than one 1 copy away (assumption)
SUBCLONAL_WEIGHT = 0.01  # prior share of each subclonal state (assumption)
NON_DIPLOID_LOG_PRIOR = 3.0  # log pi(2) - log pi(3 or 4) (assumption: most tumours ~diploid)
CHI2_1DF_95 = 3.841459  # chi-square quantile, 1 df, 0.95 (profile-likelihood interval)


def state_log_prior(reference_cn: int) -> np.ndarray:
    """log w over the states [CLONAL_STATES..., phi + s, phi - s] (module docstring)."""
    distance = np.abs(CLONAL_STATES - reference_cn)
    clonal = np.where(distance == 0, 0.0, np.where(distance == 1, 1.0, 1 / STATE_DECAY))
    clonal *= (1 - REFERENCE_WEIGHT - 2 * SUBCLONAL_WEIGHT) / clonal.sum()
    clonal[distance == 0] = REFERENCE_WEIGHT
    return np.log(np.concatenate([clonal, [SUBCLONAL_WEIGHT, SUBCLONAL_WEIGHT]]))


def state_copies(reference_cn: int, subclonal: float) -> np.ndarray:
    """Tumour copy number of each state of ``state_log_prior`` (subclonal ones fractional)."""
    return np.concatenate([CLONAL_STATES, [reference_cn + subclonal, reference_cn - subclonal]])


def expected_log2(purity: np.ndarray, reference_cn: float, copies: np.ndarray) -> np.ndarray:
    """mu (rows: purities, columns: copies), the module's formula."""
    p = np.asarray(purity, float)[:, None]
    normal = 2 * (1 - p)
    return np.log2((normal + copies[None, :] * p) / (normal + reference_cn * p))


def segment_variance(n_bins: np.ndarray, sigma: float, tau: float = TAU) -> np.ndarray:
    """v_j = sigma^2 / n_j + tau^2."""
    return sigma**2 / np.asarray(n_bins, float) + tau**2


def _state_loglik(means, variance, purity, reference_cn, subclonal) -> np.ndarray:
    """log w_c + log N(m_j; mu(c), v_j): shape (purities, segments, states)."""
    mu = expected_log2(purity, reference_cn, state_copies(reference_cn, subclonal))
    residual = means[None, :, None] - mu[:, None, :]
    spread = variance[None, :, None]
    log_density = -0.5 * (residual**2 / spread + np.log(2 * np.pi * spread))
    return log_density + state_log_prior(reference_cn)[None, None, :]


def loglik_surface(means: np.ndarray, variance: np.ndarray,
                   purity: np.ndarray = PURITY_GRID) -> np.ndarray:  # fmt: skip
    """l(p, phi, s) over purity x REFERENCE_CNS x SUBCLONAL_GRID (module docstring)."""
    surface = np.empty((purity.size, REFERENCE_CNS.size, SUBCLONAL_GRID.size))
    for a, reference_cn in enumerate(REFERENCE_CNS):
        log_prior = -NON_DIPLOID_LOG_PRIOR * (reference_cn != 2)
        for b, subclonal in enumerate(SUBCLONAL_GRID):
            states = _state_loglik(means, variance, purity, reference_cn, subclonal)
            top = states.max(axis=2, keepdims=True)
            marginal = top[..., 0] + np.log(np.exp(states - top).sum(axis=2))
            surface[:, a, b] = marginal.sum(axis=1) + log_prior
    return surface


def null_loglik(means: np.ndarray, variance: np.ndarray) -> float:
    """l at p = 0 (every state's mu is 0; phi = 2 carries no prior penalty)."""
    return float(np.sum(-0.5 * (means**2 / variance + np.log(2 * np.pi * variance))))


def map_states(means, variance, purity: float, reference_cn: int, subclonal: float):
    """(state index into ``state_copies``, its copy number, its mu) per segment: the
    maximum a posteriori state at (p, phi, s)."""
    states = _state_loglik(means, variance, np.array([purity]), reference_cn, subclonal)[0]
    best = np.argmax(states, axis=1)
    copies = state_copies(reference_cn, subclonal)
    mu = expected_log2(np.array([purity]), reference_cn, copies)[0]
    return best, copies[best], mu[best]


def dispersion(means: np.ndarray, variance: np.ndarray, mu: np.ndarray, parameters: int = 3):
    """Quasi-likelihood dispersion c = max(1, sum_j (m_j - mu_j)^2 / v_j / (J - parameters))
    at the fitted states: > 1 when the segment means scatter more than v_j says."""
    if means.size <= parameters:
        return 1.0
    return float(max(1.0, np.sum((means - mu) ** 2 / variance) / (means.size - parameters)))


def profile_interval(profiled: np.ndarray, grid: np.ndarray = PURITY_GRID):
    """(p_hat, low, high): the argmax of a profile log-likelihood on ``grid`` and its 95 %
    interval {p : 2 (l(p_hat) - l(p)) <= 3.841}, the ends linearly interpolated to the cut."""
    best = int(np.argmax(profiled))
    cut = profiled[best] - CHI2_1DF_95 / 2
    below = profiled < cut
    left = np.flatnonzero(below[:best])
    right = np.flatnonzero(below[best:]) + best

    def crossing(i: int, j: int) -> float:
        return float(
            grid[i] + (cut - profiled[i]) * (grid[j] - grid[i]) / (profiled[j] - profiled[i])
        )

    low = float(grid[0]) if left.size == 0 else crossing(left[-1], left[-1] + 1)
    high = float(grid[-1]) if right.size == 0 else crossing(right[0] - 1, right[0])
    return float(grid[best]), low, high
