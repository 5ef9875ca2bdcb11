"""Low-pass WGS normalisation of one sample's bins: GC and mappability correction, sex.

Input: the per-bin table of ctdna-bin (fragments, gc, mappability per bin). Quantities:

- ``rate`` = fragments / bin length (fragments per bp).
- GC correction (HMMcopy's ``correctReadcount`` and ichorCNA's ``correctReadCounts``, with
  the log scale and a single smoother): on the *fit bins* (autosomes, GC known, fragments > 0,
  mappability >= ``MIN_MAPPABILITY`` when known, rate and GC inside their 1-99 % and 0.1-99.9 %
  quantiles) a lowess of log(rate) on GC (statsmodels, frac ``GC_LOWESS_FRAC``) gives the
  expected log rate at each GC, linearly interpolated; ``gc_corrected`` = rate /
  exp(expected(gc)).
- Mappability correction, when mappability is known (ichorCNA): a lowess of gc_corrected on
  mappability over the same fit bins; ``corrected_depth`` = gc_corrected / expected(map),
  then divided by its median over the fit bins, so a typical autosomal bin is 1 (two copies).
- Sex (ichorCNA's ``getGender`` rule and defaults): male when the median log2 corrected depth
  of chrX is < ``CHRX_MALE_LOG2`` and the share of the sample's fragments on chrY is >
  ``CHRY_MALE_FRACTION``; female when neither holds; NA (with a reason) when they disagree
  or chrX has no usable bin. Without chrY in the bins, chrX alone decides.
- Sex chromosomes: for a male, chrX depth is doubled (one copy is his normal; 1 then means
  "as many copies as expected"); for NA sex chrX is masked; chrY is always masked from the
  ratios (ichorCNA analyses 1-22 and X by default) and used for the sex call only.

Masks (``mask_reason``, first that applies): chrY, sex unknown (chrX), no GC, no fragments,
mappability below ``MIN_MAPPABILITY``, no corrected depth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.nonparametric.smoothers_lowess import lowess

MIN_MAPPABILITY = 0.9  # ichorCNA --minMapScore default
GC_LOWESS_FRAC = 0.3  # HMMcopy correctReadcount's final loess span
RATE_QUANTILES = (0.01, 0.99)  # HMMcopy correctReadcount: routlier 0.01 (both tails)
GC_QUANTILES = (0.001, 0.999)  # HMMcopy correctReadcount: doutlier 0.001
CHRX_MALE_LOG2 = -0.5  # ichorCNA getGender chrXMedianForMale
CHRY_MALE_FRACTION = 0.001  # ichorCNA --fracReadsInChrYForMale default
MIN_FIT_BINS = 20  # fewer usable autosomal bins: no smoother is fitted (assumption)


@dataclass
class SampleDepth:
    """One sample's corrected bins (``bins``: the input columns plus gc_corrected,
    corrected_depth, log2_depth, masked, mask_reason) and its sex call."""

    bins: pd.DataFrame
    sex: str | None
    sex_reason: str | None
    chrx_log2: float
    chry_fraction: float


def contig_kind(chrom: pd.Series) -> pd.Series:
    """'X', 'Y' or 'autosome' per contig name (``1``/``chr1`` naming)."""
    bare = chrom.astype(str).str.removeprefix("chr")
    return bare.map({"X": "X", "Y": "Y"}).fillna("autosome")


def fit_bins(bins: pd.DataFrame, rate: pd.Series) -> np.ndarray:
    """Boolean mask of the bins the smoothers are fitted on (module docstring)."""
    usable = (contig_kind(bins["chrom"]) == "autosome") & bins["gc"].notna() & (rate > 0)
    mappability = bins["mappability"]
    usable &= mappability.isna() | (mappability >= MIN_MAPPABILITY)
    if usable.sum() < MIN_FIT_BINS:
        return usable.to_numpy()
    low, high = rate[usable].quantile(RATE_QUANTILES)
    gc_low, gc_high = bins.loc[usable, "gc"].quantile(GC_QUANTILES)
    usable &= rate.between(low, high) & bins["gc"].between(gc_low, gc_high)
    return usable.to_numpy()


def smoothed(x: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Lowess of y on x (frac GC_LOWESS_FRAC, 3 robustness iterations), linearly interpolated
    at ``at`` (constant beyond the fitted range, as R's approxfun(rule = 2))."""
    fit = lowess(y, x, frac=GC_LOWESS_FRAC, it=3, delta=0.0, return_sorted=True)
    return np.interp(at, fit[:, 0], fit[:, 1])


