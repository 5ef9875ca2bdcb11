"""The report's comparison sections from associations.tsv and km.tsv: the arm comparison,
the biomarker associations (forest plot, one formatted row per test, Fisher 2x2 tables),
Kaplan-Meier curves by biomarker group, medians/rates by group and prognostic vs predictive.

Formatted tables follow gtsummary: one row per biomarker and endpoint, the columns a reader
needs (n, events, effect (95% CI), p, q, note), numbers at fixed precision
(outcome.report_format); each section links the full rows as a TSV download.
"""

from __future__ import annotations

import pandas as pd

from outcome import figures, figures_km, report_models, report_tables
from outcome import report_html as h
from outcome.irecist_analysis import KM_CURVE
from outcome.report_format import (
    ARM_LABELS,
    cutoffs,
    estimate_label,
    fisher_counts,
    group_label,
    marker_label,
    method_label,
    months_ci,
    p_text,
    percent_ci,
    ratio_ci,
    scale_label,
)
from stereosarc import protocol

ARM_TITLE = "Arm comparison: SBRT + atezolizumab vs SBRT"
BIOMARKER_TITLE = "Biomarker associations"
ENDPOINT_LABELS = {"pfs": "PFS", "objective_response": "objective response"}  # in words
KM_METHODS = ("cox_stratified", "cox_landmark")  # the Cox row whose HR a KM panel shows


def formatted(rows: pd.DataFrame, cuts: dict[str, float] | None = None) -> pd.DataFrame:
    """gtsummary-like rows: biomarker, scale, endpoint, method, n, events, effect, p, q, note."""
    effect = [
        ("" if pd.isna(t) else f"{t} ") + ratio_ci(e, lo, hi) if not pd.isna(e) else ""
        for t, e, lo, hi in zip(
            rows["estimate_type"], rows["estimate"], rows["ci_low"], rows["ci_high"], strict=True
        )
    ]
    notes = [
        "2x2 table below" if fisher_counts(n) is not None else ("" if pd.isna(n) else str(n))
        for n in rows["note"]
    ]
    frame = pd.DataFrame(
        {
            "biomarker": rows["biomarker"].map(marker_label),
            "scale": rows["transform"].map(scale_label),
            "endpoint": rows["endpoint"].map(lambda e: ENDPOINT_LABELS.get(e, e)),
            "analysis": rows["method"].map(method_label),
            "n": rows["n"].map(_count),
            "events": rows["events"].map(_count),
            "effect (95% CI)": effect,
            "p": rows["p_value"].map(p_text),
            "q": rows["q_value"].map(p_text) if "q_value" in rows else "",
            "note": notes,
        }
    )
    return frame.loc[:, [bool((frame[c] != "").any()) for c in frame.columns]]


def by_biomarker(rows: pd.DataFrame) -> pd.DataFrame:
    """The biomarker family one row per biomarker and analysis: PFS (n, events, HR, p, q) and
    objective response (n, responders, OR, p, q) side by side, and the model status in words."""
    status = report_models.model_status(rows)
    notes = [
        "" if state == "fitted" else f"{state}: {report_models.reason(note)}"
        for state, note in zip(status, rows["note"], strict=True)
    ]
    rows = rows.assign(
        status_note=notes, row_key=rows["biomarker"].astype(str) + rows["transform"].astype(str)
    )
    out: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows.itertuples(index=False):
        key = (row.row_key, "landmark" if "landmark" in str(row.method) else "")
        entry = out.setdefault(
            key,
            {"biomarker": marker_label(row.biomarker), "scale": scale_label(row.transform)},
        )
        if key[1]:
            entry["biomarker"] += " (6-month landmark)"
        prefix = "PFS" if row.endpoint == "pfs" else "response"
        entry[f"{prefix} n"] = _count(row.n)
        entry[f"{prefix} events" if prefix == "PFS" else "responders"] = _count(row.events)
        entry["HR (95% CI)" if prefix == "PFS" else "OR (95% CI)"] = ratio_ci(
            row.estimate, row.ci_low, row.ci_high
        )
        entry[f"{prefix} p"] = p_text(row.p_value)
        entry[f"{prefix} q"] = p_text(getattr(row, "q_value", None))
        if row.method == "fisher_exact":
            entry["response test"] = "Fisher exact (2x2 below)"
        elif prefix == "response":
            entry["response test"] = method_label(row.method)
        if row.status_note:
            entry["note"] = "; ".join(
                filter(None, [entry.get("note", ""), f"{prefix}: {row.status_note}"])
            )
    frame = pd.DataFrame(list(out.values())).fillna("")
    return frame.loc[:, [bool((frame[c] != "").any()) for c in frame.columns]]


