"""Segmentation of low-pass WGS log2 ratios, independent of tumour fraction (pure).

Circular binary segmentation (CBS; Olshen et al., Biostatistics 2004, as DNAcopy), with the
noise known: on a run of n bins r_1..r_n of one chromosome with partial sums S_k, every arc
(i, j] (0 <= i < j <= n)
is scored by (each piece left at least ``MIN_SEGMENT_BINS`` long)

    T_ij = (mean(arc) - mean(rest)) / sqrt(sigma^2 (1/k + 1/(n - k)) + 2 tau^2),   k = j - i,

the arc of largest |T| is cut out when |T| > ``SPLIT_Z`` and each piece is segmented again.
sigma is the bin-to-bin noise (``noise_sd``) and tau the extra sd of a segment
mean (slow waves the bin-to-bin noise misses; ``segment_noise``): a long, shallow wave is not
a breakpoint. The threshold is a fixed z (no permutation, unlike DNAcopy): z = 4 splits
about 7 % of 200-bin white-noise chromosomes (``tests/unit/test_ctdna_lowpass_model_segments
.py``), a price paid for finding arm-level changes of a few % TF; the detection test's null
law is simulated through the same segmentation, so those false splits are accounted for.
Segments: chrom, start, end, n_bins, mean_log2 (mean of the bins' ratios) and the index range
of their bins in the input.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

SPLIT_Z = 4.0  # |T| needed to cut an arc (assumption; the null law is simulated with it)
MIN_SEGMENT_BINS = 3  # shortest segment: 3 bins (3 Mb focal events at 1 Mb bins)
NOISE_BLOCK = 25  # bins per block of the segment-level noise estimate (arm scale at 1 Mb)
TAU_FLOOR = 0.003  # least segment-level sd, log2 (assumption: PoN residue never vanishes)
MAD_TO_SD = 1.4826  # MAD of a normal distribution x 1.4826 = its standard deviation
SEGMENT_COLUMNS = ["chrom", "start", "end", "n_bins", "mean_log2"]


def noise_sd(ratios: np.ndarray, chromosome: np.ndarray) -> float:
    """Robust bin-to-bin noise: 1.4826 x median |r_i - r_(i-1)| / sqrt(2) over neighbouring
    bins of one chromosome (segments barely move it: only breakpoints differ)."""
    same = chromosome[1:] == chromosome[:-1]
    steps = np.abs(np.diff(ratios))[same]
    return float(MAD_TO_SD * np.median(steps) / np.sqrt(2)) if steps.size else float("nan")


def segment_noise(ratios: np.ndarray, chromosome: np.ndarray, sigma: float) -> float:
    """tau: sqrt(max(0, s_B^2 - sigma^2 / B)) with s_B = 1.4826 x MAD of the differences of
    adjacent ``NOISE_BLOCK``-bin block means of one chromosome / sqrt 2 (a breakpoint moves
    few block pairs), at least ``TAU_FLOOR``."""
    differences = []
    for chrom in pd.unique(chromosome):
        values = ratios[chromosome == chrom]
        blocks = values[: values.size // NOISE_BLOCK * NOISE_BLOCK].reshape(-1, NOISE_BLOCK)
        differences.append(np.diff(blocks.mean(axis=1)))
    steps = np.concatenate(differences) if differences else np.array([])
    if steps.size < 5:
        return TAU_FLOOR
    spread = MAD_TO_SD * np.median(np.abs(steps)) / np.sqrt(2)
    return float(max(np.sqrt(max(spread**2 - sigma**2 / NOISE_BLOCK, 0.0)), TAU_FLOOR))


@lru_cache(maxsize=1024)
def _arc_geometry(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(allowed, 1/k + 1/(n-k), 1/(n-k), k-term of the variance) over arcs (i, j] of n bins;
    zero where the arc is not allowed (module docstring)."""
    first, last = np.arange(n + 1)[:, None], np.arange(n + 1)[None, :]
    k = last - first
    rest = n - k
    allowed = (k >= MIN_SEGMENT_BINS) & (rest >= MIN_SEGMENT_BINS)
    allowed &= (first == 0) | (first >= MIN_SEGMENT_BINS)
    allowed &= (n - last == 0) | (n - last >= MIN_SEGMENT_BINS)
    safe_k, safe_rest = np.where(allowed, k, 1), np.where(allowed, rest, 1)
    both = np.where(allowed, 1.0 / safe_k + 1.0 / safe_rest, 0.0)
    return allowed, both, np.where(allowed, 1.0 / safe_rest, 0.0), np.where(allowed, both, 1.0)


