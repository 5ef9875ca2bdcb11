"""The self-contained HTML report (one file: figures as inline SVG, full tables as embedded
TSV downloads, no external reference), for every run.

Order: header (version, git revision, date, non-default parameters, sha256 of the inputs),
table of contents, primary endpoint, arm comparison, biomarker associations, model status,
multivariable model, iRECIST, ctDNA, low-pass WGS (only when its tables are given),
sequencing QC and TMB, missing data, flow and rejects,
methods. A run without a clinical table (ctDNA-only or TMB-only batch) gets the header, QC,
ctDNA and TMB sections and a line naming the clinical sections it cannot have. A section
whose input is absent says so.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

from ctdna import methods
from outcome import (
    figures,
    missing_data,
    report_assoc,
    report_batch,
    report_flow,
    report_header,
    report_irecist,
    report_lowpass,
    report_models,
    report_multivariable,
    report_tables,
)
from outcome import report_html as h
from outcome.family import LANDMARK_MARKERS, Settings, baseline_markers
from outcome.report_format import ARM_LABELS

PARAM_ALIASES = {
    "min_events_per_variable": "assoc_min_events",
    "min_n": "assoc_min_n",
    "level": "ci_level",
}  # params.json names that differ from Settings fields
TITLE = "STEREOSARC translational study: biomarkers, PFS and response"
PRIMARY_TITLE = "Primary endpoint: 6-month PFS rate, SBRT + atezolizumab vs SBRT"


@dataclass
class ReportInputs:
    """What the report draws on: biomarkers.tsv (None in a run without a clinical table), the
    other tables by name (the table fields of outcome.report_command.ReportOptions; a table
    not given is absent or None), the run's params.json and ``run`` (the header facts:
    version, revision, date, defaults, inputs; outcome.report_header)."""

    biomarkers: pd.DataFrame | None
    tables: dict[str, pd.DataFrame | None] = field(default_factory=dict)
    params: dict | None = None
    run: dict = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame | None:
        """The table called ``name``, None when the run did not make it."""
        return self.tables.get(name)


def _amp_log2(params: dict | None) -> float:
    """The MDM2 log2 threshold of the run (params.json ctdna_amp_log2), else ctdna.cn's default."""
    from ctdna.cn import AMP_LOG2

    value = (params or {}).get("ctdna_amp_log2")
    return AMP_LOG2 if value is None else float(value)


def flow_section(inputs: ReportInputs) -> str:
    """Patient and sample flow with the rejected rows (outcome.report_flow)."""
    return report_flow.flow_section(inputs)


def missingness_section(inputs: ReportInputs) -> str:
    """Missing data: share of patients missing each biomarker (figure) and missingness by arm
    and histology (outcome.missing_data, as cohort/missingness.tsv)."""
    b = inputs.biomarkers
    if b is None:
        return h.section("Missing data", h.none("biomarkers.tsv not given"))
    columns = [m.column for m in baseline_markers(b.columns)]
    columns += [c for c in LANDMARK_MARKERS if c in b]
    if not columns:
        return h.section("Missing data", h.none("no biomarker column in biomarkers.tsv"))
    long = missing_data.missingness_table(b)
    by_group = report_tables.missingness_by_group(long)
    body = h.svg(figures.missingness_figure(b, columns), "missing data") + h.table(by_group)
    body += f"<p>{html.escape(report_tables.MISSINGNESS_NOTE)}</p>"
    return h.section("Missing data", body + h.download(long, "missingness.tsv"))


def primary_section(inputs: ReportInputs) -> str:
    """The protocol's primary endpoint (primary_endpoint.tsv): a headline sentence, the
    primary analysis block and the sensitivity table across populations and censoring rules."""
    table = inputs.table("primary")
    if table is None or table.empty:
        return h.section(PRIMARY_TITLE, h.none("primary_endpoint.tsv not given"))
    main, sensitivity = report_tables.primary_tables(table)
    return h.section(
        PRIMARY_TITLE,
        _headline(main)
        + "<p>Primary analysis (population ITT, the design's test) and supporting rows:</p>"
        + h.table(report_tables.primary_display(main))
        + "<p>Sensitivity: the tested difference under each population and PFS censoring "
        "rule:</p>"
        + h.table(report_tables.primary_display(sensitivity))
        + h.download(table, "primary_endpoint.tsv"),
    )


