"""ihc-markers: immune-cell densities and PD-L1 CPS/TPS per patient (method: docs/ihc.md).

Thin: parse, build ihc.scoring.IhcOptions, call ihc.scoring.ihc_markers, write.
"""

from __future__ import annotations

import argparse

from ihc import io, pdl1, scoring
from stereosarc.clikit import make_parser, options_from, run_cli

EXAMPLE = (
    "ihc-markers --ihc ihc.csv --qupath qupath/manifest.csv --block-rule mean "
    "--out ihc_patient.tsv --rejects rejects_ihc.tsv"
)


def ihc_parser() -> argparse.ArgumentParser:
    """Arguments of ihc-markers."""
    parser = make_parser(
        "ihc-markers", "Immune-cell densities and PD-L1 CPS/TPS per patient.", EXAMPLE
    )
    parser.add_argument("--ihc", help="IHC long table (patient, sample, marker, metric, value)")
    parser.add_argument("--qupath", help="QuPath manifest (file, patient, sample, marker)")
    parser.add_argument(
        "--clinical",
        help="clinical table: rows of patients absent from it are rejected "
        "(naming the IHC row); without it every patient is kept",
    )
    parser.add_argument(
        "--block-rule",
        default="mean",
        help="several blocks per patient: mean, max, first (smallest sample id) "
        "or a sample id (default: %(default)s)",
    )
    parser.add_argument(
        "--min-viable-tumour-cells",
        type=int,
        default=pdl1.MIN_VIABLE_TUMOUR_CELLS,
        help="CPS/TPS not evaluable below this count (default: %(default)s, 22C3 manual)",
    )
    parser.add_argument("--out", required=True, help="ihc_patient.tsv")
    parser.add_argument("--rejects", required=True, help="rejects_ihc.tsv")
    return parser


def _ihc(args: argparse.Namespace) -> None:
    result = scoring.ihc_markers(options_from(scoring.IhcOptions, args))
    io.write_outputs(result.patients, "ihc_patient", args.out, result.rejects, args.rejects)


def ihc_main(argv=None) -> int:
    """Entry point of ihc-markers."""
    return run_cli(ihc_parser(), _ihc, argv)
