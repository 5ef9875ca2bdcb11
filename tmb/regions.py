"""Genomic interval arithmetic for the TMB denominator (pure; no file access).

Intervals are 0-based, half-open ``[start, end)`` as in BED. A region table is a DataFrame
with columns chrom, start, end. ``merge_regions`` removes overlaps and sorts, so the panel
length is never double-counted (pyTMB sums overlapping intervals; we do not).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

REGION_COLUMNS = ["chrom", "start", "end"]
BASES_PER_MB = 1_000_000  # 1 Mb = 10^6 bases (TMB is reported per megabase)


def empty_regions() -> pd.DataFrame:
    """A region table with no rows."""
    return pd.DataFrame({"chrom": pd.Series(dtype=str), "start": pd.Series(dtype=np.int64),
                         "end": pd.Series(dtype=np.int64)})


def merge_regions(regions: pd.DataFrame) -> pd.DataFrame:
    """Sort by (chrom, start) and merge overlapping or touching intervals."""
    if regions.empty:
        return empty_regions()
    ordered = regions.sort_values(["chrom", "start", "end"], kind="mergesort")
    merged = []
    for chrom, group in ordered.groupby("chrom", sort=True):
        starts, ends = group["start"].to_numpy(np.int64), group["end"].to_numpy(np.int64)
        run_end = np.maximum.accumulate(ends)
        new_run = np.ones(len(starts), dtype=bool)
        new_run[1:] = starts[1:] > run_end[:-1]
        merged.append(pd.DataFrame({
            "chrom": chrom, "start": starts[new_run],
            "end": np.maximum.reduceat(ends, np.flatnonzero(new_run))}))
    return pd.concat(merged, ignore_index=True)[REGION_COLUMNS]


def intersect_regions(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Bases in both region tables (each merged first); result merged and sorted."""
    left, right = merge_regions(left), merge_regions(right)
    pieces = []
    for chrom, a in left.groupby("chrom", sort=True):
        b = right[right["chrom"] == chrom]
        for start, end in zip(a["start"], a["end"]):
            hit = b[(b["start"] < end) & (b["end"] > start)]
            for b_start, b_end in zip(hit["start"], hit["end"]):
                pieces.append((chrom, max(start, b_start), min(end, b_end)))
    if not pieces:
        return empty_regions()
    return merge_regions(pd.DataFrame(pieces, columns=REGION_COLUMNS))


def total_bases(regions: pd.DataFrame) -> int:
    """Number of bases covered by the merged regions."""
    merged = merge_regions(regions)
    return int((merged["end"] - merged["start"]).sum())


def runs_at_or_above(chrom: str, start: int, depth: np.ndarray, min_depth: int) -> pd.DataFrame:
    """Intervals of ``chrom`` (0-based, half-open) where ``depth[i] >= min_depth``.

    ``depth[i]`` is the read depth at position ``start + i``.
    """
    ok = np.asarray(depth) >= min_depth
    if not ok.any():
        return empty_regions()
    edges = np.diff(np.concatenate(([0], ok.astype(np.int8), [0])))
    run_starts, run_ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return pd.DataFrame({"chrom": chrom, "start": start + run_starts, "end": start + run_ends})


@dataclass(frozen=True)
class RegionIndex:
    """Fast membership test of 0-based positions in merged regions."""

    by_chrom: dict

    @classmethod
    def build(cls, regions: pd.DataFrame) -> "RegionIndex":
        merged = merge_regions(regions)
        return cls({chrom: (g["start"].to_numpy(np.int64), g["end"].to_numpy(np.int64))
                    for chrom, g in merged.groupby("chrom", sort=True)})

    @property
    def contigs(self) -> set:
        return set(self.by_chrom)

    def contains(self, chroms: pd.Series, starts0: pd.Series) -> np.ndarray:
        """True where 0-based position ``starts0[i]`` on ``chroms[i]`` lies in a region."""
        chroms = np.asarray(chroms, dtype=object)
        starts0 = np.asarray(starts0, dtype=np.int64)
        inside = np.zeros(len(starts0), dtype=bool)
        for chrom in pd.unique(chroms):
            if chrom not in self.by_chrom:
                continue
            rows = chroms == chrom
            r_starts, r_ends = self.by_chrom[chrom]
            idx = np.searchsorted(r_starts, starts0[rows], side="right") - 1
            ok = idx >= 0
            inside_rows = np.zeros(rows.sum(), dtype=bool)
            inside_rows[ok] = starts0[rows][ok] < r_ends[idx[ok]]
            inside[rows] = inside_rows
        return inside
