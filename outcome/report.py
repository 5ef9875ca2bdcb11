"""The self-contained HTML report (one file; figures embedded as base64 PNG, no external
links): patient and sample flow, missingness, primary comparison, biomarker associations
with a forest plot, KM plots, objective response, ctDNA trajectories, refused models and the
methods text filled with the parameter values used. A section whose input is absent says so.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

from outcome import figures, missing_data, report_irecist, report_multivariable, report_tables
from outcome.family import COLUMNS as ASSOCIATION_COLUMNS
from outcome.family import LANDMARK_MARKERS, Settings, baseline_markers

DETAIL_COLUMNS = ("n_missing", "ci_level", "statistic", "df")  # in associations.tsv only
MODEL_COLUMNS = ("events_per_variable", "adjusted_for", "detectable_hr")  # likewise
SHOWN_COLUMNS = [
    c for c in ASSOCIATION_COLUMNS if c not in ("family", *DETAIL_COLUMNS, *MODEL_COLUMNS)
]  # columns of the report tables
PARAM_ALIASES = {
    "min_events_per_variable": "assoc_min_events",
    "min_n": "assoc_min_n",
    "level": "ci_level",
}  # params.json names that differ from Settings fields
MAX_REJECT_ROWS = 50  # rejects listed in full up to this many; beyond, counts by reason only
STYLE = (
    "body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:"
    "collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 5px}"
    "h2{border-bottom:1px solid #888}.none{color:#a00}"
)


@dataclass
class ReportInputs:
    """What the report draws on: biomarkers.tsv, the other tables by name (the fields of
    outcome.report_command.ReportOptions: associations, km, ctdna, dynamics, cn, rejects,
    primary, irecist, multivariable, validation; a table not given is absent or None) and
    the run's params.json."""

    biomarkers: pd.DataFrame
    tables: dict[str, pd.DataFrame | None] = field(default_factory=dict)
    params: dict | None = None

    def table(self, name: str) -> pd.DataFrame | None:
        """The table called ``name``, None when the run did not make it."""
        return self.tables.get(name)


def _amp_log2(params: dict | None) -> float:
    """The MDM2 log2 threshold of the run (params.json ctdna_amp_log2), else ctdna.cn's default."""
    from ctdna.cn import AMP_LOG2

    value = (params or {}).get("ctdna_amp_log2")
    return AMP_LOG2 if value is None else float(value)


def _table(frame: pd.DataFrame) -> str:
    frame = frame.drop(columns=[c for c in frame.columns if c == "_row"])
    text = frame.select_dtypes(exclude="number").columns
    frame = frame.astype({c: object for c in text})
    frame[text] = frame[text].where(frame[text].notna(), "NA")
    return frame.to_html(index=False, escape=True, na_rep="NA", float_format=lambda v: f"{v:.4g}")


def _image(figure) -> str:
    return f'<img alt="figure" src="data:image/png;base64,{figures.to_base64_png(figure)}"/>'


def _none(what: str) -> str:
    return f'<p class="none">No data: {html.escape(what)}.</p>'


def _section(title: str, body: str) -> str:
    return f"<h2>{html.escape(title)}</h2>\n{body}\n"


def flow_section(inputs: ReportInputs) -> str:
    """Patients per arm, with PFS and response; plasma samples; rejects by stage and reason."""
    b = inputs.biomarkers
    counts = (
        pd.DataFrame(
            {
                "patients": b.groupby("arm").size(),
                "with PFS": b[b["pfs_days"].notna()].groupby("arm").size(),
                "PFS events": b.groupby("arm")["pfs_event"].sum(),
                "response evaluable": b[b["objective_response"].notna()].groupby("arm").size(),
            }
        )
        .fillna(0)
        .astype(int)
        .reset_index()
    )
    parts = [
        f"<p>{len(b)} randomised patients in biomarkers.tsv.</p>",
        _table(counts),
        _excluded_patients(b),
    ]
    ctdna = inputs.table("ctdna")
    if ctdna is not None:
        parts += [
            "<p>Plasma samples per timepoint (ctdna.tsv). A sample has a detected "
            "status only when a test was positive or an informative marker (a tumour "
            "site in the targets, tissue MDM2 amplification) was tested with a limit of "
            "detection low enough; the other samples are NA, counted by reason: "
            "no_informative_marker, below_lod, not_assessable (docs/ctdna.md).</p>",
            _table(_samples(ctdna)),
        ]
    else:
        parts.append(_none("ctdna.tsv not given"))
    rejects = inputs.table("rejects")
    if rejects is None:
        parts.append(_none("rejects.tsv not given (excluded rows unknown to the report)"))
    elif rejects.empty:
        parts.append("<p>No input row was rejected.</p>")
    else:
        keys = [c for c in ("stage", "file", "reason") if c in rejects]
        by_reason = rejects.groupby(keys).size().rename("rows").reset_index()
        parts += [
            f"<p>{len(rejects)} rejected rows (excluded, with reason):</p>",
            _table(by_reason),
        ]
        if len(rejects) <= MAX_REJECT_ROWS:
            parts.append(_table(rejects))
    return _section("Patient and sample flow", "\n".join(parts))