def _headline(main: pd.DataFrame) -> str:
    """One sentence: the 6-month PFS per arm and the tested difference with its p."""
    rates = main[main["analysis"] == "km_rate"].set_index("group")
    tested = main[(main["analysis"] == "km_rate_difference") & main["p_value"].notna()]
    if rates.empty or tested.empty:
        return ""
    test = tested.iloc[0]
    arms = "; ".join(
        f"{ARM_LABELS.get(g, g)} {100 * r.estimate:.0f}% ({100 * r.ci_low:.0f}-"
        f"{100 * r.ci_high:.0f})"
        for g, r in rates.iterrows()
    )
    decision = "rejected" if test.get("reject_null") == 1 else "not rejected"
    return (
        f'<p class="headline"><b>6-month PFS rate</b>: {html.escape(arms)}. Difference '
        f"{100 * test['estimate']:+.1f} percentage points ({test['ci_level']:.0%} CI "
        f"{100 * test['ci_low']:+.1f} to {100 * test['ci_high']:+.1f}), {test['sided']}-sided "
        f"p = {report_tables.p_text(test['p_value'])} at alpha {test['alpha']:g}: null "
        f"hypothesis {decision}.</p>"
    )


def ctdna_section(inputs: ReportInputs) -> str:
    """Trajectories per arm (ctdna.tsv), MDM2 figure (with copy number), dynamics table."""
    parts = []
    ctdna, cn, dynamics = (inputs.table(name) for name in ("ctdna", "cn", "dynamics"))
    if ctdna is None or ctdna.empty:
        parts.append(h.none("ctdna.tsv not given"))
    else:
        from ctdna.figures import mdm2_figure, trajectories_figure

        arms = None
        if inputs.biomarkers is not None:
            arms = {
                p: ARM_LABELS.get(a, a)
                for p, a in zip(
                    inputs.biomarkers["patient"], inputs.biomarkers["arm"], strict=True
                )
            }
        several = methods.has_other_methods(ctdna)
        levels = report_lowpass.chosen_levels(ctdna) if several else ctdna
        panel = ctdna[methods.methods_of(ctdna) == methods.PANEL] if several else ctdna
        parts.append(h.svg(trajectories_figure(levels, arms), "ctDNA trajectories"))
        parts += [report_lowpass.method_block(ctdna)] if several else []
        if cn is not None:
            try:
                figure = mdm2_figure(panel, cn, _amp_log2(inputs.params))
                parts.append(h.svg(figure, "MDM2 in plasma"))
            except (KeyError, ValueError) as err:
                parts.append(h.none(f"MDM2 figure not drawn ({err})"))
        parts.append(h.download(ctdna, "ctdna.tsv"))
    if dynamics is None:
        parts.append(h.none("ctdna_dynamics.tsv not given"))
    else:
        parts.append(
            f"<details><summary>ctDNA dynamics per patient ({len(dynamics)} rows)</summary>"
            + h.table(dynamics)
            + "</details>"
            + h.download(dynamics, "ctdna_dynamics.tsv")
        )
    parts.append("<p>Relapse samples are descriptive only (drawn after the event).</p>")
    return h.section("ctDNA", "\n".join(parts))


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
    return h.section("Methods", f"<p>{html.escape(text)}</p>")


def render(inputs: ReportInputs) -> str:
    """The whole report as one HTML string (order: module doc)."""
    clinical = inputs.biomarkers is not None
    a = inputs.table("associations")
    sections = []
    if clinical:
        sections += [
            primary_section(inputs),
            report_assoc.arm_section(inputs),
            report_assoc.biomarker_section(inputs),
            report_models.section(a),
            report_multivariable.multivariable_section(inputs),
            report_irecist.section(inputs),
        ]
    sections.append(ctdna_section(inputs))
    if report_lowpass.has_lowpass(inputs):
        sections.append(report_lowpass.section(inputs))
    if inputs.table("tmb") is not None or not clinical:
        sections.append(report_batch.tmb_section(inputs))
    if inputs.table("tmb_qc") is not None or inputs.table("ctdna_qc") is not None or not clinical:
        sections.append(report_batch.qc_section(inputs))
    if clinical:
        sections.append(missingness_section(inputs))
    sections += [flow_section(inputs), methods_section(inputs)]
    titles = [html.unescape(s.split("<h2>")[1].split("</h2>")[0]) for s in sections]
    body = (
        h.section(
            "Run",
            report_batch.absent_clinical(inputs) + report_header.header(inputs.run, inputs.params),
        )
        + h.contents(titles)
        + "".join(sections)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(TITLE)}</title><style>{h.STYLE}</style></head><body>\n"
        f"<h1>{html.escape(TITLE)}</h1>\n{body}</body></html>\n"
    )
