"""Low-pass WGS tumour fraction: joint fit of tumour fraction and reference copy number by
likelihood, with a profile-likelihood interval, a detection test and a per-sample LoD.

Data: the unmasked autosomal bins of one sample's log2 ratios (``lowpass_pon.log2_ratios``);
chrX is not modelled yet. Model: ``ctdna.lowpass_hmm`` (clonal states 1-6 mixed with diploid
normal DNA; no subclonal component yet).

- Fit: log-likelihood l(p, phi) on the grid p in PURITY_GRID x phi in REFERENCE_CNS, minus
  NON_DIPLOID_PENALTY when phi != 2 (a prior for the diploid reference); p_hat, phi_hat =
  argmax. Ploidy = mean tumour copy number of the Viterbi path at
  (p_hat, phi_hat) over the modelled bins.
- Interval: profile l_prof(p) = max_phi l(p, phi); the 95 % interval is
  {p : 2 (l_prof(p_hat) - l_prof(p)) <= 3.841} (chi-square 1 df, 0.95), its ends linearly
  interpolated between grid points (ichorCNA reports no interval).
- Detection: LR = 2 (l_prof(p_hat) - l(0)); p = 0 makes every state's ratio 0, so l(0) is
  the no-tumour model. The null distribution of LR is not chi-square (boundary, state
  choice), so the threshold is its ``1 - ALPHA`` quantile over NULL_REPLICATES ratio sets
  drawn N(0, sigma^2) with the sample's bins and sigma (seeded), raised to the largest LR of
  the PoN donors each tested against the other donors (``donor_lr``, leave-one-out: real
  no-tumour ratios keep structure an iid null lacks): detected = LR > threshold.
- LoD (95 %): the tumour fraction at which a reference tumour, a one-copy gain over the
  first REFERENCE_ALTERED_SHARE of the modelled bins, is detected with probability 0.95.
  Its expected LR is taken as the LR of the noise-free ratios (the model's mu for that
  profile), a noncentrality lambda(p) (noncentral chi-square approximation); detection at
  95 % needs sqrt(lambda) = sqrt(threshold) + 1.645, solved for p by bisection. Below it
  (or not detected) the sample's answer is "below LoD", not a number.
- What it cannot see: a copy-neutral tumour (the likelihood is flat in p when every bin
  stays in the reference state, so the interval of an undetected sample reaches the top of
  the grid).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ctdna import lowpass_hmm
from ctdna.lowpass_norm import contig_kind

PURITY_GRID = np.round(np.arange(0.0, 0.9501, 0.005), 3)  # tumour fractions tried
REFERENCE_CNS = np.array([2, 3, 4])  # reference copy numbers tried (ploidy 2 and 3-4 tumours)
# log prior of a non-diploid reference: 2 is e^3 ~ 20x as likely a priori as 3 or 4
# (assumption; without it the purity/ploidy ambiguity pulls low-TF fits to phi 3-4 and
# p 2-3x too small in the simulations of tests/unit/test_ctdna_lowpass_model.py)
NON_DIPLOID_PENALTY = 3.0
CHI2_1DF_95 = 3.841459  # chi-square quantile, 1 df, 0.95 (profile-likelihood interval)
ALPHA = 0.05  # false-positive rate of the detection test
NULL_REPLICATES = 100  # null ratio sets per sample for the detection threshold
NULL_GRID_STEP = 4  # every 4th purity of PURITY_GRID in the null fits (speed)
REFERENCE_ALTERED_SHARE = 0.1  # LoD reference: a one-copy gain over 10 % of the bins
Z_95 = 1.644854  # standard normal 0.95 quantile (95 % detection at the LoD)
LOD_BISECTIONS = 8  # bisection steps on [0, 0.95]: LoD to within 0.004
MIN_MODEL_BINS = 30  # fewer usable bins: no fit (NA with a reason)
SEED = 20240601  # docs/development.md conventions: fixed default seed


@dataclass
class LowpassFit:
    """One sample's fit; NA fields (NaN/None) with ``reason`` when there was no fit."""

    tumour_fraction: float
    ci_low: float
    ci_high: float
    reference_cn: float
    ploidy: float
    lr_statistic: float
    threshold: float
    detected: bool | None
    lod: float
    noise_sd: float
    n_bins: int
    reason: str | None
    segments: pd.DataFrame


