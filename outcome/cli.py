"""Console scripts of the outcome package.

outcome-clinical and outcome-merge (first section; method: docs/clinical.md) derive the
clinical endpoints and build the per-patient biomarker table. outcome-associate and
outcome-report follow in their own section below.
"""

from __future__ import annotations

import argparse
import logging
import re

from outcome import censoring, endpoints, irecist, merge, merge_io, multivariable_cli
from outcome.exceptions import OutcomeInputError
from stereosarc.clikit import make_parser, run_cli

LOG = logging.getLogger("outcome.cli")

# ============================================================================================
# outcome-clinical
# ============================================================================================

CLINICAL_EXAMPLE = (
    "outcome-clinical --clinical clinical.csv --out clinical_endpoints.tsv "
    "--rejects rejects_clinical.tsv"
)


def clinical_parser() -> argparse.ArgumentParser:
    """Arguments of outcome-clinical."""
    parser = make_parser(
        "outcome-clinical",
        "PFS, 6-month PFS, OS and objective response per randomised patient.",
        CLINICAL_EXAMPLE,
    )
    parser.add_argument("--clinical", required=True, help="clinical table (DESIGN.md)")
    parser.add_argument(
        "--pfs-horizon-days",
        type=float,
        default=endpoints.PFS_6M_DAYS,
        help="pfs_6m horizon in days (default: %(default)s, DESIGN.md)",
    )
    parser.add_argument(
        "--ne-missing",
        action="store_true",
        help="best response NE gives objective_response NA instead of 0",
    )
    parser.add_argument(
        "--assessment-interval-days",
        type=float,
        default=censoring.ASSESSMENT_INTERVAL_DAYS,
        help="scheduled tumour-assessment interval for the missed-assessment "
        "PFS censoring rule (default: %(default)s; to confirm against "
        "the protocol)",
    )
    parser.add_argument(
        "--assessment-window-days",
        type=float,
        default=censoring.ASSESSMENT_WINDOW_DAYS,
        help="visit window added to 2 intervals (default: %(default)s)",
    )
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
    """outcome-clinical: read, derive endpoints, write endpoints and rejects."""
    if (
        args.pfs_horizon_days <= 0
        or args.assessment_interval_days <= 0
        or args.assessment_window_days < 0
    ):
        raise OutcomeInputError(
            "--pfs-horizon-days and --assessment-interval-days must be > 0, "
            "--assessment-window-days >= 0"
        )
    clinical = merge_io.read_clinical(args.clinical)
    table, rejects = endpoints.derive(
        clinical,
        re.compile(merge_io.IDENTIFIER_PATTERN),
        args.pfs_horizon_days,
        not args.ne_missing,
        args.assessment_interval_days,
        args.assessment_window_days,
        args.irecist_unconfirmed,
    )
    LOG.info(
        "%s: %d rows; %d patients with endpoints; %d PFS events; %d rejects",
        args.clinical,
        len(clinical),
        len(table),
        int(table["pfs_event"].eq(1).sum()),
        len(rejects),
    )
    merge_io.write_endpoints(table, merge.combine_rejects([], rejects), args.out, args.rejects)


def clinical_main(argv=None) -> int:
    """Entry point of outcome-clinical."""
    return run_cli(clinical_parser(), _clinical, argv)


# ============================================================================================
# outcome-merge
# ============================================================================================

MERGE_EXAMPLE = (
    "outcome-merge --clinical-endpoints clinical_endpoints.tsv --tmb tmb.tsv "
    "--ctdna ctdna.tsv --ihc ihc_patient.tsv --labs labs_patient.tsv --rejects "
    "rejects_ihc.tsv rejects_labs.tsv --out biomarkers.tsv --out-rejects rejects.tsv"
)