def best_arc(ratios: np.ndarray, sigma: float, tau: float = 0.0) -> tuple[int, int, float]:
    """(i, j, T_ij) of the arc (i, j] with the largest |T| (module docstring); (0, 0, 0) when
    no arc is allowed. mean(arc) - mean(rest) = (S_j - S_i)(1/k + 1/(n-k)) - S_n / (n-k)."""
    n = ratios.size
    allowed, both, inverse_rest, variance_term = _arc_geometry(n)
    if not allowed.any():
        return 0, 0, 0.0
    sums = np.concatenate([[0.0], np.cumsum(ratios)])
    difference = (sums[None, :] - sums[:, None]) * both - sums[n] * inverse_rest
    statistic = difference / np.sqrt(sigma**2 * variance_term + 2 * tau**2)
    i, j = np.unravel_index(int(np.argmax(np.abs(statistic))), statistic.shape)
    return int(i), int(j), float(statistic[i, j])


def breakpoints(
    ratios: np.ndarray, sigma: float, tau: float = 0.0, z: float = SPLIT_Z
) -> list[int]:
    """Sorted cut positions (0 and n included) of one chromosome's ratios."""
    cuts = {0, ratios.size}
    pending = [(0, ratios.size)]
    while pending:
        start, end = pending.pop()
        i, j, statistic = best_arc(ratios[start:end], sigma, tau)
        if abs(statistic) <= z:
            continue
        new = sorted({start, start + i, start + j, end})
        cuts.update(new)
        pending.extend(zip(new[:-1], new[1:]))
    return sorted(cuts)


def segment_runs(ratios: np.ndarray, chromosome: np.ndarray, sigma: float, tau: float = 0.0,
                 z: float = SPLIT_Z) -> np.ndarray:  # fmt: skip
    """Segment boundaries as row positions (0 first, n last) over runs of one chromosome."""
    change = np.flatnonzero(chromosome[1:] != chromosome[:-1]) + 1
    cuts = [0]
    for first, last in zip(np.r_[0, change], np.r_[change, ratios.size]):
        cuts.extend(first + c for c in breakpoints(ratios[first:last], sigma, tau, z)[1:])
    return np.array(cuts)


def segment(
    bins: pd.DataFrame, sigma: float, tau: float = 0.0, z: float = SPLIT_Z
) -> pd.DataFrame:
    """Segments of ``bins`` (chrom, start, end, log2_ratio; ordered within each chromosome):
    SEGMENT_COLUMNS plus first_bin and last_bin (row positions, last exclusive)."""
    ratios = bins["log2_ratio"].to_numpy(float)
    cuts = segment_runs(ratios, bins["chrom"].to_numpy(), sigma, tau, z)
    first, last = cuts[:-1], cuts[1:]
    sums = np.concatenate([[0.0], np.cumsum(ratios)])
    return pd.DataFrame({
        "chrom": bins["chrom"].to_numpy()[first], "start": bins["start"].to_numpy()[first],
        "end": bins["end"].to_numpy()[last - 1], "n_bins": last - first,
        "mean_log2": (sums[last] - sums[first]) / (last - first),
        "first_bin": first, "last_bin": last,
    })  # fmt: skip
