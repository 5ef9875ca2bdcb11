"""outcome-report: self-contained HTML report (method: docs/statistics.md).

Thin: parse, build outcome.report_command.ReportOptions, call
outcome.report_command.report_html, write atomically.
"""

from __future__ import annotations

import argparse
import logging

from outcome import stats_io
from outcome.report_command import ReportOptions, report_html
from stereosarc.clikit import make_parser, options_from, run_cli

LOG = logging.getLogger("outcome.report_cli")
DESCRIPTION = (
    "Self-contained HTML report: flow, missingness, KM plots, forest plot, ctDNA "
    "trajectories, methods."
)
EXAMPLE = (
    "outcome-report --biomarkers biomarkers.tsv --associations associations.tsv "
    "--km km.tsv --ctdna ctdna.tsv --rejects rejects.tsv --params params.json "
    "--out report.html"
)
OPTIONAL_INPUTS = (
    ("km", "km.tsv"),
    ("ctdna", "ctdna.tsv"),
    ("dynamics", "ctdna_dynamics.tsv"),
    ("cn", "ctdna_cn.tsv"),
    ("rejects", "rejects.tsv"),
    ("params", "params.json"),
    ("primary", "primary_endpoint.tsv"),
    ("irecist", "irecist.tsv"),
    ("multivariable", "multivariable.tsv"),
    ("validation", "model_validation.tsv"),
)  # option and the file it names; absent: the section says "no data"


def report_parser() -> argparse.ArgumentParser:
    """Arguments of outcome-report."""
    parser = make_parser("outcome-report", DESCRIPTION, EXAMPLE)
    parser.add_argument("--biomarkers", required=True, help="biomarkers.tsv")
    parser.add_argument("--associations", required=True, help="associations.tsv")
    for name, what in OPTIONAL_INPUTS:
        parser.add_argument(f"--{name}", help=f"{what} (optional; section says 'no data')")
    parser.add_argument("--out", required=True, help="report.html")
    return parser


def _report(args: argparse.Namespace) -> None:
    html = report_html(options_from(ReportOptions, args))
    LOG.info("report: %d bytes", len(html))
    stats_io.write_report(html, args.out)


def report_main(argv=None) -> int:
    """Entry point of outcome-report."""
    return run_cli(report_parser(), _report, argv)
