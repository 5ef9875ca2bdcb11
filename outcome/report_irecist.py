"""The report's iRECIST section: iPFS curves per arm (km.tsv, curve ``arm (iPFS)``), iPFS and
PFS, iRECIST and RECIST response side by side, the RECIST x iRECIST best-response table and
pseudo-progressions per arm (irecist.tsv; outcome.irecist_analysis). Tables are pure
functions; ``section`` renders them with outcome.report's HTML helpers.
"""

from __future__ import annotations

import pandas as pd

from outcome import report_assoc
from outcome import report_html as h
from outcome.irecist_analysis import KM_CURVE
from outcome.report_format import ARM_LABELS, months_ci, p_text, percent_ci, ratio_ci

TITLE = "iRECIST: iPFS and immune response beside RECIST 1.1"
SHOWN = ["analysis", "group", "endpoint", "n", "events", "estimate", "ci_low", "ci_high"]
SHOWN += ["p_value", "note"]
SIDE_BY_SIDE = ("km_rate", "km_median", "cox_arm", "orr", "orr_odds_ratio")
ESTIMATE_FORMAT = {"km_rate": percent_ci, "km_median": months_ci, "orr": percent_ci}
# how each analysis's estimate is written; others (hazard and odds ratios): ratio_ci


def side_by_side(irecist: pd.DataFrame) -> pd.DataFrame:
    """iRECIST and RECIST rows of each analysis next to each other, the estimate in words
    (rates in percent, medians in months, ratios with 2 decimals; outcome.report_format)."""
    rows = irecist[irecist["analysis"].isin(SIDE_BY_SIDE)]
    order = {name: i for i, name in enumerate(SIDE_BY_SIDE)}
    rows = rows.assign(_order=rows["analysis"].map(order)).sort_values(
        ["_order", "group"], kind="mergesort"
    )
    estimate = [
        ESTIMATE_FORMAT.get(analysis, ratio_ci)(value, low, high)
        for analysis, value, low, high in zip(
            rows["analysis"], rows["estimate"], rows["ci_low"], rows["ci_high"], strict=True
        )
    ]
    shown = rows[[c for c in SHOWN if c in rows]].drop(columns=["estimate", "ci_low", "ci_high"])
    shown.insert(4, "estimate (95% CI)", estimate)
    return shown.assign(
        group=shown["group"].map(lambda g: ARM_LABELS.get(g, g)),
        p_value=shown["p_value"].map(p_text),
    ).rename(columns={"p_value": "p"})


def concordance(irecist: pd.DataFrame, group: str = "all") -> pd.DataFrame:
    """Patients per RECIST (rows) x iRECIST (columns) best response in ``group``."""
    rows = irecist[(irecist["analysis"] == "response_concordance") & (irecist["group"] == group)]
    if rows.empty:
        return pd.DataFrame()
    table = rows.pivot_table(
        index="recist", columns="irecist", values="estimate", aggfunc="sum", fill_value=0
    )
    table.columns.name = None
    return table.astype(int).reset_index().rename(columns={"recist": "RECIST \\ iRECIST"})


def ipfs_effect(irecist: pd.DataFrame) -> str:
    """ "HR 0.63 (0.38-1.07), p = 0.0856 (Cox, stratified)" of the iPFS arm comparison."""
    rows = irecist[(irecist["analysis"] == "cox_arm") & (irecist["endpoint"] == "ipfs")]
    if rows.empty or pd.isna(rows["estimate"].iloc[0]):
        return ""
    row = rows.iloc[0]
    return (
        f"HR {ratio_ci(row['estimate'], row['ci_low'], row['ci_high'])}, "
        f"p = {p_text(row['p_value'])} (Cox, stratified)"
    )


def section(inputs) -> str:
    """HTML of the section (``inputs``: outcome.report.ReportInputs)."""

    table = inputs.table("irecist")
    if table is None or table.empty:
        return h.section(TITLE, h.none("irecist.tsv not given"))
    if (table["analysis"] == "not_analysed").all():
        return h.section(TITLE, h.none("no patient with iRECIST data (iPFS)"))
    pseudo = table[table["analysis"] == "pseudoprogression"]
    return h.section(
        TITLE,
        report_assoc.km_block(inputs, [KM_CURVE], {KM_CURVE: ipfs_effect(table)})
        + "<p>Same patients (those with iRECIST data) for both criteria:</p>"
        + h.table(side_by_side(table))
        + "<p>Best response, RECIST 1.1 (rows) vs iRECIST (columns), all patients:</p>"
        + h.table(concordance(table))
        + "<p>Pseudo-progressions (first RECIST progression not confirmed) per arm:</p>"
        + h.table(pseudo[[c for c in SHOWN if c in pseudo]])
        + h.download(table, "irecist.tsv"),
    )
