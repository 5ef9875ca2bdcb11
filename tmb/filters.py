"""Which ALT alleles count towards TMB (pure: allele tables in, trace tables out).

An allele counts iff every active filter passes: FILTER is PASS (or ``.``); the reference
bases it changes (``affected_span``: a deletion's deleted bases, an insertion's two flanking
bases, otherwise REF) lie in the merged panel (intersected with the coding BED) and, when a
BAM is given, in the positions covered at >= min_depth; tumour VAF in
[min_vaf, max_vaf]; tumour depth >= min_depth; alt reads >= min_alt; largest population allele
frequency <= max_pop_af (missing = 0); at least one transcript carries a counted consequence;
not a listed hotspot, not above the COSMIC count limit, not in a clonal-haematopoiesis gene
(tmb.drivers); its CHROM:POS:REF:ALT was not counted before; and it does not continue an MNV
(tmb.mnv). A filter switched off is NA in the trace.
Defaults follow Illumina TSO500/DRAGEN TMB, FoundationOne CDx (Chalmers et al. 2017,
Genome Med 9:34) and the Friends of Cancer Research harmonisation (Merino et al. 2020, JITC
8:e000147; Vega et al. 2021, Ann Oncol 32:1626).
These are the only filter rules: the compiled VCF reader only extracts the values judged here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tmb.alleles import AlleleTable
from tmb.mnv import MNV_REASON, continuations
from tmb.regions import RegionIndex
from tmb.rules import (  # noqa: F401  (re-exported: the rules' home before tmb.rules)
    CH_GENES,
    DUPLICATE_REASON,
    MODES,
    NA,
    NONSYNONYMOUS,
    OUTCOME_COLUMNS,
    PASS_FILTERS,
    SYNONYMOUS,
    TRACE_COLUMNS,
    ChunkMemory,
    FilterSettings,
    Hotspots,
    inactive_filters,
)


@dataclass(frozen=True)
class Contigs:
    """Contig of each allele as a code into ``names`` (few distinct contigs per chunk)."""

    codes: np.ndarray
    names: list

    @classmethod
    def of(cls, alleles: AlleleTable) -> Contigs:
        return cls(alleles.columns["chrom"], alleles.names("chrom"))


def hotspot_match(hotspots: Hotspots, alleles: AlleleTable, chroms: Contigs) -> np.ndarray:
    """True for each allele listed (exact allele or position) or starting in a region."""
    pos = alleles.columns["pos"]
    listed = hotspots.listed_positions()
    hit = np.zeros(len(pos), dtype=bool)
    rows = np.flatnonzero(np.isin(pos, np.fromiter(listed, np.int64, len(listed))))
    values = zip(*(alleles.texts(name, rows) for name in ("chrom", "ref", "alt")))
    for row, (chrom, ref, alt) in zip(rows, values):
        hit[row] = hotspots.lists(chrom, int(pos[row]), ref, alt)
    if hotspots.regions is not None:
        hit |= hotspots.regions.contains_coded(chroms.codes, chroms.names, pos - 1)
    return hit


def _checks(
    alleles: AlleleTable,
    settings: FilterSettings,
    panel: RegionIndex,
    covered: RegionIndex | None,
    hotspots: Hotspots | None,
) -> dict:
    """(passes, active, reason-if-fails) per filter, in trace column order."""
    number = alleles.columns
    vaf, depth, alt = number["vaf"], number["depth"], number["alt_reads"]
    pop, cosmic = number["population_af"], number["cosmic_count"]  # missing / absent = 0
    span = affected_span(alleles)
    chroms = Contigs.of(alleles)
    with np.errstate(invalid="ignore"):
        return {
            "pass_filter": (
                alleles.coded("filter", frozenset(PASS_FILTERS), "\0"),
                True,
                "filter_not_pass",
            ),
            "in_panel": (
                panel.spans_coded(chroms.codes, chroms.names, *span),
                True,
                "outside_panel",
            ),
            "covered_ok": (
                covered.spans_coded(chroms.codes, chroms.names, *span) if covered else None,
                covered is not None,
                "bam_depth_below_min",
            ),
            "vaf_ok": (
                (vaf >= settings.min_vaf) & (vaf <= settings.max_vaf),
                settings.vaf_active,
                "vaf_missing_or_out_of_range",
            ),
            "depth_ok": (
                depth >= settings.min_depth,
                settings.min_depth > 0,
                "depth_missing_or_below_min",
            ),
            "alt_reads_ok": (
                alt >= settings.min_alt,
                settings.min_alt > 0,
                "alt_reads_missing_or_below_min",
            ),
            "population_ok": (
                _at_most(pop, settings.max_pop_af),
                settings.population_active,
                "population_af_above_max",
            ),
            "consequence_ok": (
                alleles.coded("consequences", settings.counted_consequences, "&"),
                True,
                "consequence_not_counted",
            ),
            "hotspot_ok": (
                ~hotspot_match(hotspots, alleles, chroms) if hotspots else None,
                hotspots is not None,
                "hotspot",
            ),
            "cosmic_ok": (
                _at_most(cosmic, settings.max_cosmic or 0),
                settings.max_cosmic is not None,
                "cosmic_count_above_max",
            ),
            "ch_ok": (
                ~alleles.coded("genes", frozenset(settings.ch_genes), ","),
                settings.exclude_ch,
                "clonal_haematopoiesis_gene",
            ),
        }


def affected_span(alleles: AlleleTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """0-based ``(start, end, within)`` of the reference bases each allele changes, the rule
    of bcftools ``--targets-overlap variant``: a deletion (REF longer, same first base) spans
    its deleted bases only, so one anchored 1 bp before an exon is in it; an insertion (ALT
    longer, same first base) is in a region only when both bases around the insertion point
    are (``within``); any other allele spans its REF."""
    c = alleles.columns
    pos, ref_len = c["pos"], c["ref_end"] - c["ref_start"]
    alt_len = c["alt_end"] - c["alt_start"]
    same_first = np.zeros(len(pos), dtype=bool)
    indel = np.flatnonzero((ref_len != alt_len) & (ref_len > 0) & (alt_len > 0))
    if len(indel):
        ref = np.frombuffer(alleles.ref_text, np.uint8)
        alt = np.frombuffer(alleles.alt_text, np.uint8)
        same_first[indel] = ref[c["ref_start"][indel]] == alt[c["alt_start"][indel]]
    deletion = same_first & (ref_len > alt_len)
    insertion = same_first & (alt_len > ref_len)
    start = pos - 1 + np.where(deletion, alt_len, 0) + np.where(insertion, ref_len - 1, 0)
    end = np.where(insertion, start + 2, pos - 1 + ref_len)
    return start, end, insertion


def _at_most(values: np.ndarray, limit: float) -> np.ndarray:
    """values <= limit, a missing value (NaN) counting as 0."""
    return ~(values > limit) if limit >= 0 else values <= limit


def repeats(alleles: AlleleTable, eligible: np.ndarray, counted_keys: set) -> np.ndarray:
    """True for eligible alleles whose CHROM:POS:REF:ALT was counted before (earlier chunk or
    row). Keys of the alleles counted here are added to ``counted_keys``."""
    rows = np.flatnonzero(eligible)
    keys = alleles.keys(rows)
    first = dict.fromkeys(keys)  # distinct keys in order of first occurrence
    repeat = np.zeros(len(eligible), dtype=bool)
    if len(first) < len(keys) or not counted_keys.isdisjoint(first):
        position = dict(zip(first, range(len(first))))
        ids = np.fromiter(map(position.__getitem__, keys), np.int64, len(keys))
        earlier = np.fromiter(map(counted_keys.__contains__, first), bool, len(first))
        first_row = np.zeros(len(keys), dtype=bool)
        first_row[np.unique(ids, return_index=True)[1]] = True
        repeat[rows] = earlier[ids] | ~first_row
    counted_keys.update(first)
    return repeat


def _reasons(failed: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Codes into the ``;``-joined names of the failing filters (bit j = ``names[j]``)."""
    present = np.flatnonzero(np.bincount(failed, minlength=1 << len(names)))
    lookup = np.zeros(1 << len(names), dtype=np.int32)
    lookup[present] = np.arange(len(present), dtype=np.int32)
    texts = [
        ";".join(name for j, name in enumerate(names) if code >> j & 1) or "counted"
        for code in present
    ]
    return lookup[failed], texts


