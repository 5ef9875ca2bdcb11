"""biomarkers.tsv ctDNA columns when ctdna.tsv has rows of several methods (capture panel and
low-pass WGS): one level per patient and timepoint chosen by ``ctdna.methods`` (docs/ctdna.md
"Combining methods"), and every method's call kept beside it.

Columns added (only when ctdna.tsv has a row of a method other than ``targeted_panel``, so a
capture-only run keeps its biomarkers.tsv unchanged):
``ctdna_<timepoint>_method`` (the method of the chosen row: ``ctdna_<timepoint>_detected``,
``_tf``, ``_sample`` and ``_date`` are that row's), and per method
``ctdna_<timepoint>_<panel|lowpass>_detected`` / ``_tf`` (NA when the patient has no single
row of that method at that timepoint).
"""

from __future__ import annotations

import pandas as pd

from ctdna import methods
from stereosarc import protocol

SHORT = {methods.PANEL: "panel", methods.LOWPASS: "lowpass"}  # column infix of each method
METHOD_COLUMNS = [
    column
    for t in protocol.TIMEPOINTS
    for column in (
        f"ctdna_{t}_method",
        *(f"ctdna_{t}_{SHORT[m]}_{s}" for m in methods.METHODS for s in ("detected", "tf")),
    )
]  # biomarkers.tsv columns of a run with several ctDNA methods


def fill_level(wide: pd.DataFrame, rows: pd.DataFrame, timepoint: str) -> pd.DataFrame:
    """Set ``ctdna_<timepoint>_detected``, ``_tf``, ``_sample``, ``_date`` of ``wide`` (indexed
    by patient) from ``rows`` (one ctdna.tsv row per patient at most); returns the
    timepoint's rows indexed by patient."""
    at = rows[rows["timepoint"] == timepoint].set_index("patient")
    wide[f"ctdna_{timepoint}_detected"] = at["detected"]
    wide[f"ctdna_{timepoint}_tf"] = at["tumour_fraction"]
    wide[f"ctdna_{timepoint}_sample"] = at["sample"]
    wide[f"ctdna_{timepoint}_date"] = at.get("collection_date")
    return at


def chosen_wide(single: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Wide ctDNA columns per patient (``columns`` then METHOD_COLUMNS) from ``single``: at
    most one ctdna.tsv row per patient, timepoint and method (column ``_method``)."""
    chosen, _ = methods.choose(single, ["patient", "timepoint"])
    wide = pd.DataFrame(index=pd.Index(sorted(set(single["patient"])), name="patient"))
    for timepoint in protocol.TIMEPOINTS:
        at = fill_level(wide, chosen, timepoint)
        wide[f"ctdna_{timepoint}_method"] = at["_method"]
        for method, short in SHORT.items():
            rows = single[(single["timepoint"] == timepoint) & (single["_method"] == method)]
            rows = rows.set_index("patient")
            wide[f"ctdna_{timepoint}_{short}_detected"] = rows["detected"]
            wide[f"ctdna_{timepoint}_{short}_tf"] = rows["tumour_fraction"]
    return wide.reindex(columns=[*columns, *METHOD_COLUMNS])


def mixed_methods(row: pd.Series) -> bool:
    """True when the baseline and month-6 levels of ``row`` come from different methods
    (their change is then NA: ctdna.dynamics)."""
    first, second = row.get("ctdna_baseline_method"), row.get("ctdna_month6_method")
    return pd.notna(first) and pd.notna(second) and first != second
