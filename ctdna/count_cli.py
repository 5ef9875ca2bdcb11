"""ctdna-count: count one plasma (or PoN) BAM at the tumour sites and per capture target.

Thin: parse, build ctdna.count_command.CountOptions, call ctdna.count_command.count_sample,
write the per-sample tables (method: docs/ctdna_counting.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ctdna import background as background_model
from ctdna import counting, io
from ctdna.count_command import CountOptions, count_sample
from stereosarc.clikit import add_option_family, make_parser, options_from, run_cli

EXAMPLE = (
    "ctdna-count --bam P01-B.bam --sample P01-B --tumour P01-T=P01-T.vcf.gz "
    "--targets ctdna_targets.bed --out-sites P01-B.site_counts.tsv "
    "--out-targets P01-B.target_depth.tsv"
)


def count_parser() -> argparse.ArgumentParser:
    """Arguments of ctdna-count."""
    parser = make_parser(
        "ctdna-count", "Count plasma fragments at tumour sites and per target.", EXAMPLE
    )
    parser.add_argument("--bam", required=True, help="plasma/PoN BAM or CRAM, indexed")
    parser.add_argument("--sample", required=True, help="sample id (written in every row)")
    parser.add_argument(
        "--tumour",
        action="append",
        default=[],
        metavar="TUMOUR_ID=VCF",
        help="tumour VCF of the patient (pon: every tumour VCF); repeatable",
    )
    parser.add_argument(
        "--sites",
        metavar="SITES_TSV",
        help="fixed site list for tumour-naive tracking: columns chrom, pos, "
        "ref, alt, gene (docs/ctdna_counting.md); counted besides --tumour",
    )
    parser.add_argument("--targets", required=True, help="ctDNA targets BED (gene in column 4)")
    parser.add_argument("--fasta", help="reference FASTA (checks site REF; needed for CRAM)")
    qualities = (
        ("mapq", counting.MIN_MAPQ, "mapping quality"),
        ("baseq", counting.MIN_BASEQ, "base quality at the site"),
    )
    add_option_family(parser, "--min-{}", int, "minimum {} (default: %(default)s)", qualities)
    parser.add_argument(
        "--umi-tag",
        choices=["MI", "RX"],
        help="collapse UMI families by this tag (default: no collapse)",
    )
    parser.add_argument(
        "--max-background-vaf",
        type=float,
        default=background_model.MAX_BACKGROUND_VAF,
        help="background: skip positions with a non-reference allele at or "
        "above this fraction (default: %(default)s)",
    )
    parser.add_argument("--out-sites", required=True, help="site counts TSV")
    parser.add_argument("--out-targets", required=True, help="target depth TSV")
    parser.add_argument(
        "--out-background",
        help="sample error background TSV (default: SAMPLE.background.tsv beside --out-sites)",
    )
    parser.add_argument(
        "--no-background",
        action="store_true",
        help="write no sample error background (only needed by ctdna-call when no PoN is given)",
    )
    parser.add_argument(
        "--out-rejects", help="rejects TSV (default: SAMPLE.rejects_count.tsv beside --out-sites)"
    )
    parser.add_argument(
        "--out-read-stats",
        help="reads, duplicates and fragment lengths over the targets, TSV (default: "
        "SAMPLE.read_stats.tsv beside --out-sites)",
    )
    return parser


def _options(args: argparse.Namespace) -> CountOptions:
    return options_from(
        CountOptions,
        args,
        tumours=tuple(io.parse_tumour_arg(value) for value in args.tumour),
        background=not args.no_background,
    )


def _count(args: argparse.Namespace) -> None:
    tables = count_sample(_options(args))
    folder = Path(args.out_sites).parent
    paths = {
        "sites": args.out_sites,
        "targets": args.out_targets,
        "background": args.out_background or folder / f"{args.sample}.background.tsv",
        "rejects": args.out_rejects or folder / f"{args.sample}.rejects_count.tsv",
        "read_stats": args.out_read_stats or folder / f"{args.sample}.read_stats.tsv",
    }
    io.write_counts(
        tables.sites, tables.targets, tables.background, tables.rejects, paths, tables.read_stats
    )


def count_main(argv=None) -> int:
    """Entry point of ctdna-count."""
    return run_cli(count_parser(), _count, argv)
