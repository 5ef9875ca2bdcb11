"""Tiny low-pass WGS tables for the report tests (the columns of lowpass_samples.tsv,
lowpass_ratios.tsv and lowpass_segments.tsv of the ctdna-lowpass contract), generated with
a fixed seed: each sample has a gain on the second half of its first chromosome, one masked
bin (an outlier log2 ratio that must not be drawn) and one bin without a ratio."""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20240601  # project seed
CHROMS = (("chr1", 6), ("chr2", 5), ("chrX", 4))  # contig, bins of BIN_SIZE
BIN_SIZE = 1_000_000
GAIN_LOG2 = 0.4  # log2 ratio of the gained half of the first contig
MASKED_LOG2 = 5.0  # the masked bin's value: far outside the plotted range if it were drawn


def lowpass_tables(samples=("L1", "L2"), chroms=CHROMS, seed=SEED):
    """(lowpass_samples, lowpass_ratios, lowpass_segments) DataFrames."""
    rng = np.random.default_rng(seed)
    ratios, segments, rows = [], [], []
    for index, sample in enumerate(samples):
        for number, (chrom, n_bins) in enumerate(chroms):
            half = n_bins // 2
            level = np.where((number == 0) & (np.arange(n_bins) >= half), GAIN_LOG2, 0.0)
            log2 = level + rng.normal(0, 0.05, n_bins)
            masked = np.zeros(n_bins, dtype=int)
            if number == 1:
                masked[1], log2[1] = 1, MASKED_LOG2
                log2[2] = np.nan  # no ratio (not masked): not drawn either
            for b in range(n_bins):
                ratios.append(
                    {
                        "sample": sample,
                        "chrom": chrom,
                        "start": b * BIN_SIZE,
                        "end": (b + 1) * BIN_SIZE,
                        "fragments": 1000,
                        "log2_ratio": log2[b],
                        "masked": masked[b],
                        "mask_reason": "mappability" if masked[b] else None,
                        "copy_number": 3 if level[b] else 2,
                    }
                )
            cuts = [0, half, n_bins] if number == 0 else [0, n_bins]
            for start, end in zip(cuts[:-1], cuts[1:], strict=True):
                segments.append(
                    {
                        "sample": sample,
                        "chrom": chrom,
                        "start": start * BIN_SIZE,
                        "end": end * BIN_SIZE,
                        "n_bins": end - start,
                        "mean_log2": float(np.nanmean(level[start:end])),
                        "copy_number": 3 if level[start] else 2,
                        "subclonal": 0,
                    }
                )
        rows.append(
            {
                "patient": f"P{index + 1}",
                "sample": sample,
                "timepoint": "baseline",
                "method": "lowpass_wgs",
                "reference": "pon",
                "sex": "female",
                "coverage_x": 0.3,
                "mad_log2": 0.05,
                "tumour_fraction": 0.2 if index == 0 else None,
                "tf_ci_low": 0.15 if index == 0 else None,
                "tf_ci_high": 0.26 if index == 0 else None,
                "ploidy": 2.1,
                "detected": 1 if index == 0 else 0,
                "lod95_tf": 0.04,
                "reason": None if index == 0 else "not detected",
                "short_long_ratio": 0.31,
                "tf_short": 0.25 if index == 0 else None,
                "tf_short_ci_low": 0.18 if index == 0 else None,
                "tf_short_ci_high": 0.33 if index == 0 else None,
            }
        )
    return pd.DataFrame(rows), pd.DataFrame(ratios), pd.DataFrame(segments)