def _count(value: object) -> str:
    return "" if pd.isna(value) else f"{float(value):.0f}"  # type: ignore[arg-type]


def fisher_tables(rows: pd.DataFrame, cuts: dict[str, float]) -> str:
    """One small 2x2 HTML table per Fisher row (marker 1/0 x response yes/no)."""
    blocks = []
    for row in rows.itertuples(index=False):
        counts = fisher_counts(row.note)
        if counts is None:
            continue
        column = str(row.biomarker)
        labels = (
            (ARM_LABELS[protocol.ARM_EXPERIMENTAL], ARM_LABELS[protocol.ARM_REFERENCE])
            if column == "arm"
            else (group_label(f"{column} = 1", cuts), group_label(f"{column} = 0", cuts))
        )
        blocks.append(
            f'<div style="display:inline-block;margin:4px 16px 4px 0"><b>'
            f"{marker_label(column)}</b>, OR {ratio_ci(row.estimate, row.ci_low, row.ci_high)},"
            f" p {p_text(row.p_value)}"
            + h.two_by_two(counts, labels, ("response", "no response"))
            + "</div>"
        )
    return "".join(blocks)


def effect_text(associations: pd.DataFrame | None, curve: str) -> str:
    """ "HR 0.61 (0.37-1.02), p = 0.062 (stratified Cox)" for a KM curve, "" when none."""
    if associations is None:
        return ""
    biomarker = curve.removesuffix(" (landmark)")
    rows = associations[
        (associations["biomarker"] == biomarker)
        & associations["method"].isin(KM_METHODS)
        & (associations["endpoint"] == "pfs")
    ]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    if pd.isna(row["estimate"]):
        return "HR not estimated (see model status)"
    return (
        f"HR {ratio_ci(row['estimate'], row['ci_low'], row['ci_high'])}, "
        f"p = {p_text(row['p_value'])} ({method_label(row['method'])})"
    )


def km_block(inputs, curves: list[str], effects: dict[str, str] | None = None) -> str:
    """KM figures of ``curves`` (those present in km.tsv), group names from the cut-offs."""
    km = inputs.table("km")
    if km is None or km.empty:
        return h.none("km.tsv not given")
    cuts = cutoffs(inputs.biomarkers)
    present = [c for c in curves if c in set(km["curve"])]
    parts = []
    for curve in present:
        effect = (effects or {}).get(curve, effect_text(inputs.table("associations"), curve))
        name = marker_label(curve) if curve not in ("arm", KM_CURVE) else "arm"
        title = f"PFS by {name}" + (" (6-month landmark)" if "landmark" in curve else "")
        if curve == KM_CURVE:
            title = "iPFS (iRECIST) by arm"
        figure = figures_km.km_figure(km, curve, cuts, effect, title)
        parts.append(h.svg(figure, title))
    return "\n".join(parts) or h.none("no KM curve for these groups")


def arm_section(inputs) -> str:
    """KM by arm with the stratified HR, the arm's tests, 6-month PFS, medians and ORR."""
    a = inputs.table("associations")
    if a is None or a.empty:
        return h.section(ARM_TITLE, h.none("associations.tsv not given or empty"))
    arm = a["biomarker"] == "arm"
    tests = a[arm & (a["family"] != "descriptive")]
    return h.section(
        ARM_TITLE,
        km_block(inputs, ["arm"])
        + h.table(formatted(tests).drop(columns=["biomarker", "scale", "q"], errors="ignore"))
        + fisher_tables(tests, {})
        + h.table(descriptive(a[arm & (a["family"] == "descriptive")], {}))
        + h.download(a[arm], "associations_arm.tsv"),
    )