def _excluded_patients(biomarkers: pd.DataFrame) -> str:
    """Patients left out of the PFS or the response analyses, with the reason."""
    rows = []
    for patient in biomarkers.itertuples(index=False):
        if pd.isna(patient.pfs_days) or pd.isna(patient.pfs_event):
            rows.append((patient.patient, patient.arm, "PFS analyses", "no PFS (pfs_days NA)"))
        if pd.isna(patient.objective_response):
            rows.append(
                (
                    patient.patient,
                    patient.arm,
                    "response analyses",
                    "objective response not evaluable (NA)",
                )
            )
    if not rows:
        return "<p>Every patient has PFS and an objective-response status.</p>"
    table = pd.DataFrame(rows, columns=["patient", "arm", "excluded from", "reason"])
    return "<p>Patients excluded from an endpoint's analyses:</p>" + _table(table)


def _samples(ctdna: pd.DataFrame) -> pd.DataFrame:
    """Plasma samples per timepoint: total, with a detected status, detected, NA by
    reason_code (ctdna.markers) and the median LoD95 tumour fraction."""
    table = (
        ctdna.groupby("timepoint")
        .agg(
            samples=("patient", "size"),
            evaluable=("detected", "count"),
            detected=("detected", "sum"),
        )
        .reset_index()
    )
    if "reason_code" in ctdna.columns:
        codes = ctdna.groupby(["timepoint", "reason_code"]).size().unstack(fill_value=0)
        table = table.merge(codes.reset_index(), on="timepoint", how="left").fillna(0)
    if "lod95_tf" in ctdna.columns:
        lod = ctdna.groupby("timepoint")["lod95_tf"].median().rename("median_lod95_tf")
        table = table.merge(lod.reset_index(), on="timepoint", how="left")
    return table


def missingness_section(inputs: ReportInputs) -> str:
    """Missing data: share of patients missing each biomarker (figure) and missingness by arm
    and histology (outcome.missing_data, as cohort/missingness.tsv)."""
    columns = [m.column for m in baseline_markers(inputs.biomarkers.columns)]
    columns += [c for c in LANDMARK_MARKERS if c in inputs.biomarkers]
    if not columns:
        return _section("Missing data", _none("no biomarker column in biomarkers.tsv"))
    by_group = report_tables.missingness_by_group(
        missing_data.missingness_table(inputs.biomarkers)
    )
    body = _image(figures.missingness_figure(inputs.biomarkers, columns)) + _table(by_group)
    return _section("Missing data", body + f"<p>{html.escape(report_tables.MISSINGNESS_NOTE)}</p>")


def _rows(associations: pd.DataFrame, mask) -> pd.DataFrame:
    frame = associations[mask]
    return frame[[c for c in SHOWN_COLUMNS if c in frame]]


def _km_images(inputs: ReportInputs, curves: list[str]) -> str:
    km = inputs.table("km")
    if km is None or km.empty:
        return _none("km.tsv not given")
    present = [c for c in curves if c in set(km["curve"])]
    return "\n".join(_image(figures.km_figure(km, c)) for c in present) or _none(
        "no KM curve for these groups"
    )


