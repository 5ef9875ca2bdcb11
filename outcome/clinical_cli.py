"""outcome-clinical: clinical endpoints per randomised patient (method: docs/clinical.md).

Thin: parse, build outcome.clinical_command.ClinicalOptions, call
outcome.clinical_command.clinical_endpoints, write.
"""

from __future__ import annotations

import argparse

from outcome import censoring, irecist, merge_io
from outcome.clinical_command import ClinicalOptions, clinical_endpoints
from stereosarc import protocol
from stereosarc.clikit import add_options, make_parser, options_from, run_cli

DESCRIPTION = "PFS, 6-month PFS, OS and objective response per randomised patient."
EXAMPLE = (
    "outcome-clinical --clinical clinical.csv --out clinical_endpoints.tsv "
    "--rejects rejects_clinical.tsv"
)

ASSESSMENT_OPTIONS = (  # flag, type, default, help: the missed-assessment censoring rule
    (
        "--assessment-interval-days",
        float,
        censoring.ASSESSMENT_INTERVAL_DAYS,
        "scheduled tumour-assessment interval for the missed-assessment PFS censoring rule "
        "(default: %(default)s; to confirm against the protocol)",
    ),
    (
        "--assessment-window-days",
        float,
        censoring.ASSESSMENT_WINDOW_DAYS,
        "visit window added to 2 intervals (default: %(default)s)",
    ),
)


def clinical_parser() -> argparse.ArgumentParser:
    """Arguments of outcome-clinical."""
    parser = make_parser("outcome-clinical", DESCRIPTION, EXAMPLE)
    parser.add_argument("--clinical", required=True, help="clinical table (DESIGN.md)")
    parser.add_argument(
        "--pfs-horizon-days",
        type=float,
        default=protocol.PFS_6M_DAYS,
        help="pfs_6m horizon in days (default: %(default)s, DESIGN.md)",
    )
    parser.add_argument(
        "--ne-missing",
        action="store_true",
        help="best response NE gives objective_response NA instead of 0",
    )
    add_options(parser, ASSESSMENT_OPTIONS)
    parser.add_argument(
        "--irecist-unconfirmed",
        choices=irecist.UNCONFIRMED_RULES,
        default=irecist.UNCONFIRMED_RULE,
        help="iPFS of an unconfirmed iUPD with no later assessment: event at the iUPD date "
        "or censored there (default: %(default)s, Seymour et al. 2017; docs/statistics.md)",
    )
    parser.add_argument("--out", required=True, help="clinical_endpoints.tsv")
    parser.add_argument("--rejects", required=True, help="rejects_clinical.tsv")
    return parser


def _clinical(args: argparse.Namespace) -> None:
    options = options_from(ClinicalOptions, args, ne_is_non_response=not args.ne_missing)
    result = clinical_endpoints(options)
    merge_io.write_endpoints(result.endpoints, result.rejects, args.out, args.rejects)


def clinical_main(argv=None) -> int:
    """Entry point of outcome-clinical."""
    return run_cli(clinical_parser(), _clinical, argv)
