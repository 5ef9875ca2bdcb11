"""labs-markers: baseline blood inflammation markers per patient (method: docs/labs.md).

Thin: parse, build blood.command.LabsOptions, call blood.command.labs_markers, write.
"""

from __future__ import annotations

import argparse

from blood import command, draws, io, markers
from stereosarc.clikit import make_parser, options_from, run_cli

EXAMPLE = (
    "labs-markers --labs labs.csv --clinical clinical.csv --baseline-window-days 15 "
    "--out labs_patient.tsv --rejects rejects_labs.tsv"
)


def labs_parser() -> argparse.ArgumentParser:
    """Arguments of labs-markers."""
    parser = make_parser(
        "labs-markers", "Baseline blood inflammation markers per patient.", EXAMPLE
    )
    parser.add_argument("--labs", required=True, help="blood long table")
    parser.add_argument("--clinical", required=True, help="clinical table (start_date)")
    parser.add_argument(
        "--baseline-window-days",
        type=int,
        default=markers.BASELINE_WINDOW_DAYS,
        help="baseline = last value in [start - N days, start] (default: %(default)s, DESIGN.md)",
    )
    parser.add_argument(
        "--on-treatment-days",
        type=int,
        default=markers.ON_TREATMENT_DAYS,
        help="on-treatment = first value in [start + 1, start + N days] (default: %(default)s)",
    )
    parser.add_argument(
        "--same-day-tolerance-days",
        type=int,
        default=draws.SAME_DAY_TOLERANCE_DAYS,
        help="NLR/PLR/LMR only from analytes drawn at most N days apart; "
        "CRP/albumin paired likewise when possible (default: "
        "%(default)s = same day)",
    )
    parser.add_argument("--out", required=True, help="labs_patient.tsv")
    parser.add_argument("--rejects", required=True, help="rejects_labs.tsv")
    return parser


def _labs(args: argparse.Namespace) -> None:
    result = command.labs_markers(options_from(command.LabsOptions, args))
    io.write_outputs(result.patients, args.out, result.rejects, args.rejects)


def labs_main(argv=None) -> int:
    """Entry point of labs-markers."""
    return run_cli(labs_parser(), _labs, argv)
