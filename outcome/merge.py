"""The per-patient biomarker table: one row per randomised patient (every accepted row of
clinical_endpoints), joined with TMB, ctDNA, IHC and blood markers, plus the pre-specified
dichotomies. Missing sources give NA columns; nothing is invented.

Rules:
- TMB, several tumour samples of a patient: ``tmb_rule`` = first (default: the smallest
  sample id, a rule fixed before the values are seen; the highest of several noisy TMB
  values is biased upwards, so choosing by value would inflate TMB in patients with more
  samples) or max (the highest TMB among samples with a value, "any TMB-high sample", on
  request). The other samples are rejected ("not selected").
- ctDNA: one plasma sample per patient and timepoint (baseline, month6, relapse); when a
  patient has several samples at one timepoint (of one method), all of them are rejected and
  the values are NA (no rule can choose between them without guessing). Samples of different
  methods at one timepoint (capture panel, low-pass WGS) are not ambiguous: the level is
  chosen by ctdna.methods and each method's call is kept (outcome.merge_ctdna). Each
  timepoint carries its sample's collection_date (``ctdna_<timepoint>_date``, NA when
  ctdna.tsv has none) so the landmark analysis can tell when the value was known
  (outcome.landmark).
- ctdna_month6_clearance and ctdna_month6_molecular_response: baseline -> month-6 change by the
  rules of ctdna.dynamics (NA unless baseline detected); whether the month-6 sample was known
  at the landmark is decided by the analysis (outcome.landmark), not here.
- Dichotomies compare the unrounded value with ``>=``: tmb_high = tmb ≥ 10 mut/Mb; cps_high
  = CPS ≥ 1; nlr_high = NLR ≥ 5; mgps_high = mGPS ≥ 1 (default cuts). Names are stable
  whatever the cut: the cut of the run is in ``<name>_cutoff`` beside it. NA stays NA.
- Rows of TMB/ctDNA/IHC/labs tables whose patient is not in clinical_endpoints are rejected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctdna import dynamics, methods
from ihc import densities
from outcome import censoring, merge_ctdna
from stereosarc import protocol
from stereosarc.rejects import Reject, reject_table, rows_rejected
from stereosarc.schemas import flagged_columns, required_columns
from stereosarc.tables import FILE_COLUMN, ROW_COLUMN

TMB_HIGH_CUT = protocol.TMB_HIGH_CUTOFF  # mut/Mb: FDA TMB-H cut-off (stereosarc.protocol)
CPS_CUT = 1.0  # CPS ≥ 1: 22C3 pharmDx positivity cut-off (KEYNOTE-048, Burtness, Lancet 2019)
NLR_CUT = 5.0  # NLR ≥ 5: SBRT-sarcoma cut-off (Somasundaram et al. 2023)
MGPS_CUT = 1.0  # mGPS ≥ 1: elevated CRP (McMillan, Cancer Treat Rev 2013)
STAGE = "merge"  # stage column of this module's rejects
WHERE = (FILE_COLUMN, ROW_COLUMN)  # the file and spreadsheet row of an input row
REQUIRED = required_columns("biomarkers")  # DESIGN.md cohort/biomarkers.tsv required columns
ENDPOINT_COLUMNS = [
    c for c in REQUIRED if c in required_columns("clinical_endpoints")
]  # its endpoint columns, patient to objective_response
NUMERIC_ENDPOINTS = (
    "line",
    "pfs_days",
    "pfs_event",
    "pfs_6m",
    "os_days",
    "os_event",
    "objective_response",
)  # endpoint columns that must be numbers
TMB_COLUMNS = ["tmb", "tmb_ci_low", "tmb_ci_high", "tmb_sample", "tmb_n_samples"]
CTDNA_COLUMNS = [
    f"ctdna_{t}_{s}" for t in protocol.TIMEPOINTS for s in ("detected", "tf", "sample", "date")
]
IHC_COLUMNS = [
    c for c in densities.PATIENT_COLUMNS if c.endswith(("_density", "_percent_positive"))
] + ["cd8_foxp3_ratio", "cps", "tps", "pdl1_ic_percent", "pdl1_ic_category"]
LABS_COLUMNS = flagged_columns("labs_patient")  # labs_patient columns flagged x-biomarker
EXTRA_ENDPOINTS = [
    "start_date",
    "best_response_irecist",
    "objective_response_irecist",
    "progression_date",
    "ipfs_days",
    "ipfs_event",
    "pseudoprogression",
]
PRIMARY_ENDPOINT_COLUMNS = ["per_protocol", *censoring.RULE_COLUMNS]  # population, censoring rules


DICHOTOMIES = ("tmb", "cps", "nlr", "mgps")  # <marker>_high = marker ≥ its cut


def dichotomy_name(prefix: str) -> str:
    """Column of a dichotomy, the same whatever its cut: tmb_high, cps_high, nlr_high."""
    return f"{prefix}_high"


def at_least(values: pd.Series, cut: float) -> pd.Series:
    """stereosarc.protocol.at_least (the one dichotomy rule, shared with tmb-calc's
    tmb_high) on each value: 1 when value ≥ cut, 0 below, NA when NA."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    calls = [protocol.at_least(value, cut) for value in numbers]
    return pd.Series(pd.array(calls, dtype="Int64"), index=values.index)


