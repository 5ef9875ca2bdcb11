"""The filters of tmb.filters applied allele by allele, without numpy: tmb-calc's path for a
panel-sized VCF (docs/tmb.md, "Start-up").

Importing numpy costs 0.13-0.17 CPU s, most of a 2,000-record run; judging 2,000 alleles in
plain Python costs a few milliseconds. So a VCF below ``tmb.command.ROWWISE_MAX_BYTES`` is
read by the same compiled reader (tmb/_vcfcore.c, columns viewed as memoryviews), judged
here with the rules of tmb.rules (same order, same reasons, same trace lines through the
compiled trace writer), and validated with the same schema checks (tmb.outputs.check_trace).
Larger VCFs take the numpy path, which is faster per allele. tests/unit/test_tmb_rowwise.py
checks both paths give byte-identical summaries and traces.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from dataclasses import dataclass, field
from functools import partial

from tmb import core
from tmb.allele_columns import TYPECODES, VAF_SOURCES, CodedColumns, decode, record_fields
from tmb.burden import DRIVER_COLUMNS, FAILURE_COLUMNS
from tmb.mnv import MNV_REASON, LastSnv, one_haplotype, phase_of
from tmb.rules import DUPLICATE_REASON, NA, OUTCOME_COLUMNS, PASS_FILTERS, FilterSettings

REASONS = {  # trace outcome column -> reason when it fails (tmb.filters._checks, same order)
    "pass_filter": "filter_not_pass",
    "in_panel": "outside_panel",
    "covered_ok": "bam_depth_below_min",
    "vaf_ok": "vaf_missing_or_out_of_range",
    "depth_ok": "depth_missing_or_below_min",
    "alt_reads_ok": "alt_reads_missing_or_below_min",
    "population_ok": "population_af_above_max",
    "consequence_ok": "consequence_not_counted",
    "hotspot_ok": "hotspot",
    "cosmic_ok": "cosmic_count_above_max",
    "ch_ok": "clonal_haematopoiesis_gene",
    "unique_ok": DUPLICATE_REASON,
    "mnv_ok": MNV_REASON,
}


@dataclass
class RowTable(CodedColumns):
    """One block of the compiled reader: columns as memoryviews (tmb.allele_columns)."""

    text: bytes
    buffers: dict  # column -> bytes, as the reader returns them
    tables: dict  # coded column -> list of bytes
    sample_field: int
    columns: dict = field(init=False)
    _names: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.columns = {
            n: memoryview(b).cast(TYPECODES[n])  # type: ignore[call-overload]
            for n, b in self.buffers.items()
        }

    def text_of(self, name: str, row: int) -> str:
        """REF or ALT of ``row``."""
        c = self.columns
        return decode(self.text[c[f"{name}_start"][row] : c[f"{name}_end"][row]])

    def has(self, column: str, row: int, terms: frozenset, sep: str) -> bool:
        """Whether the ``sep``-joined text of coded ``column`` holds one of ``terms``."""
        code = self.columns[column][row]
        return code >= 0 and not terms.isdisjoint(self.names(column)[code].split(sep))

    def record_fields(self, row: int) -> dict:
        return record_fields(self.text, self.columns["ref_start"][row], self.sample_field)

    def buffer_tuple(self) -> tuple:
        return tuple(self.buffers[name] for name in core.module().COLUMNS)

    def table_tuple(self) -> tuple:
        return tuple(self.tables[name] for name in core.module().TABLES)


def affected_span(table: RowTable, row: int) -> tuple[int, int, bool]:
    """0-based (start, end, within) of the reference bases ``row`` changes
    (tmb.filters.affected_span for one allele)."""
    c, text = table.columns, table.text
    pos, ref_len = c["pos"][row], c["ref_end"][row] - c["ref_start"][row]
    alt_len = c["alt_end"][row] - c["alt_start"][row]
    same_first = (
        ref_len != alt_len
        and ref_len > 0
        and alt_len > 0
        and text[c["ref_start"][row]] == text[c["alt_start"][row]]
    )
    if same_first and ref_len > alt_len:
        return pos - 1 + alt_len, pos - 1 + ref_len, False
    if same_first and alt_len > ref_len:
        start = pos - 1 + ref_len - 1
        return start, start + 2, True
    return pos - 1, pos - 1 + ref_len, False


@dataclass(frozen=True)
class BlockRules:
    """The settings turned into look-ups for one block: per code of the coded columns,
    whether its text passes (tmb.alleles.AlleleTable.coded; index -1, missing: False)."""

    settings: FilterSettings
    panel: object  # tmb.region_lists.RegionIndex
    hotspots: object  # tmb.rules.Hotspots or None
    positions: set  # the hotspot list's listed positions
    passing: list
    consequence: list
    ch_gene: list

    @classmethod
    def of(cls, table: RowTable, settings: FilterSettings, panel, hotspots) -> BlockRules:
        def lookup(column: str, terms, sep: str) -> list:
            names = table.names(column)
            return [not frozenset(terms).isdisjoint(t.split(sep)) for t in names] + [False]

        return cls(
            settings,
            panel,
            hotspots,
            hotspots.listed_positions() if hotspots is not None else set(),
            lookup("filter", PASS_FILTERS, "\0"),
            lookup("consequences", settings.counted_consequences, "&"),
            lookup("genes", settings.ch_genes, ","),
        )

    def listed(self, table: RowTable, row: int, chrom: str, pos: int) -> bool:
        """Whether the allele is a listed hotspot (allele, position or region)."""
        spots = self.hotspots
        if spots is None:
            return False
        if pos in self.positions and spots.lists(  # type: ignore[attr-defined]
            chrom, pos, table.text_of("ref", row), table.text_of("alt", row)
        ):
            return True
        regions = spots.regions  # type: ignore[attr-defined]
        return regions is not None and regions.contains(chrom, pos - 1)


def _at_most(values, limit: float) -> list:
    """value <= limit for each, a missing value (NaN) counting as 0 (tmb.filters._at_most)."""
    return [not v > limit for v in values] if limit >= 0 else [v <= limit for v in values]


def outcome_columns(table: RowTable, rules: BlockRules) -> dict:
    """Pass (True) or fail of every filter before the duplicate and MNV rules, per column
    (tmb.filters._checks, same order)."""
    c, settings, panel = table.columns, rules.settings, rules.panel
    names = table.names("chrom")
    chroms = [names[k] for k in c["chrom"]]
    spans = [affected_span(table, row) for row in range(len(table))]
    low, high = settings.min_vaf, settings.max_vaf
    return {
        "pass_filter": [rules.passing[k] for k in c["filter"]],
        "in_panel": [panel.spans(chrom, *span) for chrom, span in zip(chroms, spans)],  # type: ignore[attr-defined]
        "vaf_ok": [low <= v <= high for v in c["vaf"]],
        "depth_ok": [v >= settings.min_depth for v in c["depth"]],
        "alt_reads_ok": [v >= settings.min_alt for v in c["alt_reads"]],
        "population_ok": _at_most(c["population_af"], settings.max_pop_af),
        "consequence_ok": [rules.consequence[k] for k in c["consequences"]],
        "hotspot_ok": [
            not rules.listed(table, row, chrom, pos)
            for row, (chrom, pos) in enumerate(zip(chroms, c["pos"]))
        ],
        "cosmic_ok": _at_most(c["cosmic_count"], settings.max_cosmic or 0),
        "ch_ok": [not rules.ch_gene[k] for k in c["genes"]],
    }


@dataclass
class RowTrace:
    """Trace rows of one block: flags (rows x OUTCOME_COLUMNS + counted, int8, -1 = NA),
    reason codes into ``reasons``, and the counts of tmb.burden.Tally."""

    table: RowTable
    flags: bytearray
    reason: array
    reasons: list
    failed: dict
    counted: int = 0
    driver: int = 0


def judge_rows(
    table: RowTable, settings: FilterSettings, panel, hotspots, inactive: set, memory
) -> RowTrace:
    """The trace of a block, as tmb.filters.judge_alleles gives it (``memory``: a
    tmb.filters-compatible ChunkMemory with counted_keys and last_snv)."""
    n = len(table)
    columns = outcome_columns(table, BlockRules.of(table, settings, panel, hotspots))
    active = [col for col in columns if col not in inactive]
    eligible = list(map(all, zip(*(columns[col] for col in active)))) if active else [True] * n
    rows = array("q", (row for row in range(n) if eligible[row]))
    keys = core.module().keys(
        rows, table.text, table.text, table.buffer_tuple(), table.table_tuple()
    )
    seen, repeat = memory.counted_keys, set()
    for row, key in zip(rows, keys):
        if key in seen:
            repeat.add(row)
        seen.add(key)
    columns["unique_ok"] = [row not in repeat for row in range(n)]
    counted = [e and u for e, u in zip(eligible, columns["unique_ok"])]
    joined = (
        continuations(table, counted, settings.mnv_vaf_tolerance, memory.last_snv)
        if settings.mnv_vaf_tolerance >= 0
        else set()
    )
    columns["mnv_ok"] = [row not in joined for row in range(n)]
    shown = [col for col in OUTCOME_COLUMNS if col not in inactive]
    rows_seen = list(zip(*(columns[col] for col in shown), counted))
    kinds = {kind: _RowKind.of(kind, shown, inactive) for kind in set(rows_seen)}
    codes = {
        text: code for code, text in enumerate(dict.fromkeys(k.reason for k in kinds.values()))
    }
    trace = RowTrace(
        table,
        bytearray(b"".join(kinds[kind].flags for kind in rows_seen)),
        array("i", (codes[kinds[kind].reason] for kind in rows_seen)),
        list(codes),
        dict.fromkeys(OUTCOME_COLUMNS, 0),
    )
    for kind, times in Counter(rows_seen).items():
        for column in kinds[kind].failing:
            trace.failed[column] += times
        trace.driver += times * kinds[kind].driver_only
        trace.counted += times * kinds[kind].counted
    return trace


@dataclass(frozen=True)
class _RowKind:
    """What one combination of outcomes (shown columns, then eligible-and-unique) writes."""

    flags: bytes  # OUTCOME_COLUMNS (NA = -1 when switched off), then counted
    reason: str
    failing: tuple
    driver_only: bool  # fails a driver exclusion only (tmb.burden.driver_excluded)
    counted: bool

    @classmethod
    def of(cls, kind: tuple, shown: list, inactive: set) -> _RowKind:
        outcome = dict(zip(shown, kind))
        counted = bool(kind[-1]) and outcome.get("mnv_ok", True)
        flags = [NA & 0xFF if c in inactive else int(outcome[c]) for c in OUTCOME_COLUMNS]
        failing = tuple(c for c in shown if not outcome[c])
        others = [c for c in shown if c in FAILURE_COLUMNS and c not in ("unique_ok", "mnv_ok")]
        driver = any(c in DRIVER_COLUMNS for c in failing)
        driver_only = driver and all(outcome[c] for c in others if c not in DRIVER_COLUMNS)
        return cls(
            bytes(flags + [int(counted)]),
            ";".join(REASONS[c] for c in failing) or "counted",
            failing,
            driver_only,
            counted,
        )


def continuations(table: RowTable, counted: list, tolerance: float, last: LastSnv) -> set:
    """Rows of counted SNVs continuing the previous counted SNV (tmb.mnv.continuations)."""
    c, names, out = table.columns, table.names("chrom"), set()
    previous: tuple | None = None  # (chrom, pos, vaf, is_snv, row): previous counted allele
    if last.chrom is not None:
        previous = (last.chrom, last.pos, last.vaf, True, None)
    final = None
    for row in (r for r in range(len(counted)) if counted[r]):
        snv = (
            c["ref_end"][row] - c["ref_start"][row] == 1 == c["alt_end"][row] - c["alt_start"][row]
        )
        chrom, pos, vaf = names[c["chrom"][row]], c["pos"][row], c["vaf"][row]
        if previous and snv and previous[3] and chrom == previous[0] and pos == previous[1] + 1:
            before = last.phase if previous[4] is None else phase_of(table, previous[4])
            if one_haplotype(before, phase_of(table, row), abs(vaf - previous[2]) <= tolerance):
                out.add(row)
        previous, final = (chrom, pos, vaf, snv, row), row
    if final is not None and previous is not None and previous[3]:
        last.chrom, last.pos, last.vaf = previous[0], previous[1], previous[2]
        last.phase = phase_of(table, final)
    elif final is not None:
        last.chrom, last.pos, last.vaf, last.phase = None, -2, math.nan, None
    return out


def trace_lines(trace: RowTrace, prefix: bytes) -> bytes:
    table = trace.table
    return core.module().format_trace(
        prefix,
        table.text,
        table.text,
        table.buffer_tuple(),
        table.table_tuple(),
        trace.flags,
        len(OUTCOME_COLUMNS) + 1,
        trace.reason,
        [text.encode() for text in trace.reasons],
    )


def numbers_of(trace: RowTrace, column: str, types: set, spec: dict) -> tuple[list, bool]:
    """tmb.outputs._trace_numbers of a RowTrace: the values standing for a numeric column
    (distinct flags; extremes of numbers checked for bounds only) and whether one is missing."""
    width = len(OUTCOME_COLUMNS) + 1
    if column in OUTCOME_COLUMNS or column == "counted":
        k = width - 1 if column == "counted" else OUTCOME_COLUMNS.index(column)
        values = {v - 256 if v > 127 else v for v in trace.flags[k::width]}
        return sorted(float(v) for v in values if v != NA), NA in values
    values = trace.table.columns[column]
    if TYPECODES[column] != "d":
        return ([min(values), max(values)] if "enum" not in spec else list(values)), False
    present = [v for v in values if v == v]
    missing = "null" not in types and len(present) < len(values)
    if types & {"integer", "boolean"} or "enum" in spec or not present:
        return present, missing
    return [min(present), max(present)], missing


def texts_of(trace: RowTrace, column: str) -> list:
    """The distinct texts of a text column of a RowTrace (None for missing)."""
    if column == "reason":
        return list(trace.reasons)
    if column in ("ref", "alt"):
        return [""]
    codes = sorted(set(trace.table.columns[column]))
    names = list(VAF_SOURCES) if column == "vaf_source" else trace.table.names(column)
    return [names[code] if code >= 0 else None for code in codes]


def judge_blocks(plan, options, settings, panel, hotspots, out, inactive: set) -> None:
    """Judge every block of the VCF row by row, appending to ``out`` (tmb.command.Streamed);
    an empty VCF still gives the trace header."""
    from tmb import outputs, vcf_io

    sample_field, writer, blocks = core.FIRST_SAMPLE + plan.column, out.writer, 0
    for records, text, columns, tables in vcf_io.iter_blocks(
        plan, options.chunk_records, presence=out.presence
    ):
        table = RowTable(text, columns, tables, sample_field)
        trace = judge_rows(table, settings, panel, hotspots, inactive, out.memory)
        out.tally.add_counts(records, len(table), trace.counted, trace.driver, trace.failed)
        out.presence.annotated_alleles += sum(c >= 0 for c in table.columns["consequences"])
        out.contigs.update(table.names("chrom")[c] for c in set(table.columns["chrom"]))
        outputs.check_trace(
            writer.schema,
            writer.constants,
            len(table),
            partial(numbers_of, trace),
            partial(texts_of, trace),
        )
        writer.write_lines(len(table), partial(trace_lines, trace, writer.prefix))
        blocks += 1
    if not blocks:
        outputs.check_trace(writer.schema, writer.constants, 0, None, None)
        writer.write_lines(0, bytes)
