"""tmb-calc as a library call: options in, the one-row TMB summary out (docs/tmb.md).

Recipe: open the VCF, choose its tumour column and annotation (tmb.vcf_io), build the
denominator (panel, ∩ coding, ∩ BAM coverage: tmb.regions), judge every allele chunk by
chunk (tmb.filters), count (tmb.burden). The per-allele trace is streamed to its file as the
chunks are judged (memory stays flat in VCF size: docs/tmb.md), so its path is an option;
the summary row is returned for the caller to write.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from stereosarc import protocol
from tmb import burden, drivers, io, outputs, region_lists, vcf_io
from tmb import rules as filters  # the rules without numpy (tmb.filters applies them)
from tmb.exceptions import TmbInputError
from tmb.presence import FieldPresence
from tmb.region_lists import BASES_PER_MB

LOG = logging.getLogger("tmb")
# Population-frequency fields looked up in CSQ/ANN sub-fields and INFO (VEP --af_gnomade,
# --af_gnomadg, --max_af, --af; snpEff/SnpSift gnomAD and dbNSFP annotations). INFO/AF never.
POPULATION_FIELDS = (
    "gnomADe_AF",
    "gnomADg_AF",
    "gnomAD_AF",
    "MAX_AF",
    "AF",
    "gnomAD_exomes_AF",
    "gnomAD_genomes_AF",
    "dbNSFP_gnomAD_exomes_AF",
    "dbNSFP_gnomAD_genomes_AF",
)
# The numerator counts coding alleles, so the denominator is coding territory (FoCR, TSO500,
# F1CDx, cBioPortal); a whole-panel BED with intronic/UTR/backbone targets dilutes TMB (issue 15).
NO_TERRITORY = (
    "no coding territory for the denominator: give --coding-bed CDS.bed (panel_mb "
    "= panel ∩ coding) or --panel-is-coding if the panel BED holds coding targets only"
)
BAM_MIN_MAPQ = 20  # as ctdna-count (ctdna.counting.MIN_MAPQ; Phred 20 = 1 % misplacement)
BAM_MIN_BASEQ = 20  # as ctdna-count (ctdna.counting.MIN_BASEQ; Phred 20 = 1 % error)
TERRITORY = {True: "panel_and_coding_bed", False: "panel_declared_coding"}  # summary values
# VCF file size (bytes on disk) up to which tmb-calc judges alleles row by row without numpy
# (tmb.rowwise): a panel VCF of ~2,000 records is 0.2-1 MB; at 2 MiB (~5,000-20,000 records)
# the row-wise judging costs about what importing numpy does (docs/tmb.md, "Start-up").
ROWWISE_MAX_BYTES = 2 << 20


@dataclass(frozen=True)
class TmbOptions:
    """What tmb-calc reads, its filters and its TMB settings; paths as given (text)."""

    vcf: str  # somatic VCF, VEP CSQ or snpEff ANN annotated
    sample: str  # sample id, also the tumour column name looked for
    patient: str
    panel_bed: str  # panel targets (merged; overlaps counted once)
    out_trace: str  # the trace is streamed here while the alleles are judged
    coding_bed: str | None = None  # denominator = panel ∩ coding
    panel_is_coding: bool = False  # the panel BED holds coding targets only
    bam: str | None = None  # denominator restricted to bases with depth >= min_depth
    min_mapq: int = BAM_MIN_MAPQ
    min_baseq: int = BAM_MIN_BASEQ
    filters: filters.FilterSettings = field(default_factory=filters.FilterSettings)  # alleles
    pop_af_fields: tuple[str, ...] = POPULATION_FIELDS
    hotspots: str | None = None  # exclusion list; None: the bundled cancerhotspots v2 list
    no_hotspots: bool = False
    cosmic_field: str | None = None  # None: the first of drivers.COSMIC_FIELDS declared
    max_cosmic: float = drivers.MAX_COSMIC
    no_cosmic: bool = False
    allow_empty_fields: bool = False  # warn instead of refusing a declared but empty field
    tmb_high: float = burden.TMB_HIGH
    calibration: tuple[float, float] | None = None  # SLOPE, INTERCEPT panel-to-WES
    ci_level: float = burden.CI_LEVEL
    warn_panel_mb: float = burden.WARN_PANEL_MB
    refuse_panel_mb: float = burden.REFUSE_PANEL_MB
    force_small_panel: bool = False
    chunk_records: int = vcf_io.CHUNK_RECORDS

    def __post_init__(self) -> None:
        """Refuse bad identifiers and contradictory settings before any file is opened."""
        for name in ("sample", "patient"):
            if not protocol.is_identifier(getattr(self, name)):
                raise TmbInputError(f"--{name} '{getattr(self, name)}' is not a valid identifier")
        if self.no_cosmic and self.cosmic_field:
            raise TmbInputError("--cosmic-field and --no-cosmic contradict each other")
        if not self.coding_bed and not self.panel_is_coding:
            raise TmbInputError(NO_TERRITORY)
        if not 0 <= self.filters.min_vaf <= self.filters.max_vaf:
            raise TmbInputError(
                f"--min-vaf {self.filters.min_vaf} / --max-vaf {self.filters.max_vaf}: "
                "need 0 <= min <= max"
            )


def filter_settings(options: TmbOptions) -> filters.FilterSettings:
    """The allele filters; the COSMIC count filter only when a COSMIC field is in use."""
    return replace(
        options.filters, max_cosmic=options.max_cosmic if options.cosmic_field else None
    )


def coding_territory(panel, coding_bed, kit=region_lists):
    """Panel ∩ coding BED; a coding BED sharing no contig with the panel is a naming error.
    ``kit``: the region module of the path (tmb.region_lists or tmb.regions)."""
    coding = io.read_bed(coding_bed, "coding BED", as_lists=kit is region_lists)
    if not set(coding.chrom) & set(panel.chrom):
        raise TmbInputError(
            f"{coding_bed}: no contig in common with the panel BED (e.g. "
            f"{coding.chrom[0]} vs {panel.chrom[0]}); check chr-prefix naming"
        )
    territory = kit.intersect_regions(panel, coding)
    LOG.info(
        "coding territory: %d of %d panel bases (%s)",
        kit.total_bases(territory),
        kit.total_bases(panel),
        coding_bed,
    )
    return territory


def region_kit(rowwise: bool):
    """The region module of the path: lists (no numpy) or numpy columns."""
    return region_lists if rowwise else importlib.import_module("tmb.regions")


def denominator(
    options: TmbOptions, min_depth: int, vcf_contigs: list[str], rowwise: bool = False
) -> tuple[dict, object, object]:
    """Panel (∩ coding) regions, BAM-covered regions (or None), and their sizes in Mb."""
    kit = region_kit(rowwise)
    bed = io.read_bed(options.panel_bed, "panel BED", as_lists=rowwise)
    io.check_contigs(bed, options.panel_bed, vcf_contigs)
    panel = kit.merge_regions(bed)
    sizes = {
        "panel_bed_mb": kit.total_bases(panel) / BASES_PER_MB,
        "coding_restricted": 0,
        "denominator_territory": TERRITORY[bool(options.coding_bed)],
        "coverage_restricted": 0,
    }
    if options.coding_bed:
        panel = coding_territory(panel, options.coding_bed, kit)
        sizes["coding_restricted"] = 1
    covered = None
    if options.bam:
        pieces = [
            kit.runs_at_or_above(c, s, d, min_depth)
            for c, s, d in io.bam_depth(options.bam, panel, options.min_mapq, options.min_baseq)
        ]
        covered = kit.merge_regions(kit.Regions.concat(pieces))
        sizes["coverage_restricted"] = 1
    sizes["panel_mb"] = kit.total_bases(covered if covered is not None else panel) / BASES_PER_MB
    return sizes, panel, covered


def field_needs(settings: filters.FilterSettings, options: TmbOptions) -> vcf_io.FieldNeeds:
    """The VCF fields the active filters read."""
    return vcf_io.FieldNeeds(
        vaf=settings.vaf_active,
        depth=settings.min_depth > 0,
        alt_reads=settings.min_alt > 0,
        population=settings.population_active,
        population_fields=tuple(options.pop_af_fields),
        cosmic_field=options.cosmic_field,
    )


def check_variant_contigs(contigs: set, panel, options: TmbOptions) -> None:
    """Variants exist but none lies on a panel contig: a naming mismatch, not a TMB of 0."""
    if contigs and not contigs & panel.contigs:
        shown = ", ".join(sorted(contigs)[:3])
        raise TmbInputError(
            f"{options.vcf}: none of its variant contigs ({shown}) is in the "
            f"panel BED {options.panel_bed}; check chr-prefix naming"
        )


def check_presence(presence: FieldPresence, plan, options: TmbOptions) -> None:
    """Refuse (or warn, with allow_empty_fields) when a field an active filter reads is
    declared but empty in every record."""
    message = presence.message(options.vcf, plan.layout.tag)
    if message and not options.allow_empty_fields:
        raise TmbInputError(message)
    if message:
        LOG.warning("%s", message)


@dataclass
class Streamed:
    """What judging the chunks accumulates: counts, what the next chunk needs to know, the
    values found per field, the trace file and the contigs of the alleles."""

    tally: burden.Tally
    memory: filters.ChunkMemory
    presence: FieldPresence
    writer: outputs.TraceWriter
    contigs: set = field(default_factory=set)


def numpy_chunks(plan, options: TmbOptions, settings, panel, covered, hotspots, out: Streamed):
    """Judge the VCF as numpy allele tables (tmb.filters), appending to ``out``."""
    from tmb.filters import judge_alleles

    for n_records, alleles in vcf_io.iter_allele_chunks(
        None, plan, options.chunk_records, presence=out.presence
    ):
        trace = judge_alleles(alleles, settings, panel, covered, hotspots, out.memory)
        out.tally.add(n_records, trace)
        out.presence.annotated_alleles += int((alleles.columns["consequences"] >= 0).sum())
        out.contigs.update(alleles.contigs())
        out.writer.write(trace)


def stream_trace(
    vcf, plan, options: TmbOptions, settings, panel, covered, hotspots, rowwise: bool = False
) -> tuple[burden.Tally, FieldPresence]:
    """Judge every allele chunk by chunk (row by row without numpy when ``rowwise``), append
    it to the trace; return the tally and the values found per field."""
    inactive = filters.inactive_filters(settings, covered is not None, hotspots is not None)
    out = Streamed(
        burden.Tally(inactive),
        filters.ChunkMemory(),
        FieldPresence.of(plan, field_needs(settings, options)),
        outputs.TraceWriter(
            options.out_trace, {"patient": options.patient, "sample": options.sample}
        ),
    )
    try:
        if rowwise:
            from tmb.rowwise import judge_blocks

            judge_blocks(plan, options, settings, panel, hotspots, out, inactive)
        else:
            numpy_chunks(plan, options, settings, panel, covered, hotspots, out)
        check_variant_contigs(out.contigs, panel, options)
        check_presence(out.presence, plan, options)
        out.writer.close()
    except BaseException:
        out.writer.abort()
        raise
    return out.tally, out.presence


def use_rowwise(options: TmbOptions) -> bool:
    """The numpy-free path: no BAM denominator and a VCF of at most ROWWISE_MAX_BYTES."""
    path = Path(options.vcf)
    return not options.bam and path.is_file() and path.stat().st_size <= ROWWISE_MAX_BYTES


def open_header(options: TmbOptions) -> tuple[Any, bool]:
    """The VCF's header reader and whether the row-wise path runs: it needs contigs in the
    header (cyvcf2 names them from the index otherwise; that path keeps its rule)."""
    rowwise = use_rowwise(options)
    vcf = vcf_io.open_vcf(options.vcf, header_only=rowwise)
    if rowwise and not vcf.seqnames:
        return vcf_io.open_vcf(options.vcf), False
    return vcf, rowwise


def summary_row(
    options: TmbOptions,
    settings: filters.FilterSettings,
    plan,
    sizes: dict,
    small: bool,
    counts: dict,
    empty_fields: str | None = None,
) -> dict:
    """The one-row summary: required columns first, then settings, denominator and counts."""
    estimate = burden.tmb_estimate(
        counts["variants_counted"],
        sizes["panel_mb"],
        options.tmb_high,
        options.calibration,
        options.ci_level,
    )
    return {
        "patient": options.patient,
        "sample": options.sample,
        "variants_counted": counts["variants_counted"],
        "panel_mb": sizes["panel_mb"],
        **estimate,
        "ci_level": options.ci_level,
        "tmb_high_cutoff": options.tmb_high,
        "mode": settings.mode,
        "annotation": plan.layout.tag,
        "caller": plan.caller,
        "vcf_sample": plan.sample_name,
        **sizes,
        "small_panel": int(small),
        "empty_fields": empty_fields,
        **counts,
    }


def tmb_sample(options: TmbOptions) -> dict:
    """The tmb summary row of one tumour sample; the trace is written to options.out_trace."""
    vcf, rowwise = open_header(options)
    try:
        options = replace(options, cosmic_field=drivers.cosmic_field(vcf, options))
        settings = filter_settings(options)
        plan = vcf_io.plan_reading(
            vcf, options.vcf, options.sample, field_needs(settings, options)
        )
        LOG.info(
            "%s: tumour column '%s', annotation %s",
            options.vcf,
            plan.sample_name,
            plan.layout.tag,
        )
        sizes, panel, covered = denominator(
            options, settings.min_depth, list(vcf.seqnames), rowwise
        )
        small = burden.check_panel_size(
            sizes["panel_mb"],
            options.force_small_panel,
            options.warn_panel_mb,
            options.refuse_panel_mb,
            label=str(options.panel_bed),
        )
        hotspots, hotspot_list = drivers.hotspot_list(vcf, options, rowwise)
        index = region_kit(rowwise).RegionIndex.build
        covered_index = index(covered) if covered is not None else None
        tally, presence = stream_trace(
            vcf, plan, options, settings, index(panel), covered_index, hotspots, rowwise
        )
    finally:
        vcf.close()
    counts = tally.as_dict()
    LOG.info(
        "%s: %d records, %d alleles, %d counted; failing: %s",
        options.sample,
        counts["records_read"],
        counts["alleles_total"],
        counts["variants_counted"],
        ", ".join(
            f"{k}={v}"
            for k, v in counts.items()
            if k.startswith("alleles_") and k != "alleles_total"
        ),
    )
    row = summary_row(options, settings, plan, sizes, small, counts, presence.names())
    row.update(hotspot_list=hotspot_list, cosmic_field=options.cosmic_field)
    LOG.info(
        "%s: TMB %.4g mut/Mb (%d / %.4g Mb)",
        options.sample,
        row["tmb"],
        counts["variants_counted"],
        sizes["panel_mb"],
    )
    return row
