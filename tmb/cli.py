"""tmb-calc: targeted-panel TMB of one tumour sample, with a per-allele trace.

Thin layer: parse arguments, read inputs (tmb.io, tmb.vcf_io), compute (tmb.regions,
tmb.filters, tmb.burden), write the one-row summary and the trace (tmb.outputs). The only
place that exits. Imports neither pandas nor scipy (start-up cost; docs/tmb.md, "Choices
made"); tmb.process sets the command's thread and allocator options.
"""

from __future__ import annotations

from tmb import process

process.limit_blas_threads()  # before numpy (imported below) loads OpenBLAS

import argparse  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402

from stereosarc.clikit import make_parser, run_cli  # noqa: E402
from tmb import burden, drivers, filters, io, outputs, vcf_io  # noqa: E402
from tmb.exceptions import TmbInputError  # noqa: E402
from tmb.mnv import LastSnv  # noqa: E402
from tmb.presence import FieldPresence  # noqa: E402
from tmb.regions import (
    BASES_PER_MB,
    RegionIndex,
    Regions,
    intersect_regions,  # noqa: E402
    merge_regions,
    runs_at_or_above,
    total_bases,
)

LOG = logging.getLogger("tmb")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # project identifier rule (DESIGN.md)
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
EXAMPLE = (
    "tmb-calc --vcf S1.vcf.gz --sample S1 --patient P01 --panel-bed panel.bed "
    "--coding-bed cds.bed "
    "--out-summary S1.tmb.tsv --out-trace S1.tmb_trace.tsv"
)


def _csv_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _calibration(text: str) -> tuple[float, float]:
    try:
        slope, intercept = (float(v) for v in text.split(","))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected SLOPE,INTERCEPT, got '{text}'") from err
    return slope, intercept


def build_parser() -> argparse.ArgumentParser:
    parser = make_parser("tmb-calc", __doc__.splitlines()[0], EXAMPLE)
    d = filters.FilterSettings()
    add = parser.add_argument
    add("--vcf", required=True, help="somatic VCF (.vcf/.vcf.gz), VEP CSQ or snpEff ANN annotated")
    add("--sample", required=True, help="sample id (also the tumour column name looked for)")
    add("--patient", required=True, help="patient id")
    add("--panel-bed", required=True, help="panel target BED (merged; overlaps counted once)")
    add("--bam", help="tumour BAM: restrict the denominator to bases with depth >= --min-depth")
    add(
        "--min-mapq",
        type=int,
        default=BAM_MIN_MAPQ,
        help="BAM denominator: minimum mapping quality (default: %(default)s, as ctdna-count)",
    )
    add(
        "--min-baseq",
        type=int,
        default=BAM_MIN_BASEQ,
        help="BAM denominator: minimum base quality (default: %(default)s, as ctdna-count)",
    )
    add(
        "--coding-bed",
        help="coding (CDS) BED: the denominator is panel ∩ coding (required "
        "unless --panel-is-coding)",
    )
    add(
        "--panel-is-coding",
        action="store_true",
        help="the panel BED holds coding targets only: use it as the coding territory",
    )
    add(
        "--mode",
        choices=filters.MODES,
        default=d.mode,
        help="counted consequences (default: %(default)s)",
    )
    add("--min-vaf", type=float, default=d.min_vaf, help="default: %(default)s (TSO500)")
    add("--max-vaf", type=float, default=d.max_vaf, help="default: %(default)s (germline guard)")
    add("--min-depth", type=int, default=d.min_depth, help="default: %(default)s (TSO500)")
    add("--min-alt", type=int, default=d.min_alt, help="default: %(default)s (FoCR)")
    add(
        "--max-pop-af",
        type=float,
        default=d.max_pop_af,
        help="largest population AF allowed; >= 1 disables the filter (default: %(default)s)",
    )
    add(
        "--pop-af-fields",
        type=_csv_list,
        default=POPULATION_FIELDS,
        help="population AF fields, comma-separated (default: %s)" % ",".join(POPULATION_FIELDS),
    )
    add(
        "--hotspots",
        help="driver/hotspot exclusion list: BED, or CSV/TSV with chrom,pos[,ref,alt] "
        "(default: the bundled cancerhotspots.org v2 GRCh38 list, assets/tmb)",
    )
    add("--no-hotspots", action="store_true", help="count hotspot alleles (no exclusion list)")
    add(
        "--cosmic-field",
        help="CSQ/ANN sub-field or INFO field holding a COSMIC count (default: "
        "the first of %s the VCF declares)" % ",".join(drivers.COSMIC_FIELDS),
    )
    add(
        "--max-cosmic",
        type=float,
        default=drivers.MAX_COSMIC,
        help="exclude alleles whose COSMIC count exceeds this (default: %(default)s, TSO500)",
    )
    add("--no-cosmic", action="store_true", help="no COSMIC-count exclusion")
    add(
        "--mnv-vaf-tolerance",
        type=float,
        default=d.mnv_vaf_tolerance,
        help="adjacent counted SNVs whose VAFs differ by at most this count as one MNV "
        "(default: %(default)s; negative: every SNV counts)",
    )
    add("--exclude-ch", action="store_true", help="exclude clonal-haematopoiesis genes")
    add(
        "--ch-genes",
        type=_csv_list,
        default=d.ch_genes,
        help="CH genes (default: %s)" % ",".join(d.ch_genes),
    )
    add(
        "--allow-empty-fields",
        action="store_true",
        help="warn (and list them in empty_fields) instead of refusing when a declared field "
        "an active filter reads has no value in any record",
    )
    add(
        "--tmb-high",
        type=float,
        default=burden.TMB_HIGH,
        help="TMB-high cut-off, mut/Mb (default: %(default)s, FDA)",
    )
    add(
        "--calibration",
        type=_calibration,
        help="SLOPE,INTERCEPT of a linear panel-to-WES calibration",
    )
    add("--ci-level", type=float, default=burden.CI_LEVEL, help="default: %(default)s")
    add(
        "--warn-panel-mb",
        type=float,
        default=burden.WARN_PANEL_MB,
        help="default: %(default)s (FoCR)",
    )
    add(
        "--refuse-panel-mb",
        type=float,
        default=burden.REFUSE_PANEL_MB,
        help="default: %(default)s",
    )
    add("--force-small-panel", action="store_true", help="compute TMB below --refuse-panel-mb")
    add("--chunk-records", type=int, default=vcf_io.CHUNK_RECORDS, help=argparse.SUPPRESS)
    add("--out-summary", required=True, help="one-row table, schema tmb")
    add("--out-trace", required=True, help="one row per ALT allele, schema tmb_trace")
    return parser


