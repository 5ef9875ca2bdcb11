"""outcome-associate: association of every biomarker with PFS and objective response, the
primary endpoint, iRECIST, the multivariable model and its validation (docs/statistics.md).

Thin: parse, build outcome.associate_command.AssociateOptions, call
outcome.associate_command.associate_cohort, write each table that was asked for.
"""

from __future__ import annotations

import argparse

from outcome import censoring, multivariable, primary, stats_io, validation
from outcome.associate_command import DEFAULTS, AssociateOptions, associate_cohort
from stereosarc.clikit import make_parser, options_from, run_cli

DESCRIPTION = (
    "Association of every biomarker with PFS and objective response "
    "(Cox, log-rank, KM, Fisher, logistic, BH)."
)
EXAMPLE = (
    "outcome-associate --biomarkers biomarkers.tsv --ctdna ctdna.tsv "
    "--seed 20240601 --out associations.tsv --out-km km.tsv "
    "--out-primary primary_endpoint.tsv --out-missingness missingness.tsv"
)
# optional outputs: option, what it holds, table (AssociateOptions <table>_table, result field)
OPTIONAL_OUTPUTS = (
    ("out_primary", "primary_endpoint.tsv (primary endpoint table)", "primary"),
    ("out_irecist", "irecist.tsv (iRECIST analyses beside RECIST)", "irecist"),
    ("out_multivariable", "multivariable.tsv (multivariable model)", "multivariable"),
    ("out_validation", "model_validation.tsv (its validation)", "validation"),
    ("out_missingness", "missingness.tsv (by arm and histology)", "missingness"),
)
WRITERS = {
    "primary": stats_io.write_primary,
    "irecist": stats_io.write_irecist,
    "multivariable": stats_io.write_multivariable,
    "validation": stats_io.write_validation,
    "missingness": stats_io.write_missingness,
}


def _add_family_arguments(parser: argparse.ArgumentParser) -> None:
    """Seed, model thresholds, landmark and resampling of the association family."""
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULTS.seed,
        help="bootstrap seed (default: %(default)s, project default)",
    )
    parser.add_argument(
        "--min-events",
        type=float,
        default=DEFAULTS.min_events_per_variable,
        help="events per model parameter below which a model is refused "
        "(default: %(default)s, Peduzzi 1996)",
    )
    parser.add_argument(
        "--min-n",
        type=int,
        default=DEFAULTS.min_n,
        help="patients below which no model is fitted (default: %(default)s)",
    )
    parser.add_argument(
        "--landmark-days",
        type=float,
        default=DEFAULTS.landmark_days,
        help="landmark for month-6 ctDNA (default: %(default)s = 6 months)",
    )
    parser.add_argument(
        "--landmark-window-days",
        type=float,
        default=DEFAULTS.landmark_window_days,
        help="a month-6 sample counts at the landmark only when drawn in "
        "[landmark - window, landmark] and before progression "
        "(default: %(default)s days)",
    )
    parser.add_argument(
        "--n-bootstrap",
        type=int,
        default=DEFAULTS.n_bootstrap,
        help="bootstrap resamples for the AUC (default: %(default)s)",
    )
    parser.add_argument(
        "--enet-repeats",
        type=int,
        default=DEFAULTS.enet_repeats,
        help="repeats of 5-fold CV of the elastic-net Cox (0: skip; default: %(default)s)",
    )


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """The primary test, the MICE sensitivity analysis and the multivariable model."""
    parser.add_argument(
        "--primary-alpha",
        type=float,
        default=primary.ALPHA,
        help="significance level of the primary test (default: %(default)s, "
        "randomised phase II screening; to confirm against the SAP)",
    )
    parser.add_argument(
        "--primary-sided",
        choices=primary.SIDES,
        default=primary.SIDED,
        help="sidedness of the primary test (default: %(default)s)",
    )
    parser.add_argument(
        "--primary-censoring",
        choices=censoring.RULES,
        default="standard",
        help="PFS censoring rule of the primary analysis; the others are "
        "sensitivity analyses (default: %(default)s, DESIGN.md)",
    )
    for name, default, what in (
        ("imputations", DEFAULTS.mice_imputations, "m, completed datasets (>= 2)"),
        ("iterations", DEFAULTS.mice_iterations, "chained-equation cycles per dataset"),
    ):
        parser.add_argument(
            f"--mice-{name}",
            type=int,
            default=default,
            help=f"MICE sensitivity analysis: {what} (default: %(default)s)",
        )
    parser.add_argument(
        "--multivariable-covariates",
        default=",".join(multivariable.DEFAULT_COVARIATES),
        help="comma-separated biomarkers.tsv columns of the pre-specified multivariable Cox "
        "model, each on its registry scale (default: %(default)s)",
    )
    parser.add_argument(
        "--validation-bootstraps",
        type=int,
        default=validation.N_BOOTSTRAP,
        help="bootstrap resamples of the optimism-corrected C and calibration slope "
        "(default: %(default)s, Harrell 1996)",
    )


def associate_parser() -> argparse.ArgumentParser:
    """Arguments of outcome-associate."""
    parser = make_parser("outcome-associate", DESCRIPTION, EXAMPLE)
    parser.add_argument("--biomarkers", required=True, help="biomarkers.tsv (outcome-merge)")
    parser.add_argument("--ctdna", help="ctdna.tsv (one row per plasma sample; optional)")
    _add_family_arguments(parser)
    _add_model_arguments(parser)
    parser.add_argument("--out", required=True, help="associations.tsv")
    parser.add_argument("--out-km", required=True, help="km.tsv (KM curves for the report)")
    for option, what, _ in OPTIONAL_OUTPUTS:
        parser.add_argument(f"--{option.replace('_', '-')}", help=what)
    return parser


def _associate(args: argparse.Namespace) -> None:
    options = options_from(
        AssociateOptions,
        args,
        min_events_per_variable=args.min_events,
        covariates=multivariable.parse_covariates(args.multivariable_covariates),
        **{f"{table}_table": bool(getattr(args, option)) for option, _, table in OPTIONAL_OUTPUTS},
    )
    result = associate_cohort(options)
    stats_io.write_associations(result.associations, result.km, args.out, args.out_km)
    for option, _, table in OPTIONAL_OUTPUTS:
        if getattr(args, option):
            WRITERS[table](getattr(result, table), getattr(args, option))


def associate_main(argv=None) -> int:
    """Entry point of outcome-associate."""
    return run_cli(associate_parser(), _associate, argv)
