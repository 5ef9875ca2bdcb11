"""The variance of a segment mean from the sample's own correlated residue (pure).

Bins of one segment share a level, but their ratios still carry slow, correlated residue
(a per-sample GC curve the PoN cannot cancel, waves): the variance of the mean of L
consecutive bins, s2(L), falls more slowly than sigma^2 / L. It is measured inside the
segments of a first segmentation (no breakpoint crossed): for L in ``BLOCK_LENGTHS``, the
non-overlapping L-bin blocks from the first bin of each segment of n >= 2 L bins, and

    s2(L) = mean over those blocks of (block mean - segment mean)^2 / (1 - L / n)

(for independent bins E (block mean - segment mean)^2 = sigma^2 (1 / L - 1 / n), hence the
factor; a mean of squares, not a MAD: sparse residue is what it must see; a length with
fewer than ``MIN_BLOCKS`` blocks is not measured). Excess e(L) = max(s2(L) - sigma^2 / L,
tau^2) (tau: the block-MAD segment noise, ``lowpass_fit_segments.segment_noise``, the floor), made
non-increasing in L (a running maximum from the long end: a longer mean never has more
excess), linearly interpolated in log L between measured lengths and constant beyond them.
A segment mean of n bins then has variance V(n) = sigma^2 / n + e(n) (``mean_variance``),
used in the CBS statistic, the likelihood, the interval and the LoD.
"""

from __future__ import annotations

import numpy as np

BLOCK_LENGTHS = np.array([1, 2, 4, 8, 16, 32, 64])  # block lengths measured (bins)
MIN_BLOCKS = 20  # blocks needed to measure one length (assumption)


def block_variance(ratios: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """s2(L) for L in BLOCK_LENGTHS (NaN where fewer than MIN_BLOCKS blocks); ``cuts`` are
    the segment boundaries as row positions (0 first, n last)."""
    result = np.full(BLOCK_LENGTHS.size, np.nan)
    for index, length in enumerate(BLOCK_LENGTHS):
        squares = []
        for first, last in zip(cuts[:-1], cuts[1:]):
            n = last - first
            blocks = n // length
            if blocks >= 2:
                values = ratios[first:last]
                means = values[: blocks * length].reshape(blocks, length).mean(axis=1)
                squares.append((means - values.mean()) ** 2 / (1 - length / n))
        pooled = np.concatenate(squares) if squares else np.array([])
        if pooled.size >= MIN_BLOCKS:
            result[index] = pooled.mean()
    return result


def excess_by_length(ratios: np.ndarray, cuts: np.ndarray, sigma: float, tau: float,
                     longest: int) -> np.ndarray:  # fmt: skip
    """e(L) for L = 0..longest (module docstring; e(0) is unused and set to e(1))."""
    s2 = block_variance(ratios, cuts)
    measured = np.isfinite(s2)
    lengths = np.arange(longest + 1)
    if not measured.any():
        return np.full(lengths.size, tau**2)
    excess = np.maximum(s2[measured] - sigma**2 / BLOCK_LENGTHS[measured], tau**2)
    excess = np.maximum.accumulate(excess[::-1])[::-1]
    log_lengths = np.log(BLOCK_LENGTHS[measured])
    return np.interp(np.log(np.maximum(lengths, 1)), log_lengths, excess)


def mean_variance(n_bins: np.ndarray, sigma: float, excess: np.ndarray) -> np.ndarray:
    """V(n) = sigma^2 / n + e(n) per segment of n bins."""
    n = np.asarray(n_bins)
    return sigma**2 / n + excess[np.minimum(n, excess.size - 1)]
