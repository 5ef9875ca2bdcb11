"""Blood inflammation markers per patient: unit normalisation, plausibility, baseline,
ratios, mGPS and on-treatment change.

Canonical units: blood counts in 10^9 cells/L, CRP in mg/L, albumin in g/L. Each row is
converted with an explicit factor per (analyte, unit); an unknown unit is rejected, never
guessed. Days are counted from start_date (day 0 = start_date).

- Baseline value of an analyte = its last value with day in [-window, 0] (both ends
  included; window 15 days by default, DESIGN.md). Each analyte's baseline is chosen on its
  own (ratios may combine values of different days; their days are reported).
- NLR = neutrophils / lymphocytes; PLR = platelets / lymphocytes; LMR = lymphocytes /
  monocytes (dimensionless, from counts in 10^9/L); CAR = CRP (mg/L) / albumin (g/L), in
  mg/g. A ratio whose denominator is 0 is NA.
- mGPS (modified Glasgow prognostic score, McMillan, Cancer Treat Rev 2013): 0 when
  CRP ≤ 10 mg/L; 1 when CRP > 10 and albumin ≥ 35 g/L; 2 when CRP > 10 and albumin < 35.
- On-treatment value = first value with day in [1, on_treatment_days]; change = on-treatment
  value − baseline value (same units), NA unless both exist.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

ANALYTES = ("neutrophils", "lymphocytes", "monocytes", "platelets", "leukocytes", "crp",
            "albumin")  # DESIGN.md blood long format
COUNTS = ("neutrophils", "lymphocytes", "monocytes", "platelets", "leukocytes")
_COUNT_UNITS = {"10^9/L": 1.0, "10^9/l": 1.0, "G/L": 1.0, "G/l": 1.0,  # giga-cells per litre
                "/uL": 1e-3, "/ul": 1e-3, "/mm3": 1e-3, "/mm^3": 1e-3}  # 1/µL = 10^6/L
UNIT_FACTORS = {  # (analyte -> {unit spelling: factor to canonical unit}); DESIGN.md units only
    **{a: _COUNT_UNITS for a in COUNTS},
    "crp": {"mg/L": 1.0, "mg/l": 1.0, "mg/dL": 10.0, "mg/dl": 10.0},  # 1 dL = 0.1 L
    "albumin": {"g/L": 1.0, "g/l": 1.0, "g/dL": 10.0, "g/dl": 10.0},
}
CANONICAL = {**{a: f"{a}_1e9_per_l" for a in COUNTS}, "crp": "crp_mg_l",
             "albumin": "albumin_g_l"}
# impossible (rejected) above these canonical values; negative values are always impossible.
IMPOSSIBLE_ABOVE = {  # project choice: ~2x the highest values reported in hyperleukocytosis,
    "neutrophils": 1000.0, "lymphocytes": 1000.0, "monocytes": 1000.0,  # thrombocytosis,
    "leukocytes": 1000.0, "platelets": 5000.0,  # and above analyser reportable ranges
    "crp": 1000.0,  # CRP assays report up to ~500 mg/L after dilution
    "albumin": 100.0}  # serum total protein is ~60–80 g/L: albumin cannot exceed it
# unusual (kept, flagged) outside these canonical ranges: CTCAE v5 grade 4 (counts) and
# grade 3 (albumin < 20 g/L) limits below; above: project choice (reactive extremes).
UNUSUAL_RANGE = {"neutrophils": (0.5, 30.0), "lymphocytes": (0.2, 30.0),
                 "monocytes": (0.0, 10.0), "leukocytes": (1.0, 100.0),
                 "platelets": (25.0, 1000.0), "crp": (0.0, 300.0), "albumin": (20.0, 55.0)}
BASELINE_WINDOW_DAYS = 15  # DESIGN.md: last value within 15 days before start_date
ON_TREATMENT_DAYS = 42  # project choice: two 21-day atezolizumab cycles after start_date
MGPS_CRP_CUT = 10.0  # mg/L, McMillan 2013 (mGPS): CRP > 10 mg/L is elevated
MGPS_ALBUMIN_CUT = 35.0  # g/L, McMillan 2013 (mGPS): albumin < 35 g/L is low
SAME_VALUE_RTOL = 1e-9  # duplicates within this relative difference are the same value


def _reject(file, row, column, patient, reason) -> dict:
    return {"stage": "labs", "file": file, "row": row, "column": column, "patient": patient,
            "reason": reason}


def parse_iso_date(text) -> date | None:
    """A date from strict ISO YYYY-MM-DD text; None when missing or invalid."""
    if text is None or len(str(text)) != 10:
        return None
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return None


def start_dates(clinical: pd.DataFrame) -> tuple[dict[str, date], dict[str, str]]:
    """({patient: start_date}, {patient: why no usable start date}) from the clinical table."""
    starts, problems = {}, {}
    for patient, group in clinical.groupby("patient", sort=True):
        parsed = {parse_iso_date(v) for v in group["start_date"]}
        if len(parsed) != 1 or None in parsed:
            values = ", ".join(sorted({str(v) for v in group["start_date"]}))
            problems[patient] = f"no single valid start_date in the clinical table ({values})"
        else:
            starts[patient] = parsed.pop()
    return starts, problems


def convert(analyte: str, value: float, unit: str | None) -> float | None:
    """``value`` in the canonical unit of ``analyte``; None when the unit is unknown."""
    factor = UNIT_FACTORS[analyte].get((unit or "").replace(" ", "").replace("µ", "u")
                                       .replace("μ", "u"))
    return None if factor is None else value * factor


def _row_problem(row, starts, start_problems, identifier):
    """(column, reason) why a lab row cannot be used, or (None, canonical value)."""
    if row.patient is None or not identifier.match(row.patient):
        return "patient", f"patient {row.patient!r} is missing or not a valid identifier"
    if row.patient in start_problems:
        return "patient", start_problems[row.patient]
    if row.patient not in starts:
        return "patient", "patient not in the clinical table"
    analyte = (row.analyte or "").lower()
    if analyte not in ANALYTES:
        return "analyte", f"unknown analyte {row.analyte!r}"
    if parse_iso_date(row.date) is None:
        return "date", f"{row.date!r} is not an ISO date (YYYY-MM-DD)"
    try:
        value = float(row.value)
    except (TypeError, ValueError):
        return "value", f"value {row.value!r} is not a number"
    canonical = convert(analyte, value, row.unit)
    if canonical is None:
        return "unit", (f"unknown unit {row.unit!r} for {analyte} (accepted: "
                        f"{', '.join(UNIT_FACTORS[analyte])})")
    if not math.isfinite(canonical) or canonical < 0 or canonical > IMPOSSIBLE_ABOVE[analyte]:
        return "value", (f"impossible {analyte} value {row.value} {row.unit} (= {canonical:g} "
                         f"{CANONICAL[analyte]}; allowed 0 to {IMPOSSIBLE_ABOVE[analyte]:g})")
    return None, canonical


def normalise(labs: pd.DataFrame, starts: dict[str, date], start_problems: dict[str, str],
              identifier) -> tuple[pd.DataFrame, list[dict]]:
    """Usable rows in canonical units with day (from start_date) and an unusual flag."""
    kept, rejects = [], []
    for row in labs.rename(columns={"_row": "src_row", "_file": "src_file"}).itertuples(
            index=False):
        column, outcome = _row_problem(row, starts, start_problems, identifier)
        if column is not None:
            rejects.append(_reject(row.src_file, row.src_row, column, row.patient, outcome))
            continue
        analyte = row.analyte.lower()
        low, high = UNUSUAL_RANGE[analyte]
        kept.append({"patient": row.patient, "analyte": analyte, "value": outcome,
                     "day": (parse_iso_date(row.date) - starts[row.patient]).days,
                     "unusual": not low <= outcome <= high,
                     "source_file": row.src_file, "source_row": row.src_row})
    columns = ["patient", "analyte", "value", "day", "unusual", "source_file", "source_row"]
    return pd.DataFrame(kept, columns=columns), rejects


def deduplicate(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """One value per patient, analyte and day: equal duplicates keep the first row; values
    that conflict are all rejected."""
    keep, rejects = [], []
    for _, group in rows.groupby(["patient", "analyte", "day"], sort=True):
        first = group.iloc[0]
        if np.isclose(group["value"], first["value"], rtol=SAME_VALUE_RTOL, atol=0).all():
            keep.append(first)
            rejects += [_reject(r.source_file, r.source_row, "value", r.patient,
                                f"duplicate of row {first['source_row']} (same value)")
                        for r in group.iloc[1:].itertuples(index=False)]
        else:
            shown = ", ".join(f"{v:g}" for v in group["value"])
            rejects += [_reject(r.source_file, r.source_row, "value", r.patient,
                                f"conflicting {r.analyte} values on the same date: {shown}")
                        for r in group.itertuples(index=False)]
    return pd.DataFrame(keep, columns=rows.columns).reset_index(drop=True), rejects


def select_values(rows: pd.DataFrame, window_days: int = BASELINE_WINDOW_DAYS,
                  on_treatment_days: int = ON_TREATMENT_DAYS
                  ) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    """(baseline rows, on-treatment rows, rejects of every other row) per patient/analyte."""
    rows = rows.sort_values(["patient", "analyte", "day"], kind="stable")
    in_window = rows["day"].between(-window_days, 0)
    on_treatment = rows["day"].between(1, on_treatment_days)
    baseline = rows[in_window].groupby(["patient", "analyte"]).tail(1)
    first_on = rows[on_treatment].groupby(["patient", "analyte"]).head(1)
    used = set(baseline.index) | set(first_on.index)
    rejects = [_reject(r.source_file, r.source_row, "date", r.patient,
                       _unused_reason(r.day, window_days, on_treatment_days))
               for r in rows[~rows.index.isin(used)].itertuples(index=False)]
    return baseline, first_on, rejects


def _unused_reason(day: int, window_days: int, on_treatment_days: int) -> str:
    if day < -window_days:
        return f"day {day}: before the {window_days}-day baseline window"
    if day <= 0:
        return f"day {day}: superseded by a later baseline value"
    if day <= on_treatment_days:
        return f"day {day}: not the first on-treatment value"
    return f"day {day}: after the {on_treatment_days}-day on-treatment window"


def ratio(numerator, denominator) -> float:
    """numerator / denominator; NA when either is NA or the denominator is 0."""
    if pd.isna(numerator) or pd.isna(denominator) or denominator == 0:
        return np.nan
    return float(numerator) / float(denominator)


def mgps(crp_mg_l, albumin_g_l, crp_cut: float = MGPS_CRP_CUT,
         albumin_cut: float = MGPS_ALBUMIN_CUT):
    """mGPS: 0 if CRP ≤ cut; 1 if CRP > cut and albumin ≥ cut; 2 if CRP > cut and albumin <
    cut; NA when CRP is NA, or CRP > cut and albumin NA."""
    if pd.isna(crp_mg_l):
        return pd.NA
    if crp_mg_l <= crp_cut:
        return 0
    if pd.isna(albumin_g_l):
        return pd.NA
    return 1 if albumin_g_l >= albumin_cut else 2


def _values(selected: pd.DataFrame, patient: str) -> dict[str, tuple]:
    """{analyte: selected row} of one patient."""
    mine = selected[selected["patient"] == patient]
    return {r.analyte: r for r in mine.itertuples(index=False)}


def patient_row(patient: str, start: date, baseline: pd.DataFrame,
                on_treatment: pd.DataFrame) -> dict:
    """One labs_patient row: baseline, flags, ratios, mGPS, on-treatment values and changes."""
    base, later = _values(baseline, patient), _values(on_treatment, patient)
    row = {"patient": patient, "start_date": start.isoformat()}
    for analyte in ANALYTES:
        name, b, t = CANONICAL[analyte], base.get(analyte), later.get(analyte)
        row[name] = b.value if b else np.nan
        row[f"{analyte}_day"] = b.day if b else pd.NA
        row[f"{analyte}_unusual"] = bool(b.unusual) if b else pd.NA
        row[f"{analyte}_on_treatment"] = t.value if t else np.nan
        row[f"{analyte}_on_treatment_day"] = t.day if t else pd.NA
        row[f"{analyte}_change"] = t.value - b.value if (b and t) else np.nan
    get = lambda a: row[CANONICAL[a]]  # noqa: E731
    row["nlr"] = ratio(get("neutrophils"), get("lymphocytes"))
    row["plr"] = ratio(get("platelets"), get("lymphocytes"))
    row["lmr"] = ratio(get("lymphocytes"), get("monocytes"))
    row["car"] = ratio(get("crp"), get("albumin"))
    row["mgps"] = mgps(get("crp"), get("albumin"))
    row["nlr_on_treatment"] = ratio(row["neutrophils_on_treatment"],
                                    row["lymphocytes_on_treatment"])
    row["nlr_change"] = row["nlr_on_treatment"] - row["nlr"]
    return row


def patient_table(baseline: pd.DataFrame, on_treatment: pd.DataFrame,
                  starts: dict[str, date]) -> pd.DataFrame:
    """labs_patient: one row per patient with at least one baseline or on-treatment value."""
    patients = sorted(set(baseline["patient"]) | set(on_treatment["patient"]))
    rows = [patient_row(p, starts[p], baseline, on_treatment) for p in patients]
    return pd.DataFrame(rows, columns=PATIENT_COLUMNS)


PATIENT_COLUMNS = (["patient", "start_date"]
                   + [CANONICAL[a] for a in ANALYTES]
                   + [f"{a}_{s}" for a in ANALYTES for s in ("day", "unusual")]
                   + ["nlr", "plr", "lmr", "car", "mgps"]
                   + [f"{a}_{s}" for a in ANALYTES
                      for s in ("on_treatment", "on_treatment_day", "change")]
                   + ["nlr_on_treatment", "nlr_change"])
