"""The allele filter rules of tmb-calc without numpy: settings with their sources, trace
columns, the hotspot list (tmb.filters applies them to allele tables with numpy, tmb.rowwise
row by row for a panel-sized VCF; both give the same trace).

Defaults follow Illumina TSO500/DRAGEN TMB, FoundationOne CDx (Chalmers et al. 2017,
Genome Med 9:34) and the Friends of Cancer Research harmonisation (Merino et al. 2020, JITC
8:e000147; Vega et al. 2021, Ann Oncol 32:1626).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tmb.allele_columns import ALLELE_COLUMNS
from tmb.mnv import MNV_VAF_TOLERANCE, LastSnv

# Sequence Ontology terms that change the protein (FoCR harmonisation; TSO500 "nonsynonymous").
NONSYNONYMOUS = (
    "missense_variant",
    "stop_gained",
    "stop_lost",
    "start_lost",
    "frameshift_variant",
    "inframe_insertion",
    "inframe_deletion",
    "protein_altering_variant",
    "splice_acceptor_variant",
    "splice_donor_variant",
    # snpEff spellings of in-frame indels (snpEff manual, "Effect prediction details")
    "conservative_inframe_insertion",
    "disruptive_inframe_insertion",
    "conservative_inframe_deletion",
    "disruptive_inframe_deletion",
)
# Synonymous coding terms added by all_coding mode (F1CDx counts synonymous; Chalmers 2017)
SYNONYMOUS = ("synonymous_variant", "stop_retained_variant", "start_retained_variant")
CH_GENES = (
    "ASXL1",
    "DNMT3A",
    "PPM1D",
    "TET2",
)  # clonal haematopoiesis genes (Jaiswal 2014 NEJM; issue 3)
MODES = ("nonsynonymous", "all_coding")
PASS_FILTERS = ("PASS", ".")  # FILTER values meaning the caller's filters passed
OUTCOME_COLUMNS = [
    "pass_filter",
    "in_panel",
    "covered_ok",
    "vaf_ok",
    "depth_ok",
    "alt_reads_ok",
    "population_ok",
    "consequence_ok",
    "hotspot_ok",
    "cosmic_ok",
    "ch_ok",
    "unique_ok",
    "mnv_ok",
]
TRACE_COLUMNS = ALLELE_COLUMNS + OUTCOME_COLUMNS + ["counted", "reason"]
NA = -1  # an outcome of a filter switched off
DUPLICATE_REASON = "duplicate_allele"


@dataclass(frozen=True)
class FilterSettings:
    """Thresholds of the allele filters; every default has its source beside it."""

    min_vaf: float = 0.05  # TSO500/DRAGEN TMB default VAF >= 5 %
    max_vaf: float = 0.9  # above 90 % likely germline homozygous (DRAGEN TMB germline filter)
    min_depth: int = 50  # TSO500 TMB minimum coverage 50x
    min_alt: int = 3  # FoCR harmonisation: >= 3 supporting reads
    max_pop_af: float = 0.001  # gnomAD AF <= 0.1 % treated as non-germline (FoCR; Vega 2021)
    mode: str = "nonsynonymous"  # FoCR harmonised definition
    nonsynonymous: tuple = NONSYNONYMOUS
    synonymous: tuple = SYNONYMOUS
    exclude_ch: bool = False  # off by default (not part of TSO500/F1CDx TMB)
    ch_genes: tuple = CH_GENES
    max_cosmic: float | None = None  # no COSMIC exclusion unless asked (TSO500 excludes hotspots)
    mnv_vaf_tolerance: float = MNV_VAF_TOLERANCE  # adjacent SNVs as one event (tmb.mnv); < 0 off

    @property
    def counted_consequences(self) -> frozenset:
        extra = self.synonymous if self.mode == "all_coding" else ()
        return frozenset(self.nonsynonymous) | frozenset(extra)

    @property
    def vaf_active(self) -> bool:
        return self.min_vaf > 0 or self.max_vaf < 1

    @property
    def population_active(self) -> bool:
        return self.max_pop_af < 1


@dataclass
class Hotspots:
    """Exclusion list: exact alleles ``chrom:pos:ref:alt``, whole positions, or BED regions."""

    alleles: set = field(default_factory=set)
    positions: set = field(default_factory=set)
    regions: Any = None  # a RegionIndex (tmb.regions or tmb.region_lists)

    def listed_positions(self) -> set[int]:
        """POS of every listed allele or position (any contig)."""
        return {int(key.split(":")[1]) for key in self.alleles | self.positions}

    def lists(self, chrom: str, pos: int, ref: str, alt: str) -> bool:
        """Whether the allele or its position is listed (regions not looked at)."""
        position = f"{chrom}:{pos}"
        return position in self.positions or f"{position}:{ref}:{alt}" in self.alleles


def inactive_filters(settings: FilterSettings, has_bam: bool, has_hotspots: bool) -> set:
    """Trace outcome columns that are NA because their filter is switched off."""
    switched_off = {
        "covered_ok": not has_bam,
        "vaf_ok": not settings.vaf_active,
        "depth_ok": settings.min_depth <= 0,
        "alt_reads_ok": settings.min_alt <= 0,
        "population_ok": not settings.population_active,
        "hotspot_ok": not has_hotspots,
        "cosmic_ok": settings.max_cosmic is None,
        "ch_ok": not settings.exclude_ch,
        "mnv_ok": settings.mnv_vaf_tolerance < 0,
    }
    return {column for column, off in switched_off.items() if off}


@dataclass
class ChunkMemory:
    """What the chunks judged so far leave for the next one of the same VCF: the
    CHROM:POS:REF:ALT keys already counted (a repeated allele counts once across the whole
    VCF) and the last counted SNV (the MNV rule, tmb.mnv)."""

    counted_keys: set = field(default_factory=set)
    last_snv: LastSnv = field(default_factory=LastSnv)