@dataclass
class Trace:
    """Trace rows: the allele table, one outcome per filter (1 pass, 0 fail, NA = -1 when
    switched off), counted (1/0) and the reason (codes into ``reasons``)."""

    alleles: AlleleTable
    outcomes: dict
    counted: np.ndarray
    reason: np.ndarray
    reasons: list

    def __len__(self) -> int:
        return len(self.counted)


def judge_alleles(
    alleles,
    settings: FilterSettings,
    panel: RegionIndex,
    covered: RegionIndex | None = None,
    hotspots: Hotspots | None = None,
    memory: ChunkMemory | None = None,
):
    """The Trace of ``alleles`` (an AlleleTable; or a pandas DataFrame with the
    ALLELE_COLUMNS, then a DataFrame is returned, see trace_frame). ``memory`` carries what
    the earlier chunks of the same VCF leave (ChunkMemory) and is updated here; None: this
    chunk is the whole VCF."""
    frame = not isinstance(alleles, AlleleTable)
    table = AlleleTable.from_frame(alleles) if frame else alleles
    memory = ChunkMemory() if memory is None else memory
    n = len(table)
    outcomes: dict = {}
    names: list[str] = []
    eligible, failed = np.ones(n, dtype=bool), np.zeros(n, dtype=np.int64)
    for column, (ok, active, reason) in _checks(table, settings, panel, covered, hotspots).items():
        if not active:
            outcomes[column] = np.full(n, NA, np.int8)
            continue
        ok = np.ascontiguousarray(ok, dtype=bool)
        outcomes[column] = ok.view(np.int8)  # 1 pass, 0 fail
        eligible &= ok
        failed |= np.left_shift(~ok, len(names), dtype=np.int64)
        names.append(reason)
    repeat = repeats(table, eligible, memory.counted_keys)
    outcomes["unique_ok"] = (~repeat).view(np.int8)
    failed |= np.left_shift(repeat, len(names), dtype=np.int64)
    counted = eligible & ~repeat
    names.append(DUPLICATE_REASON)
    if settings.mnv_vaf_tolerance >= 0:
        joined = continuations(table, counted, settings.mnv_vaf_tolerance, memory.last_snv)
        outcomes["mnv_ok"] = (~joined).view(np.int8)
        failed |= np.left_shift(joined, len(names), dtype=np.int64)
        names.append(MNV_REASON)
        counted &= ~joined
    else:
        outcomes["mnv_ok"] = np.full(n, NA, np.int8)
    codes, texts = _reasons(failed, names)
    trace = Trace(table, outcomes, counted.view(np.int8), codes, texts)
    return trace_frame(trace) if frame else trace


def trace_frame(trace: Trace):
    """pandas copy of a trace: 1/0/NA outcomes as nullable Int64, reasons as str."""
    import pandas as pd

    frame = trace.alleles.to_frame()
    for column in OUTCOME_COLUMNS + ["counted"]:
        values = trace.outcomes[column] if column != "counted" else trace.counted
        frame[column] = pd.arrays.IntegerArray(values.astype(np.int64), values == NA)
    frame["reason"] = [trace.reasons[code] for code in trace.reason]
    return frame
