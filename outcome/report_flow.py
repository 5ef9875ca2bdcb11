"""The report's "Patient and sample flow" section: patients per arm with PFS and response,
patients left out of an endpoint, plasma samples per timepoint and the rejected input rows.

Rejects (rejects.tsv) are grouped by (severity, code) when the table has those columns
(severity ``error`` first, then ``excluded_by_rule``, then ``info``), else by stage and
reason; the full table is a download link, listed in full only when short.
"""

from __future__ import annotations

import pandas as pd

from ctdna import methods
from outcome import report_html as h
from outcome.report_format import ARM_LABELS

TITLE = "Patient and sample flow, rejected rows"
MAX_REJECT_ROWS = 50  # rejects listed in full up to this many; beyond, counts by group only
SEVERITY_ORDER = ("error", "excluded_by_rule", "info")  # errors first (rejects schema values)


def flow_section(inputs) -> str:
    """HTML of the section (``inputs``: outcome.report.ReportInputs)."""
    b = inputs.biomarkers
    parts = []
    if b is None:
        parts.append(h.none("biomarkers.tsv not given (no clinical table in this run)"))
    else:
        parts += [f"<p>{len(b)} randomised patients in biomarkers.tsv.</p>", h.table(_arms(b))]
        parts.append(_excluded_patients(b))
    ctdna = inputs.table("ctdna")
    if ctdna is not None:
        parts += [
            h.paragraph(
                "Plasma samples per timepoint (ctdna.tsv). A sample has a detected status "
                "only when a test was positive or an informative marker (a tumour site in "
                "the targets, tissue MDM2 amplification) was tested with a limit of detection "
                "low enough; the other samples are NA, counted by reason: "
                "no_informative_marker, below_lod, not_assessable (docs/ctdna.md)."
            ),
            h.table(_samples(ctdna)),
        ]
    else:
        parts.append(h.none("ctdna.tsv not given"))
    parts.append(rejects_block(inputs.table("rejects")))
    return h.section(TITLE, "\n".join(parts))


def _arms(b: pd.DataFrame) -> pd.DataFrame:
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
    return counts.assign(arm=counts["arm"].map(lambda a: ARM_LABELS.get(a, a)))


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
    return "<p>Patients excluded from an endpoint's analyses:</p>" + h.table(table)


def _samples(ctdna: pd.DataFrame) -> pd.DataFrame:
    """Plasma samples per timepoint (and method, when ctdna.tsv has several: capture panel,
    low-pass WGS): total, with a detected status, detected, NA by reason_code
    (ctdna.markers) and the median LoD95 tumour fraction."""
    keys = ["timepoint"]
    if methods.has_other_methods(ctdna):
        ctdna, keys = ctdna.assign(method=methods.methods_of(ctdna)), ["timepoint", "method"]
    table = (
        ctdna.groupby(keys)
        .agg(
            samples=("patient", "size"),
            evaluable=("detected", "count"),
            detected=("detected", "sum"),
        )
        .reset_index()
    )
    if "reason_code" in ctdna.columns:
        codes = ctdna.groupby([*keys, "reason_code"]).size().unstack(fill_value=0)
        codes.columns.name = None
        table = table.merge(codes.reset_index(), on=keys, how="left").fillna(0)
    if "lod95_tf" in ctdna.columns:
        lod = ctdna.groupby(keys)["lod95_tf"].median().rename("median_lod95_tf")
        table = table.merge(lod.reset_index(), on=keys, how="left")
    return table


def group_rejects(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows counted by (severity, code), errors first, with the stages, files, one
    example detail and the code's reason; by (stage, reason) when the table has no severity
    and code (a rejects.tsv from before those columns)."""
    if {"severity", "code"} <= set(rejects.columns):
        keys = ["severity", "code"]
        order = {name: i for i, name in enumerate(SEVERITY_ORDER)}
        columns = {
            "rows": ("file", "size"),
            "stages": ("stage", _joined),
            "files": ("file", _joined),
            "example detail": ("detail", "first"),
            "reason": ("reason", "first"),
        }  # the reason (one text per code) last: the column that wraps
        present = {k: v for k, v in columns.items() if v[0] in rejects}
        grouped = rejects.groupby(keys, dropna=False).agg(**present).reset_index()
        if "example detail" in grouped:  # a code whose rows carry no detail: blank, not "None"
            grouped["example detail"] = grouped["example detail"].fillna("")
        rank = grouped["severity"].map(order).fillna(len(order))
        return (
            grouped.assign(_rank=rank)
            .sort_values(["_rank", "rows"], ascending=[True, False], kind="mergesort")
            .drop(columns="_rank")
            .reset_index(drop=True)
        )
    keys = [c for c in ("stage", "reason") if c in rejects]
    grouped = rejects.groupby(keys).agg(rows=("file", "size"), files=("file", _joined))
    grouped = grouped.reset_index().sort_values("rows", ascending=False, kind="mergesort")
    return grouped[["rows", "files", *keys]]  # the reason last: the column that wraps


def _joined(values: pd.Series) -> str:
    distinct = sorted({str(v) for v in values.dropna()})
    return ", ".join(distinct[:3]) + (f" (+{len(distinct) - 3} more)" if len(distinct) > 3 else "")


def rejects_block(rejects: pd.DataFrame | None) -> str:
    """Rejected rows: counts by group (group_rejects), the full table as a download."""
    if rejects is None:
        return h.none("rejects.tsv not given (excluded rows unknown to the report)")
    if rejects.empty:
        return "<p>No input row was rejected.</p>"
    grouped = group_rejects(rejects)
    how = "severity and reason code" if "code" in grouped else "stage and reason"
    parts = [
        f"<h3>Rejected input rows</h3><p>{len(rejects)} rejected rows, by {how}"
        + (" (errors first)" if "code" in grouped else "")
        + ":</p>",
        h.table(grouped),
        h.download(rejects, "rejects.tsv"),
    ]
    if len(rejects) <= MAX_REJECT_ROWS:
        parts.append(h.table(rejects))
    return "\n".join(parts)
