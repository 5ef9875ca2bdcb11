"""Fragment counting with pysam: alleles at sites, fragment depth per target.

Unit: the DNA fragment (read pair), each counted once. Reads kept: none of the flags in
``EXCLUDED_FLAGS`` and MAPQ >= ``min_mapq``; no depth cap (``MAX_DEPTH``).

Site counts (one site = position + REF + ALT; 1-based ``pos`` is the SNV base or the
indel's anchor base, as in the VCF and in ``samtools mpileup``). Each read at the position
gives one observation:

- refskip (N in the CIGAR) -> none; a deletion covering the position ('*') -> 'other';
- base quality < ``min_baseq`` at the position -> none (low quality);
- SNV: base == ALT -> 'alt', base == REF -> 'ref', else 'other';
- deletion of L bases: the read deletes exactly L bases right after the anchor -> 'alt';
  no indel after the anchor -> 'ref'; another indel -> 'other';
- insertion of S: the read inserts exactly S right after the anchor -> 'alt'; no indel ->
  'ref'; another indel -> 'other'.

A fragment's allele: the single allele of its mates' observations; mates that disagree ->
'discordant' (MRDetect mate-disagreement filter: never counted as mutant, not in depth);
no observation -> low quality. With a UMI tag (``MI``: fgbio molecule id, '/A' '/B' strand
suffixes removed; ``RX``: UMI sequence + fragment start + |TLEN|), fragments of one family
collapse to one molecule when all agree, else 'discordant'; duplicate-flagged reads are then
kept (the family replaces the duplicate flag). ``depth_fragments = ref + alt + other``.

Target depth: ``fragments`` = distinct fragments with a kept read whose alignment span
overlaps the target; ``mean_fragment_depth`` = sum over target bases of the fragments
covering the base / target length, a fragment covering a base when an aligned (M/=/X)
block of either mate covers it, overlapping mates counted once. No base-quality filter
(as ``samtools depth -s``).
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pandas as pd
import pysam

# SAM flags excluded (SAM spec 1.6 section 1.4): 0x4 unmapped (no position), 0x100 secondary
# and 0x800 supplementary (extra alignments of a read already counted by its primary),
# 0x200 QC fail (vendor-failed), 0x400 duplicate (PCR/optical copy of the same molecule).
FLAG_UNMAPPED, FLAG_SECONDARY, FLAG_QCFAIL, FLAG_DUPLICATE, FLAG_SUPPLEMENTARY = (
    0x4, 0x100, 0x200, 0x400, 0x800)
EXCLUDED_FLAGS = FLAG_UNMAPPED | FLAG_SECONDARY | FLAG_QCFAIL | FLAG_DUPLICATE | FLAG_SUPPLEMENTARY
MAX_DEPTH = 2**31 - 1  # no depth cap: pysam/samtools default 8,000 silently drops reads (issue 4)
MIN_MAPQ = 20  # docs/parameters.md --ctdna_min_mapq default (bcftools/GATK usual 20)
MIN_BASEQ = 20  # docs/parameters.md --ctdna_min_baseq default (Phred 20 = 1 % error)
COUNT_COLUMNS = ["ref_fragments", "alt_fragments", "other_fragments", "discordant_fragments",
                 "lowqual_fragments", "depth_fragments", "reads"]
LOW_QUALITY = None
DELETED = "*"


def excluded_flags(umi_tag: str | None) -> int:
    """EXCLUDED_FLAGS, without the duplicate bit when UMI families do the deduplication."""
    return EXCLUDED_FLAGS & ~FLAG_DUPLICATE if umi_tag else EXCLUDED_FLAGS


def family_key(read: pysam.AlignedSegment, umi_tag: str | None):
    """The molecule a read belongs to: its name, or its UMI family when ``umi_tag`` is set."""
    if not umi_tag or not read.has_tag(umi_tag):
        return read.query_name
    value = str(read.get_tag(umi_tag))
    if umi_tag == "MI":
        return ("MI", value.removesuffix("/A").removesuffix("/B"))
    start = min(read.reference_start, read.next_reference_start) if read.is_paired else read.reference_start
    return ("RX", value, read.reference_id, start, abs(read.template_length))


def read_observation(column_read: pysam.PileupRead, min_baseq: int):
    """(base, indel length, inserted bases) of a pileup read; DELETED; or None (low quality)."""
    if column_read.is_del:
        return DELETED
    qpos = column_read.query_position
    read = column_read.alignment
    if read.query_qualities is not None and read.query_qualities[qpos] < min_baseq:
        return LOW_QUALITY
    indel = column_read.indel
    sequence = read.query_sequence
    inserted = sequence[qpos + 1: qpos + 1 + indel] if indel > 0 else ""
    return sequence[qpos].upper(), indel, inserted.upper()


def allele_of(observation, ref: str, alt: str, variant_type: str):
    """'ref', 'alt' or 'other' for one read observation at a site; None for low quality."""
    if observation is LOW_QUALITY:
        return None
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


def consensus(alleles) -> str | None:
    """The one allele of a group (mates or a UMI family); 'discordant' if they disagree."""
    called = {a for a in alleles if a is not None}
    if not called:
        return None
    if len(called) == 1:
        return called.pop()
    return "discordant"


def observe_position(bam: pysam.AlignmentFile, chrom: str, pos: int, *, min_mapq: int,
                     min_baseq: int, umi_tag: str | None) -> list[tuple]:
    """(query name, family, observation) of every kept read at 1-based ``pos``."""
    flags = excluded_flags(umi_tag)
    observed = []
    for column in bam.pileup(chrom, pos - 1, pos, truncate=True, stepper="all",
                             flag_filter=flags, min_mapping_quality=min_mapq,
                             min_base_quality=0, ignore_overlaps=False, ignore_orphans=False,
                             max_depth=MAX_DEPTH, multiple_iterators=False):
        for column_read in column.pileups:
            read = column_read.alignment
            if column_read.is_refskip or read.flag & flags or read.mapping_quality < min_mapq:
                continue
            observed.append((read.query_name, family_key(read, umi_tag),
                             read_observation(column_read, min_baseq)))
    return observed


def tally(observed: list[tuple], ref: str, alt: str, variant_type: str) -> dict:
    """Fragment (or family) allele counts at one site from ``observe_position`` output."""
    by_fragment = defaultdict(list)
    family_of = {}
    for name, family, observation in observed:
        by_fragment[name].append(allele_of(observation, ref, alt, variant_type))
        family_of[name] = family
    fragments = {name: consensus(alleles) for name, alleles in by_fragment.items()}
    by_family = defaultdict(list)
    for name, allele in fragments.items():
        by_family[family_of[name]].append("discordant" if allele == "discordant" else allele)
    molecules = Counter(_family_allele(alleles) for alleles in by_family.values())
    counts = {f"{k}_fragments": molecules.get(k, 0) for k in ("ref", "alt", "other", "discordant")}
    counts["lowqual_fragments"] = molecules.get(None, 0)
    counts["depth_fragments"] = counts["ref_fragments"] + counts["alt_fragments"] + counts["other_fragments"]
    counts["reads"] = len(observed)
    return counts


def _family_allele(alleles: list) -> str | None:
    """A family is discordant when any member fragment is, or members disagree."""
    if "discordant" in alleles:
        return "discordant"
    return consensus(alleles)


def count_sites(bam: pysam.AlignmentFile, sites: pd.DataFrame, *, min_mapq: int = MIN_MAPQ,
                min_baseq: int = MIN_BASEQ, umi_tag: str | None = None) -> pd.DataFrame:
    """COUNT_COLUMNS for each distinct (chrom, pos, ref, alt, variant_type) of ``sites``.

    One pileup per position serves every ALT at that position. Without UMIs the pileup
    column is read in bulk (pysam's get_query_* methods) and tallied with numpy (fast path);
    with UMIs each read is visited for its tag (``observe_position`` + ``tally``).
    """
    keys = ["chrom", "pos", "ref", "alt", "variant_type"]
    distinct = sites[keys].drop_duplicates()
    rows = []
    for (chrom, pos), group in distinct.groupby(["chrom", "pos"], sort=False):
        options = {"min_mapq": min_mapq, "min_baseq": min_baseq}
        if umi_tag:
            observed = observe_position(bam, chrom, int(pos), umi_tag=umi_tag, **options)
            counter = tally
        else:
            observed = observe_column(bam, chrom, int(pos), **options)
            counter = tally_column
        for site in group.itertuples(index=False):
            rows.append({**site._asdict(), **counter(observed, site.ref, site.alt, site.variant_type)})
    return pd.DataFrame(rows, columns=keys + COUNT_COLUMNS)


REFSKIP_CALLS = (">", "<")  # pysam's pileup string for a reference skip (N)


def observe_column(bam: pysam.AlignmentFile, chrom: str, pos: int, *, min_mapq: int,
                   min_baseq: int) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(fragment ids, pileup strings, low-quality mask) of the kept reads at 1-based ``pos``.

    Same reads and rules as ``observe_position`` without UMIs, read in bulk.
    """
    names, calls, low = [], [], np.zeros(0, dtype=bool)
    for column in bam.pileup(chrom, pos - 1, pos, truncate=True, stepper="all",
                             flag_filter=EXCLUDED_FLAGS, min_base_quality=0,
                             ignore_overlaps=False, ignore_orphans=False, max_depth=MAX_DEPTH,
                             multiple_iterators=False):
        calls = column.get_query_sequences(add_indels=True)
        keep = (np.asarray(column.get_mapping_qualities(), dtype=int) >= min_mapq) & np.array(
            [c[:1] not in REFSKIP_CALLS and c != "" for c in calls], dtype=bool)
        names = [n for n, k in zip(column.get_query_names(), keep) if k]
        calls = [c for c, k in zip(calls, keep) if k]
        quality = np.asarray(column.get_query_qualities(), dtype=int)[keep]
        low = (quality < min_baseq) & np.array([c != DELETED for c in calls], dtype=bool)
    return pd.factorize(pd.Series(names, dtype=object))[0], calls, low


def _parse_call(call: str):
    """pysam pileup string ('A', 'a+2GT', 'A-2NN', '*') -> read observation (read_observation)."""
    if call == DELETED:
        return DELETED
    if len(call) == 1:
        return call.upper(), 0, ""
    digits = call[2:].rstrip("ACGTNacgtn")
    if call[1] == "+":
        return call[0].upper(), int(digits), call[2 + len(digits):].upper()
    return call[0].upper(), -int(digits), ""


ALLELE_CODE = {"ref": 0, "alt": 1, "other": 2}
ALLELE_NAME = {0: "ref", 1: "alt", 2: "other"}


def tally_column(column: tuple, ref: str, alt: str, variant_type: str) -> dict:
    """``tally`` for the fast path: fragment consensus with numpy over allele codes."""
    fragment_ids, calls, low = column
    code_of = {c: ALLELE_CODE[allele_of(_parse_call(c), ref, alt, variant_type)] for c in set(calls)}
    codes = np.array([code_of[c] for c in calls], dtype=int)
    codes[low] = -1
    n = int(fragment_ids.max()) + 1 if len(fragment_ids) else 0
    valid = codes >= 0
    lowest, highest = np.full(n, 9), np.full(n, -1)
    np.minimum.at(lowest, fragment_ids[valid], codes[valid])
    np.maximum.at(highest, fragment_ids[valid], codes[valid])
    called = highest >= 0
    agree = called & (lowest == highest)
    counts = {f"{ALLELE_NAME[c]}_fragments": int(np.sum(agree & (lowest == c))) for c in (0, 1, 2)}
    counts["discordant_fragments"] = int(np.sum(called & ~agree))
    counts["lowqual_fragments"] = int(np.sum(~called))
    counts["depth_fragments"] = counts["ref_fragments"] + counts["alt_fragments"] + counts["other_fragments"]
    counts["reads"] = len(calls)
    return counts


def merged_length(blocks: list[tuple[int, int]], start: int, end: int) -> int:
    """Bases of [start, end) covered by the union of half-open ``blocks``."""
    covered, reach = 0, start
    for block_start, block_end in sorted(blocks):
        lo, hi = max(block_start, reach), min(block_end, end)
        if hi > lo:
            covered += hi - lo
        reach = max(reach, min(block_end, end))
    return covered


def target_depth(bam: pysam.AlignmentFile, targets: pd.DataFrame, *, min_mapq: int = MIN_MAPQ,
                 umi_tag: str | None = None) -> tuple[pd.DataFrame, dict]:
    """fragments, mean_fragment_depth and covered_bases per target (see module docstring).

    Also returns the read-level indel events per target position, {(chrom, pos0): Counter}
    with keys 'insertion'/'deletion' at the anchor base, for the sample background.
    """
    flags = excluded_flags(umi_tag)
    rows, indel_events = [], defaultdict(Counter)
    for target in targets.itertuples(index=False):
        blocks = defaultdict(list)
        for read in bam.fetch(target.chrom, target.start, target.end):
            if read.flag & flags or read.mapping_quality < min_mapq:
                continue
            blocks[family_key(read, umi_tag)].extend(read.get_blocks())
            _record_indels(read, target, indel_events)
        covered = sum(merged_length(b, target.start, target.end) for b in blocks.values())
        length = target.end - target.start
        rows.append({"chrom": target.chrom, "start": target.start, "end": target.end,
                     "gene": target.gene, "length": length, "fragments": len(blocks),
                     "covered_bases": covered, "mean_fragment_depth": covered / length})
    columns = ["chrom", "start", "end", "gene", "length", "fragments", "covered_bases",
               "mean_fragment_depth"]
    return pd.DataFrame(rows, columns=columns), indel_events


CIGAR_INSERTION, CIGAR_DELETION = 1, 2  # BAM CIGAR op codes (SAM spec 1.6 section 4.2)
CIGAR_REF_CONSUMING = {0, 2, 3, 7, 8}  # M, D, N, =, X advance the reference


def _record_indels(read: pysam.AlignedSegment, target, events: dict) -> None:
    """Add the read's insertion/deletion events inside ``target`` at their anchor base."""
    if not any(op in (CIGAR_INSERTION, CIGAR_DELETION) for op, _ in read.cigartuples or ()):
        return
    ref_pos = read.reference_start
    for op, length in read.cigartuples:
        if op in (CIGAR_INSERTION, CIGAR_DELETION) and target.start <= ref_pos - 1 < target.end:
            events[(target.chrom, ref_pos - 1)]["insertion" if op == CIGAR_INSERTION else "deletion"] += 1
        if op in CIGAR_REF_CONSUMING:
            ref_pos += length


MAX_BACKGROUND_VAF = 0.05  # a position with a non-reference allele >= 5 % is a variant, not noise (same cut as the PoN VAF black list)
BASE_INDEX = {"A": 0, "C": 1, "G": 2, "T": 3}  # order of pysam count_coverage arrays
ERROR_CLASSES = ["C>A", "C>G", "C>T", "T>A", "T>C", "T>G", "insertion", "deletion"]
PYRIMIDINE_CLASS = {(r, b): (f"{r}>{b}" if r in "CT" else
                             f"{'ACGT'[3 - 'ACGT'.index(r)]}>{'ACGT'[3 - 'ACGT'.index(b)]}")
                    for r in "ACGT" for b in "ACGT" if r != b}


def sample_background(bam: pysam.AlignmentFile, targets: pd.DataFrame, sites: pd.DataFrame,
                      indel_events: dict, fasta: pysam.FastaFile | None = None, *,
                      min_mapq: int = MIN_MAPQ, min_baseq: int = MIN_BASEQ,
                      umi_tag: str | None = None,
                      max_background_vaf: float = MAX_BACKGROUND_VAF) -> pd.DataFrame:
    """Sample-level error counts by class at target positions that are neither sites nor variants.

    Read-level (kept reads, base quality >= min_baseq, overlapping mates both counted: a
    ratio, so the double count largely cancels). Reference base: the FASTA when given, else
    the majority base. Per class (pyrimidine strand) r>b: error_count = bases b at
    positions of reference r; opportunity_count = all bases at positions of reference r.
    Indels: error_count = read indel events anchored at the position, opportunity = bases.
    Positions excluded: site positions (and a deletion's span), positions whose most
    frequent non-reference base or indel reaches ``max_background_vaf``.
    Returns error_class, error_count, opportunity_count, error_rate (NA when no opportunity).
    """
    flags = excluded_flags(umi_tag)
    errors, opportunities = Counter(), Counter()

    def keep(read):
        return not read.flag & flags and read.mapping_quality >= min_mapq

    for target in targets.itertuples(index=False):
        acgt = np.array(bam.count_coverage(target.chrom, target.start, target.end,
                                           quality_threshold=min_baseq, read_callback=keep))
        reference = _reference_index(acgt, fasta, target)
        usable = _background_mask(acgt, reference, sites, target, max_background_vaf)
        depth = acgt.sum(axis=0)
        _add_substitutions(acgt, reference, usable, depth, errors, opportunities)
        _add_indels(indel_events, target, usable, depth, max_background_vaf, errors, opportunities)
    rows = [{"error_class": c, "error_count": errors[c], "opportunity_count": opportunities[c]}
            for c in ERROR_CLASSES]
    frame = pd.DataFrame(rows)
    frame["error_rate"] = (frame["error_count"] / frame["opportunity_count"]).where(
        frame["opportunity_count"] > 0)
    return frame


def _reference_index(acgt: np.ndarray, fasta, target) -> np.ndarray:
    """0..3 reference base index per target position (-1 when unknown or not covered)."""
    if fasta is not None and target.chrom in fasta.references:
        sequence = fasta.fetch(target.chrom, target.start, target.end).upper()
        return np.array([BASE_INDEX.get(b, -1) for b in sequence.ljust(acgt.shape[1], "N")])
    reference = acgt.argmax(axis=0)
    return np.where(acgt.sum(axis=0) > 0, reference, -1)


def _background_mask(acgt: np.ndarray, reference: np.ndarray, sites: pd.DataFrame, target,
                     max_vaf: float) -> np.ndarray:
    """Positions usable for the background: known reference, covered, not a site or variant."""
    depth = acgt.sum(axis=0)
    ref_count = np.where(reference >= 0, acgt[np.clip(reference, 0, 3), np.arange(acgt.shape[1])], 0)
    nonref = acgt.copy()
    nonref[np.clip(reference, 0, 3), np.arange(acgt.shape[1])] = 0
    usable = (reference >= 0) & (depth > 0) & (ref_count > 0)
    usable &= nonref.max(axis=0) < max_vaf * np.maximum(depth, 1)
    on_chrom = sites[sites["chrom"] == target.chrom]
    for pos, ref in zip(on_chrom["pos"], on_chrom["ref"]):
        lo, hi = pos - 1 - target.start, pos - 1 + len(ref) - target.start
        usable[max(lo, 0): max(min(hi, len(usable)), 0)] = False
    return usable


def _add_substitutions(acgt, reference, usable, depth, errors, opportunities) -> None:
    """Accumulate substitution errors and opportunities by pyrimidine-strand class."""
    for ref_base, r in BASE_INDEX.items():
        at_ref = usable & (reference == r)
        total = int(depth[at_ref].sum())
        for alt_base, b in BASE_INDEX.items():
            if b != r:
                key = PYRIMIDINE_CLASS[(ref_base, alt_base)]
                errors[key] += int(acgt[b][at_ref].sum())
                opportunities[key] += total


def _add_indels(indel_events, target, usable, depth, max_vaf, errors, opportunities) -> None:
    """Accumulate indel events (per anchor base) and their opportunities (bases)."""
    keep = usable.copy()
    here = {pos - target.start: events for (chrom, pos), events in indel_events.items()
            if chrom == target.chrom and target.start <= pos < target.end}
    for offset, events in here.items():
        if max(events.values()) >= max_vaf * max(depth[offset], 1):
            keep[offset] = False
    opportunities["insertion"] += int(depth[keep].sum())
    opportunities["deletion"] += int(depth[keep].sum())
    for offset, events in here.items():
        if keep[offset]:
            errors["insertion"] += events.get("insertion", 0)
            errors["deletion"] += events.get("deletion", 0)
