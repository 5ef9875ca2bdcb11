"""Low-pass WGS log2 ratios against a panel of normals (PoN), or the corrected depth alone.

PoN (ichorCNA's ``createPanelOfNormals``: the same normalisation applied to each normal,
median per bin): each normal goes through ``lowpass_norm.normalise_sample`` (its own GC and
mappability correction and its own sex, so chrX is comparable across sexes); per bin

- ``pon_median_log2``: median over the normals of log2 corrected depth (masked bins left
  out), and ``pon_spread``: their MAD (scaled by 1.4826 to estimate a standard deviation);
- a bin is masked when fewer than half of the normals have a value there, when
  pon_median_log2 < ``PON_MIN_LOG2`` (coverage too low in healthy donors) or when
  pon_spread > ``PON_SPREAD_FACTOR`` x the median spread over autosomal bins (too variable
  across healthy donors, e.g. a copy-number polymorphism).

Sample ratio: ``log2_ratio`` = sample log2 corrected depth - pon_median_log2 on bins
unmasked in both; ``reference`` = 'pon'. Without a PoN (ichorCNA allows it):
log2_ratio = log2 corrected depth, ``reference`` = 'none': the ratio is then relative to the
sample's own median and keeps the bin-to-bin biases a PoN would remove.
A PoN needs at least ``MIN_PON`` normals, all with the sample's bins. ``leave_one_out_ratios``
gives each normal's ratios against the other normals: the no-tumour data the model's
detection threshold is checked on (``lowpass_model``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ctdna.exceptions import ContigMismatchError, CtdnaInputError
from ctdna.lowpass_norm import SampleDepth, contig_kind, normalise_sample

MIN_PON = 5  # median and MAD per bin stay defined with 2 outlying normals (breakdown 50 %)
PON_MIN_LOG2 = -1.0  # PoN median below half the typical depth: coverage too low (assumption)
PON_SPREAD_FACTOR = 3.0  # bins 3x as variable across donors as the median bin (assumption)
MAD_TO_SD = 1.4826  # MAD of a normal distribution x 1.4826 = its standard deviation
BIN_KEYS = ["chrom", "start", "end"]


class PonTooSmallError(CtdnaInputError):
    """Fewer normals than MIN_PON in the panel of normals."""


@dataclass
class PanelOfNormals:
    """Per bin (BIN_KEYS): pon_median_log2, pon_spread, pon_values (normals with a value) and
    pon_mask_reason; ``size`` normals, their ``sexes`` and normalised ``depths`` by name."""

    bins: pd.DataFrame
    size: int
    sexes: list[str | None]
    depths: dict[str, SampleDepth]


def _same_bins(reference: pd.DataFrame, other: pd.DataFrame, name: str) -> None:
    if (
        not reference[BIN_KEYS]
        .reset_index(drop=True)
        .equals(other[BIN_KEYS].reset_index(drop=True))
    ):
        raise ContigMismatchError(
            f"{name}: bins (contigs, starts, ends) differ from the other samples'; "
            "bin every sample with the same --bin-size and contigs"
        )


def _pon_mask(median: pd.Series, spread: pd.Series, values: pd.Series, size: int, kind):
    autosomal = spread[(kind == "autosome").to_numpy() & spread.notna().to_numpy()]
    limit = PON_SPREAD_FACTOR * float(autosomal.median()) if len(autosomal) else np.inf
    rules = [
        (values < size / 2, "PoN: fewer than half of the normals have this bin"),
        (median < PON_MIN_LOG2, f"PoN: median log2 depth < {PON_MIN_LOG2}"),
        (spread > limit, f"PoN: spread > {PON_SPREAD_FACTOR} x the median bin's"),
    ]
    reasons = pd.Series([None] * len(median), index=median.index, dtype=object)
    for condition, reason in reversed(rules):
        reasons = reasons.mask(condition.to_numpy(), reason)
    return reasons


def combine(depths: dict[str, SampleDepth]) -> PanelOfNormals:
    """The panel of normals from normalised normals (same bins), keyed by sample."""
    names = sorted(depths)
    first = depths[names[0]].bins
    matrix = np.column_stack([depths[name].bins["log2_depth"].to_numpy() for name in names])
    values = np.isfinite(matrix).sum(axis=1)
    rows = values > 0
    median, spread = np.full(len(matrix), np.nan), np.full(len(matrix), np.nan)
    median[rows] = np.nanmedian(matrix[rows], axis=1)
    spread[rows] = MAD_TO_SD * np.nanmedian(np.abs(matrix[rows] - median[rows, None]), axis=1)
    table = first[BIN_KEYS].assign(pon_median_log2=median, pon_spread=spread, pon_values=values)
    reasons = _pon_mask(table["pon_median_log2"], table["pon_spread"], table["pon_values"],
                        len(names), contig_kind(table["chrom"]))  # fmt: skip
    return PanelOfNormals(table.assign(pon_mask_reason=reasons), len(names),
                          [depths[name].sex for name in names], depths)  # fmt: skip


def build_pon(normals: dict[str, pd.DataFrame]) -> PanelOfNormals:
    """The panel of normals from each normal's per-bin table (ctdna-bin), keyed by sample."""
    if len(normals) < MIN_PON:
        raise PonTooSmallError(
            f"panel of normals has {len(normals)} sample(s); at least {MIN_PON} are needed "
            "(median and MAD per bin); add normals or run without a PoN"
        )
    first = normals[min(normals)].reset_index(drop=True)
    for name, bins in normals.items():
        _same_bins(first, bins, name)
    return combine({name: normalise_sample(bins) for name, bins in normals.items()})


def leave_one_out_ratios(pon: PanelOfNormals) -> dict[str, pd.DataFrame]:
    """Each normal's log2 ratios against the panel of the other normals (its null data)."""
    return {
        name: log2_ratios(depth, combine({n: d for n, d in pon.depths.items() if n != name}), name)
        for name, depth in pon.depths.items()
    }


def log2_ratios(sample: SampleDepth, pon: PanelOfNormals | None, name: str) -> pd.DataFrame:
    """The sample's bins with log2_ratio, reference ('pon' or 'none'), pon_size and the PoN
    columns (NA without a PoN); a PoN-masked bin is masked with the PoN's reason."""
    bins = sample.bins
    if pon is None:
        return bins.assign(
            pon_median_log2=np.nan, pon_spread=np.nan, log2_ratio=bins["log2_depth"],
            reference="none", pon_size=0, sex=sample.sex,
        )  # fmt: skip
    _same_bins(pon.bins, bins, name)
    columns = ["pon_median_log2", "pon_spread", "pon_mask_reason"]
    merged = pd.concat([bins.reset_index(drop=True), pon.bins[columns]], axis=1)
    reason = merged["mask_reason"].fillna(merged["pon_mask_reason"])
    ratio = (merged["log2_depth"] - merged["pon_median_log2"]).where(reason.isna())
    return merged.drop(columns="pon_mask_reason").assign(
        log2_ratio=ratio, masked=reason.notna(), mask_reason=reason, reference="pon",
        pon_size=pon.size, sex=sample.sex,
    )  # fmt: skip