def merge_parser() -> argparse.ArgumentParser:
    """Arguments of outcome-merge."""
    parser = make_parser(
        "outcome-merge",
        "One row per randomised patient: endpoints and "
        "biomarkers, with the pre-specified dichotomies.",
        MERGE_EXAMPLE,
    )
    parser.add_argument("--clinical-endpoints", required=True, help="clinical_endpoints.tsv")
    parser.add_argument("--tmb", help="cohort/tmb.tsv (one row per tumour sample)")
    parser.add_argument("--ctdna", help="ctdna.tsv (one row per plasma sample)")
    parser.add_argument("--ihc", help="ihc_patient.tsv")
    parser.add_argument("--labs", help="labs_patient.tsv")
    parser.add_argument("--rejects", nargs="*", default=[], help="stage rejects tables")
    parser.add_argument(
        "--tmb-rule",
        choices=["max", "first"],
        default="first",
        help="several tumour samples: max TMB or smallest sample id (default: %(default)s)",
    )
    for name, default, source in (
        ("tmb-high", merge.TMB_HIGH_CUT, "FDA TMB-H"),
        ("cps-cut", merge.CPS_CUT, "22C3 CPS ≥ 1"),
        ("nlr-cut", merge.NLR_CUT, "Somasundaram et al. 2023"),
        ("mgps-cut", merge.MGPS_CUT, "McMillan 2013"),
    ):
        parser.add_argument(
            f"--{name}",
            type=float,
            default=default,
            help=f"dichotomy: value >= cut (default: %(default)s, {source})",
        )
    parser.add_argument("--out", required=True, help="biomarkers.tsv (.parquet beside it)")
    parser.add_argument("--out-rejects", required=True, help="cohort rejects.tsv")
    return parser


def _optional_inputs(args: argparse.Namespace) -> dict:
    """The per-sample and per-patient tables that were given (None for the others)."""
    ihc_numeric = [c for c in merge.IHC_COLUMNS if c != "pdl1_ic_category"]
    return {
        "tmb": merge_io.read_tmb(args.tmb) if args.tmb else None,
        "ctdna": merge_io.read_ctdna(args.ctdna) if args.ctdna else None,
        "ihc": merge_io.read_patient_table(args.ihc, ihc_numeric) if args.ihc else None,
        "labs_table": (
            merge_io.read_patient_table(args.labs, merge.LABS_COLUMNS) if args.labs else None
        ),
    }


def _merge(args: argparse.Namespace) -> None:
    """outcome-merge: read, merge, log missingness, write biomarkers and cohort rejects."""
    endpoints_table = merge_io.read_endpoints(args.clinical_endpoints)
    inputs = _optional_inputs(args)
    cuts = {"tmb": args.tmb_high, "cps": args.cps_cut, "nlr": args.nlr_cut, "mgps": args.mgps_cut}
    biomarkers, own = merge.merge(endpoints_table, cuts=cuts, tmb_rule=args.tmb_rule, **inputs)
    rejects = merge.combine_rejects(merge_io.read_rejects(args.rejects), own)
    absent = [name for name, table in inputs.items() if table is None]
    LOG.info(
        "%d patients; inputs absent (NA columns): %s; %d merge rejects; %d rejects in total",
        len(biomarkers),
        ", ".join(absent) or "none",
        len(own),
        len(rejects),
    )
    for row in merge.missingness(biomarkers).itertuples(index=False):
        LOG.info("missing %-28s %d/%d", row.biomarker, row.n_missing, row.n)
    merge_io.write_merge(biomarkers, rejects, args.out, args.out_rejects)


def merge_main(argv=None) -> int:
    """Entry point of outcome-merge."""
    return run_cli(merge_parser(), _merge, argv)


# ============================================================================================
# outcome-associate and outcome-report (owned by another engineer; appended below)
# ============================================================================================

# --------------------------------------------------------------------------------------------
# outcome-associate (method: docs/statistics.md)
# --------------------------------------------------------------------------------------------

ASSOCIATE_EXAMPLE = (
    "outcome-associate --biomarkers biomarkers.tsv --ctdna ctdna.tsv "
    "--seed 20240601 --out associations.tsv --out-km km.tsv "
    "--out-primary primary_endpoint.tsv --out-missingness missingness.tsv"
)


