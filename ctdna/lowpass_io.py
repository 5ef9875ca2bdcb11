"""Files of the low-pass WGS method: HMMcopy fixed-step WIGs in, GC per bin from the FASTA.

WIG: the fixed-step format of HMMcopy's readCounter, gcCounter and mapCounter (the inputs
ichorCNA users have): a ``fixedStep chrom=C start=S step=W span=W`` line per contig, then one
value per bin, bin i covering 1-based [S + i W, S + (i + 1) W - 1] (0-based start S - 1 + i W).
Negative GC or mappability values (gcCounter's 'no data') become NA, as in HMMcopy's
``wigsToRangedData`` (bins with gc < 0 are invalid).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ctdna.exceptions import ContigMismatchError, CtdnaInputError, ReferenceMismatchError
from ctdna.io import open_fasta

LOG = logging.getLogger(__name__)
FIXED_STEP = re.compile(r"fixedStep\s+chrom=(\S+)\s+start=(\d+)\s+step=(\d+)(?:\s+span=(\d+))?")
GC_BASES, ACGT_BASES = b"GCgc", b"ACGTacgt"


class WigBinSizeError(CtdnaInputError):
    """Two WIGs of one sample have different bin sizes (fix: rerun gcCounter/mapCounter -w)."""


def read_fixed_step_wig(path: str | Path) -> tuple[pd.DataFrame, int]:
    """(chrom, start, end, value) per bin of a fixed-step WIG, and its bin size (bp)."""
    path = Path(path)
    if not path.exists():
        raise CtdnaInputError(f"{path}: WIG file not found")
    rows: list[tuple[str, int, int, float]] = []
    steps: set[int] = set()
    chrom, start, step = None, 0, 0
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith(("track", "#", "browser")):
            continue
        if text.startswith("variableStep"):
            raise CtdnaInputError(
                f"{path} line {number}: variableStep WIG; expected HMMcopy's fixedStep bins"
            )
        header = FIXED_STEP.match(text)
        if header:
            chrom, start, step = header.group(1), int(header.group(2)) - 1, int(header.group(3))
            span = int(header.group(4) or step)
            if span != step or step <= 0:
                raise CtdnaInputError(f"{path} line {number}: span {span} != step {step}")
            steps.add(step)
            continue
        if chrom is None:
            raise CtdnaInputError(f"{path} line {number}: value before any fixedStep line")
        try:
            value = float(text)
        except ValueError:
            raise CtdnaInputError(f"{path} line {number}: {text!r} is not a number") from None
        rows.append((chrom, start, start + step, value))
        start += step
    if not rows:
        raise CtdnaInputError(f"{path}: no fixedStep bins (expected HMMcopy readCounter WIG)")
    if len(steps) > 1:
        raise WigBinSizeError(f"{path}: several bin sizes {sorted(steps)} in one WIG")
    return pd.DataFrame(rows, columns=["chrom", "start", "end", "value"]), steps.pop()


def check_same_bins(
    bins: pd.DataFrame, size: int, source: str, other: pd.DataFrame, other_size: int, name: str
) -> None:
    """Refuse ``other`` (from file ``name``) unless it has the bin size, contigs and bins per
    contig of ``bins`` (from ``source``)."""
    if size != other_size:
        raise WigBinSizeError(
            f"{name}: bin size {other_size} bp differs from {source}'s {size} bp; "
            f"fix: regenerate it with -w {size}"
        )
    mine, theirs = bins.groupby("chrom").size(), other.groupby("chrom").size()
    if set(mine.index) != set(theirs.index):
        missing = sorted(set(mine.index) ^ set(theirs.index))
        raise ContigMismatchError(
            f"{name}: contigs differ from {source}'s (in one only: {', '.join(missing[:5])})"
        )
    for chrom in mine.index:
        if mine[chrom] != theirs[chrom]:
            raise ContigMismatchError(
                f"{name}: {theirs[chrom]} bins on {chrom}, {source} has {mine[chrom]}"
            )


def attach_wig(bins: pd.DataFrame, size: int, source: str, wig: str | Path, column: str):
    """``bins`` with ``column`` from a WIG of the same bins (negative values -> NA)."""
    values, wig_size = read_fixed_step_wig(wig)
    check_same_bins(bins, size, source, values, wig_size, str(wig))
    values = values.assign(value=values["value"].where(values["value"] >= 0))
    merged = bins.drop(columns=[column], errors="ignore").merge(
        values[["chrom", "start", "value"]].rename(columns={"value": column}),
        on=["chrom", "start"],
        how="left",
    )
    if merged[column].isna().sum() > values["value"].isna().sum():
        raise ContigMismatchError(f"{wig}: bin starts differ from {source}'s")
    return merged


def read_counter_bins(wig: str | Path) -> tuple[pd.DataFrame, int]:
    """Bins (chrom, start, end, fragments) of an HMMcopy readCounter WIG, and the bin size."""
    values, size = read_fixed_step_wig(wig)
    counts = values["value"]
    if (counts < 0).any() or not np.allclose(counts, np.round(counts)):
        raise CtdnaInputError(f"{wig}: read counts must be non-negative integers")
    frame = values.drop(columns="value").assign(fragments=counts.round().astype(np.int64))
    return frame, size


def gc_fraction(sequence: bytes) -> float:
    """(G + C) / (A + C + G + T) of a sequence, N and other IUPAC codes excluded; NaN when it
    has no A/C/G/T base."""
    acgt = sum(sequence.count(base) for base in ACGT_BASES)
    return sum(sequence.count(base) for base in GC_BASES) / acgt if acgt else float("nan")


GC_CODES, ACGT_CODES = list(GC_BASES), list(ACGT_BASES)  # byte values counted


def _contig_gc(reference, chrom: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``gc_fraction`` of bins [start, end) of one contig, from one byte histogram per bin
    (``np.bincount``: one pass over the bases instead of eight ``bytes.count``; 8x less CPU,
    docs/benchmarks.md "Low-pass WGS")."""
    gc = np.full(len(starts), np.nan)
    for i, (start, end) in enumerate(zip(starts.tolist(), ends.tolist())):
        bases = np.frombuffer(reference.fetch(chrom, start, end).encode(), np.uint8)
        counts = np.bincount(bases, minlength=256)
        acgt = int(counts[ACGT_CODES].sum())
        if acgt:
            gc[i] = int(counts[GC_CODES].sum()) / acgt
    return gc


