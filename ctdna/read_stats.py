"""Reads, duplicates and fragment lengths of one plasma (or PoN) sample over its capture
territory: the per-sample read statistics of the QC view (table ``ctdna_read_stats``).

Territory: the union of the sample's usable capture targets (the targets the site and depth
counts use), overlapping or touching targets merged. A record is over the territory when its
alignment span [POS, end) overlaps it (htslib's region rule, as ``samtools view -M -L``); a
record over several targets counts once.

- ``reads``: primary mapped records over the territory (flags 0x4, 0x100 and 0x800 unset;
  QC-failed and duplicate records included): ``samtools view -c -F 0x904 -M -L``.
- ``duplicate_reads``: those flagged duplicate (0x400); ``duplicate_fraction`` =
  duplicate_reads / reads (NA when no read).
- ``kept_reads``: records the counting keeps (``ctdna.counting.ReadFilter``: MAPQ >=
  min_mapq, none of ``excluded_flags``; with a UMI tag duplicates are kept).
- ``fragments``: distinct molecules of the kept reads (read name, or UMI family), the unit of
  the site and depth counts.
- fragment length: per fragment, |TLEN| of its first kept read that is in a proper pair (0x2)
  with TLEN != 0 (SAM 1.6 section 1.4: the template's span, leftmost to rightmost mapped base
  of the pair), so each pair counts once; ``sized_fragments`` fragments have one.
  ``fragment_length_median``, ``_q25``, ``_q75``: their quantiles in bp (linear
  interpolation, R type 7, as DELFI's scripts use R's ``median``/``quantile``).
- ``short_fragment_fraction`` = sized fragments of SHORT_FRAGMENT_BP / those of
  SHORT_FRAGMENT_BP or LONG_FRAGMENT_BP (DELFI's short and long classes); NA when none.
- ``bam_mapped_records``, ``bam_unmapped_records``: whole-file totals from the BAM index
  (``samtools idxstats`` columns 3 and 4 summed; every record, secondary and supplementary
  included); NA for CRAM, whose index has no such counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ctdna.count_rules import (  # noqa: F401 (re-exported)
    LONG_FRAGMENT_BP,
    QUANTILES,
    SHORT_FRAGMENT_BP,
)
from ctdna.counting import ReadFilter, call_core


def territory(targets: pd.DataFrame) -> pd.DataFrame:
    """chrom, start, end of ``targets`` (BED 0-based half-open) merged where they overlap or
    touch, sorted by contig (first appearance) then start."""
    rows: list[list] = []
    for chrom, group in targets.groupby("chrom", sort=False):
        for start, end in sorted(zip(group["start"].astype(int), group["end"].astype(int))):
            if rows and rows[-1][0] == chrom and start <= rows[-1][2]:
                rows[-1][2] = max(rows[-1][2], end)
            else:
                rows.append([chrom, start, end])
    return pd.DataFrame(rows, columns=["chrom", "start", "end"])


@dataclass(frozen=True)
class TerritoryReads:
    """What the counting core tallies over a territory (module docstring); ``lengths``: one
    fragment length (bp) per sized fragment."""

    reads: int
    duplicate_reads: int
    kept_reads: int
    fragments: int
    lengths: np.ndarray


def territory_reads(
    bam: str | Path, merged: pd.DataFrame, reads: ReadFilter | None = None
) -> TerritoryReads:
    """Tally the records of ``bam`` over ``merged`` (the output of ``territory``) with the
    read filter ``reads`` (default: ReadFilter())."""
    total, duplicates, kept, fragments, lengths = call_core(
        "territory_reads",
        bam,
        reads or ReadFilter(),
        [str(c) for c in merged["chrom"]],
        [int(s) for s in merged["start"]],
        [int(e) for e in merged["end"]],
    )
    return TerritoryReads(
        total, duplicates, kept, fragments, np.frombuffer(lengths, dtype=np.int32).copy()
    )


def length_summary(lengths: np.ndarray) -> dict:
    """sized_fragments, the length quantiles (bp) and short_fragment_fraction of ``lengths``;
    NA (NaN) where there is no length to summarise."""
    lengths = np.asarray(lengths, dtype=np.int64)
    short = int(np.sum((lengths >= SHORT_FRAGMENT_BP[0]) & (lengths <= SHORT_FRAGMENT_BP[1])))
    long = int(np.sum((lengths >= LONG_FRAGMENT_BP[0]) & (lengths <= LONG_FRAGMENT_BP[1])))
    q25, median, q75 = np.quantile(lengths, QUANTILES) if len(lengths) else (np.nan,) * 3
    return {
        "sized_fragments": len(lengths),
        "fragment_length_median": float(median),
        "fragment_length_q25": float(q25),
        "fragment_length_q75": float(q75),
        "short_fragment_fraction": short / (short + long) if short + long else np.nan,
    }


def read_stats_row(
    sample: str,
    merged: pd.DataFrame,
    counted: TerritoryReads,
    index_counts: tuple[int | None, int | None],
) -> dict:
    """The ``ctdna_read_stats`` row of a sample: territory size, read and fragment counts,
    length summary and the index totals ``(mapped, unmapped)`` (None -> NA)."""
    mapped, unmapped = index_counts
    return {
        "sample": sample,
        "territory_bp": int((merged["end"] - merged["start"]).sum()),
        "reads": counted.reads,
        "duplicate_reads": counted.duplicate_reads,
        "duplicate_fraction": (
            counted.duplicate_reads / counted.reads if counted.reads else np.nan
        ),
        "kept_reads": counted.kept_reads,
        "fragments": counted.fragments,
        **length_summary(counted.lengths),
        "bam_mapped_records": np.nan if mapped is None else mapped,
        "bam_unmapped_records": np.nan if unmapped is None else unmapped,
    }
