"""ctdna-bin: fragments per fixed-size genomic bin of one low-pass WGS plasma or PoN sample.

Thin: parse, build ctdna.bin_command.BinRunOptions, call ctdna.bin_command.bin_sample, write
the table (schema ctdna_lowpass_bins; method: docs/ctdna.md, "Low-pass WGS").
"""

from __future__ import annotations

import argparse

from ctdna import counting, lowpass_bins
from ctdna.bin_command import BinRunOptions, bin_sample
from stereosarc.clikit import add_options, make_parser, options_from, run_cli
from stereosarc.tables import write_table

DEFAULT = " (default: %(default)s)"  # argparse fills in the option's default

EXAMPLES = (  # from a BAM; from HMMcopy WIGs
    "ctdna-bin --bam P01-B.lowpass.bam --sample P01-B --fasta genome.fa --bin-size 1000000 "
    "--out P01-B.lowpass_bins.tsv",
    "ctdna-bin --wig P01-B.wig --gc-wig gc_1000kb.wig --map-wig map_1000kb.wig --sample P01-B "
    "--out P01-B.lowpass_bins.tsv",
)
EXAMPLE = "\n  ".join(EXAMPLES)


def bin_parser() -> argparse.ArgumentParser:
    """Arguments of ctdna-bin."""
    parser = make_parser("ctdna-bin", "Count fragments per genomic bin (low-pass WGS).", EXAMPLE)
    parser.add_argument("--sample", required=True, help="sample id (written in every row)")
    counts = parser.add_mutually_exclusive_group(required=True)
    counts.add_argument("--bam", help="low-pass WGS BAM or CRAM, indexed")
    counts.add_argument("--wig", help="HMMcopy readCounter fixed-step WIG of read counts")
    add_options(
        parser,
        (
            ("--gc-wig", None, None, "HMMcopy gcCounter WIG of the same bins"),
            ("--map-wig", None, None, "HMMcopy mapCounter WIG of the same bins"),
            ("--fasta", None, None, "reference FASTA: GC per bin without --gc-wig; CRAM"),
            (
                "--bin-size",
                int,
                lowpass_bins.DEFAULT_BIN_SIZE,
                "bin size in bp for --bam (default: %(default)s; 500000 is the finer option)",
            ),
            ("--min-mapq", int, counting.MIN_MAPQ, "minimum mapping quality" + DEFAULT),
        ),
    )
    parser.add_argument(
        "--contigs",
        nargs="+",
        default=[],
        help="contigs to bin (default: 1-22, X, Y or chr1-chr22, chrX, chrY)",
    )
    parser.add_argument("--out", required=True, help="per-bin TSV (schema ctdna_lowpass_bins)")
    return parser


def _bin(args: argparse.Namespace) -> None:
    table = bin_sample(options_from(BinRunOptions, args, contigs=tuple(args.contigs)))
    write_table(table, args.out, "ctdna_lowpass_bins")


def bin_main(argv=None) -> int:
    """Entry point of ctdna-bin."""
    return run_cli(bin_parser(), _bin, argv)