def check_contig_lengths(
    lengths: dict[str, int], source: str, fasta_lengths: dict[str, int], fasta: str
) -> None:
    """Refuse a FASTA whose contigs are missing or of another length than ``lengths`` (the
    BAM header's): the reads were aligned to another build."""
    for chrom, length in lengths.items():
        if chrom not in fasta_lengths:
            raise ContigMismatchError(f"{fasta}: contig {chrom} of {source} is not in the FASTA")
        if fasta_lengths[chrom] != length:
            raise ReferenceMismatchError(
                f"{fasta}: contig {chrom} is {fasta_lengths[chrom]:,} bp but {length:,} bp in "
                f"{source}: another reference build; give the FASTA the reads were aligned to"
            )


def fasta_gc(bins: pd.DataFrame, fasta: str | Path, source: str, exact: bool) -> np.ndarray:
    """GC fraction (``gc_fraction``) of every bin from an indexed FASTA. ``exact``: the bins'
    contig ends are contig lengths (a BAM header), which must equal the FASTA's; else (WIG
    bins, whose last bin may pass the contig end) each bin must start inside the contig."""
    reference = open_fasta(fasta)
    assert reference is not None
    try:
        fasta_lengths = dict(zip(reference.references, reference.lengths))
        ends = bins.groupby("chrom", sort=False)["end"].max().to_dict()
        if exact:
            check_contig_lengths(ends, source, fasta_lengths, str(fasta))
        else:
            check_contig_lengths({c: fasta_lengths.get(c, -1) for c in ends}, source,
                                 fasta_lengths, str(fasta))  # fmt: skip
            beyond = bins[bins["start"] >= bins["chrom"].map(fasta_lengths)]
            if len(beyond):
                row = beyond.iloc[0]
                raise ReferenceMismatchError(
                    f"{fasta}: {source} has a bin at {row.chrom}:{row.start + 1} beyond the "
                    f"contig's {fasta_lengths[row.chrom]:,} bp: another reference build"
                )
        gc = np.full(len(bins), np.nan)
        starts, ends = bins["start"].to_numpy(np.int64), bins["end"].to_numpy(np.int64)
        for chrom, rows in bins.groupby("chrom", sort=False).indices.items():
            gc[rows] = _contig_gc(reference, chrom, starts[rows], ends[rows])
        return gc
    finally:
        reference.close()
