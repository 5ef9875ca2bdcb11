"""The three tables of ``ctdna-lowpass`` from one sample's ratios and model fit (pure).

Quantities (schemas ctdna_lowpass_samples, _ratios, _segments; docs/ctdna.md, Low-pass WGS):

- ``mad_log2`` = 1.4826 x MAD(d) / sqrt(2), d = differences of log2 ratios between
  neighbouring modelled bins of one chromosome (the MAD of a difference of two independent
  N(0, s^2) values is that of N(0, 2 s^2), hence the sqrt 2).
- ``coverage_x`` = fragments x ``FRAGMENT_BP`` / total bin length: an approximate fragment
  coverage (the bins hold no per-fragment length).
- ``short_long_ratio`` = sum of short (90-150 bp) / sum of long (151-220 bp) fragments over
  all bins of the sample (DELFI's short/long ratio, one value per sample).
- ``tumour_fraction`` is given only when the sample is detected and the estimate is at or
  above its ``lod95_tf``; otherwise NA with ``reason_code`` (no_fit, not_detected, below_lod)
  and a reason. The interval stays whenever a fit exists.
- Per-bin ``copy_number`` and ``expected_log2``: the fit's ``bins`` (``lowpass_model``:
  the state of the bin's segment and its model mean at the fitted tumour fraction,
  reference copy number and subclonal fraction).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import median_abs_deviation

from ctdna import lowpass_model
from ctdna.lowpass_norm import contig_kind
from ctdna.lowpass_pon import BIN_KEYS

METHOD = "lowpass_wgs"  # the method column of ctdna.tsv and lowpass_samples.tsv
FRAGMENT_BP = 167  # mononucleosomal cfDNA fragment length (bp), as stereosarc.demo.reads
RATIO_COLUMNS = ["sample", "chrom", "start", "end", "fragments", "short", "long", "gc",
                 "mappability", "corrected_depth", "log2_ratio", "masked", "mask_reason",
                 "copy_number", "expected_log2"]  # fmt: skip
SEGMENT_COLUMNS = ["sample", "chrom", "start", "end", "n_bins", "mean_log2", "copy_number",
                   "subclonal"]  # fmt: skip
NAN = float("nan")


def mad_log2(ratios: pd.DataFrame) -> float:
    """``mad_log2`` of the module docstring over the unmasked autosomal bins."""
    used = ratios[(contig_kind(ratios["chrom"]) == "autosome") & ratios["log2_ratio"].notna()]
    values, chrom = used["log2_ratio"].to_numpy(float), used["chrom"].to_numpy()
    steps = np.diff(values)[chrom[1:] == chrom[:-1]]
    if steps.size < 2:
        return NAN
    return float(median_abs_deviation(steps, scale="normal") / math.sqrt(2))


def short_long_ratio(bins: pd.DataFrame) -> float:
    """Sum of short / sum of long fragments (NaN without lengths or long fragments)."""
    short, long = pd.to_numeric(bins["short"]), pd.to_numeric(bins["long"])
    if short.isna().any() or long.isna().any() or long.sum() == 0:
        return NAN
    return float(short.sum() / long.sum())


def coverage_x(bins: pd.DataFrame) -> float:
    """``coverage_x`` of the module docstring."""
    length = float((bins["end"] - bins["start"]).sum())
    return float(bins["fragments"].sum() * FRAGMENT_BP / length) if length > 0 else NAN


def model_bins(fit) -> pd.DataFrame:
    """BIN_KEYS + copy_number, expected_log2 of every modelled bin (the fit's ``bins``)."""
    return fit.bins[[*BIN_KEYS, "copy_number", "expected_log2"]]


def ratio_rows(sample: str, ratios: pd.DataFrame, fit) -> pd.DataFrame:
    """RATIO_COLUMNS of one sample, one row per bin in the bins' order."""
    table = ratios.drop(columns=["copy_number", "expected_log2"], errors="ignore")
    table = table.merge(model_bins(fit), on=BIN_KEYS, how="left")
    table["copy_number"] = table["copy_number"].astype("Int64")
    return table.assign(sample=sample, masked=table["masked"].astype(int))[RATIO_COLUMNS]


def segment_rows(sample: str, fit) -> pd.DataFrame:
    """SEGMENT_COLUMNS of one sample (none without a fit or at a fitted fraction of 0)."""
    segments = fit.segments
    if fit.detected is None or not fit.tumour_fraction > 0:
        segments = segments.iloc[0:0]
    return segments.assign(sample=sample, subclonal=segments["subclonal"].astype(int))[
        SEGMENT_COLUMNS
    ]


def sample_row(info: dict, ratios: pd.DataFrame, bins: pd.DataFrame, fit, short_fit) -> dict:
    """One row of lowpass_samples (schema ctdna_lowpass_samples); ``info``: patient, sample,
    timepoint; ``short_fit``: the fit on short-fragment counts, or a reason string."""
    value, code, reason = lowpass_model.reported(fit)
    reasons = [reason] if reason else []
    short = dict.fromkeys(["tf_short", "tf_short_ci_low", "tf_short_ci_high"], NAN)
    if isinstance(short_fit, str):
        reasons.append(f"short fragments: {short_fit}")
    else:
        short_value, _, short_reason = lowpass_model.reported(short_fit)
        short.update(tf_short=short_value, tf_short_ci_low=short_fit.ci_low,
                     tf_short_ci_high=short_fit.ci_high)  # fmt: skip
        if short_reason:
            reasons.append(f"short fragments: {short_reason}")
    return {
        **info, "method": METHOD, "reference": str(ratios["reference"].iloc[0]),
        "sex": ratios["sex"].iloc[0], "fragments": int(bins["fragments"].sum()),
        "coverage_x": coverage_x(bins), "bins_modelled": int(fit.n_bins),
        "mad_log2": mad_log2(ratios), "tumour_fraction": value, "tf_ci_low": fit.ci_low,
        "tf_ci_high": fit.ci_high, "ploidy": fit.ploidy,
        "subclonal_fraction": fit.subclonal_fraction,
        "lr_statistic": fit.lr_statistic, "threshold": fit.threshold,
        "detected": None if fit.detected is None else int(bool(fit.detected)),
        "lod95_tf": fit.lod, "reason_code": code, "reason": "; ".join(reasons) or None,
        "short_long_ratio": short_long_ratio(bins), **short,
    }  # fmt: skip