def settings_from(args) -> filters.FilterSettings:
    for name in ("sample", "patient"):
        if not ID_RE.match(getattr(args, name)):
            raise TmbInputError(f"--{name} '{getattr(args, name)}' is not a valid identifier")
    if args.no_cosmic and args.cosmic_field:
        raise TmbInputError("--cosmic-field and --no-cosmic contradict each other")
    if not args.coding_bed and not args.panel_is_coding:
        raise TmbInputError(NO_TERRITORY)
    if not 0 <= args.min_vaf <= args.max_vaf:
        raise TmbInputError(
            f"--min-vaf {args.min_vaf} / --max-vaf {args.max_vaf}: need 0 <= min <= max"
        )
    return filters.FilterSettings(
        min_vaf=args.min_vaf,
        max_vaf=args.max_vaf,
        min_depth=args.min_depth,
        min_alt=args.min_alt,
        max_pop_af=args.max_pop_af,
        mode=args.mode,
        exclude_ch=args.exclude_ch,
        ch_genes=tuple(args.ch_genes),
        max_cosmic=args.max_cosmic if args.cosmic_field else None,
        mnv_vaf_tolerance=args.mnv_vaf_tolerance,
    )


def coding_territory(panel: Regions, coding_bed) -> Regions:
    """Panel ∩ coding BED; a coding BED sharing no contig with the panel is a naming error."""
    coding = io.read_bed(coding_bed, "coding BED")
    if not set(coding.chrom) & set(panel.chrom):
        raise TmbInputError(
            f"{coding_bed}: no contig in common with the panel BED (e.g. "
            f"{coding.chrom[0]} vs {panel.chrom[0]}); check chr-prefix naming"
        )
    territory = intersect_regions(panel, coding)
    LOG.info(
        "coding territory: %d of %d panel bases (%s)",
        total_bases(territory),
        total_bases(panel),
        coding_bed,
    )
    return territory


def denominator(
    args, min_depth: int, vcf_contigs: list[str]
) -> tuple[dict, Regions, Regions | None]:
    """Panel (∩ coding) regions, BAM-covered regions (or None), and their sizes in Mb."""
    bed = io.read_bed(args.panel_bed, "panel BED")
    io.check_contigs(bed, args.panel_bed, vcf_contigs)
    panel = merge_regions(bed)
    sizes = {
        "panel_bed_mb": total_bases(panel) / BASES_PER_MB,
        "coding_restricted": 0,
        "denominator_territory": TERRITORY[bool(args.coding_bed)],
        "coverage_restricted": 0,
    }
    if args.coding_bed:
        panel = coding_territory(panel, args.coding_bed)
        sizes["coding_restricted"] = 1
    covered = None
    if args.bam:
        pieces = [
            runs_at_or_above(c, s, d, min_depth)
            for c, s, d in io.bam_depth(args.bam, panel, args.min_mapq, args.min_baseq)
        ]
        covered = merge_regions(Regions.concat(pieces))
        sizes["coverage_restricted"] = 1
    sizes["panel_mb"] = total_bases(covered if covered is not None else panel) / BASES_PER_MB
    return sizes, panel, covered


def needs_from(settings: filters.FilterSettings, args) -> vcf_io.FieldNeeds:
    return vcf_io.FieldNeeds(
        vaf=settings.vaf_active,
        depth=settings.min_depth > 0,
        alt_reads=settings.min_alt > 0,
        population=settings.population_active,
        population_fields=tuple(args.pop_af_fields),
        cosmic_field=args.cosmic_field,
    )


