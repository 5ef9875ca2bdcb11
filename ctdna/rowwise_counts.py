"""The counts of ctdna-count's row-wise path: the compiled core's results turned into the
site counts, target depths, error background and read statistics with plain Python (no numpy,
no pandas). The rules are those of ``ctdna.counting``, ``ctdna.background`` and
``ctdna.read_stats`` (their module docs define the quantities); the tables are the same bytes
(tests/unit/test_ctdna_count_rowwise.py).
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ctdna.count_rules import (
    ALLELE_CODE,
    BASE_INDEX,
    ERROR_CLASSES,
    LONG_FRAGMENT_BP,
    NO_CALL,
    PYRIMIDINE_CLASS,
    QUANTILES,
    SHORT_FRAGMENT_BP,
    SITE_KEYS,
    ReadFilter,
    allele_of,
    call_core,
    parse_token,
)


def _ints(raw: bytes, code: str) -> list[int]:
    """The core's packed native integers (``code``: 'i' int32, 'q' int64) as a list."""
    values = array(code)
    values.frombytes(raw)
    return values.tolist()


def tally(observed: tuple, ref: str, alt: str, variant_type: str) -> dict:
    """``ctdna.counting.tally`` over lists: each molecule's set of called alleles as a bit
    mask; one allele -> that allele, several -> discordant, none -> low quality."""
    reads, molecule_bytes, observation_bytes, tokens = observed
    lookup = [ALLELE_CODE[allele_of(parse_token(t), ref, alt, variant_type)] for t in tokens]
    lookup.append(NO_CALL)  # index -1: a read without a call
    molecules = _ints(molecule_bytes, "i")
    masks = [0] * (max(molecules) + 1 if molecules else 0)
    for molecule, observation in zip(molecules, _ints(observation_bytes, "i"), strict=True):
        code = lookup[observation]
        if code != NO_CALL:
            masks[molecule] |= 1 << code
    seen = Counter(masks)
    counts = {f"{name}_fragments": seen[1 << c] for name, c in ALLELE_CODE.items()}
    counts["discordant_fragments"] = sum(n for mask, n in seen.items() if mask & (mask - 1))
    counts["lowqual_fragments"] = seen[0]
    counts["depth_fragments"] = (
        counts["ref_fragments"] + counts["alt_fragments"] + counts["other_fragments"]
    )
    counts["reads"] = int(reads)
    return counts


def count_sites(bam: Path, sites: list[dict], reads: ReadFilter) -> dict[tuple, dict]:
    """COUNT_COLUMNS per distinct (chrom, pos, ref, alt, variant_type) of ``sites``; one core
    call per contig, one read pass per position."""
    distinct = list(dict.fromkeys(tuple(site[k] for k in SITE_KEYS) for site in sites))
    positions: dict[str, set[int]] = {}
    for chrom, pos, *_ in distinct:
        positions.setdefault(chrom, set()).add(pos)
    observed = {}
    for chrom, found in positions.items():
        ordered = sorted(found)
        per_position = call_core("site_observations", bam, reads, chrom, [p - 1 for p in ordered])
        observed.update({(chrom, p): o for p, o in zip(ordered, per_position, strict=True)})
    return {key: tally(observed[key[:2]], *key[2:]) for key in distinct}


@dataclass
class TargetLists:
    """``ctdna.counting.TargetCounts`` of one target as lists: acgt[b][i] molecules showing
    base b (A, C, G, T) at target offset i; insertions / deletions after that base."""

    fragments: int
    covered_bases: int
    acgt: list[list[int]]
    insertions: list[int]
    deletions: list[int]


def target_counts(bam: Path, targets: list, reads: ReadFilter) -> list[TargetLists]:
    """One TargetLists per target (BED intervals), one core call per contig."""
    by_chrom: dict[str, list[int]] = {}
    for index, target in enumerate(targets):
        by_chrom.setdefault(target.chrom, []).append(index)
    results: dict[int, TargetLists] = {}
    for chrom, indexes in by_chrom.items():
        starts = [targets[i].start for i in indexes]
        ends = [targets[i].end for i in indexes]
        raw = call_core("target_molecules", bam, reads, chrom, starts, ends)
        for index, (fragments, covered, acgt, ins, dels) in zip(indexes, raw, strict=True):
            flat, length = _ints(acgt, "q"), targets[index].end - targets[index].start
            rows = [flat[b * length : (b + 1) * length] for b in range(4)]
            results[index] = TargetLists(
                fragments, covered, rows, _ints(ins, "q"), _ints(dels, "q")
            )
    return [results[i] for i in range(len(targets))]


def target_depth(sample: str, targets: list, counts: list[TargetLists]) -> list[dict]:
    """ctdna_target_depth rows (``ctdna.counting.target_depth``), sorted by chrom, start, end."""
    rows = [
        {"sample": sample, "chrom": t.chrom, "start": t.start, "end": t.end, "gene": t.name,
         "length": t.end - t.start, "fragments": c.fragments, "covered_bases": c.covered_bases,
         "mean_fragment_depth": c.covered_bases / (t.end - t.start)}
        for t, c in zip(targets, counts, strict=True)
    ]  # fmt: skip
    return sorted(rows, key=lambda row: (row["chrom"], row["start"], row["end"]))


