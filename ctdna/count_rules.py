"""The counting rules of ctdna-count without numpy or pandas: the SAM flags and quality
thresholds of the read filter, how a read's observation at a site becomes ref/alt/other, and the
call into the compiled core (``ctdna.fragcore``). Method: ``ctdna.counting`` (module doc),
which applies them over arrays; ``ctdna.rowwise_counts`` applies them over lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ctdna import fragcore
from ctdna.exceptions import CountingCoreError, CtdnaInputError

# SAM flags excluded (SAM spec 1.6 section 1.4): 0x4 unmapped (no position), 0x100 secondary
# and 0x800 supplementary (extra alignments of a read already counted by its primary),
# 0x200 QC fail (vendor-failed), 0x400 duplicate (PCR/optical copy of the same molecule).
FLAG_UNMAPPED, FLAG_SECONDARY, FLAG_QCFAIL, FLAG_DUPLICATE, FLAG_SUPPLEMENTARY = (
    0x4,
    0x100,
    0x200,
    0x400,
    0x800,
)
EXCLUDED_FLAGS = FLAG_UNMAPPED | FLAG_SECONDARY | FLAG_QCFAIL | FLAG_DUPLICATE | FLAG_SUPPLEMENTARY
MIN_MAPQ = 20  # docs/parameters.md --ctdna_min_mapq default (bcftools/GATK usual 20)
MIN_BASEQ = 20  # docs/parameters.md --ctdna_min_baseq default (Phred 20 = 1 % error)
COUNT_COLUMNS = [
    "ref_fragments",
    "alt_fragments",
    "other_fragments",
    "discordant_fragments",
    "lowqual_fragments",
    "depth_fragments",
    "reads",
]
SITE_KEYS = ["chrom", "pos", "ref", "alt", "variant_type"]
DELETED = "*"
ALLELE_CODE = {"ref": 0, "alt": 1, "other": 2}
ALLELE_NAME = {0: "ref", 1: "alt", 2: "other"}
NO_CALL = -1  # allele code of a low-quality read (and of a molecule without observation)
REBUILD = "the build is older than ctdna/_fragcore.c; fix: rerun pip install -e ."


def excluded_flags(umi_tag: str | None) -> int:
    """EXCLUDED_FLAGS, without the duplicate bit when UMI families do the deduplication."""
    return EXCLUDED_FLAGS & ~FLAG_DUPLICATE if umi_tag else EXCLUDED_FLAGS


def parse_token(token: str):
    """Core observation token ('A', 'A+2GT', 'A-2', '*') -> (base, indel length, inserted), or
    DELETED."""
    if token == DELETED:
        return DELETED
    if len(token) == 1:
        return token, 0, ""
    digits = token[2:].rstrip("ACGTNMRSVWYHKDB=")
    if token[1] == "+":
        return token[0], int(digits), token[2 + len(digits) :]
    return token[0], -int(digits), ""


def allele_of(observation, ref: str, alt: str, variant_type: str) -> str:
    """'ref', 'alt' or 'other' for one read observation at a site (rules: module docstring)."""
    if observation == DELETED:
        return "other"
    base, indel, inserted = observation
    if variant_type == "snv":
        return "alt" if base == alt else "ref" if base == ref else "other"
    if indel == 0:
        return "ref"
    if variant_type == "deletion":
        return "alt" if indel == -(len(ref) - 1) else "other"
    return "alt" if indel == len(alt) - 1 and inserted == alt[1:] else "other"


# a position with a non-reference allele >= 5 % is a variant, not noise (same cut as the PoN VAF
# black list)
MAX_BACKGROUND_VAF = 0.05
BASE_INDEX = {"A": 0, "C": 1, "G": 2, "T": 3}  # row order of TargetCounts.acgt
ERROR_CLASSES = ["C>A", "C>G", "C>T", "T>A", "T>C", "T>G", "insertion", "deletion"]
PYRIMIDINE_CLASS = {
    (r, b): (
        f"{r}>{b}" if r in "CT" else f"{'ACGT'[3 - 'ACGT'.index(r)]}>{'ACGT'[3 - 'ACGT'.index(b)]}"
    )
    for r in "ACGT"
    for b in "ACGT"
    if r != b
}

# The project's fragment-size classes, bp inclusive (one home: ctdna-count and ctdna-bin):
# short 90-150 bp, where tumour-derived cfDNA is enriched (Mouliere et al. 2018, Sci Transl Med
# 10:eaat4921; DELFI's own scripts start at 100); long 151-220 bp (DELFI, Cristiano et al. 2019)
SHORT_FRAGMENT_BP = (90, 150)
LONG_FRAGMENT_BP = (151, 220)
QUANTILES = (0.25, 0.5, 0.75)  # fragment_length_q25, median, q75


@dataclass(frozen=True)
class ReadFilter:
    """Which reads and bases the counting core keeps, one object for every caller (ctDNA
    sites and targets, the TMB coverage denominator): reads with MAPQ >= ``min_mapq``, bases
    with base quality >= ``min_baseq``, the flags of ``excluded_flags(umi_tag)`` out;
    ``reference``: the FASTA a CRAM needs."""

    reference: str | Path | None = None
    min_mapq: int = MIN_MAPQ
    min_baseq: int = MIN_BASEQ
    umi_tag: str | None = None

    def core_arguments(self) -> tuple:
        """The trailing arguments of every core call: MAPQ, BQ, excluded flags, UMI tag."""
        return (self.min_mapq, self.min_baseq, excluded_flags(self.umi_tag), self.umi_tag)


def call_core(function: str, bam: str | Path, reads: ReadFilter, *args):
    """Run a core function (bam, reference, ``args``, the read filter); its OSError/ValueError
    become CtdnaInputError naming the BAM."""
    reference = None if reads.reference is None else str(reads.reference)
    module = fragcore.core().module
    if not hasattr(module, function):
        raise CountingCoreError(f"the compiled counting core has no {function}: {REBUILD}")
    try:
        return getattr(module, function)(str(bam), reference, *args, *reads.core_arguments())
    except (OSError, ValueError) as err:
        raise CtdnaInputError(f"{bam}: {err}") from err


DEFAULT_READS = ReadFilter()  # the default filters (MIN_MAPQ, MIN_BASEQ, no UMI tag)
