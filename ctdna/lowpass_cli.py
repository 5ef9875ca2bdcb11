"""ctdna-lowpass: tumour fraction from genome-wide copy number of low-pass WGS plasma samples.

Thin: parse, build ctdna.lowpass_command.LowpassRunOptions, call
ctdna.lowpass_command.lowpass_cohort, write the three tables (schemas ctdna_lowpass_samples,
ctdna_lowpass_ratios, ctdna_lowpass_segments; method: docs/ctdna.md, "Low-pass WGS").
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ctdna import lowpass_model
from ctdna.lowpass_command import LowpassRunOptions, lowpass_cohort
from stereosarc.clikit import make_parser, options_from, run_cli
from stereosarc.tables import write_table

EXAMPLE = (
    "ctdna-lowpass --samplesheet samplesheet.valid.csv --bins P01-B.lowpass_bins.tsv "
    "P02-B.lowpass_bins.tsv --pon-bins PON01.lowpass_bins.tsv ... --outdir ."
)
TABLES = {"samples": "ctdna_lowpass_samples", "ratios": "ctdna_lowpass_ratios",
          "segments": "ctdna_lowpass_segments"}  # fmt: skip


def lowpass_parser() -> argparse.ArgumentParser:
    """Arguments of ctdna-lowpass."""
    parser = make_parser(
        "ctdna-lowpass",
        "Tumour fraction of low-pass WGS plasma samples from genome-wide copy number.",
        EXAMPLE,
    )
    parser.add_argument("--samplesheet", required=True,
                        help="samplesheet (patient and timepoint of each sample)")  # fmt: skip
    parser.add_argument("--bins", nargs="+", required=True,
                        help="ctdna-bin tables of the low-pass plasma samples")  # fmt: skip
    parser.add_argument("--pon-bins", nargs="*", default=[],
                        help="ctdna-bin tables of the low-pass panel of normals (none, or at "
                        "least 5)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=lowpass_model.SEED,
                        help="seed of the detection threshold's simulations (default: "
                        "%(default)s)")  # fmt: skip
    parser.add_argument("--outdir", default=".",
                        help="folder of lowpass_samples.tsv, lowpass_ratios.tsv and "
                        "lowpass_segments.tsv (default: %(default)s)")  # fmt: skip
    return parser


def _lowpass(args: argparse.Namespace) -> None:
    options = options_from(LowpassRunOptions, args, bins=tuple(Path(p) for p in args.bins),
                           pon_bins=tuple(Path(p) for p in args.pon_bins))  # fmt: skip
    tables = lowpass_cohort(options)
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for name, schema in TABLES.items():
        write_table(getattr(tables, name), outdir / f"lowpass_{name}.tsv", schema)


def lowpass_main(argv=None) -> int:
    """Entry point of ctdna-lowpass."""
    return run_cli(lowpass_parser(), _lowpass, argv)