def sample_background(
    sample: str, targets: list, counts: list[TargetLists], sites: list[dict], fasta, max_vaf: float
) -> list[dict]:
    """ctdna_background rows (``ctdna.background.sample_background``: the classes, the
    positions left out and the reference base rule)."""
    errors: Counter[str] = Counter()
    opportunities: Counter[str] = Counter()
    for target, count in zip(targets, counts, strict=True):
        depth = [sum(column) for column in zip(*count.acgt, strict=True)]
        reference = _reference_index(count.acgt, depth, fasta, target)
        usable = _usable(count.acgt, depth, reference, max_vaf)
        for site in sites:
            if site["chrom"] == target.chrom:
                low = site["pos"] - 1 - target.start
                high = site["pos"] - 1 + len(site["ref"]) - target.start
                for i in range(max(low, 0), max(min(high, len(usable)), 0)):
                    usable[i] = False
        for i in (i for i, keep in enumerate(usable) if keep):
            r = reference[i]
            for b in range(4):
                if b != r:
                    key = PYRIMIDINE_CLASS[("ACGT"[r], "ACGT"[b])]
                    errors[key] += count.acgt[b][i]
                    opportunities[key] += depth[i]
            if max(count.insertions[i], count.deletions[i]) < max_vaf * max(depth[i], 1):
                for name, events in (
                    ("insertion", count.insertions),
                    ("deletion", count.deletions),
                ):
                    errors[name] += events[i]
                    opportunities[name] += depth[i]
    return [
        {"sample": sample, "error_class": c, "error_count": errors[c],
         "opportunity_count": opportunities[c],
         "error_rate": errors[c] / opportunities[c] if opportunities[c] > 0 else math.nan}
        for c in ERROR_CLASSES
    ]  # fmt: skip


def _reference_index(acgt: list[list[int]], depth: list[int], fasta, target) -> list[int]:
    """0..3 reference base per position (-1 unknown): the FASTA, else the majority base (the
    first of equals, as numpy's argmax), -1 where nothing is covered."""
    if fasta is not None and target.chrom in fasta.references:
        sequence = fasta.fetch(target.chrom, target.start, target.end).upper()
        return [BASE_INDEX.get(b, -1) for b in sequence.ljust(len(depth), "N")]
    reference = []
    for i, total in enumerate(depth):
        column = [acgt[b][i] for b in range(4)]
        reference.append(column.index(max(column)) if total > 0 else -1)
    return reference


def _usable(acgt: list[list[int]], depth: list[int], reference: list[int], max_vaf: float):
    """Known reference, covered by it, no non-reference base at or above ``max_vaf``."""
    usable = []
    for i, r in enumerate(reference):
        if r < 0 or depth[i] == 0 or acgt[r][i] == 0:
            usable.append(False)
            continue
        nonref = max(acgt[b][i] for b in range(4) if b != r)
        usable.append(nonref < max_vaf * max(depth[i], 1))
    return usable


def territory(targets: list) -> list[tuple[str, int, int]]:
    """``ctdna.read_stats.territory`` over a list: overlapping or touching targets merged."""
    order = list(dict.fromkeys(target.chrom for target in targets))
    merged: list[list] = []
    for chrom in order:
        for start, end in sorted((t.start, t.end) for t in targets if t.chrom == chrom):
            if merged and merged[-1][0] == chrom and start <= merged[-1][2]:
                merged[-1][2] = max(merged[-1][2], end)
            else:
                merged.append([chrom, start, end])
    return [(chrom, start, end) for chrom, start, end in merged]


def quantile(ordered: list[int], q: float) -> float:
    """numpy's default (linear, R type 7) quantile of sorted ``ordered``, with numpy's
    interpolation (from the upper neighbour when the fraction is >= 0.5)."""
    index = (len(ordered) - 1) * q
    below = math.floor(index)
    fraction = index - below
    low, high = ordered[below], ordered[min(below + 1, len(ordered) - 1)]
    if fraction >= 0.5:
        return float(high - (high - low) * (1 - fraction))
    return float(low + (high - low) * fraction)


def read_stats_row(
    sample: str, bam: Path, merged: list, reads: ReadFilter, index_counts: tuple
) -> dict:
    """The ctdna_read_stats row (``ctdna.read_stats.read_stats_row``)."""
    total, duplicates, kept, fragments, raw = call_core(
        "territory_reads", bam, reads, [m[0] for m in merged], [m[1] for m in merged],
        [m[2] for m in merged],
    )  # fmt: skip
    lengths = sorted(_ints(raw, "i"))
    short = sum(SHORT_FRAGMENT_BP[0] <= n <= SHORT_FRAGMENT_BP[1] for n in lengths)
    long = sum(LONG_FRAGMENT_BP[0] <= n <= LONG_FRAGMENT_BP[1] for n in lengths)
    q25, median, q75 = (quantile(lengths, q) if lengths else math.nan for q in QUANTILES)
    mapped, unmapped = index_counts
    return {
        "sample": sample, "territory_bp": sum(end - start for _, start, end in merged),
        "reads": total, "duplicate_reads": duplicates,
        "duplicate_fraction": duplicates / total if total else math.nan,
        "kept_reads": kept, "fragments": fragments, "sized_fragments": len(lengths),
        "fragment_length_median": median, "fragment_length_q25": q25,
        "fragment_length_q75": q75,
        "short_fragment_fraction": short / (short + long) if short + long else math.nan,
        "bam_mapped_records": math.nan if mapped is None else mapped,
        "bam_unmapped_records": math.nan if unmapped is None else unmapped,
    }  # fmt: skip
