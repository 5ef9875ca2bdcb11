"""Low-pass WGS binning: fragments per fixed-size genomic bin, with short and long counts.

Bins: each selected contig of the BAM header is cut into bins [start, end) of ``bin_size``
bp from position 0; the last bin ends at the contig length of the header (so it may be
shorter). Contigs: the autosomes 1-22, X and Y, named ``1`` or ``chr1`` (``PRIMARY_CONTIG``),
unless listed explicitly.

Reads kept: MAPQ >= ``min_mapq`` and none of the flags 0x4 (unmapped), 0x100 (secondary),
0x200 (QC fail), 0x400 (duplicate), 0x800 (supplementary) (``counting.EXCLUDED_FLAGS``).

Fragment rule (each fragment counted once, by one of its reads, in the compiled core
``ctdna/_bincore.c``): an unpaired read, or a read whose mate is unmapped, is its own
fragment; of a pair, the mate at the lower (contig, position) is counted, read 1 (flag 0x40)
when both mates start at the same position. The fragment is placed in the bin holding that
read's 1-based POS, i.e. the fragment's leftmost base for a pair on one contig. A pair whose
counted mate fails the filters is not counted (its other mate does not stand in), so a bin's
count equals ``samtools view -c -F 0xF04 -q MQ -e 'pos>=S && pos<=E && (mpos>pos ||
(mpos==pos && flag.read1))' chrom:S-E`` for pairs on one contig.

Per bin: ``fragments``, the fragments counted; ``short``, those with 90 <= |TLEN| <= 150 and
``long``, those with 151 <= |TLEN| <= 220 (DELFI's short and long cfDNA fragments:
Cristiano et al., Nature 2019;570:385-389); pairs with mates on different contigs or TLEN 0
are fragments but neither short nor long.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ctdna import bincore, counting, io
from ctdna.exceptions import ContigMismatchError, CtdnaInputError
from ctdna.read_stats import LONG_FRAGMENT_BP, SHORT_FRAGMENT_BP

LOG = logging.getLogger(__name__)
DEFAULT_BIN_SIZE = 1_000_000  # ichorCNA's 1 Mb bins (Adalsteinsson et al., Nat Commun 2017)
BIN_SIZE_CHOICES = (500_000, 1_000_000)  # issue 13: 1 Mb default, 500 kb option
# autosomes 1-22, X and Y, with or without the UCSC 'chr' prefix (GRCh37 '1', GRCh38 'chr1')
PRIMARY_CONTIG = re.compile(r"(chr)?([1-9]|1[0-9]|2[0-2]|X|Y)")
BIN_COLUMNS = ["chrom", "start", "end", "fragments", "short", "long"]


@dataclass(frozen=True)
class BinOptions:
    """How a low-pass BAM is binned: bin size (bp), minimum MAPQ, the FASTA a CRAM needs, and
    the contigs (empty: the primary chromosomes of the header, ``PRIMARY_CONTIG``)."""

    bin_size: int = DEFAULT_BIN_SIZE
    min_mapq: int = counting.MIN_MAPQ
    reference: str | Path | None = None
    contigs: tuple[str, ...] = ()


def select_contigs(
    header: list[tuple[str, int]], wanted: tuple[str, ...], source: str
) -> list[tuple[str, int]]:
    """(name, length) of the contigs to bin, in header order: ``wanted`` (each must be in the
    header) or, when empty, the primary chromosomes; refuse an empty selection."""
    names = {name for name, _ in header}
    missing = [name for name in wanted if name not in names]
    if missing:
        raise ContigMismatchError(
            f"{source}: contig(s) {', '.join(missing)} not in the header "
            f"(header has {', '.join(sorted(names)[:5])}...)"
        )
    if wanted:
        return [(name, length) for name, length in header if name in set(wanted)]
    primary = [(n, length) for n, length in header if PRIMARY_CONTIG.fullmatch(n)]
    if not primary:
        raise ContigMismatchError(
            f"{source}: no contig named 1-22, X, Y or chr1-chr22, chrX, chrY in the header; "
            "list the contigs to bin explicitly"
        )
    return primary


def bin_frame(chrom: str, length: int, bin_size: int, counts: dict) -> pd.DataFrame:
    """The BIN_COLUMNS table of one contig from per-bin count arrays ``counts`` (fragments,
    short, long, each of ceil(length / bin_size) values)."""
    starts = np.arange(0, length, bin_size, dtype=np.int64)
    return pd.DataFrame(
        {
            "chrom": chrom,
            "start": starts,
            "end": np.minimum(starts + bin_size, length),
            **{name: np.asarray(counts[name], dtype=np.int64) for name in BIN_COLUMNS[3:]},
        },
        columns=BIN_COLUMNS,
    )


def header_contigs(bam: str | Path, reference: str | Path | None = None) -> list[tuple[str, int]]:
    """(name, length) of every contig in the header of an indexed BAM/CRAM."""
    alignments = io.open_alignments(bam, reference)
    try:
        return list(zip(alignments.references, alignments.lengths))
    finally:
        alignments.close()


def bin_fragments(bam: str | Path, options: BinOptions = BinOptions()) -> pd.DataFrame:
    """BIN_COLUMNS per bin of an indexed BAM/CRAM (quantities: module docstring)."""
    if options.bin_size <= 0:
        raise CtdnaInputError(f"bin size {options.bin_size} bp: must be a positive integer")
    contigs = select_contigs(header_contigs(bam, options.reference), options.contigs, str(bam))
    reference = None if options.reference is None else str(options.reference)
    try:
        raw = bincore.core().bin_fragments(
            str(bam), reference, contigs, options.bin_size, options.min_mapq,
            counting.EXCLUDED_FLAGS, SHORT_FRAGMENT_BP, LONG_FRAGMENT_BP,
        )  # fmt: skip
    except (OSError, ValueError) as err:
        raise CtdnaInputError(f"{bam}: {err}") from err
    frames, records, kept = [], 0, 0
    for (chrom, length), (_, fragments, short, long, seen, passed) in zip(contigs, raw):
        counts = {
            name: np.frombuffer(values, dtype=np.int64)
            for name, values in zip(BIN_COLUMNS[3:], (fragments, short, long))
        }
        frames.append(bin_frame(chrom, length, options.bin_size, counts))
        records, kept = records + seen, kept + passed
    table = pd.concat(frames, ignore_index=True)
    LOG.info(
        "%s: %d bins of %d bp on %d contigs; %d records, %d kept (MAPQ >= %d, flags 0x%X out), "
        "%d fragments",
        Path(bam).name, len(table), options.bin_size, len(contigs), records, kept,
        options.min_mapq, counting.EXCLUDED_FLAGS, int(table["fragments"].sum()),
    )  # fmt: skip
    return table