def check_variant_contigs(contigs: set, panel: RegionIndex, args) -> None:
    """Variants exist but none lies on a panel contig: a naming mismatch, not a TMB of 0."""
    if contigs and not contigs & panel.contigs:
        shown = ", ".join(sorted(contigs)[:3])
        raise TmbInputError(
            f"{args.vcf}: none of its variant contigs ({shown}) is in the "
            f"panel BED {args.panel_bed}; check chr-prefix naming"
        )


def check_presence(presence: FieldPresence, plan, args) -> None:
    """Refuse (or warn, with --allow-empty-fields) when a field an active filter reads is
    declared but empty in every record."""
    message = presence.message(args.vcf, plan.layout.tag)
    if message and not args.allow_empty_fields:
        raise TmbInputError(message)
    if message:
        LOG.warning("%s", message)


def stream_trace(
    vcf, plan, args, settings, panel, covered, hotspots
) -> tuple[burden.Tally, FieldPresence]:
    """Judge every allele chunk by chunk, append it to the trace; return the tally and the
    values found per field."""
    inactive = filters.inactive_filters(settings, covered is not None, hotspots is not None)
    tally, counted_keys, contigs, last_snv = burden.Tally(inactive), set(), set(), LastSnv()
    presence = FieldPresence.of(plan, needs_from(settings, args))
    writer = outputs.TraceWriter(args.out_trace, {"patient": args.patient, "sample": args.sample})
    try:
        for n_records, alleles in vcf_io.iter_allele_chunks(
            vcf, plan, args.chunk_records, presence=presence
        ):
            trace = filters.judge_alleles(
                alleles, settings, panel, covered, hotspots, counted_keys, last_snv
            )
            tally.add(n_records, trace)
            presence.annotated_alleles += int((alleles.columns["consequences"] >= 0).sum())
            contigs.update(alleles.contigs())
            writer.write(trace)
        check_variant_contigs(contigs, panel, args)
        check_presence(presence, plan, args)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return tally, presence


def summary_row(
    args, settings, plan, sizes: dict, small: bool, counts: dict, empty_fields: str | None = None
) -> dict:
    """The one-row summary: required columns first, then settings, denominator and counts."""
    estimate = burden.tmb_estimate(
        counts["variants_counted"],
        sizes["panel_mb"],
        args.tmb_high,
        args.calibration,
        args.ci_level,
    )
    return {
        "patient": args.patient,
        "sample": args.sample,
        "variants_counted": counts["variants_counted"],
        "panel_mb": sizes["panel_mb"],
        **estimate,
        "ci_level": args.ci_level,
        "tmb_high_cutoff": args.tmb_high,
        "mode": settings.mode,
        "annotation": plan.layout.tag,
        "caller": plan.caller,
        "vcf_sample": plan.sample_name,
        **sizes,
        "small_panel": int(small),
        "empty_fields": empty_fields,
        **counts,
    }


def run(args) -> None:
    vcf = vcf_io.open_vcf(args.vcf)
    try:
        args.cosmic_field = drivers.cosmic_field(vcf, args)
        settings = settings_from(args)
        plan = vcf_io.plan_reading(vcf, args.vcf, args.sample, needs_from(settings, args))
        LOG.info(
            "%s: tumour column '%s', annotation %s", args.vcf, plan.sample_name, plan.layout.tag
        )
        sizes, panel, covered = denominator(args, settings.min_depth, list(vcf.seqnames))
        small = burden.check_panel_size(
            sizes["panel_mb"],
            args.force_small_panel,
            args.warn_panel_mb,
            args.refuse_panel_mb,
            label=str(args.panel_bed),
        )
        hotspots, hotspot_list = drivers.hotspot_list(vcf, args)
        covered_index = RegionIndex.build(covered) if covered is not None else None
        tally, presence = stream_trace(
            vcf, plan, args, settings, RegionIndex.build(panel), covered_index, hotspots
        )
    finally:
        vcf.close()
    counts = tally.as_dict()
    LOG.info(
        "%s: %d records, %d alleles, %d counted; failing: %s",
        args.sample,
        counts["records_read"],
        counts["alleles_total"],
        counts["variants_counted"],
        ", ".join(
            f"{k}={v}"
            for k, v in counts.items()
            if k.startswith("alleles_") and k != "alleles_total"
        ),
    )
    row = summary_row(args, settings, plan, sizes, small, counts, presence.names())
    row.update(hotspot_list=hotspot_list, cosmic_field=args.cosmic_field)
    outputs.write_summary(row, args.out_summary)
    LOG.info(
        "%s: TMB %.4g mut/Mb (%d / %.4g Mb)",
        args.sample,
        row["tmb"],
        counts["variants_counted"],
        sizes["panel_mb"],
    )


def main(argv=None) -> int:
    process.keep_freed_memory()
    process.freeze_imported_objects()
    return run_cli(build_parser(), run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
