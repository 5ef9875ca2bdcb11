"""Combining ctDNA methods: which sample gives a patient's ctDNA level at a timepoint.

A patient may have, at one timepoint, a capture-panel sample (``method`` =
``targeted_panel``: tumour-informed sites, MDM2 copy number, fixed sites) and a low-pass
whole-genome sample (``lowpass_wgs``: genome-wide copy number). Each keeps its own row in
ctdna.tsv; the patient's level at that timepoint (ctdna_dynamics.tsv, biomarkers.tsv) is the
row chosen by this rule (docs/ctdna.md, "Combining methods"):

1. a positive from any method is a positive: among the rows with ``detected = 1`` the first
   in METHODS order is chosen (tumour-informed before low-pass);
2. else among the informative negatives (``detected = 0``: the method could have seen the
   tumour at its LoD, ``lod95_tf <= --max-lod``) the first in METHODS order;
3. else (every row NA) the first in METHODS order, its NA and reason kept.

So ``detected`` of the chosen row is 1 when any method detected, 0 when none detected and at
least one informative method was negative, NA otherwise; the tumour fraction is always that
of the chosen row (estimates of different assays are never mixed or averaged).
"""

from __future__ import annotations

import pandas as pd

PANEL = "targeted_panel"  # ctdna.tsv method of the capture-panel rows (ctdna.levels.METHOD)
LOWPASS = "lowpass_wgs"  # ctdna.tsv method of the low-pass whole-genome rows
METHODS = (PANEL, LOWPASS)  # preference order at equal evidence: tumour-informed first
DETECTED_RANK = {1: 0, 0: 1}  # positives first, then informative negatives, then NA


def methods_of(rows: pd.DataFrame) -> pd.Series:
    """The method of each row (``targeted_panel`` when the column is absent or empty: tables
    written before low-pass WGS)."""
    if "method" not in rows.columns:
        return pd.Series(PANEL, index=rows.index, dtype=object)
    return rows["method"].where(rows["method"].notna(), PANEL)


def has_other_methods(rows: pd.DataFrame) -> bool:
    """True when any row comes from a method other than the capture panel."""
    return bool((methods_of(rows) != PANEL).any())


def preference(rows: pd.DataFrame) -> pd.Series:
    """Sort key of the rule (smaller is chosen first): detected rank x 10 + method rank."""
    detected = pd.to_numeric(rows["detected"], errors="coerce")
    rank = detected.map(DETECTED_RANK).fillna(len(DETECTED_RANK)).astype(int)
    order = {method: i for i, method in enumerate(METHODS)}
    method_rank = methods_of(rows).map(order).fillna(len(METHODS)).astype(int)
    return rank * 10 + method_rank


def choose(rows: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(chosen, others): one row per ``keys`` group (e.g. patient, timepoint) by the module
    rule, given at most one row per method in each group; ties keep the input order."""
    ordered = rows.assign(_preference=preference(rows)).sort_values(
        [*keys, "_preference"], kind="mergesort"
    )
    first = ~ordered.duplicated(keys, keep="first")
    chosen, others = ordered[first], ordered[~first]
    return chosen.drop(columns="_preference"), others.drop(columns="_preference")
