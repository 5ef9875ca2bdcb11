"""outcome-associate: association of every biomarker with PFS and objective response, the
primary endpoint, iRECIST, the multivariable model and its validation (docs/statistics.md).

Thin: parse, build outcome.associate_command.AssociateOptions, call
outcome.associate_command.associate_cohort, write each table that was asked for.
"""

from __future__ import annotations

import argparse

from outcome import censoring, multivariable, primary, stats_io, validation
from outcome.associate_command import DEFAULTS, AssociateOptions, associate_cohort
from outcome.family import Settings
from stereosarc.clikit import (
    add_option_family,
    add_options,
    make_parser,
    options_from,
    run_cli,
)

DESCRIPTION = (
    "Association of every biomarker with PFS and objective response "
    "(Cox, log-rank, KM, Fisher, logistic, BH)."
)
DEFAULT = " (default: %(default)s)"  # argparse fills in the option's default
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
FAMILY_OPTIONS = (  # flag, type, default, help
    ("--seed", int, DEFAULTS.seed, "bootstrap seed (default: %(default)s, project default)"),
    (
        "--min-events",
        float,
        DEFAULTS.min_events_per_variable,
        "events per model parameter below which a model is refused "
        "(default: %(default)s, Peduzzi 1996)",
    ),
    ("--min-n", int, DEFAULTS.min_n, "patients below which no model is fitted" + DEFAULT),
    (
        "--landmark-days",
        float,
        DEFAULTS.landmark_days,
        "landmark for month-6 ctDNA (default: %(default)s = 6 months)",
    ),
    (
        "--landmark-window-days",
        float,
        DEFAULTS.landmark_window_days,
        "a month-6 sample counts at the landmark only when drawn in "
        "[landmark - window, landmark] and before progression "
        "(default: %(default)s days)",
    ),
    ("--n-bootstrap", int, DEFAULTS.n_bootstrap, "bootstrap resamples for the AUC" + DEFAULT),
    (
        "--enet-repeats",
        int,
        DEFAULTS.enet_repeats,
        "repeats of 5-fold CV of the elastic-net Cox (0: skip; default: %(default)s)",
    ),
)
WRITERS = {
    "primary": stats_io.write_primary,
    "irecist": stats_io.write_irecist,
    "multivariable": stats_io.write_multivariable,
    "validation": stats_io.write_validation,
    "missingness": stats_io.write_missingness,
}


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


def _add_family_arguments(parser: argparse.ArgumentParser) -> None:
    """Seed, model thresholds, landmark and resampling of the association family."""
    add_options(parser, FAMILY_OPTIONS)


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
    mice = (
        ("imputations", DEFAULTS.mice_imputations, "m, completed datasets (>= 2)"),
        ("iterations", DEFAULTS.mice_iterations, "chained-equation cycles per dataset"),
    )
    add_option_family(parser, "--mice-{}", int, "MICE sensitivity analysis: {}" + DEFAULT, mice)
    add_options(
        parser,
        (
            (
                "--multivariable-covariates",
                None,
                ",".join(multivariable.DEFAULT_COVARIATES),
                "comma-separated biomarkers.tsv columns of the pre-specified multivariable Cox "
                "model, each on its registry scale (default: %(default)s)",
            ),
            (
                "--validation-bootstraps",
                int,
                validation.N_BOOTSTRAP,
                "bootstrap resamples of the optimism-corrected C and calibration slope "
                "(default: %(default)s, Harrell 1996)",
            ),
        ),
    )


def _associate(args: argparse.Namespace) -> None:
    options = options_from(
        AssociateOptions,
        args,
        family=options_from(Settings, args, min_events_per_variable=args.min_events),
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
