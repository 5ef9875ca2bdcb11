"""Genomic intervals as Python lists: the denominator and panel membership of tmb-calc's
panel-sized path (tmb.rowwise), which imports no numpy (docs/tmb.md, "Start-up").

Same rules as tmb.regions (0-based half-open ``[start, end)`` as in BED; merged intervals
sorted by (chrom, start), overlapping or touching ones joined, so no base is counted twice)
over lists instead of arrays: a BED of some 10^5 intervals is merged in a fraction of a
second, and one allele is looked up by bisection. tests/unit/test_tmb_region_lists.py checks
both modules give the same intervals, bases and memberships.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

BASES_PER_MB = 1_000_000  # 1 Mb = 10^6 bases (TMB is reported per megabase)


@dataclass(frozen=True)
class Regions:
    """Intervals as parallel lists; ``rows``: the 1-based line of each in its file."""

    chrom: list
    start: list
    end: list
    rows: list | None = None
    merged: bool = False  # sorted, no two intervals overlapping or touching (merge_regions)

    @classmethod
    def of_intervals(cls, intervals) -> Regions:
        """From (chrom, start, end, name, line) tuples (stereosarc.genomics.read_bed)."""
        chrom, start, end, _, line = (list(column) for column in zip(*intervals, strict=True))
        return cls(chrom, start, end, line)

    def __len__(self) -> int:
        return len(self.start)


def merge_regions(regions: Regions) -> Regions:
    """Sort by (chrom, start, end) and join overlapping or touching intervals."""
    if regions.merged:
        return regions
    chrom: list = []
    start: list = []
    end: list = []
    for name, begin, stop in sorted(zip(regions.chrom, regions.start, regions.end)):
        if chrom and chrom[-1] == name and begin <= end[-1]:
            end[-1] = max(end[-1], stop)
        else:
            chrom.append(name)
            start.append(begin)
            end.append(stop)
    return Regions(chrom, start, end, merged=True)


def intersect_regions(left: Regions, right: Regions) -> Regions:
    """Bases in both (each merged first); merged and sorted."""
    index = RegionIndex.build(right)
    chrom, start, end = [], [], []
    merged = merge_regions(left)
    for name, begin, stop in zip(merged.chrom, merged.start, merged.end):
        starts, ends = index.by_chrom.get(name, ([], []))
        for k in range(max(bisect_right(ends, begin), 0), bisect_left(starts, stop)):
            chrom.append(name)
            start.append(max(starts[k], begin))
            end.append(min(ends[k], stop))
    return merge_regions(Regions(chrom, start, end))


def total_bases(regions: Regions) -> int:
    """Bases covered by the merged regions."""
    merged = merge_regions(regions)
    return sum(stop - begin for begin, stop in zip(merged.start, merged.end))


@dataclass(frozen=True)
class RegionIndex:
    """Membership of positions and spans in merged regions, per contig: sorted starts and
    ends (merged regions never touch, so both are increasing)."""

    by_chrom: dict = field(default_factory=dict)

    @classmethod
    def build(cls, regions: Regions) -> RegionIndex:
        merged = merge_regions(regions)
        by_chrom: dict = {}
        for name, begin, stop in zip(merged.chrom, merged.start, merged.end):
            starts, ends = by_chrom.setdefault(name, ([], []))
            starts.append(begin)
            ends.append(stop)
        return cls(by_chrom)

    @property
    def contigs(self) -> set:
        return set(self.by_chrom)

    def contains(self, chrom: str, position0: int) -> bool:
        """Whether 0-based ``position0`` on ``chrom`` lies in a region."""
        starts, ends = self.by_chrom.get(chrom, ((), ()))
        k = bisect_right(starts, position0) - 1
        return k >= 0 and position0 < ends[k]

    def spans(self, chrom: str, start0: int, end0: int, within: bool) -> bool:
        """Whether ``[start0, end0)`` overlaps a region or, when ``within``, lies wholly in
        one (tmb.regions.RegionIndex.spans_coded for one allele)."""
        starts, ends = self.by_chrom.get(chrom, ((), ()))
        if within:
            k = bisect_right(starts, start0) - 1
            return k >= 0 and ends[k] >= end0
        k = bisect_left(starts, end0) - 1
        return k >= 0 and ends[k] > start0
