"""outcome-merge: one row per randomised patient, endpoints and biomarkers (docs/clinical.md).

Thin: parse, build outcome.merge_command.MergeOptions, call
outcome.merge_command.merge_biomarkers, write.
"""

from __future__ import annotations

import argparse

from outcome import merge, merge_io
from outcome.merge_command import TMB_RULES, MergeOptions, merge_biomarkers
from stereosarc.clikit import add_option_family, make_parser, options_from, run_cli

EXAMPLE = (
    "outcome-merge --clinical-endpoints clinical_endpoints.tsv --tmb tmb.tsv "
    "--ctdna ctdna.tsv --ihc ihc_patient.tsv --labs labs_patient.tsv --rejects "
    "rejects_ihc.tsv rejects_labs.tsv --out biomarkers.tsv --out-rejects rejects.tsv"
)
DESCRIPTION = (
    "One row per randomised patient: endpoints and biomarkers, with the pre-specified dichotomies."
)


def merge_parser() -> argparse.ArgumentParser:
    """Arguments of outcome-merge."""
    parser = make_parser("outcome-merge", DESCRIPTION, EXAMPLE)
    parser.add_argument("--clinical-endpoints", required=True, help="clinical_endpoints.tsv")
    parser.add_argument("--tmb", help="cohort/tmb.tsv (one row per tumour sample)")
    parser.add_argument("--ctdna", help="ctdna.tsv (one row per plasma sample)")
    parser.add_argument("--ihc", help="ihc_patient.tsv")
    parser.add_argument("--labs", help="labs_patient.tsv")
    parser.add_argument("--rejects", nargs="*", default=[], help="stage rejects tables")
    parser.add_argument(
        "--tmb-rule",
        choices=TMB_RULES,
        default="first",
        help="several tumour samples: max TMB or smallest sample id (default: %(default)s)",
    )
    cuts = (
        ("tmb-high", merge.TMB_HIGH_CUT, "FDA TMB-H"),
        ("cps-cut", merge.CPS_CUT, "22C3 CPS ≥ 1"),
        ("nlr-cut", merge.NLR_CUT, "Somasundaram et al. 2023"),
        ("mgps-cut", merge.MGPS_CUT, "McMillan 2013"),
    )
    add_option_family(
        parser, "--{}", float, "dichotomy: value >= cut (default: %(default)s, {})", cuts
    )
    parser.add_argument("--out", required=True, help="biomarkers.tsv (.parquet beside it)")
    parser.add_argument("--out-rejects", required=True, help="cohort rejects.tsv")
    return parser


def _merge(args: argparse.Namespace) -> None:
    result = merge_biomarkers(options_from(MergeOptions, args))  # absent inputs: NA columns
    merge_io.write_merge(result.biomarkers, result.rejects, args.out, args.out_rejects)


def merge_main(argv=None) -> int:
    """Entry point of outcome-merge."""
    return run_cli(merge_parser(), _merge, argv)
