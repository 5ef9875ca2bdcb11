"""Immune-cell densities per tissue block and per patient, from the IHC long table or QuPath.

- density_per_mm2: positive cells per mm² of annotated tissue. From a QuPath export with
  several annotations: Σ positive cells / Σ area (mm²) (area-weighted, not a mean of
  per-annotation densities); positive cells of a row = ``Num Positive`` or, when absent,
  ``Num Positive per mm^2`` × area.
- percent_positive: Σ positive / Σ detections × 100 (detections = ``Num Detections`` or
  positive + negative); a single annotation's ``Positive %`` when counts are absent.
- CD8/FOXP3 ratio: CD8 density / FOXP3 density of the patient (after block aggregation);
  NA with a note when FOXP3 density is 0 (undefined; no pseudo-count is added).
- Several blocks per patient: ``block_rule`` = mean | max (over blocks with a value, per
  column) | first (smallest sample id) | a sample id (that block only).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ihc import pdl1
from stereosarc import protocol
from stereosarc.duplicates import resolve_duplicates, same_values, value_reject
from stereosarc.rejects import Reject, reject, rows_rejected

IMMUNE_MARKERS = ("CD3", "CD4", "CD8", "CD20", "CD45", "CD68", "CD163", "FOXP3")  # DESIGN.md
PDL1 = "PD-L1"
IMMUNE_METRICS = ("density_per_mm2", "percent_positive")
PDL1_METRICS = ("cps", "tps", "ic_percent") + pdl1.COUNT_METRICS
PERCENT_METRICS = ("percent_positive", "tps", "ic_percent", "cps")  # scale 0–100 by definition
MAX_DENSITY_PER_MM2 = 5.1e4  # geometric bound: 1 mm² / area of a 5-µm-diameter cell ≈ 51,000
IGNORED_CLASSES = ("Ignore*", "Ignore")  # QuPath convention: objects classed Ignore* are excluded
ROW_KEYS = ["patient", "sample", "marker", "metric"]
STAGE = "ihc"  # stage column of this package's rejects


def _row_problem(row) -> tuple[str, str, str] | None:
    """(column, reject code, detail) why a long-table row cannot be used, None when it can."""
    problem = protocol.identifier_problem(row)
    if problem:
        return problem
    marker, metric = (row.marker or "").upper(), row.metric
    if marker not in IMMUNE_MARKERS + (PDL1,):
        return "marker", "unknown_marker", f"marker {row.marker!r}"
    allowed = PDL1_METRICS if marker == PDL1 else IMMUNE_METRICS
    if metric not in allowed:
        return "metric", "unknown_metric", f"metric {metric!r} for marker {marker}"
    return _value_problem(row.value, metric)


def _value_problem(text, metric) -> tuple[str, str, str] | None:
    """(column, code, detail) when a value is missing, not a number, or impossible."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return "value", "value_not_a_number", f"value {text!r}"
    if not math.isfinite(value) or value < 0:
        why = "negative or not finite"
    elif metric in PERCENT_METRICS and value > 100:
        why = "above 100"
    elif metric == "density_per_mm2" and value > MAX_DENSITY_PER_MM2:
        why = f"density per mm² above {MAX_DENSITY_PER_MM2:g}"
    elif metric in pdl1.COUNT_METRICS and value != int(value):
        why = "cell count not a whole number"
    else:
        return None
    return "value", "impossible_value", f"{metric} {text}: {why}"


def row_reject(row, problem: tuple[str, str, str]) -> Reject:
    """The reject of an input row (``source_rows`` item) for ``problem`` = (column, code,
    detail)."""
    column, code, detail = problem
    return reject(
        STAGE, row.src_file, row.src_row, code, detail=detail, column=column, patient=row.patient
    )