def descriptive(rows: pd.DataFrame, cuts: dict[str, float]) -> pd.DataFrame:
    """One row per group: n, then median PFS (months), 6-month PFS and ORR with their CIs."""
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows.itertuples(index=False):
        kind = str(row.estimate_type)
        if kind == "median_days":
            value = months_ci(row.estimate, row.ci_low, row.ci_high)
        elif kind.startswith("surv_") or kind == "ORR":
            value = percent_ci(row.estimate, row.ci_low, row.ci_high)
        else:
            value = "" if pd.isna(row.estimate) else f"{row.estimate:.3g}"
        group = marker_label(row.biomarker) if pd.isna(row.group) else group_label(row.group, cuts)
        cell = cells.setdefault((marker_label(row.biomarker), group), {})
        cell.setdefault("n", _count(row.n))
        cell[estimate_label(kind)] = value
    frame = pd.DataFrame.from_dict(cells, orient="index").fillna("")
    frame.index = frame.index.set_names(["biomarker", "group"])
    return frame.reset_index()


def biomarker_section(inputs) -> str:
    """Forest plot, the biomarker family's tests, Fisher tables, supportive and exploratory
    rows, KM curves by group, rates by group and prognostic vs predictive."""
    a = inputs.table("associations")
    if a is None or a.empty:
        return h.section(BIOMARKER_TITLE, h.none("associations.tsv not given or empty"))
    cuts = cutoffs(inputs.biomarkers)
    main = a[a["family"] == "biomarker"]
    other = a[a["family"].isin(["supportive", "exploratory"])]
    forest = a["method"].isin(figures.FOREST_METHODS) & a["estimate"].notna()
    km = inputs.table("km")
    curves = sorted(set(km["curve"]) - {"arm", KM_CURVE}) if km is not None else []
    parts = [
        h.paragraph(
            "q: Benjamini-Hochberg across the biomarker family. Continuous biomarkers: hazard "
            "or odds ratio per doubling (log2 scale) or per SD. Refused models are listed "
            "under Model status."
        ),
        h.svg(figures.forest_figure(a), "forest plot")
        if forest.any()
        else h.none("no fitted Cox model"),
        h.table(by_biomarker(main)),
        _landmark_note(main),
        fisher_tables(main, cuts),
        f"<details><summary>Supportive and exploratory analyses ({len(other)} rows)</summary>",
        h.table(formatted(other, cuts)),
        "</details>",
        h.download(a, "associations.tsv"),
        "<h3>Kaplan-Meier curves by biomarker group</h3>",
        km_block(inputs, curves),
        h.download(km, "km.tsv"),
        "<h3>Medians, 6-month PFS and objective response by group</h3>",
        h.table(descriptive(a[(a["family"] == "descriptive") & (a["biomarker"] != "arm")], cuts)),
        prognostic_block(a),
    ]
    return h.section(BIOMARKER_TITLE, "\n".join(parts))


def _landmark_note(rows: pd.DataFrame) -> str:
    """The landmark population (who was excluded and why), once per distinct note."""
    notes = rows.loc[rows["method"] == "cox_landmark", "note"].dropna().astype(str)
    texts = sorted({n.split("; not fitted")[0] for n in notes})
    return "".join(h.paragraph(f"Landmark analyses: {t}.", "note") for t in texts)


def prognostic_block(a: pd.DataFrame) -> str:
    """Per-arm forest plot and the prognostic/predictive table (report_tables)."""
    title = "<h3>Prognostic vs predictive (arm-adjusted, per arm and arm x biomarker)</h3>"
    if "group" not in a or not (a["family"] == "per_arm").any():
        return title + h.none("no per-arm rows in associations.tsv")
    fitted = a["method"].isin(figures.PER_ARM_METHODS) & a["estimate"].notna()
    body = (
        h.svg(figures.forest_per_arm_figure(a), "per-arm forest plot")
        if fitted.any()
        else h.none("no per-arm Cox model fitted")
    )
    table = report_tables.prognostic_predictive(a)
    if len(table):
        table = table.assign(
            biomarker=table["biomarker"].map(marker_label),
            transform=table["transform"].map(scale_label),
            method=table["method"].map(method_label),
        ).rename(columns={"transform": "scale", "HR in SBRT+atezolizumab": "HR in " + (
            ARM_LABELS["SBRT+atezolizumab"])})  # fmt: skip
    return (
        title
        + body
        + h.table(table)
        + h.paragraph(
            f"Reading: 'possible predictive' when the interaction p < "
            f"{report_tables.PREDICTIVE_P:g}; 'prognostic' when the arm-adjusted BH q < "
            f"{report_tables.PROGNOSTIC_Q:g} without such a signal. A phase II trial has little "
            "power for interactions: the detectable HR column says what this sample could "
            "detect."
        )
    )
