"""Fragment counting: alleles at sites, fragment depth per target, the sample's error background.

Unit: the molecule, i.e. the DNA fragment (both mates, by read name), or with a UMI tag the
UMI family (``MI``: fgbio molecule id with the duplex strand suffixes '/A' '/B' removed;
``RX``: UMI sequence + contig + leftmost mate start + |TLEN|; a read without the tag is its
own fragment). Reads kept: none of the flags in ``excluded_flags`` and MAPQ >= ``min_mapq``;
no depth cap. Reads are decoded by the compiled core (``ctdna.fragcore``), which returns
per-read ids, never one Python object per read.

Site counts (one site = position + REF + ALT; 1-based ``pos`` is the SNV base or the
indel's anchor base, as in the VCF and ``samtools mpileup``). Each read at the position
gives one observation, by htslib's pileup rules:

- reference skip (N in the CIGAR) -> none; base quality < ``min_baseq`` at the read's query
  position -> none (for a deletion covering the position, the quality of the base after it,
  as ``samtools mpileup -Q``);
- a deletion covering the position ('*') -> 'other';
- SNV: base == ALT -> 'alt', base == REF -> 'ref', else 'other';
- deletion of L bases: the read deletes exactly L bases right after the anchor -> 'alt';
  no indel after the anchor -> 'ref'; another indel -> 'other';
- insertion of S: the read inserts exactly S right after the anchor -> 'alt'; no indel ->
  'ref'; another indel -> 'other'.

A molecule's allele: the single allele of all its reads' observations (mates, and family
members); reads that disagree -> 'discordant' (MRDetect mate-disagreement filter, fgbio's
"a family is a consensus only when its members agree": never mutant, not in depth); no
observation -> low quality. ``depth_fragments = ref + alt + other``.

Target depth and background: see ``target_depth`` and ``sample_background``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ctdna.count_rules import (  # noqa: F401 (re-exported: one home of the rules)
    ALLELE_CODE,
    ALLELE_NAME,
    COUNT_COLUMNS,
    DEFAULT_READS,
    DELETED,
    EXCLUDED_FLAGS,
    FLAG_DUPLICATE,
    FLAG_QCFAIL,
    FLAG_SECONDARY,
    FLAG_SUPPLEMENTARY,
    FLAG_UNMAPPED,
    MIN_BASEQ,
    MIN_MAPQ,
    NO_CALL,
    REBUILD,
    SITE_KEYS,
    ReadFilter,
    allele_of,
    call_core,
    excluded_flags,
    parse_token,
)


def tally(observed: tuple, ref: str, alt: str, variant_type: str) -> dict:
    """COUNT_COLUMNS of one site from the core's (reads, molecule ids, observation ids, tokens).

    Each molecule gets the allele shared by all its called reads, 'discordant' when they
    differ, low quality when none is called.
    """
    reads, molecule_bytes, observation_bytes, tokens = observed
    molecules = np.frombuffer(molecule_bytes, dtype=np.int32)
    lookup = np.array(
        [ALLELE_CODE[allele_of(parse_token(t), ref, alt, variant_type)] for t in tokens]
        + [NO_CALL],
        dtype=np.int64,
    )  # index -1 -> NO_CALL
    codes = lookup[np.frombuffer(observation_bytes, dtype=np.int32)]
    n = int(molecules.max()) + 1 if len(molecules) else 0
    # reads of each molecule showing ref, alt, other: one column per allele code
    per_allele = np.stack([np.bincount(molecules[codes == c], minlength=n) for c in (0, 1, 2)])
    alleles_seen = (per_allele > 0).sum(axis=0)
    single = alleles_seen == 1
    which = per_allele.argmax(axis=0)
    counts = {f"{ALLELE_NAME[c]}_fragments": int(np.sum(single & (which == c))) for c in (0, 1, 2)}
    counts["discordant_fragments"] = int(np.sum(alleles_seen > 1))
    counts["lowqual_fragments"] = int(np.sum(alleles_seen == 0))
    counts["depth_fragments"] = (
        counts["ref_fragments"] + counts["alt_fragments"] + counts["other_fragments"]
    )
    counts["reads"] = int(reads)
    return counts


def count_sites(
    bam: str | Path,
    sites: pd.DataFrame,
    reads: ReadFilter = DEFAULT_READS,
) -> pd.DataFrame:
    """COUNT_COLUMNS for each distinct (chrom, pos, ref, alt, variant_type) of ``sites``.

    ``bam``: indexed BAM/CRAM path; ``reads``: the read and base filters (and the FASTA a
    CRAM needs). One read pass per position serves every ALT at that position.
    """
    distinct = sites[SITE_KEYS].drop_duplicates()
    observed = {}
    for chrom, group in distinct.groupby("chrom", sort=False):
        positions = sorted({int(p) for p in group["pos"]})
        per_position = call_core(
            "site_observations", bam, reads, str(chrom), [p - 1 for p in positions]
        )
        observed.update({(chrom, p): o for p, o in zip(positions, per_position)})
    rows = [
        {
            **site._asdict(),
            **tally(observed[(site.chrom, int(site.pos))], site.ref, site.alt, site.variant_type),
        }
        for site in distinct.itertuples(index=False)
    ]
    return pd.DataFrame(rows, columns=SITE_KEYS + COUNT_COLUMNS)


@dataclass
class TargetCounts:
    """Molecule-level counts of one target (``target_counts``); arrays indexed by target offset.

    fragments: molecules with a kept read whose alignment span overlaps the target;
    covered_bases: sum over target bases of the molecules with an aligned (M/=/X) base there;
    acgt: (4, length) molecules whose reads all show A, C, G or T (base quality >= min_baseq);
    insertions / deletions: molecules counted in acgt whose reads all show an insertion /
    deletion right after that base.
    """

    fragments: int
    covered_bases: int
    acgt: np.ndarray
    insertions: np.ndarray
    deletions: np.ndarray


def target_counts(
    bam: str | Path,
    targets: pd.DataFrame,
    reads: ReadFilter = DEFAULT_READS,
) -> list[TargetCounts]:
    """One TargetCounts per row of ``targets`` (chrom, start, end: BED 0-based half-open)."""
    results: dict[int, TargetCounts] = {}
    for chrom, group in targets.groupby("chrom", sort=False):
        starts, ends = [int(s) for s in group["start"]], [int(e) for e in group["end"]]
        raw = call_core("target_molecules", bam, reads, str(chrom), starts, ends)
        for index, (fragments, covered, acgt, ins, dels) in zip(group.index, raw):
            results[index] = TargetCounts(
                fragments,
                covered,
                np.frombuffer(acgt, dtype=np.int64).reshape(4, -1),
                np.frombuffer(ins, dtype=np.int64),
                np.frombuffer(dels, dtype=np.int64),
            )
    return [results[i] for i in targets.index]


def target_depth(targets: pd.DataFrame, counts: list[TargetCounts]) -> pd.DataFrame:
    """fragments, covered_bases and mean_fragment_depth (= covered_bases / length) per target.

    Overlapping mates (and UMI family members) count once per base; no base-quality filter.
    """
    rows = [
        {
            "chrom": t.chrom,
            "start": t.start,
            "end": t.end,
            "gene": t.gene,
            "length": t.end - t.start,
            "fragments": c.fragments,
            "covered_bases": c.covered_bases,
            "mean_fragment_depth": c.covered_bases / (t.end - t.start),
        }
        for t, c in zip(targets.itertuples(index=False), counts)
    ]
    columns = [
        "chrom",
        "start",
        "end",
        "gene",
        "length",
        "fragments",
        "covered_bases",
        "mean_fragment_depth",
    ]
    return pd.DataFrame(rows, columns=columns)