SEGMENT_COLUMNS = ["chrom", "start", "end", "bins", "copy_number", "median_log2_ratio"]


def _grid():
    purity = np.repeat(PURITY_GRID, len(REFERENCE_CNS))
    reference = np.tile(REFERENCE_CNS, len(PURITY_GRID))
    return purity, reference


def penalised(loglik: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """l(p, phi) with the non-diploid reference prior (NON_DIPLOID_PENALTY)."""
    return loglik - NON_DIPLOID_PENALTY * (reference != 2)


def profile(loglik: np.ndarray) -> np.ndarray:
    """l_prof(p) over PURITY_GRID from l on the (p, phi) grid of ``_grid``."""
    return loglik.reshape(len(PURITY_GRID), len(REFERENCE_CNS)).max(axis=1)


def profile_interval(profiled: np.ndarray, grid: np.ndarray = PURITY_GRID):
    """(p_hat, low, high): the argmax and the 95 % profile-likelihood interval."""
    best = int(np.argmax(profiled))
    inside = 2 * (profiled[best] - profiled) <= CHI2_1DF_95
    cut = profiled[best] - CHI2_1DF_95 / 2

    def crossing(i: int, j: int) -> float:  # linear interpolation between grid i and j
        return float(np.interp(cut, sorted([profiled[i], profiled[j]]),
                               [grid[i], grid[j]] if profiled[i] < profiled[j]
                               else [grid[j], grid[i]]))  # fmt: skip

    low_index = best
    while low_index > 0 and inside[low_index - 1]:
        low_index -= 1
    high_index = best
    while high_index < len(grid) - 1 and inside[high_index + 1]:
        high_index += 1
    low = grid[0] if low_index == 0 else crossing(low_index - 1, low_index)
    high = grid[-1] if high_index == len(grid) - 1 else crossing(high_index, high_index + 1)
    return float(grid[best]), float(low), float(high)


def null_threshold(chromosome: np.ndarray, sigma: float, seed: int = SEED) -> float:
    """The 1 - ALPHA quantile of LR over NULL_REPLICATES no-tumour ratio sets (docstring)."""
    rng = np.random.default_rng(seed)
    purity, reference = _grid()
    keep = np.isin(purity, PURITY_GRID[::NULL_GRID_STEP])
    mu = lowpass_hmm.expected_log2(purity[keep], reference[keep])
    statistics = []
    for _ in range(NULL_REPLICATES):
        ratios = rng.normal(0.0, sigma, chromosome.size)
        loglik = lowpass_hmm.forward_loglik(ratios, chromosome, mu, sigma, reference[keep])
        loglik = penalised(loglik, reference[keep])
        statistics.append(2 * (loglik.max() - loglik[0]))
    return float(np.quantile(statistics, 1 - ALPHA))


def _likelihood_ratio(ratios, chromosome, sigma, purity, reference) -> float:
    """2 (max penalised l - l(0)) of a ratio set over the (purity, reference) rows."""
    mu = lowpass_hmm.expected_log2(purity, reference)
    loglik = penalised(
        lowpass_hmm.forward_loglik(ratios, chromosome, mu, sigma, reference), reference
    )
    return float(2 * (loglik.max() - loglik[0]))


def limit_of_detection(chromosome: np.ndarray, sigma: float, threshold: float) -> float:
    """The 95 % LoD of the module docstring (NaN when even p = 0.95 is not enough)."""
    n = chromosome.size
    altered = np.arange(n) < max(1, int(round(REFERENCE_ALTERED_SHARE * n)))
    purity, reference = _grid()
    keep = np.isin(purity, PURITY_GRID[::NULL_GRID_STEP])
    target = (np.sqrt(threshold) + Z_95) ** 2

    def noncentrality(p: float) -> float:
        copies = np.where(altered, 3, 2)
        ratios = np.log2((2 * (1 - p) + copies * p) / 2)
        return _likelihood_ratio(ratios, chromosome, sigma, purity[keep], reference[keep])

    low, high = 0.0, float(PURITY_GRID[-1])
    if noncentrality(high) < target:
        return float("nan")
    for _ in range(LOD_BISECTIONS):
        middle = (low + high) / 2
        low, high = (middle, high) if noncentrality(middle) < target else (low, middle)
    return high


def segments_of(bins: pd.DataFrame, states: np.ndarray) -> pd.DataFrame:
    """Runs of one copy number per chromosome: SEGMENT_COLUMNS."""
    frame = bins.assign(copy_number=states)
    run = ((frame["copy_number"] != frame["copy_number"].shift()) |
           (frame["chrom"] != frame["chrom"].shift())).cumsum()  # fmt: skip
    grouped = frame.groupby(run, sort=False)
    return pd.DataFrame(
        {
            "chrom": grouped["chrom"].first(),
            "start": grouped["start"].min(),
            "end": grouped["end"].max(),
            "bins": grouped.size(),
            "copy_number": grouped["copy_number"].first(),
            "median_log2_ratio": grouped["log2_ratio"].median(),
        }
    ).reset_index(drop=True)[SEGMENT_COLUMNS]


def _no_fit(reason: str, n_bins: int, sigma: float = float("nan")) -> LowpassFit:
    nan = float("nan")
    return LowpassFit(nan, nan, nan, nan, nan, nan, nan, None, nan, sigma, n_bins, reason,
                      pd.DataFrame(columns=SEGMENT_COLUMNS))  # fmt: skip


def _usable(ratios: pd.DataFrame) -> pd.DataFrame:
    autosomal = contig_kind(ratios["chrom"]) == "autosome"
    return ratios[autosomal & ratios["log2_ratio"].notna()].reset_index(drop=True)


def donor_lr(donor_ratios: dict[str, pd.DataFrame]) -> float:
    """The largest LR of the PoN donors' leave-one-out ratios (0 without donors)."""
    statistics = [0.0]
    for ratios in donor_ratios.values():
        usable = _usable(ratios)
        r, chromosome = usable["log2_ratio"].to_numpy(float), usable["chrom"].to_numpy()
        sigma = lowpass_hmm.noise_sd(r, chromosome)
        if len(usable) >= MIN_MODEL_BINS and sigma > 0:
            statistics.append(_likelihood_ratio(r, chromosome, sigma, *_grid()))
    return max(statistics)


def fit_sample(ratios: pd.DataFrame, seed: int = SEED, donors: float = 0.0) -> LowpassFit:
    """Tumour fraction, interval, ploidy, detection and LoD of one sample (docstring);
    ``donors``: ``donor_lr`` of the PoN, the floor of the detection threshold."""
    usable = _usable(ratios)
    if len(usable) < MIN_MODEL_BINS:
        return _no_fit(f"{len(usable)} usable autosomal bins (< {MIN_MODEL_BINS})", len(usable))
    r = usable["log2_ratio"].to_numpy(float)
    chromosome = usable["chrom"].to_numpy()
    sigma = lowpass_hmm.noise_sd(r, chromosome)
    if not sigma > 0:
        return _no_fit("no bin-to-bin noise estimate", len(usable), sigma)
    purity, reference = _grid()
    mu = lowpass_hmm.expected_log2(purity, reference)
    loglik = penalised(lowpass_hmm.forward_loglik(r, chromosome, mu, sigma, reference), reference)
    profiled = profile(loglik)
    p_hat, low, high = profile_interval(profiled)
    best = int(np.argmax(loglik))
    states = lowpass_hmm.viterbi(r, chromosome, mu[best], sigma, int(reference[best]))
    threshold = max(null_threshold(chromosome, sigma, seed), donors)
    statistic = float(2 * (profiled.max() - profiled[0]))
    return LowpassFit(
        tumour_fraction=p_hat, ci_low=low, ci_high=high,
        reference_cn=float(reference[best]) if p_hat > 0 else float("nan"),
        ploidy=float(states.mean()) if p_hat > 0 else float("nan"),
        lr_statistic=statistic, threshold=threshold, detected=statistic > threshold,
        lod=limit_of_detection(chromosome, sigma, threshold), noise_sd=sigma,
        n_bins=len(usable), reason=None, segments=segments_of(usable, states),
    )  # fmt: skip