def associate_parser() -> argparse.ArgumentParser:
    """Arguments of outcome-associate."""
    from outcome import associations, primary

    defaults = associations.Settings()
    parser = make_parser(
        "outcome-associate",
        "Association of every biomarker with PFS and "
        "objective response (Cox, log-rank, KM, Fisher, logistic, BH).",
        ASSOCIATE_EXAMPLE,
    )
    parser.add_argument("--biomarkers", required=True, help="biomarkers.tsv (outcome-merge)")
    parser.add_argument("--ctdna", help="ctdna.tsv (one row per plasma sample; optional)")
    parser.add_argument(
        "--seed",
        type=int,
        default=defaults.seed,
        help="bootstrap seed (default: %(default)s, project default)",
    )
    parser.add_argument(
        "--min-events",
        type=float,
        default=defaults.min_events_per_variable,
        help="events per model parameter below which a model is refused "
        "(default: %(default)s, Peduzzi 1996)",
    )
    parser.add_argument(
        "--min-n",
        type=int,
        default=defaults.min_n,
        help="patients below which no model is fitted (default: %(default)s)",
    )
    parser.add_argument(
        "--landmark-days",
        type=float,
        default=defaults.landmark_days,
        help="landmark for month-6 ctDNA (default: %(default)s = 6 months)",
    )
    parser.add_argument(
        "--landmark-window-days",
        type=float,
        default=defaults.landmark_window_days,
        help="a month-6 sample counts at the landmark only when drawn in "
        "[landmark - window, landmark] and before progression "
        "(default: %(default)s days)",
    )
    parser.add_argument(
        "--n-bootstrap",
        type=int,
        default=defaults.n_bootstrap,
        help="bootstrap resamples for the AUC (default: %(default)s)",
    )
    parser.add_argument(
        "--enet-repeats",
        type=int,
        default=defaults.enet_repeats,
        help="repeats of 5-fold CV of the elastic-net Cox (0: skip; default: %(default)s)",
    )
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
        ("imputations", defaults.mice_imputations, "m, completed datasets (>= 2)"),
        ("iterations", defaults.mice_iterations, "chained-equation cycles per dataset"),
    ):
        parser.add_argument(
            f"--mice-{name}",
            type=int,
            default=default,
            help=f"MICE sensitivity analysis: {what} (default: %(default)s)",
        )
    parser.add_argument("--out", required=True, help="associations.tsv")
    parser.add_argument("--out-km", required=True, help="km.tsv (KM curves for the report)")
    parser.add_argument("--out-primary", help="primary_endpoint.tsv (primary endpoint table)")
    parser.add_argument("--out-irecist", help="irecist.tsv (iRECIST analyses beside RECIST)")
    multivariable_cli.add_arguments(parser)
    parser.add_argument("--out-missingness", help="missingness.tsv (by arm and histology)")
    return parser


def _associate(args: argparse.Namespace) -> None:
    """outcome-associate: read, run the analysis family, write both tables."""
    from outcome import associations, irecist_analysis, missing_data, primary, stats_io

    if (
        args.min_events <= 0
        or args.min_n < 2
        or args.n_bootstrap < 1
        or args.landmark_days <= 0
        or args.landmark_window_days < 0
    ):
        raise OutcomeInputError(
            "--min-events and --landmark-days must be > 0, --min-n >= 2, "
            "--n-bootstrap >= 1, --landmark-window-days >= 0"
        )
    if not 0 < args.primary_alpha < 0.5:
        raise OutcomeInputError("--primary-alpha must be in (0, 0.5)")
    if args.mice_imputations < 2 or args.mice_iterations < 1:
        raise OutcomeInputError("--mice-imputations must be >= 2, --mice-iterations >= 1")
    biomarkers = stats_io.read_biomarkers(args.biomarkers)
    ctdna = stats_io.read_optional(args.ctdna, ["patient", "sample", "timepoint"])
    settings = associations.Settings(
        seed=args.seed,
        min_n=args.min_n,
        min_events_per_variable=args.min_events,
        landmark_days=args.landmark_days,
        landmark_window_days=args.landmark_window_days,
        n_bootstrap=args.n_bootstrap,
        enet_repeats=max(args.enet_repeats, 0),
        mice_imputations=args.mice_imputations,
        mice_iterations=args.mice_iterations,
    )
    multivariable_cli.run(args, biomarkers, settings)
    if args.out_missingness:
        stats_io.write_missingness(
            missing_data.missingness_table(biomarkers), args.out_missingness
        )
    table, km = associations.associate(biomarkers, ctdna, settings)
    km = irecist_analysis.with_ipfs_curves(km, biomarkers, settings)
    refused = table["note"].fillna("").str.contains("not fitted|not tested|skipped")
    LOG.info(
        "%d association rows; %d refused or skipped (reason in note); %d KM curve rows",
        len(table),
        int(refused.sum()),
        len(km),
    )
    stats_io.write_associations(table, km, args.out, args.out_km)
    if args.out_primary:
        design = primary.PrimarySettings(
            args.primary_alpha,
            args.primary_sided,
            args.primary_censoring,
            settings.pfs_horizon_days,
        )
        table = primary.analyse(biomarkers, design)
        LOG.info(
            "primary endpoint: %d rows (%s-sided alpha %g, censoring %s)",
            len(table),
            args.primary_sided,
            args.primary_alpha,
            args.primary_censoring,
        )
        stats_io.write_primary(table, args.out_primary)
    if args.out_irecist:
        table = irecist_analysis.analyse(biomarkers, settings)
        LOG.info("iRECIST: %d rows", len(table))
        stats_io.write_irecist(table, args.out_irecist)


