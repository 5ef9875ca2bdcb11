"""Typed errors of the ctdna package; the CLI turns them into one-line messages (exit 2)."""

from stereosarc.errors import InputError


class CtdnaInputError(InputError):
    """A ctDNA input (BAM, VCF, BED, FASTA, count table) cannot be used; names file and row."""


class BamIndexError(CtdnaInputError):
    """The BAM/CRAM has no index beside it (fix: samtools index x.bam)."""


class ContigMismatchError(CtdnaInputError):
    """Contig names differ between two inputs (e.g. '17' in the VCF, 'chr17' in the BAM)."""


class ReferenceMismatchError(CtdnaInputError):
    """Site REF alleles do not match the FASTA the reads were aligned to."""


class EmptyBamError(CtdnaInputError):
    """The BAM has no mapped read: every count would be a silent zero."""


class CountingCoreError(ValueError):
    """The compiled counting core is not built or no usable htslib could be bound to it."""