def primary_section(inputs: ReportInputs) -> str:
    """The protocol's primary endpoint (primary_endpoint.tsv): the primary analysis, per-arm
    rates, follow-up and the sensitivity table across populations and censoring rules."""
    title = "Primary endpoint: PFS rate at 6 months, SBRT+atezolizumab vs SBRT"
    table = inputs.table("primary")
    if table is None or table.empty:
        return _section(title, _none("primary_endpoint.tsv not given"))
    main, sensitivity = report_tables.primary_tables(table)
    return _section(
        title,
        "<p>Primary analysis (population ITT, design test) and "
        "supporting rows:</p>"
        + _table(main)
        + "<p>Sensitivity: the tested difference under each population and PFS "
        "censoring rule:</p>" + _table(sensitivity),
    )


def association_sections(inputs: ReportInputs) -> str:
    """Primary comparison, biomarker tests with forest plot, KM plots, refused models."""
    a = inputs.table("associations")
    if a is None or a.empty:
        return _section("Associations", _none("associations.tsv not given or empty"))
    arm = a["biomarker"] == "arm"
    out = _section(
        "Primary comparison: SBRT+atezolizumab vs SBRT",
        _km_images(inputs, ["arm"]) + _table(_rows(a, arm)),
    )
    tests = a["family"].isin(["biomarker", "supportive", "exploratory"])
    forest = a["method"].isin(figures.FOREST_METHODS) & a["estimate"].notna()
    body = _image(figures.forest_figure(a)) if forest.any() else _none("no fitted Cox model")
    out += _section(
        "Biomarker associations (BH q-values across the biomarker family)",
        body + _table(_rows(a, tests)),
    )
    out += arm_section(a)
    shown_apart = {"arm", report_irecist.KM_CURVE}
    km = inputs.table("km")
    curves = sorted(set(km["curve"]) - shown_apart) if km is not None else []
    out += _section("Kaplan-Meier curves by biomarker group", _km_images(inputs, curves))
    described = (a["family"] == "descriptive") & ~arm
    out += _section("Medians, 6-month PFS and ORR by group", _table(_rows(a, described)))
    refused = a["note"].fillna("").str.contains("not fitted|not tested|skipped")
    out += _section(
        "Models refused or skipped (with reason)",
        _table(_rows(a, refused)) if refused.any() else "<p>None.</p>",
    )
    return out


def arm_section(a: pd.DataFrame) -> str:
    """Prognostic vs predictive: per-arm forest plot and the table of adjusted, per-arm and
    ratio-of-HR estimates (outcome.report_tables.prognostic_predictive)."""
    title = "Prognostic vs predictive (arm-adjusted, per-arm and arm x biomarker)"
    if "group" not in a or not (a["family"] == "per_arm").any():
        return _section(title, _none("no per-arm rows in associations.tsv"))
    fitted = a["method"].isin(figures.PER_ARM_METHODS) & a["estimate"].notna()
    body = (
        _image(figures.forest_per_arm_figure(a))
        if fitted.any()
        else _none("no per-arm Cox model fitted")
    )
    return _section(
        title,
        body
        + _table(report_tables.prognostic_predictive(a))
        + (
            f"<p>Reading: 'possible predictive' when the interaction p < "
            f"{report_tables.PREDICTIVE_P:g}; 'prognostic' when the arm-adjusted BH q < "
            f"{report_tables.PROGNOSTIC_Q:g} without such a signal. A phase II trial has little "
            "power for interactions: the detectable HR column says what this sample could "
            "detect.</p>"
        ),
    )


def _trajectories(ctdna: pd.DataFrame):
    from ctdna.figures import trajectories_figure  # one trajectories figure (ctdna.figures)

    return trajectories_figure(ctdna)


def ctdna_section(inputs: ReportInputs) -> str:
    """Trajectories (ctdna.tsv), dynamics table, MDM2 figure when copy number is given."""
    parts = []
    ctdna, cn, dynamics = (inputs.table(name) for name in ("ctdna", "cn", "dynamics"))
    if ctdna is None or ctdna.empty:
        parts.append(_none("ctdna.tsv not given"))
    else:
        parts.append(_image(_trajectories(ctdna)))
        if cn is not None:
            try:
                from ctdna.figures import mdm2_figure

                parts.append(_image(mdm2_figure(ctdna, cn, _amp_log2(inputs.params))))
            except (ImportError, KeyError, ValueError) as err:
                parts.append(_none(f"MDM2 figure not drawn ({err})"))
    if dynamics is None:
        parts.append(_none("ctdna_dynamics.tsv not given"))
    else:
        parts.append(_table(dynamics))
    parts.append("<p>Relapse samples are descriptive only (drawn after the event).</p>")
    return _section("ctDNA", "\n".join(parts))