def associate_main(argv=None) -> int:
    """Entry point of outcome-associate."""
    return run_cli(associate_parser(), _associate, argv)


# --------------------------------------------------------------------------------------------
# outcome-report (self-contained HTML; method: docs/statistics.md)
# --------------------------------------------------------------------------------------------

REPORT_EXAMPLE = (
    "outcome-report --biomarkers biomarkers.tsv --associations associations.tsv "
    "--km km.tsv --ctdna ctdna.tsv --rejects rejects.tsv --params params.json "
    "--out report.html"
)


def report_parser() -> argparse.ArgumentParser:
    """Arguments of outcome-report."""
    parser = make_parser(
        "outcome-report",
        "Self-contained HTML report: flow, missingness, KM "
        "plots, forest plot, ctDNA trajectories, methods.",
        REPORT_EXAMPLE,
    )
    parser.add_argument("--biomarkers", required=True, help="biomarkers.tsv")
    parser.add_argument("--associations", required=True, help="associations.tsv")
    for name, what in (
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
    ):
        parser.add_argument(f"--{name}", help=f"{what} (optional; section says 'no data')")
    parser.add_argument("--out", required=True, help="report.html")
    return parser


def _report(args: argparse.Namespace) -> None:
    """outcome-report: read what exists, render, write atomically."""
    from outcome import report, stats_io

    inputs = report.ReportInputs(
        biomarkers=stats_io.read_biomarkers(args.biomarkers),
        associations=stats_io.read_optional(
            args.associations,
            ["family", "biomarker", "endpoint", "method", "estimate", "p_value", "note"],
        ),
        km=stats_io.read_optional(args.km, ["curve", "group", "time", "surv"]),
        ctdna=stats_io.read_optional(
            args.ctdna, ["patient", "timepoint", "tumour_fraction", "detected"]
        ),
        dynamics=stats_io.read_optional(args.dynamics, ["patient"]),
        cn=stats_io.read_optional(args.cn, ["sample"]),
        rejects=stats_io.read_optional(args.rejects, ["file", "reason"]),
        params=stats_io.read_params(args.params),
        primary=stats_io.read_optional(args.primary, ["population", "censoring", "analysis"]),
        irecist=stats_io.read_optional(args.irecist, ["endpoint", "analysis", "group"]),
        multivariable=stats_io.read_optional(args.multivariable, ["analysis", "term", "hr"]),
        validation=stats_io.read_optional(args.validation, ["quantity", "group"]),
    )
    html = report.render(inputs)
    LOG.info("report: %d bytes", len(html))
    stats_io.write_report(html, args.out)


def report_main(argv=None) -> int:
    """Entry point of outcome-report."""
    return run_cli(report_parser(), _report, argv)
