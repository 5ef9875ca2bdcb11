"""File boundary of ctdna-count for the alignments and the reference: BAM/CRAM and FASTA
opened with pysam (no numpy or pandas), their errors wrapped into ``CtdnaInputError``
subclasses that name the file and suggest the fix."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pysam

from ctdna.exceptions import BamIndexError, CtdnaInputError, EmptyBamError

LOG = logging.getLogger("ctdna.io")


def open_alignments(path: str | Path, fasta: str | Path | None = None) -> pysam.AlignmentFile:
    """Open an indexed BAM/CRAM; refuse a missing index or a file without mapped reads."""
    path = Path(path)
    if not path.exists():
        raise CtdnaInputError(f"{path}: BAM file not found")
    mode = "rc" if path.suffix == ".cram" else "rb"
    try:
        bam = pysam.AlignmentFile(
            str(path), mode, reference_filename=str(fasta) if fasta else None
        )
    except (OSError, ValueError) as err:
        raise CtdnaInputError(f"cannot read BAM {path}: {err}") from err
    if not bam.has_index():
        bam.close()
        raise BamIndexError(
            f"{path}: index missing (no .bai/.csi/.crai beside it); fix: samtools index {path}"
        )
    mapped = None if bam.is_cram else _mapped_reads(bam)  # CRAM indexes report 0
    if mapped == 0 or (mapped is None and next(bam.fetch(), None) is None):
        bam.close()
        raise EmptyBamError(
            f"{path}: BAM has no mapped read (index statistics report 0); counts would all be zero"
        )
    LOG.info(
        "%s: %s mapped reads on %d contigs",
        path.name,
        "unknown number of" if mapped is None else f"{mapped:,}",
        len(bam.references),
    )
    return bam


def _mapped_reads(bam: pysam.AlignmentFile) -> int | None:
    """Mapped reads from the index (None when the index has no statistics, e.g. CRAM)."""
    try:
        return int(sum(stat.mapped for stat in bam.get_index_statistics()))
    except (ValueError, AttributeError):
        return None


def index_counts(bam: pysam.AlignmentFile) -> tuple[int | None, int | None]:
    """(mapped, unmapped) records of the whole file from its index, as ``samtools idxstats``
    sums them (unplaced reads in unmapped); (None, None) for CRAM or an index without them."""
    if bam.is_cram:
        return None, None
    try:
        return int(bam.mapped), int(bam.unmapped)
    except (ValueError, AttributeError):
        return None, None


def open_fasta(path: str | Path | None) -> pysam.FastaFile | None:
    """Open an indexed FASTA (None when not given); a .fai is built by pysam if missing."""
    if path is None:
        return None
    if not Path(path).exists():
        raise CtdnaInputError(f"{path}: FASTA file not found")
    try:
        return pysam.FastaFile(str(path))
    except (OSError, ValueError) as err:
        raise CtdnaInputError(
            f"cannot read FASTA {path}: {err}; fix: samtools faidx {path}"
        ) from err


@contextmanager
def opened(
    bam: str | Path, fasta: str | Path | None
) -> Iterator[tuple[pysam.AlignmentFile, pysam.FastaFile | None]]:
    """The BAM/CRAM and the FASTA (None when not given) opened, and closed on leaving."""
    alignments = open_alignments(bam, fasta)
    reference = open_fasta(fasta)
    try:
        yield alignments, reference
    finally:
        alignments.close()
        if reference is not None:
            reference.close()