def _parameter_values(params: dict | None) -> tuple[dict, str]:
    """Value of each analysis parameter (params.json where it has it, else the
    outcome-associate default) and a sentence saying which came from where."""
    settings, params = Settings(), params or {}
    value, given_names = {}, []
    for name in (
        "seed",
        "level",
        "min_n",
        "min_events_per_variable",
        "landmark_days",
        "pfs_horizon_days",
        "n_bootstrap",
        "enet_repeats",
    ):
        given = params.get(name, params.get(PARAM_ALIASES.get(name, name)))
        try:
            value[name] = getattr(settings, name) if given is None else float(given)
            given_names += [] if given is None else [name]
        except (TypeError, ValueError):
            value[name] = getattr(settings, name)
        if float(value[name]).is_integer() and name != "level":
            value[name] = int(value[name])
    if not params:
        return value, "Parameter values: outcome-associate defaults (no params.json given)."
    return value, (
        f"Parameter values: {', '.join(given_names) or 'none'} from params.json; "
        "the others are the outcome-associate defaults."
    )


def methods_section(inputs: ReportInputs) -> str:
    """Methods text with the parameter values used (params.json, else the defaults)."""
    value, source = _parameter_values(inputs.params)
    text = (
        f"{source} PFS was described by Kaplan-Meier with Greenwood variance and "
        f"{value['level']:.0%} pointwise intervals on the log scale (R survfit default "
        "conf.type = 'log'); median PFS with the CI read off the interval curves (R survfit); "
        f"the PFS rate at {value['pfs_horizon_days']} days from the KM curve. Arms and "
        "dichotomised biomarkers were compared with the log-rank test stratified by histology "
        "and line and with Cox models (Efron ties) with the same strata; biomarker effects "
        "were adjusted for arm (prognostic), estimated within each arm, and compared between "
        "arms by the ratio of hazard ratios (exp of the biomarker x arm coefficient, Wald "
        "test); continuous biomarkers entered on log2 (per doubling) or per-SD scales; each "
        "Cox row gives the HR detectable with 80 % power (Schoenfeld). The primary endpoint "
        "(6-month PFS rate difference between arms, Greenwood SE) is reported in its own "
        "section with the design's test. Proportional hazards were checked with "
        "the score test of R survival >= 3.0 cox.zph (Kaplan-Meier time transform); Harrell's "
        "C compares patients within strata. Models were refused with fewer than "
        f"{value['min_n']} patients or fewer than {value['min_events_per_variable']} events per "
        "parameter. Objective response: Clopper-Pearson intervals; Fisher's exact test with "
        "the conditional maximum-likelihood odds ratio and exact CI; logistic regression "
        "(Firth's penalised likelihood under separation); ROC AUC with "
        f"{value['n_bootstrap']} percentile bootstrap resamples (seed {value['seed']}) and the "
        "Wilcoxon rank-sum test. Month-6 ctDNA was analysed at a landmark of "
        f"{value['landmark_days']} days (patients progression-free and followed at the "
        "landmark, clock restarted, exclusions counted). Benjamini-Hochberg q-values across the "
        "biomarker family; the primary comparison is reported apart, unadjusted. Exploratory "
        "only: a time-varying Cox model of ctDNA status changing at the plasma sample dates "
        "(counting process, same strata), data-driven cut-points (maximally selected log-rank "
        "statistic within the 10-90 % quantiles, Lausen-Schumacher adjusted p) and an "
        f"elastic-net Cox model (alpha 0.5, {value['enet_repeats']} repeats of 5-fold "
        "cross-validation, selection frequencies, no p-values)."
    )
    return _section("Methods", f"<p>{html.escape(text)}</p>")


def render(inputs: ReportInputs) -> str:
    """The whole report as one HTML string."""
    body = (
        flow_section(inputs)
        + missingness_section(inputs)
        + primary_section(inputs)
        + association_sections(inputs)
        + report_irecist.section(inputs)
        + report_multivariable.multivariable_section(inputs)
        + ctdna_section(inputs)
        + methods_section(inputs)
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>STEREOSARC biomarker '
        f"report</title><style>{STYLE}</style></head><body>\n<h1>STEREOSARC translational "
        f"study: biomarkers, PFS and response</h1>\n{body}</body></html>\n"
    )
