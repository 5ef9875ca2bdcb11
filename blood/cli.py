"""labs-markers: baseline blood inflammation markers per patient (method: docs/labs.md).

Thin: parse, build blood.command.LabsOptions, call blood.command.labs_markers, write.
"""

from __future__ import annotations

import argparse

from blood import command, draws, io, markers
from stereosarc.clikit import add_options, make_parser, options_from, run_cli

DESCRIPTION = "Baseline blood inflammation markers per patient."
EXAMPLE = (
    "labs-markers --labs labs.csv --clinical clinical.csv --baseline-window-days 15 "
    "--out labs_patient.tsv --rejects rejects_labs.tsv"
)

DAY_OPTIONS = (  # flag, default, help: windows in whole days from start_date
    (
        "--baseline-window-days",
        markers.BASELINE_WINDOW_DAYS,
        "baseline = last value in [start - N days, start] (default: %(default)s, DESIGN.md)",
    ),
    (
        "--on-treatment-days",
        markers.ON_TREATMENT_DAYS,
        "on-treatment = first value in [start + 1, start + N days] (default: %(default)s)",
    ),
    (
        "--same-day-tolerance-days",
        draws.SAME_DAY_TOLERANCE_DAYS,
        "NLR/PLR/LMR only from analytes drawn at most N days apart; "
        "CRP/albumin paired likewise when possible (default: %(default)s = same day)",
    ),
)


def labs_parser() -> argparse.ArgumentParser:
    """Arguments of labs-markers."""
    parser = make_parser("labs-markers", DESCRIPTION, EXAMPLE)
    parser.add_argument("--labs", required=True, help="blood long table")
    parser.add_argument("--clinical", required=True, help="clinical table (start_date)")
    add_options(parser, ((flag, int, days, text) for flag, days, text in DAY_OPTIONS))
    parser.add_argument("--out", required=True, help="labs_patient.tsv")
    parser.add_argument("--rejects", required=True, help="rejects_labs.tsv")
    return parser


def _labs(args: argparse.Namespace) -> None:
    result = command.labs_markers(options_from(command.LabsOptions, args))
    io.write_outputs(result.patients, args.out, result.rejects, args.rejects)


def labs_main(argv=None) -> int:
    """Entry point of labs-markers."""
    return run_cli(labs_parser(), _labs, argv)
