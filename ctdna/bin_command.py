"""ctdna-bin's work, apart from arguments and files out: the per-bin table of one low-pass
WGS sample from its BAM/CRAM or from HMMcopy readCounter WIGs, with GC and mappability.

GC per bin: the GC WIG when given, else the reference FASTA (``lowpass_io.fasta_gc``), else
NA. Mappability: the mappability WIG when given, else NA (the normalisation then applies no
mappability filter and says so).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ctdna import lowpass_bins, lowpass_io
from ctdna.exceptions import CtdnaInputError
from stereosarc import protocol

LOG = logging.getLogger(__name__)
TABLE_COLUMNS = ["sample", *lowpass_bins.BIN_COLUMNS, "gc", "mappability", "source"]


@dataclass(frozen=True)
class BinRunOptions:
    """One ctdna-bin run: the sample, its counts (``bam`` or readCounter ``wig``), the GC and
    mappability sources, and how a BAM is binned (bin size bp, MAPQ, contigs)."""

    sample: str
    bam: Path | None = None
    wig: Path | None = None
    gc_wig: Path | None = None
    map_wig: Path | None = None
    fasta: Path | None = None
    bin_size: int = lowpass_bins.DEFAULT_BIN_SIZE
    min_mapq: int = lowpass_bins.counting.MIN_MAPQ
    contigs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse a bad sample id, bin size or MAPQ, and a missing or double count source."""
        if not protocol.is_identifier(self.sample):
            raise CtdnaInputError(f"--sample {self.sample!r} does not match {protocol.ID_PATTERN}")
        if self.bin_size <= 0 or self.min_mapq < 0:
            raise CtdnaInputError("--bin-size must be > 0 and --min-mapq >= 0")
        if (self.bam is None) == (self.wig is None):
            raise CtdnaInputError("give exactly one of --bam (alignments) or --wig (readCounter)")


def _counts(options: BinRunOptions) -> tuple[pd.DataFrame, int, str, str]:
    """(bins, bin size, source file, source kind) from the BAM or the readCounter WIG."""
    if options.bam is not None:
        binning = lowpass_bins.BinOptions(
            options.bin_size, options.min_mapq, options.fasta, options.contigs
        )
        return (
            lowpass_bins.bin_fragments(options.bam, binning),
            options.bin_size,
            str(options.bam),
            "bam",
        )
    assert options.wig is not None
    bins, size = lowpass_io.read_counter_bins(options.wig)
    if options.contigs:
        bins = bins[bins["chrom"].isin(options.contigs)].reset_index(drop=True)
    return bins.assign(short=pd.NA, long=pd.NA), size, str(options.wig), "wig"


def bin_sample(options: BinRunOptions) -> pd.DataFrame:
    """TABLE_COLUMNS per bin of one sample (module docstring)."""
    bins, size, source, kind = _counts(options)
    bins = bins.assign(gc=np.nan, mappability=np.nan)
    if options.gc_wig is not None:
        bins = lowpass_io.attach_wig(bins, size, source, options.gc_wig, "gc")
    elif options.fasta is not None:
        bins["gc"] = lowpass_io.fasta_gc(bins, options.fasta, source, exact=kind == "bam")
    else:
        LOG.warning("%s: no GC WIG and no FASTA: gc is NA (no GC correction possible)", source)
    if options.map_wig is not None:
        bins = lowpass_io.attach_wig(bins, size, source, options.map_wig, "mappability")
    LOG.info("%s: %d bins of %d bp, %d fragments", source, len(bins), size,
             int(bins["fragments"].sum()))  # fmt: skip
    return bins.assign(sample=options.sample, source=kind)[TABLE_COLUMNS]
