"""Hidden Markov model over clonal copy-number states of low-pass WGS log2 ratios (pure).

Per bin i of one chromosome, the tumour copy number c_i is a state in ``STATES`` (1-6; no
homozygous deletion at 0.5-1 Mb bins, as ichorCNA --includeHOMD FALSE). With tumour fraction
p and reference copy number phi (the tumour copy number of the bins whose ratio is 0: the
sample's median bin), the expected log2 ratio of state c (ichorCNA's mixture, normal cells
diploid) is

    mu_c(p, phi) = log2( (2 (1 - p) + c p) / (2 (1 - p) + phi p) ).

Emission: the observed ratio r_i ~ (1 - OUTLIER_WEIGHT) N(mu_c, sigma^2) + OUTLIER_WEIGHT
N(0, OUTLIER_SD^2) (a broad component keeps a single wild bin from creating a segment);
sigma is fixed from the data (``noise_sd``). Transitions: stay with probability ``stay``,
else jump to any other state uniformly; each chromosome starts as if its previous bin were
in the reference state phi (probability ``stay`` there, the rest spread uniformly): starting
altered costs what a breakpoint costs, and p = 0 is not favoured by a free start.
``forward_loglik`` returns log P(r | p, phi) for many (p, phi) at once (the scaled forward
algorithm, Rabiner 1989), ``viterbi`` the most likely state path.
"""

from __future__ import annotations

import numpy as np

STATES = np.arange(1, 7)  # tumour copy numbers 1-6 (ichorCNA maxCN 5-7; HOMD excluded)
STAY = 0.999  # self-transition probability per bin (assumption: a few breakpoints per genome)
OUTLIER_WEIGHT = 0.01  # share of bins drawn from the broad component (assumption)
OUTLIER_SD = 1.0  # log2 sd of the broad component (assumption: any ratio within +-2)
NORMAL_COPIES = 2  # diploid normal cells (autosomes)
MAD_TO_SD = 1.4826  # MAD of a normal distribution x 1.4826 = its standard deviation


def expected_log2(purity: np.ndarray, reference_cn: np.ndarray) -> np.ndarray:
    """mu (rows: each (p, phi) pair; columns: STATES), the module's formula."""
    p, phi = np.asarray(purity, float)[:, None], np.asarray(reference_cn, float)[:, None]
    normal = NORMAL_COPIES * (1 - p)
    return np.log2((normal + STATES[None, :] * p) / (normal + phi * p))


def noise_sd(ratios: np.ndarray, chromosome: np.ndarray) -> float:
    """Robust bin-to-bin noise: 1.4826 x median |r_i - r_(i-1)| / sqrt(2) over neighbouring
    bins of one chromosome (segments barely move it: only breakpoints differ)."""
    same = chromosome[1:] == chromosome[:-1]
    steps = np.abs(np.diff(ratios))[same]
    return float(MAD_TO_SD * np.median(steps) / np.sqrt(2)) if steps.size else float("nan")


def _emission(ratio: float, mu: np.ndarray, sigma: float) -> np.ndarray:
    """Emission densities of one ratio under every row and state of mu."""
    core = np.exp(-0.5 * ((ratio - mu) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    broad = np.exp(-0.5 * (ratio / OUTLIER_SD) ** 2) / (OUTLIER_SD * np.sqrt(2 * np.pi))
    return (1 - OUTLIER_WEIGHT) * core + OUTLIER_WEIGHT * broad


def start_distribution(reference_cn: np.ndarray, stay: float = STAY) -> np.ndarray:
    """Per row, the state distribution of a chromosome's first bin (module docstring)."""
    k = STATES.size
    start = np.full((len(reference_cn), k), (1 - stay) / (k - 1))
    start[np.arange(len(reference_cn)), np.searchsorted(STATES, reference_cn)] = stay
    return start


def forward_loglik(
    ratios: np.ndarray,
    chromosome: np.ndarray,
    mu: np.ndarray,
    sigma: float,
    reference_cn: np.ndarray,
    stay: float = STAY,
) -> np.ndarray:
    """log P(ratios | model) for each row of ``mu`` (scaled forward algorithm); row j's
    chromosomes start from reference copy number ``reference_cn[j]``."""
    k = mu.shape[1]
    move = (1 - stay) / (k - 1)
    loglik = np.zeros(mu.shape[0])
    start = start_distribution(np.asarray(reference_cn), stay)
    alpha = start
    for i, ratio in enumerate(ratios):
        if i == 0 or chromosome[i] != chromosome[i - 1]:
            prior = start
        else:
            prior = (stay - move) * alpha + move  # alpha sums to 1 per row
        alpha = prior * _emission(ratio, mu, sigma)
        scale = alpha.sum(axis=1)
        loglik += np.log(scale)
        alpha /= scale[:, None]
    return loglik


def viterbi(
    ratios: np.ndarray,
    chromosome: np.ndarray,
    mu: np.ndarray,
    sigma: float,
    reference_cn: int,
    stay: float = STAY,
) -> np.ndarray:
    """Most likely copy number (a value of STATES) per bin under one row ``mu`` (shape (K,))."""
    k, n = mu.size, len(ratios)
    log_start = np.log(start_distribution(np.array([reference_cn]), stay)[0])
    log_stay, log_move = np.log(stay), np.log((1 - stay) / (k - 1))
    transition = np.full((k, k), log_move) + np.eye(k) * (log_stay - log_move)
    score = np.zeros(k)
    back = np.zeros((n, k), dtype=np.int64)
    for i, ratio in enumerate(ratios):
        emission = np.log(_emission(ratio, mu[None, :], sigma)[0])
        if i == 0 or chromosome[i] != chromosome[i - 1]:
            best = score.max() if i else 0.0
            back[i] = np.argmax(score) if i else 0
            score = best + log_start + emission
        else:
            candidates = score[:, None] + transition
            back[i] = np.argmax(candidates, axis=0)
            score = candidates.max(axis=0) + emission
    path = np.zeros(n, dtype=np.int64)
    path[-1] = int(np.argmax(score))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return STATES[path]
