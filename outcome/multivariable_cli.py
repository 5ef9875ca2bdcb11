"""outcome-associate options and outputs of the multivariable model (outcome.multivariable,
outcome.validation), kept beside outcome.cli, which calls ``add_arguments`` and ``run``.

Options: --multivariable-covariates (comma-separated biomarkers.tsv columns, default the
pre-specified set), --validation-bootstraps (resamples of the optimism bootstrap, default
200), --out-multivariable (multivariable.tsv) and --out-validation (model_validation.tsv).
The seed, CI level, minimum n, minimum events per variable and the 6-month horizon are those
of outcome-associate (--seed, --min-n, --min-events).
"""

from __future__ import annotations

import argparse
import logging

import pandas as pd

from outcome import missing_data, multivariable, validation
from outcome.exceptions import OutcomeInputError

LOG = logging.getLogger("outcome.multivariable_cli")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The multivariable-model options of outcome-associate."""
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
    parser.add_argument("--out-multivariable", help="multivariable.tsv (multivariable model)")
    parser.add_argument("--out-validation", help="model_validation.tsv (its validation)")


def with_mice(rows: pd.DataFrame, biomarkers, spec, settings) -> pd.DataFrame:
    """The complete-case rows followed by the MICE rows of the same model (the missing-data
    sensitivity analysis, outcome.missing_data), in the columns of multivariable.tsv."""
    frame = multivariable.model_frame(biomarkers, spec)
    mice = missing_data.mice_rows(frame, spec.terms, settings)
    mice = mice.reindex(columns=rows.columns).astype(rows.dtypes.to_dict(), errors="ignore")
    return pd.concat([rows, mice], ignore_index=True)


def run(args: argparse.Namespace, biomarkers, settings) -> None:
    """Fit, validate and write what was asked (nothing when neither output is given)."""
    from outcome import stats_io

    if not (args.out_multivariable or args.out_validation):
        return
    if args.validation_bootstraps < 1:
        raise OutcomeInputError("--validation-bootstraps must be >= 1")
    spec = multivariable.ModelSpec(
        multivariable.parse_covariates(args.multivariable_covariates),
        settings.level,
        settings.min_n,
        settings.min_events_per_variable,
    )
    model = multivariable.fit_complete_case(biomarkers, spec)
    if args.out_multivariable:
        stats_io.write_multivariable(
            with_mice(model.to_frame(), biomarkers, spec, settings), args.out_multivariable
        )
    if args.out_validation:
        design = validation.ValidationSettings(
            args.validation_bootstraps, settings.seed, settings.pfs_horizon_days
        )
        stats_io.write_validation(validation.validate(model, design), args.out_validation)
