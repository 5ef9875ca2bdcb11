"""Genomic interval arithmetic for the TMB denominator (pure; no file access).

Intervals are 0-based, half-open ``[start, end)`` as in BED. A region table (``Regions``) holds
columns chrom, start, end as numpy arrays; the functions also accept any table with those
columns (a pandas DataFrame). ``merge_regions`` removes overlaps and sorts, so the panel
length is never double-counted (pyTMB sums overlapping intervals; we do not). numpy only:
tmb-calc does not import pandas (docs/tmb.md, "Benchmark").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tmb.region_lists import BASES_PER_MB  # noqa: E402,F401  (re-exported)

REGION_COLUMNS = ["chrom", "start", "end"]


@dataclass(frozen=True)
class Regions:
    """Intervals as columns: chrom (str objects), start and end (int64); ``rows``: the
    1-based line of each interval in its file, when read from one."""

    chrom: np.ndarray
    start: np.ndarray
    end: np.ndarray
    rows: np.ndarray | None = None

    @classmethod
    def of(cls, table) -> Regions:
        """The chrom/start/end columns of ``table`` (Regions, DataFrame or mapping)."""
        if isinstance(table, Regions):
            return table
        return cls(
            np.asarray(table["chrom"], dtype=object).astype(str).astype(object),
            np.asarray(table["start"], dtype=np.int64),
            np.asarray(table["end"], dtype=np.int64),
        )

    @classmethod
    def concat(cls, pieces: list[Regions]) -> Regions:
        if not pieces:
            return empty_regions()
        return cls(
            *(np.concatenate([getattr(p, name) for p in pieces]) for name in REGION_COLUMNS)
        )

    def __len__(self) -> int:
        return len(self.start)

    def __getitem__(self, column: str) -> np.ndarray:
        return getattr(self, column)

    @property
    def empty(self) -> bool:
        return len(self) == 0

    @property
    def values(self) -> np.ndarray:
        """Rows as an object array of (chrom, start, end)."""
        rows = np.empty((len(self), 3), dtype=object)
        rows[:, 0], rows[:, 1], rows[:, 2] = self.chrom, self.start.tolist(), self.end.tolist()
        return rows

    def take(self, rows: np.ndarray) -> Regions:
        return Regions(self.chrom[rows], self.start[rows], self.end[rows])


def empty_regions() -> Regions:
    """A region table with no rows."""
    return Regions(np.zeros(0, dtype=object), np.zeros(0, np.int64), np.zeros(0, np.int64))


def _by_chrom(regions: Regions) -> list[tuple[str, np.ndarray]]:
    """(chrom, row indices) in sorted chrom order, rows sorted by (start, end)."""
    order = np.lexsort((regions.end, regions.start, regions.chrom.astype(str)))
    chroms = regions.chrom[order]
    bounds = np.flatnonzero(np.r_[True, chroms[1:] != chroms[:-1], True]) if len(order) else [0]
    return [(chroms[a], order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def merge_regions(regions) -> Regions:
    """Sort by (chrom, start) and merge overlapping or touching intervals."""
    regions = Regions.of(regions)
    if regions.empty:
        return empty_regions()
    merged = []
    for chrom, rows in _by_chrom(regions):
        starts, ends = regions.start[rows], regions.end[rows]
        run_end = np.maximum.accumulate(ends)
        new_run = np.ones(len(starts), dtype=bool)
        new_run[1:] = starts[1:] > run_end[:-1]
        first = np.flatnonzero(new_run)
        merged.append(
            Regions(
                np.full(len(first), chrom, dtype=object),
                starts[first],
                np.maximum.reduceat(ends, first),
            )
        )
    return Regions.concat(merged)


def intersect_regions(left, right) -> Regions:
    """Bases in both region tables (each merged first); result merged and sorted."""
    left, right = merge_regions(left), merge_regions(right)
    pieces = []
    for chrom in dict.fromkeys(left.chrom):
        a, b = left.take(left.chrom == chrom), right.take(right.chrom == chrom)
        for start, end in zip(a.start, a.end):
            hit = (b.start < end) & (b.end > start)
            starts, ends = np.maximum(b.start[hit], start), np.minimum(b.end[hit], end)
            pieces.append(Regions(np.full(len(starts), chrom, dtype=object), starts, ends))
    return merge_regions(Regions.concat(pieces))


def total_bases(regions) -> int:
    """Number of bases covered by the merged regions."""
    merged = merge_regions(regions)
    return int((merged.end - merged.start).sum())


def runs_at_or_above(chrom: str, start: int, depth: np.ndarray, min_depth: int) -> Regions:
    """Intervals of ``chrom`` (0-based, half-open) where ``depth[i] >= min_depth``.

    ``depth[i]`` is the read depth at position ``start + i``.
    """
    ok = np.asarray(depth) >= min_depth
    if not ok.any():
        return empty_regions()
    edges = np.diff(np.concatenate(([0], ok.astype(np.int8), [0])))
    run_starts, run_ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return Regions(
        np.full(len(run_starts), chrom, dtype=object), start + run_starts, start + run_ends
    )


@dataclass(frozen=True)
class RegionIndex:
    """Fast membership test of 0-based positions in merged regions."""

    by_chrom: dict

    @classmethod
    def build(cls, regions) -> RegionIndex:
        merged = merge_regions(regions)
        return cls(
            {
                chrom: (merged.start[merged.chrom == chrom], merged.end[merged.chrom == chrom])
                for chrom in dict.fromkeys(merged.chrom)
            }
        )

    @property
    def contigs(self) -> set:
        return set(self.by_chrom)

    def contains(self, chroms, starts0) -> np.ndarray:
        """True where 0-based position ``starts0[i]`` on ``chroms[i]`` lies in a region."""
        names, codes = np.unique(np.asarray(chroms, dtype=object).astype(str), return_inverse=True)
        return self.contains_coded(codes.reshape(-1), list(names), np.asarray(starts0, np.int64))

    def spans_coded(
        self,
        codes: np.ndarray,
        names: list,
        starts0: np.ndarray,
        ends0: np.ndarray,
        within: np.ndarray,
    ) -> np.ndarray:
        """True where the span ``[starts0[i], ends0[i])`` overlaps a region, or, where
        ``within[i]``, lies wholly inside one (regions are merged: no two touch)."""
        hit = np.zeros(len(starts0), dtype=bool)
        for code, chrom in enumerate(names):
            if chrom not in self.by_chrom:
                continue
            rows = slice(None) if len(names) == 1 else np.flatnonzero(codes == code)
            begin, end, whole = starts0[rows], ends0[rows], within[rows]
            region_starts, region_ends = self.by_chrom[chrom]
            last = (
                np.searchsorted(region_starts, end, side="left") - 1
            )  # last region starting before end
            first = np.searchsorted(region_starts, begin, side="right") - 1  # region holding begin
            overlap = (last >= 0) & (region_ends[np.maximum(last, 0)] > begin)
            inside = (first >= 0) & (region_ends[np.maximum(first, 0)] >= end)
            hit[rows] = np.where(whole, inside, overlap)
        return hit

    def contains_coded(self, codes: np.ndarray, names: list, starts0: np.ndarray) -> np.ndarray:
        """``contains`` with the contigs given as codes into ``names``."""
        inside = np.zeros(len(starts0), dtype=bool)
        for code, chrom in enumerate(names):
            if chrom not in self.by_chrom:
                continue
            rows = slice(None) if len(names) == 1 else np.flatnonzero(codes == code)
            positions = starts0[rows]
            region_starts, region_ends = self.by_chrom[chrom]
            idx = np.searchsorted(region_starts, positions, side="right") - 1
            inside[rows] = (idx >= 0) & (positions < region_ends[np.maximum(idx, 0)])
        return inside
