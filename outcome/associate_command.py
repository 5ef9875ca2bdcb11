"""outcome-associate as a library call: options in, the association tables out.

Recipe (method: docs/statistics.md), in this order: the pre-specified multivariable Cox
model with its MICE sensitivity rows (outcome.multivariable, outcome.missing_data) and its
bootstrap validation (outcome.validation); missingness by arm and histology; the family of
association rows and KM curves (outcome.associations) with the iPFS curves
(outcome.irecist_analysis); the primary-endpoint table (outcome.primary); the iRECIST
analyses. Tables that were not asked for are not computed (None in the result).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from outcome import (
    associations,
    censoring,
    irecist_analysis,
    missing_data,
    multivariable,
    primary,
    stats_io,
    validation,
)
from outcome.exceptions import OutcomeInputError
from outcome.family import Settings

LOG = logging.getLogger("outcome.associate_command")
DEFAULTS = Settings()  # defaults of the analysis family (outcome.family)


@dataclass(frozen=True)
class AssociateOptions:
    """What outcome-associate reads, its analysis parameters and which tables it makes."""

    biomarkers: Path  # biomarkers.tsv (outcome-merge)
    ctdna: Path | None = None  # ctdna.tsv, for the time-varying ctDNA Cox row
    family: Settings = field(default_factory=Settings)  # enet_repeats <= 0: elastic net off
    primary_alpha: float = primary.ALPHA
    primary_sided: str = primary.SIDED
    primary_censoring: str = "standard"  # PFS censoring rule of the primary analysis
    covariates: tuple[str, ...] = multivariable.DEFAULT_COVARIATES  # multivariable model
    validation_bootstraps: int = validation.N_BOOTSTRAP
    primary_table: bool = True  # primary_endpoint.tsv
    irecist_table: bool = True  # irecist.tsv
    multivariable_table: bool = True  # multivariable.tsv
    validation_table: bool = True  # model_validation.tsv
    missingness_table: bool = True  # missingness.tsv

    def __post_init__(self) -> None:
        family = self.family
        if (
            family.min_events_per_variable <= 0
            or family.min_n < 2
            or family.n_bootstrap < 1
            or family.landmark_days <= 0
            or family.landmark_window_days < 0
        ):
            raise OutcomeInputError(
                "--min-events and --landmark-days must be > 0, --min-n >= 2, "
                "--n-bootstrap >= 1, --landmark-window-days >= 0"
            )
        if not 0 < self.primary_alpha < 0.5:
            raise OutcomeInputError("--primary-alpha must be in (0, 0.5)")
        if (
            self.primary_sided not in primary.SIDES
            or self.primary_censoring not in censoring.RULES
        ):
            raise OutcomeInputError(
                f"--primary-sided one of {', '.join(primary.SIDES)}, "
                f"--primary-censoring one of {', '.join(censoring.RULES)}"
            )
        if family.mice_imputations < 2 or family.mice_iterations < 1:
            raise OutcomeInputError("--mice-imputations must be >= 2, --mice-iterations >= 1")
        if self.validation_bootstraps < 1:
            raise OutcomeInputError("--validation-bootstraps must be >= 1")
        multivariable.parse_covariates(",".join(self.covariates))

    def settings(self) -> Settings:
        """The settings of the analysis family (outcome.family.Settings) with a negative
        enet_repeats read as 0 (elastic net off)."""
        return replace(self.family, enet_repeats=max(self.family.enet_repeats, 0))


@dataclass(frozen=True)
class AssociateResult:
    """associations.tsv and km.tsv rows, and each other table (None when not asked for)."""

    associations: pd.DataFrame
    km: pd.DataFrame
    primary: pd.DataFrame | None = None
    irecist: pd.DataFrame | None = None
    multivariable: pd.DataFrame | None = None
    validation: pd.DataFrame | None = None
    missingness: pd.DataFrame | None = None


def with_mice(rows: pd.DataFrame, biomarkers, spec, settings) -> pd.DataFrame:
    """The complete-case rows followed by the MICE rows of the same model (the missing-data
    sensitivity analysis, outcome.missing_data), in the columns of multivariable.tsv."""
    frame = multivariable.model_frame(biomarkers, spec)
    mice = missing_data.mice_rows(frame, spec.terms, settings)
    mice = mice.reindex(columns=rows.columns).astype(rows.dtypes.to_dict(), errors="ignore")
    return pd.concat([rows, mice], ignore_index=True)


def _multivariable_tables(biomarkers, options: AssociateOptions, settings: Settings) -> dict:
    """multivariable.tsv (complete case and MICE) and model_validation.tsv, as asked."""
    if not (options.multivariable_table or options.validation_table):
        return {}
    spec = multivariable.ModelSpec(
        options.covariates, settings.level, settings.min_n, settings.min_events_per_variable
    )
    model = multivariable.fit_complete_case(biomarkers, spec)
    tables = {}
    if options.multivariable_table:
        tables["multivariable"] = with_mice(model.to_frame(), biomarkers, spec, settings)
    if options.validation_table:
        design = validation.ValidationSettings(
            options.validation_bootstraps, settings.seed, settings.pfs_horizon_days
        )
        tables["validation"] = validation.validate(model, design)
    return tables


def _primary_table(biomarkers, options: AssociateOptions, settings: Settings) -> pd.DataFrame:
    design = primary.PrimarySettings(
        options.primary_alpha,
        options.primary_sided,
        options.primary_censoring,
        settings.pfs_horizon_days,
    )
    table = primary.analyse(biomarkers, design)
    LOG.info(
        "primary endpoint: %d rows (%s-sided alpha %g, censoring %s)",
        len(table),
        options.primary_sided,
        options.primary_alpha,
        options.primary_censoring,
    )
    return table


def associate_cohort(options: AssociateOptions) -> AssociateResult:
    """Read biomarkers.tsv (and ctdna.tsv) and run the analyses asked for (module doc)."""
    biomarkers = stats_io.read_biomarkers(options.biomarkers)
    ctdna = stats_io.read_optional(options.ctdna, ["patient", "sample", "timepoint"])
    settings = options.settings()
    tables = _multivariable_tables(biomarkers, options, settings)
    if options.missingness_table:
        tables["missingness"] = missing_data.missingness_table(biomarkers)
    table, km = associations.associate(biomarkers, ctdna, settings)
    km = irecist_analysis.with_ipfs_curves(km, biomarkers, settings)
    refused = table["note"].fillna("").str.contains("not fitted|not tested|skipped")
    LOG.info(
        "%d association rows; %d refused or skipped (reason in note); %d KM curve rows",
        len(table),
        int(refused.sum()),
        len(km),
    )
    if options.primary_table:
        tables["primary"] = _primary_table(biomarkers, options, settings)
    if options.irecist_table:
        tables["irecist"] = irecist_analysis.analyse(biomarkers, settings)
        LOG.info("iRECIST: %d rows", len(tables["irecist"]))
    return AssociateResult(table, km, **tables)
