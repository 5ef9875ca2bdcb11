"""qc-tables: the per-sample QC tables of a run (docs/output.md, QC view; read by MultiQC)."""

from __future__ import annotations

import argparse
import sys

from qc import io, tables
from stereosarc.clikit import make_parser, run_cli
from stereosarc.errors import InputError

EXAMPLE = (
    "qc-tables --samplesheet samplesheet.valid.csv --tmb tmb.tsv --ctdna ctdna.tsv "
    "--site-counts *.site_counts.tsv --target-depth *.target_depth.tsv "
    "--background *.background.tsv --read-stats *.read_stats.tsv --out-ctdna ctdna_qc.tsv"
)


def parser() -> argparse.ArgumentParser:
    """Arguments of qc-tables."""
    parser = make_parser("qc-tables", "Per-sample QC tables of TMB and ctDNA samples.", EXAMPLE)
    parser.add_argument("--samplesheet", required=True, help="samplesheet.valid.csv")
    parser.add_argument("--tmb", help="cohort/tmb.tsv (TMB stage)")
    parser.add_argument("--ctdna", help="cohort/ctdna.tsv (ctDNA calls)")
    parser.add_argument("--site-counts", nargs="*", default=[], help="*.site_counts.tsv")
    parser.add_argument("--target-depth", nargs="*", default=[], help="*.target_depth.tsv")
    parser.add_argument("--background", nargs="*", default=[], help="*.background.tsv")
    parser.add_argument(
        "--read-stats",
        nargs="*",
        default=[],
        help="*.read_stats.tsv (reads, duplicates, fragment lengths; optional: NA without)",
    )
    parser.add_argument(
        "--min-target-depth",
        type=float,
        default=tables.MIN_TARGET_DEPTH,
        help="targets below this mean fragment depth are counted (default: %(default)s)",
    )
    parser.add_argument("--out-tmb", help="tmb_qc.tsv (written when --tmb is given)")
    parser.add_argument("--out-ctdna", help="ctdna_qc.tsv (written when counts are given)")
    return parser


def _run(args: argparse.Namespace) -> None:
    if args.tmb and args.out_tmb:
        io.write_qc(tables.tmb_qc(io.read_optional(args.tmb)), args.out_tmb, "qc_tmb")
    kinds = (args.site_counts, args.target_depth, args.background)
    if any(kinds) and not all(kinds):
        raise InputError("--site-counts, --target-depth and --background go together")
    if all(kinds) and args.out_ctdna:
        sites, depth, background = (io.read_stacked(paths) for paths in kinds)
        calls = io.read_optional(args.ctdna)
        samples = io.read_samples(args.samplesheet)
        table = tables.ctdna_qc(
            samples,
            sites,
            depth,
            background,
            calls,
            args.min_target_depth,
            read_stats=io.read_stacked(args.read_stats),
        )
        io.write_qc(table, args.out_ctdna, "qc_ctdna")


def main(argv=None) -> int:
    return run_cli(parser(), _run, argv)


if __name__ == "__main__":
    sys.exit(main())
