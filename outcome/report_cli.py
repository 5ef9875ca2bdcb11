"""outcome-report: self-contained HTML report (method: docs/statistics.md).

Thin: parse, build outcome.report_command.ReportOptions, call
outcome.report_command.report_html, write atomically.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from outcome import stats_io
from outcome.report_command import ReportOptions, report_html
from stereosarc.clikit import make_parser, options_from, run_cli

LOG = logging.getLogger("outcome.report_cli")
DESCRIPTION = (
    "Self-contained HTML report of a run: header, primary endpoint, arm comparison, biomarker "
    "associations, models, iRECIST, ctDNA, QC, TMB, missing data, flow and rejects, methods. "
    "Every input is optional (a ctDNA-only or TMB-only batch gets its sections)."
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
    ("biomarkers", "biomarkers.tsv (absent in a run without a clinical table)"),
    ("associations", "associations.tsv"),
    ("tmb", "tmb.tsv"),
    ("tmb-qc", "qc/tmb_qc.tsv"),
    ("ctdna-qc", "qc/ctdna_qc.tsv"),
    ("lowpass-samples", "lowpass_samples.tsv (ctdna-lowpass; with the two below: Low-pass WGS)"),
    ("lowpass-ratios", "lowpass_ratios.tsv (per sample x bin: genome plot and heatmap)"),
    ("lowpass-segments", "lowpass_segments.tsv (segments drawn on the genome plot)"),
    ("params-schema", "nextflow_schema.json (parameter defaults; default: the package's)"),
)  # option and the file it names; absent: the section says "no data"


def report_parser() -> argparse.ArgumentParser:
    """Arguments of outcome-report."""
    parser = make_parser("outcome-report", DESCRIPTION, EXAMPLE)
    for name, what in OPTIONAL_INPUTS:
        parser.add_argument(f"--{name}", help=f"{what} (optional; section says 'no data')")
    parser.add_argument("--pipeline-version", help="version shown in the header")
    parser.add_argument("--git-revision", help="git revision shown in the header, when known")
    parser.add_argument("--out", required=True, help="report.html")
    return parser


def _report(args: argparse.Namespace) -> None:
    html = report_html(options_from(ReportOptions, args))
    LOG.info("report: %d bytes", len(html))
    stats_io.write_report(html, args.out)


def report_main(argv=None) -> int:
    """Entry point of outcome-report."""
    return run_cli(report_parser(), _report, argv)


def screenshots_main(argv=None) -> int:
    """Entry point of python -m outcome.report_screenshots."""
    from outcome.report_screenshots import take_screenshots

    parser = make_parser(
        "outcome.report_screenshots",
        "PNG screenshots of the main sections of report.html (headless Chromium).",
        "python -m outcome.report_screenshots --report report.html --out docs/img/",
    )
    parser.add_argument("--report", type=Path, required=True, help="report.html")
    parser.add_argument("--out", type=Path, required=True, help="folder for report-*.png")
    parser.add_argument("--width", type=int, default=1280, help="viewport width, px")
    parser.add_argument("--max-height", type=int, default=1800, help="px kept per section")
    parser.add_argument("--sections", nargs="*", help="section ids (default: the main ones)")

    def action(args: argparse.Namespace) -> None:
        take_screenshots(args.report, args.out, args.width, args.max_height, args.sections)

    return run_cli(parser, action, argv)
