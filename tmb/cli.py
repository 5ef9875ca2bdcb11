"""tmb-calc: targeted-panel TMB of one tumour sample, with a per-allele trace.

Thin: parse, build tmb.command.TmbOptions, call tmb.command.tmb_sample (which streams the
trace), write the one-row summary (tmb.outputs). The only place that exits. Imports neither
pandas nor scipy (start-up cost; docs/tmb.md, "Choices made"); tmb.process sets the
command's thread and allocator options.
"""

from __future__ import annotations

from tmb import process

process.limit_blas_threads()  # before numpy (imported by the modules below) loads OpenBLAS

import argparse  # noqa: E402
from pathlib import Path  # noqa: E402

from stereosarc import provenance  # noqa: E402
from stereosarc.clikit import (  # noqa: E402
    add_option_family,
    add_options,
    make_parser,
    options_from,
    run_cli,
)
from tmb import burden, command, drivers, outputs, vcf_io  # noqa: E402
from tmb import rules as filters  # noqa: E402  (the filter settings, without numpy)

STAGE = "tmb-calc"  # provenance stage name
DEFAULT = "default: %(default)s"  # argparse fills in the option's default
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
    d = filters.FilterSettings()  # defaults with their sources (tmb.filters)
    add = parser.add_argument
    add("--vcf", required=True, help="somatic VCF (.vcf/.vcf.gz), VEP CSQ or snpEff ANN annotated")
    add("--sample", required=True, help="sample id (also the tumour column name looked for)")
    add("--patient", required=True, help="patient id")
    add("--panel-bed", required=True, help="panel target BED (merged; overlaps counted once)")
    add("--bam", help="tumour BAM: restrict the denominator to bases with depth >= --min-depth")
    add_option_family(
        parser,
        "--min-{}",
        int,
        "BAM denominator: minimum {} quality (default: %(default)s, as ctdna-count)",
        (("mapq", command.BAM_MIN_MAPQ, "mapping"), ("baseq", command.BAM_MIN_BASEQ, "base")),
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
    fields = ",".join(command.POPULATION_FIELDS)
    add_options(
        parser,
        (
            ("--min-vaf", float, d.min_vaf, DEFAULT + " (TSO500)"),
            ("--max-vaf", float, d.max_vaf, DEFAULT + " (germline guard)"),
            ("--min-depth", int, d.min_depth, DEFAULT + " (TSO500)"),
            ("--min-alt", int, d.min_alt, DEFAULT + " (FoCR)"),
            (
                "--max-pop-af",
                float,
                d.max_pop_af,
                "largest population AF allowed; >= 1 disables the filter (default: %(default)s)",
            ),
            (
                "--pop-af-fields",
                _csv_list,
                command.POPULATION_FIELDS,
                f"population AF fields, comma-separated (default: {fields})",
            ),
        ),
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
        f"the first of {','.join(drivers.COSMIC_FIELDS)} the VCF declares)",
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
        help=f"CH genes (default: {','.join(d.ch_genes)})",
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
    add_options(
        parser,
        (
            ("--ci-level", float, burden.CI_LEVEL, DEFAULT),
            ("--warn-panel-mb", float, burden.WARN_PANEL_MB, DEFAULT + " (FoCR)"),
            ("--refuse-panel-mb", float, burden.REFUSE_PANEL_MB, DEFAULT),
        ),
    )
    add("--force-small-panel", action="store_true", help="compute TMB below --refuse-panel-mb")
    add("--chunk-records", type=int, default=vcf_io.CHUNK_RECORDS, help=argparse.SUPPRESS)
    add("--out-summary", required=True, help="one-row table, schema tmb")
    add("--out-trace", required=True, help="one row per ALT allele, schema tmb_trace")
    add(
        "--provenance",
        action="store_true",
        help="also write SAMPLE.tmb.provenance.json beside --out-summary (stereosarc.provenance)",
    )
    return parser


def _options(args: argparse.Namespace) -> command.TmbOptions:
    return options_from(
        command.TmbOptions,
        args,
        pop_af_fields=tuple(args.pop_af_fields),
        filters=options_from(filters.FilterSettings, args, ch_genes=tuple(args.ch_genes)),
    )


def _run(args: argparse.Namespace) -> None:
    outputs.write_summary(command.tmb_sample(_options(args)), args.out_summary)
    if args.provenance:
        path = Path(args.out_summary).with_name(f"{args.sample}.{provenance.SUFFIX[STAGE]}")
        provenance.write(path, tmb_provenance(args))


def tmb_provenance(args: argparse.Namespace) -> dict:
    """The provenance record of this tumour sample's summary and trace."""
    inputs = [("vcf", args.vcf)] + ([("bam", args.bam)] if args.bam else [])
    return provenance.record(STAGE, args.sample, args.patient, tmb_parameters(args), inputs)


def tmb_parameters(args: argparse.Namespace) -> dict:
    """The options of tmb-calc that affect its result (the hotspot list: the bundled one
    unless --hotspots or --no-hotspots)."""
    hotspots = None if args.no_hotspots else args.hotspots or drivers.bundled_hotspots()
    return provenance.stage_parameters(STAGE, args, {"hotspots": hotspots})


def main(argv=None) -> int:
    """Entry point of tmb-calc."""
    process.keep_freed_memory()
    process.freeze_imported_objects()
    return run_cli(build_parser(), _run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