def validate_long(long: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """Usable rows (patient, sample, marker, metric, value float, source_file, source_row)
    and a reject per unusable row."""
    kept, rejects = [], []
    for row in source_rows(long):
        problem = _row_problem(row)
        if problem:
            rejects.append(row_reject(row, problem))
            continue
        kept.append(
            {
                "patient": row.patient,
                "sample": row.sample,
                "marker": row.marker.upper(),
                "metric": row.metric,
                "value": float(row.value),
                "source_file": row.src_file,
                "source_row": row.src_row,
            }
        )
    return rows_frame(kept), rejects


def reject_shared_samples(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """Reject every row of a sample id used for more than one patient (ids are unique)."""
    patients = rows.groupby("sample")["patient"].transform("nunique")
    shared = rows[patients > 1]
    rejects = rows_rejected(
        STAGE,
        shared,
        "sample_of_several_patients",
        detail=lambda r: f"sample {r.sample}",
        column="sample",
    )
    return rows[patients <= 1].reset_index(drop=True), rejects


def reject_unknown_patients(
    rows: pd.DataFrame, patients: set[str]
) -> tuple[pd.DataFrame, list[Reject]]:
    """Reject every input row whose patient is not randomised (absent from the clinical table)."""
    known = rows["patient"].isin(patients)
    rejects = rows_rejected(STAGE, rows[~known], "unknown_patient", column="patient")
    return rows[known].reset_index(drop=True), rejects


def source_rows(table: pd.DataFrame):
    """itertuples with _row/_file exposed as src_row/src_file (namedtuples refuse '_')."""
    return table.rename(columns={"_row": "src_row", "_file": "src_file"}).itertuples(index=False)


def rows_frame(rows: list[dict]) -> pd.DataFrame:
    """Block-metric rows (patient, sample, marker, metric, value, source_file, source_row)."""
    columns = ROW_KEYS + ["value", "source_file", "source_row"]
    return pd.DataFrame(rows, columns=columns).astype({"value": float})


def _qupath_counts(export: pd.DataFrame) -> tuple[float, float]:
    """(density per mm², percent positive) of the usable annotations of one export."""
    positives = export["num_positive"].where(
        export["num_positive"].notna(), export["positive_per_mm2"] * export["area_mm2"]
    )
    if len(export) == 1 and export["area_mm2"].isna().all():
        density = export["positive_per_mm2"].iloc[0]
    else:
        density = positives.sum(min_count=1) / export["area_mm2"].sum(min_count=1)
    detections = export["num_detections"].where(
        export["num_detections"].notna(), export["num_positive"] + export["num_negative"]
    )
    if detections.notna().all() and positives.notna().all() and detections.sum() > 0:
        percent = positives.sum() / detections.sum() * 100.0
    elif len(export) == 1:
        percent = export["positive_percent"].iloc[0]
    else:
        percent = np.nan
    return float(density), float(percent)


def qupath_rows(
    export: pd.DataFrame, patient: str, sample: str, marker: str
) -> tuple[pd.DataFrame, list[Reject]]:
    """Long-format density/percent rows of one QuPath export; excluded annotations rejected."""
    rejects = []
    ignored = export["class"].isin(IGNORED_CLASSES)
    no_area = export["area_mm2"].isna() | (export["area_mm2"] <= 0)
    unusable = ~ignored & no_area & (len(export) > 1)
    for row, code in [(r, "qupath_ignored_class") for r in export.loc[ignored, "_row"]] + [
        (r, "qupath_no_area") for r in export.loc[unusable, "_row"]
    ]:
        rejects.append(reject(STAGE, export["_file"].iloc[0], int(row), code, patient=patient))
    used = export[~ignored & ~unusable]
    if used.empty:
        return rows_frame([]), rejects
    density, percent = _qupath_counts(used)
    file = export["_file"].iloc[0]
    rows = [
        {
            "patient": patient,
            "sample": sample,
            "marker": marker,
            "metric": metric,
            "value": value,
            "source_file": file,
            "source_row": None,
        }
        for metric, value in (("density_per_mm2", density), ("percent_positive", percent))
        if not np.isnan(value) and _value_problem(value, metric) is None
    ]
    for metric, value in (("density_per_mm2", density), ("percent_positive", percent)):
        problem = None if np.isnan(value) else _value_problem(value, metric)
        if problem:
            rejects.append(
                reject(STAGE, file, None, problem[1], detail=problem[2], patient=patient)
            )
    return rows_frame(rows), rejects


def deduplicate(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """One row per patient/sample/marker/metric: identical duplicates keep the first, rows
    with conflicting values are all rejected (stereosarc.duplicates)."""

    def duplicate(first, r) -> Reject:
        where = f"{first['source_file']} row {_show_row(first['source_row'])}"
        return value_reject(STAGE, r, "duplicate_row", f"same value as {where}")

    def conflicting(group, r) -> Reject:
        values = ", ".join(f"{v:g}" for v in group["value"])
        return value_reject(
            STAGE,
            r,
            "conflicting_duplicate",
            f"{r.marker} {r.metric} of sample {r.sample}: {values}",
        )

    keep, rejects = resolve_duplicates(
        rows, ROW_KEYS, lambda group: same_values(group["value"]), duplicate, conflicting, False
    )
    return rows_frame([]) if keep.empty else keep.reset_index(drop=True), rejects


def _show_row(row) -> str:
    return "NA" if row is None or pd.isna(row) else str(int(row))


def _impossible_counts(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """Reject PD-L1+ tumour-cell counts above the viable tumour-cell count of the block."""
    wide = rows[rows["marker"] == PDL1].pivot_table(
        index=["patient", "sample"], columns="metric", values="value", aggfunc="first"
    )
    if not {"pdl1_pos_tumour_cells", "viable_tumour_cells"} <= set(wide.columns):
        return rows, []
    bad = wide.index[wide["pdl1_pos_tumour_cells"] > wide["viable_tumour_cells"]]
    mask = (
        rows.set_index(["patient", "sample"]).index.isin(bad)
        & (rows["metric"] == "pdl1_pos_tumour_cells").to_numpy()
    )
    rejects = rows_rejected(
        STAGE,
        rows[mask],
        "impossible_value",
        detail="more PD-L1+ tumour cells than viable tumour cells",
        column="value",
    )
    return rows[~mask].reset_index(drop=True), rejects


def block_table(
    rows: pd.DataFrame, min_viable: int = pdl1.MIN_VIABLE_TUMOUR_CELLS
) -> tuple[pd.DataFrame, list[Reject]]:
    """One row per patient and block (sample): densities, percentages and PD-L1 scores."""
    rows, rejects = _impossible_counts(rows)
    blocks = []
    for (patient, sample), group in rows.groupby(["patient", "sample"], sort=True):
        values = {
            (m, k): v
            for m, k, v in zip(group["marker"], group["metric"], group["value"], strict=False)
        }
        block = {"patient": patient, "sample": sample}
        for marker in IMMUNE_MARKERS:
            block[f"{marker.lower()}_density"] = values.get((marker, "density_per_mm2"), np.nan)
            block[f"{marker.lower()}_percent_positive"] = values.get(
                (marker, "percent_positive"), np.nan
            )
        pdl1_metrics = {k: v for (m, k), v in values.items() if m == PDL1}
        block.update(pdl1.block_scores(pdl1_metrics, min_viable))
        blocks.append(block)
    return pd.DataFrame(blocks, columns=BLOCK_COLUMNS), rejects


BLOCK_COLUMNS = (
    ["patient", "sample"]
    + [f"{m.lower()}_{s}" for m in IMMUNE_MARKERS for s in ("density", "percent_positive")]
    + ["ic_percent", "cps", "cps_source", "cps_na_reason", "tps", "tps_source", "tps_na_reason"]
)


def _select_blocks(blocks: pd.DataFrame, rule: str) -> pd.DataFrame:
    """Blocks used under ``rule``: all (mean, max), the smallest sample id (first), or one id."""
    if rule in ("mean", "max"):
        return blocks
    if rule == "first":
        return blocks.sort_values(["patient", "sample"]).groupby("patient").head(1)
    return blocks[blocks["sample"] == rule]


def _combine(values: pd.Series, rule: str) -> float:
    present = values.dropna()
    if present.empty:
        return np.nan
    return float(present.max() if rule == "max" else present.mean())


def _joined(values) -> str | None:
    present = sorted({v for v in values if v is not None and not pd.isna(v)})
    return "; ".join(present) if present else None


def _patient_row(patient: str, group: pd.DataFrame, rule: str) -> dict:
    """One patient's values combined over its selected blocks."""
    row = {
        "patient": patient,
        "n_blocks": len(group),
        "blocks": _joined(group["sample"]),
        "block_rule": rule,
    }
    for marker in IMMUNE_MARKERS:
        for suffix in ("density", "percent_positive"):
            name = f"{marker.lower()}_{suffix}"
            row[name] = _combine(group[name], rule) if len(group) else np.nan
    for score in ("cps", "tps"):
        row[score] = _combine(group[score], rule) if len(group) else np.nan
        row[f"{score}_source"] = _joined(group[f"{score}_source"]) if len(group) else None
        row[f"{score}_na_reason"] = (
            None
            if not pd.isna(row[score])
            else _joined(group[f"{score}_na_reason"])
            or f"no block selected by block rule {rule!r}"
        )
    ic_percent = _combine(group["ic_percent"], rule) if len(group) else np.nan
    row["pdl1_ic_percent"] = ic_percent
    row["pdl1_ic_category"] = pdl1.ic_category(ic_percent)
    return row


def cd8_foxp3_ratio(cd8, foxp3) -> tuple[float, str | None]:
    """(CD8 density / FOXP3 density, note): NA with a note when FOXP3 is 0 or either is NA."""
    if pd.isna(cd8) or pd.isna(foxp3):
        return np.nan, "CD8 or FOXP3 density missing"
    if foxp3 == 0:
        return np.nan, "FOXP3 density is 0: ratio undefined"
    return float(cd8) / float(foxp3), None


def patient_table(
    blocks: pd.DataFrame, rows: pd.DataFrame, rule: str = "mean"
) -> tuple[pd.DataFrame, list[Reject]]:
    """One row per patient after the block rule; rows of blocks not selected are rejected."""
    selected = _select_blocks(blocks, rule)
    chosen = set(zip(selected["patient"], selected["sample"], strict=False))
    pairs = zip(rows["patient"], rows["sample"], strict=True)
    unselected = rows[
        pd.Series([pair not in chosen for pair in pairs], index=rows.index, dtype=bool)
    ]
    rejects = rows_rejected(
        STAGE,
        unselected,
        "ihc_block_not_selected",
        detail=lambda r: f"block {r.sample}, block rule {rule!r}",
    )
    patients = []
    for patient in sorted(blocks["patient"].unique()) if len(blocks) else []:
        row = _patient_row(patient, selected[selected["patient"] == patient], rule)
        row["cd8_foxp3_ratio"], row["cd8_foxp3_ratio_note"] = cd8_foxp3_ratio(
            row["cd8_density"], row["foxp3_density"]
        )
        patients.append(row)
    return pd.DataFrame(patients, columns=PATIENT_COLUMNS), rejects


PATIENT_COLUMNS = (
    ["patient", "n_blocks", "blocks", "block_rule"]
    + [f"{m.lower()}_density" for m in IMMUNE_MARKERS]
    + [f"{m.lower()}_percent_positive" for m in IMMUNE_MARKERS]
    + [
        "cd8_foxp3_ratio",
        "cd8_foxp3_ratio_note",
        "cps",
        "cps_source",
        "cps_na_reason",
        "tps",
        "tps_source",
        "tps_na_reason",
        "pdl1_ic_percent",
        "pdl1_ic_category",
    ]
)