def correct_depth(bins: pd.DataFrame) -> pd.DataFrame:
    """``bins`` with gc_corrected and corrected_depth (NaN where GC or fragments are missing
    or no smoother could be fitted)."""
    rate = bins["fragments"] / (bins["end"] - bins["start"])
    fit = fit_bins(bins, rate)
    out = bins.assign(gc_corrected=np.nan, corrected_depth=np.nan)
    if fit.sum() < MIN_FIT_BINS:
        return out
    known = (bins["gc"].notna() & (rate > 0)).to_numpy()
    gc = bins["gc"].to_numpy()
    expected = smoothed(gc[fit], np.log(rate.to_numpy()[fit]), gc[known])
    gc_corrected = np.full(len(bins), np.nan)
    gc_corrected[known] = rate.to_numpy()[known] / np.exp(expected)
    depth = gc_corrected.copy()
    mappability = bins["mappability"].to_numpy(dtype=float)
    mapped = known & ~np.isnan(mappability)
    if mapped[fit].all() and mapped.any():
        depth[mapped] = gc_corrected[mapped] / smoothed(
            mappability[fit], gc_corrected[fit], mappability[mapped]
        )
    depth /= np.nanmedian(depth[fit])
    return out.assign(gc_corrected=gc_corrected, corrected_depth=depth)


def infer_sex(bins: pd.DataFrame) -> tuple[str | None, str | None, float, float]:
    """(sex, reason when NA, chrX median log2 corrected depth, chrY fragment share)."""
    kind = contig_kind(bins["chrom"])
    x_depth = bins.loc[(kind == "X") & (bins["corrected_depth"] > 0), "corrected_depth"]
    chrx = float(np.median(np.log2(x_depth))) if len(x_depth) else float("nan")
    has_y = bool((kind == "Y").any())
    chry = float(bins.loc[kind == "Y", "fragments"].sum() / max(bins["fragments"].sum(), 1))
    if np.isnan(chrx):
        return None, "no chrX bin with corrected depth", chrx, chry
    x_male = chrx < CHRX_MALE_LOG2
    if not has_y:
        return ("male" if x_male else "female"), None, chrx, float("nan")
    y_male = chry > CHRY_MALE_FRACTION
    if x_male != y_male:
        reason = f"chrX median log2 {chrx:.2f} and chrY fragment share {chry:.4f} disagree"
        return None, reason, chrx, chry
    return ("male" if x_male else "female"), None, chrx, chry


def _mask_reasons(bins: pd.DataFrame, sex: str | None) -> pd.Series:
    """First reason each bin is masked from the ratios, else None (module docstring)."""
    kind = contig_kind(bins["chrom"])
    rules = [
        (kind == "Y", "chrY (sex call only)"),
        ((kind == "X") & (sex is None), "sex unknown (chrX)"),
        (bins["gc"].isna(), "no GC"),
        (bins["fragments"] <= 0, "no fragments"),
        (bins["mappability"] < MIN_MAPPABILITY, f"mappability < {MIN_MAPPABILITY}"),
        (bins["corrected_depth"].isna(), "no corrected depth"),
    ]
    reasons = pd.Series([None] * len(bins), index=bins.index, dtype=object)
    for condition, reason in reversed(rules):
        reasons = reasons.mask(condition.to_numpy(), reason)
    return reasons


def normalise_sample(bins: pd.DataFrame) -> SampleDepth:
    """GC/mappability-corrected depth, sex and masks of one sample (module docstring)."""
    corrected = correct_depth(bins.reset_index(drop=True))
    sex, reason, chrx, chry = infer_sex(corrected)
    if sex == "male":
        on_x = (contig_kind(corrected["chrom"]) == "X").to_numpy()
        corrected.loc[on_x, "corrected_depth"] *= 2
    reasons = _mask_reasons(corrected, sex)
    depth = corrected["corrected_depth"].where(reasons.isna() & (corrected["corrected_depth"] > 0))
    corrected = corrected.assign(
        log2_depth=np.log2(depth), masked=reasons.notna(), mask_reason=reasons
    )
    return SampleDepth(corrected, sex, reason, chrx, chry)