def unknown_patients(
    table: pd.DataFrame, patients: set, label: str
) -> tuple[pd.DataFrame, list[Reject]]:
    """Rows whose patient is in ``patients``; the others rejected naming the table."""
    known = table["patient"].isin(patients)
    rejects = rows_rejected(
        STAGE, table[~known], "unknown_patient", detail=label, column="patient", where=WHERE
    )
    return table[known], rejects


def one_row_per_patient(table: pd.DataFrame, label: str) -> tuple[pd.DataFrame, list[Reject]]:
    """A per-patient table with each patient once; every row of a repeated patient rejected."""
    repeated = table["patient"].duplicated(keep=False)
    detail = f"{label} table: all rows rejected"
    rejects = rows_rejected(
        STAGE, table[repeated], "patient_repeated", detail=detail, column="patient", where=WHERE
    )
    return table[~repeated], rejects


def tmb_per_patient(tmb: pd.DataFrame, rule: str = "first") -> tuple[pd.DataFrame, list[Reject]]:
    """One TMB row per patient under ``rule`` (max or first); unselected samples rejected."""
    ordered = tmb.sort_values(["patient", "sample"], kind="stable")
    if rule == "max":
        ordered = ordered.sort_values(
            ["patient", "tmb"], ascending=[True, False], na_position="last", kind="stable"
        )
    chosen = ordered.groupby("patient", sort=True).head(1).set_index("patient")
    selected = tmb["patient"].map(chosen["sample"])
    rejects = rows_rejected(
        STAGE,
        tmb[selected != tmb["sample"]],
        "tmb_sample_not_selected",
        detail=lambda r: (
            f"{r.sample}, TMB rule {rule!r} selected {chosen.loc[r.patient, 'sample']}"
        ),
        column="sample",
        where=WHERE,
    )
    out = chosen.rename(columns={"sample": "tmb_sample"})
    out["tmb_n_samples"] = tmb.groupby("patient").size()
    return out.reindex(columns=[c for c in TMB_COLUMNS]), rejects


