"""Which ALT alleles count towards TMB (pure: DataFrames in, DataFrames out).

An allele counts iff every active filter passes: FILTER is PASS (or ``.``); its start
(POS - 1, 0-based) lies in the merged panel (intersected with the coding BED if given) and,
when a BAM is given, in the positions covered at >= min_depth; tumour VAF in
[min_vaf, max_vaf]; tumour depth >= min_depth; alt reads >= min_alt; largest population allele
frequency <= max_pop_af (missing = 0); at least one transcript carries a counted consequence;
not a listed hotspot, not above the COSMIC count limit, not in a clonal-haematopoiesis gene;
and its CHROM:POS:REF:ALT was not counted before. A filter switched off is NA in the trace.
Defaults follow Illumina TSO500/DRAGEN TMB, FoundationOne CDx (Chalmers et al. 2017,
Genome Med 9:34) and the Friends of Cancer Research harmonisation (Merino et al. 2020, JITC
8:e000147; Vega et al. 2021, Ann Oncol 32:1626).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tmb.regions import RegionIndex

# Sequence Ontology terms that change the protein (FoCR harmonisation; TSO500 "nonsynonymous").
NONSYNONYMOUS = ("missense_variant", "stop_gained", "stop_lost", "start_lost",
                 "frameshift_variant", "inframe_insertion", "inframe_deletion",
                 "protein_altering_variant", "splice_acceptor_variant", "splice_donor_variant",
                 # snpEff spellings of in-frame indels (snpEff manual, "Effect prediction details")
                 "conservative_inframe_insertion", "disruptive_inframe_insertion",
                 "conservative_inframe_deletion", "disruptive_inframe_deletion")
# Synonymous coding terms added by all_coding mode (F1CDx counts synonymous; Chalmers 2017)
SYNONYMOUS = ("synonymous_variant", "stop_retained_variant", "start_retained_variant")
CH_GENES = ("ASXL1", "DNMT3A", "PPM1D", "TET2")  # clonal haematopoiesis genes (Jaiswal 2014 NEJM; issue 3)
MODES = ("nonsynonymous", "all_coding")


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
    regions: RegionIndex | None = None

    def match(self, alleles: pd.DataFrame, keys: pd.Series) -> np.ndarray:
        pos_keys = alleles["chrom"].astype(str) + ":" + alleles["pos"].astype(str)
        hit = keys.isin(self.alleles).to_numpy() | pos_keys.isin(self.positions).to_numpy()
        if self.regions is not None:
            hit |= self.regions.contains(alleles["chrom"], alleles["pos"] - 1)
        return hit


def inactive_filters(settings: FilterSettings, has_bam: bool, has_hotspots: bool) -> set:
    """Trace outcome columns that are NA because their filter is switched off."""
    switched_off = {"covered_ok": not has_bam, "vaf_ok": not settings.vaf_active,
                    "depth_ok": settings.min_depth <= 0, "alt_reads_ok": settings.min_alt <= 0,
                    "population_ok": not settings.population_active,
                    "hotspot_ok": not has_hotspots, "cosmic_ok": settings.max_cosmic is None,
                    "ch_ok": not settings.exclude_ch}
    return {column for column, off in switched_off.items() if off}


def _outcome(ok: np.ndarray, active: bool) -> pd.Series:
    """1/0 per allele, or NA everywhere when the filter is switched off."""
    if not active:
        return pd.Series(pd.NA, index=range(len(ok)), dtype="Int64")
    return pd.Series(np.asarray(ok, dtype=np.int64), dtype="Int64")


def _has_term(values: pd.Series, terms: frozenset, sep: str) -> np.ndarray:
    return np.array([bool(v) and not terms.isdisjoint(v.split(sep)) for v in values], dtype=bool)


def allele_keys(alleles: pd.DataFrame) -> pd.Series:
    """``CHROM:POS:REF:ALT`` of each allele (the duplicate-counting key)."""
    return (alleles["chrom"].astype(str) + ":" + alleles["pos"].astype(str) + ":"
            + alleles["ref"].astype(str) + ":" + alleles["alt"].astype(str))


def _checks(alleles, settings, panel, covered, hotspots, keys) -> dict:
    """(passes, active, reason-if-fails) per filter, in trace column order."""
    vaf, depth, alt = (alleles[c].to_numpy(float) for c in ("vaf", "depth", "alt_reads"))
    pop = np.nan_to_num(alleles["population_af"].to_numpy(float), nan=0.0)  # missing = 0
    cosmic = np.nan_to_num(alleles["cosmic_count"].to_numpy(float), nan=0.0)  # absent = 0
    start0 = alleles["pos"].to_numpy(np.int64) - 1
    with np.errstate(invalid="ignore"):
        return {
            "pass_filter": (alleles["filter"].isin(["PASS", "."]).to_numpy(), True, "filter_not_pass"),
            "in_panel": (panel.contains(alleles["chrom"], start0), True, "outside_panel"),
            "covered_ok": (covered.contains(alleles["chrom"], start0) if covered else None,
                           covered is not None, "bam_depth_below_min"),
            "vaf_ok": ((vaf >= settings.min_vaf) & (vaf <= settings.max_vaf),
                       settings.vaf_active, "vaf_missing_or_out_of_range"),
            "depth_ok": (depth >= settings.min_depth, settings.min_depth > 0,
                         "depth_missing_or_below_min"),
            "alt_reads_ok": (alt >= settings.min_alt, settings.min_alt > 0,
                             "alt_reads_missing_or_below_min"),
            "population_ok": (pop <= settings.max_pop_af, settings.population_active,
                              "population_af_above_max"),
            "consequence_ok": (_has_term(alleles["consequences"], settings.counted_consequences, "&"),
                               True, "consequence_not_counted"),
            "hotspot_ok": (~hotspots.match(alleles, keys) if hotspots else None,
                           hotspots is not None, "hotspot"),
            "cosmic_ok": (cosmic <= (settings.max_cosmic or 0), settings.max_cosmic is not None,
                          "cosmic_count_above_max"),
            "ch_ok": (~_has_term(alleles["genes"], frozenset(settings.ch_genes), ","),
                      settings.exclude_ch, "clonal_haematopoiesis_gene"),
        }


def judge_alleles(alleles: pd.DataFrame, settings: FilterSettings, panel: RegionIndex,
                  covered: RegionIndex | None = None, hotspots: Hotspots | None = None,
                  counted_keys: set | None = None) -> pd.DataFrame:
    """Trace rows: ``alleles`` plus one 1/0/NA column per filter, ``counted`` and ``reason``.

    ``counted_keys`` holds the CHROM:POS:REF:ALT already counted in earlier chunks; keys
    counted here are added to it (so a repeated allele counts once across the whole VCF).
    """
    alleles = alleles.reset_index(drop=True)
    counted_keys = set() if counted_keys is None else counted_keys
    keys = allele_keys(alleles)
    trace = alleles.copy()
    eligible = np.ones(len(alleles), dtype=bool)
    reasons = pd.Series("", index=alleles.index, dtype=object)
    for column, (ok, active, reason) in _checks(alleles, settings, panel, covered, hotspots, keys).items():
        trace[column] = _outcome(ok if active else np.zeros(len(alleles)), active)
        if active:
            eligible &= ok
            reasons = reasons + np.where(ok, "", reason + ";")
    repeat = eligible & (keys.isin(counted_keys).to_numpy()
                         | (keys.where(eligible).duplicated() & eligible).to_numpy())
    trace["unique_ok"] = _outcome(~repeat, True)
    reasons = reasons + np.where(repeat, "duplicate_allele;", "")
    counted = eligible & ~repeat
    counted_keys.update(keys[counted])
    trace["counted"] = counted.astype(np.int64)
    trace["reason"] = reasons.str.rstrip(";").replace("", "counted")
    return trace