def ctdna_per_patient(ctdna: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """Wide ctDNA columns per patient; unknown or duplicated timepoints rejected."""
    rejects = []
    known = ctdna["timepoint"].isin(protocol.TIMEPOINTS)
    rejects += rows_rejected(
        STAGE,
        ctdna[~known],
        "unknown_timepoint",
        detail=lambda r: f"timepoint {r.timepoint!r}",
        column="timepoint",
        where=WHERE,
    )
    ctdna, keys = ctdna[known], ["patient", "timepoint"]
    several = methods.has_other_methods(ctdna)
    if several:
        ctdna, keys = ctdna.assign(_method=methods.methods_of(ctdna)), [*keys, "_method"]
    counts = ctdna.groupby(keys)["sample"].transform("size")
    rejects += rows_rejected(
        STAGE,
        ctdna[counts > 1].assign(_n=counts[counts > 1]),
        "ambiguous_timepoint",
        detail=lambda r: (
            f"{int(r._n)} plasma samples at {r.timepoint}" + (f" ({r._method})" if several else "")
        ),
        column="sample",
        where=WHERE,
    )
    single = ctdna[counts == 1]
    if several:
        return merge_ctdna.chosen_wide(single, CTDNA_COLUMNS), rejects
    wide = pd.DataFrame(index=pd.Index(sorted(set(single["patient"])), name="patient"))
    for timepoint in protocol.TIMEPOINTS:
        merge_ctdna.fill_level(wide, single, timepoint)
    return wide.reindex(columns=CTDNA_COLUMNS), rejects


def month6_dynamics(wide: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(clearance, molecular response) baseline -> month 6 per patient, 1/0/NA, by the rules
    of ctdna.dynamics (clearance: detected at baseline, not at month 6; molecular response:
    month 6 not detected or TF fallen by >= 50 %); NA unless baseline was detected, and NA
    when baseline and month 6 come from different methods (outcome.merge_ctdna)."""

    def state(row, timepoint):
        detected = row[f"ctdna_{timepoint}_detected"]
        return {
            "detected": None if pd.isna(detected) else bool(detected),
            "tf": float(row[f"ctdna_{timepoint}_tf"])
            if pd.notna(row[f"ctdna_{timepoint}_tf"])
            else np.nan,
        }

    cleared: list[object] = []  # 1, 0 or pd.NA
    responded: list[object] = []
    for _, row in wide.iterrows():
        baseline, month6 = state(row, "baseline"), state(row, "month6")
        if merge_ctdna.mixed_methods(row):
            cleared.append(pd.NA)
            responded.append(pd.NA)
            continue
        for values, rule in (
            (cleared, dynamics.clearance(baseline, month6)),
            (responded, dynamics.molecular_response(baseline, month6)),
        ):
            values.append(pd.NA if rule is None else int(rule))
    return (
        pd.Series(cleared, index=wide.index, dtype="Int64"),
        pd.Series(responded, index=wide.index, dtype="Int64"),
    )


def _indexed(table: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    """``columns`` of a per-patient table indexed by patient (all NA when table is None)."""
    if table is None:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="patient"))
    return table.set_index("patient").reindex(columns=columns)


def merge(
    endpoints: pd.DataFrame,
    tmb=None,
    ctdna=None,
    ihc=None,
    labs_table=None,
    cuts: dict | None = None,
    tmb_rule: str = "first",
) -> tuple[pd.DataFrame, list[Reject]]:
    """biomarkers (one row per patient of ``endpoints``, sorted) and the merge's rejects."""
    cuts = {"tmb": TMB_HIGH_CUT, "cps": CPS_CUT, "nlr": NLR_CUT, "mgps": MGPS_CUT, **(cuts or {})}
    patients, rejects, parts = set(endpoints["patient"]), [], []
    for label, table, columns, per_patient in (
        ("tmb", tmb, TMB_COLUMNS, lambda t: tmb_per_patient(t, tmb_rule)),
        ("ctdna", ctdna, CTDNA_COLUMNS, ctdna_per_patient),
        ("ihc", ihc, IHC_COLUMNS, lambda t: one_row_per_patient(t, "ihc")),
        ("labs", labs_table, LABS_COLUMNS, lambda t: one_row_per_patient(t, "labs")),
    ):
        if table is not None:
            table, bad = unknown_patients(table, patients, label)
            rejects += bad
            table, bad = per_patient(table)
            rejects += bad
            table = table.reset_index() if "patient" not in table.columns else table
            columns = columns + [c for c in merge_ctdna.METHOD_COLUMNS if c in table.columns]
        parts.append(_indexed(table, columns))
    base = endpoints.set_index("patient").reindex(
        columns=ENDPOINT_COLUMNS[1:] + EXTRA_ENDPOINTS + PRIMARY_ENDPOINT_COLUMNS
    )
    merged = base.join(parts, how="left").reset_index()
    merged["ctdna_month6_clearance"], merged["ctdna_month6_molecular_response"] = month6_dynamics(
        merged
    )
    for prefix in DICHOTOMIES:
        merged[dichotomy_name(prefix)] = at_least(merged[prefix], cuts[prefix])
    for prefix in DICHOTOMIES:
        merged[f"{dichotomy_name(prefix)}_cutoff"] = float(cuts[prefix])
    extras = [c for c in merged.columns if c not in REQUIRED]
    return merged[REQUIRED + extras].sort_values("patient").reset_index(drop=True), rejects


def missingness(biomarkers: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Per biomarker column: n patients, n missing, percent missing (n missing / n × 100)."""
    columns = columns or [c for c in biomarkers.columns if c not in ENDPOINT_COLUMNS]
    n = len(biomarkers)
    rows = [
        {
            "biomarker": c,
            "n": n,
            "n_missing": int(biomarkers[c].isna().sum()),
            "percent_missing": (biomarkers[c].isna().sum() / n * 100.0) if n else np.nan,
        }
        for c in columns
    ]
    return pd.DataFrame(rows, columns=["biomarker", "n", "n_missing", "percent_missing"])


def combine_rejects(frames: list[pd.DataFrame], own: list) -> pd.DataFrame:
    """All stage rejects plus the merge's own: stereosarc.rejects.reject_table (one sort
    order, one dedupe rule, so reruns give identical files)."""
    return reject_table(frames, own)
