"""Blood inflammation markers per patient: baseline, ratios, mGPS and on-treatment change.

Input: usable rows in canonical units (blood.rows, blood.analytes), days counted from
start_date (day 0 = start_date).

- Baseline value of an analyte = its last value with day in [-window, 0] (both ends
  included; window 15 days by default, DESIGN.md), chosen on its own.
- NLR = neutrophils / lymphocytes; PLR = platelets / lymphocytes; LMR = lymphocytes /
  monocytes (dimensionless, from counts in 10^9/L), each from one same-day differential of
  the baseline window (blood.draws; tolerance a parameter, default 0 days): never from
  values of different draws. CAR = CRP (mg/L) / albumin (g/L), in mg/g, and mGPS from the
  latest same-draw CRP/albumin pair when there is one, else from the separate baseline
  values (flagged). A ratio whose denominator is 0 is NA.
- Censored values ``<x`` / ``>x`` are kept with their sign (``<analyte>_censored``), NA as
  numbers, and used where the rule is decided (blood.draws).
- mGPS (modified Glasgow prognostic score, McMillan, Cancer Treat Rev 2013): 0 when
  CRP ≤ 10 mg/L; 1 when CRP > 10 and albumin ≥ 35 g/L; 2 when CRP > 10 and albumin < 35.
- On-treatment value = first value with day in [1, on_treatment_days]; change = on-treatment
  value − baseline value (same units), NA unless both exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from blood import draws
from blood.analytes import ANALYTES, CANONICAL
from blood.rows import STAGE
from stereosarc.rejects import Reject, reject

BASELINE_WINDOW_DAYS = 15  # DESIGN.md: last value within 15 days before start_date
ON_TREATMENT_DAYS = 42  # project choice: two 21-day atezolizumab cycles after start_date
MGPS_CRP_CUT = 10.0  # mg/L, McMillan 2013 (mGPS): CRP > 10 mg/L is elevated
MGPS_ALBUMIN_CUT = 35.0  # g/L, McMillan 2013 (mGPS): albumin < 35 g/L is low


def select_values(
    rows: pd.DataFrame,
    window_days: int = BASELINE_WINDOW_DAYS,
    on_treatment_days: int = ON_TREATMENT_DAYS,
) -> tuple[pd.DataFrame, pd.DataFrame, list[Reject]]:
    """(baseline rows, on-treatment rows, rejects of every other row) per patient/analyte."""
    rows = rows.sort_values(["patient", "analyte", "day"], kind="stable")
    in_window = rows["day"].between(-window_days, 0)
    on_treatment = rows["day"].between(1, on_treatment_days)
    baseline = rows[in_window].groupby(["patient", "analyte"]).tail(1)
    first_on = rows[on_treatment].groupby(["patient", "analyte"]).head(1)
    used = set(baseline.index) | set(first_on.index)
    rejects = [
        reject(
            STAGE,
            r.source_file,
            r.source_row,
            _unused_code(r.day, window_days, on_treatment_days),
            detail=f"day {r.day}",
            column="date",
            patient=r.patient,
        )
        for r in rows[~rows.index.isin(used)].itertuples(index=False)
    ]
    return baseline, first_on, rejects


def _unused_code(day: int, window_days: int, on_treatment_days: int) -> str:
    """Reject code of a lab value not selected, by its day (day 0 = start_date)."""
    if day < -window_days:
        return "lab_before_baseline_window"
    if day <= 0:
        return "lab_superseded_baseline"
    if day <= on_treatment_days:
        return "lab_not_first_on_treatment"
    return "lab_after_on_treatment_window"


def ratio(numerator, denominator) -> float:
    """numerator / denominator; NA when either is NA or the denominator is 0."""
    if pd.isna(numerator) or pd.isna(denominator) or denominator == 0:
        return np.nan
    return float(numerator) / float(denominator)


def mgps(
    crp_mg_l,
    albumin_g_l,
    crp_cut: float = MGPS_CRP_CUT,
    albumin_cut: float = MGPS_ALBUMIN_CUT,
    crp_sign: str | None = None,
    albumin_sign: str | None = None,
):
    """mGPS: 0 if CRP ≤ cut; 1 if CRP > cut and albumin ≥ cut; 2 if CRP > cut and albumin <
    cut. A censored value (sign '<' or '>', value = its bound) is used when it decides the
    comparison (CRP <5 -> 0). NA when CRP is NA or undecided, or CRP > cut and albumin NA
    or undecided."""
    high_crp = draws.decided_above(crp_mg_l, crp_sign, crp_cut)
    if high_crp is None:
        return pd.NA
    if not high_crp:
        return 0
    low_albumin = draws.decided_below(albumin_g_l, albumin_sign, albumin_cut)
    if low_albumin is None:
        return pd.NA
    return 2 if low_albumin else 1


def _by_patient(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """{patient: that patient's rows of ``table``}, split once (linear in the rows)."""
    return {patient: own for patient, own in table.groupby("patient", sort=False)}


def _values(selected: pd.DataFrame, patient: str) -> dict[str, Any]:
    """{analyte: selected row} of one patient."""
    mine = selected[selected["patient"] == patient]
    return {r.analyte: r for r in mine.itertuples(index=False)}


def _sign(selected) -> str | None:
    """'<' or '>' of a censored row, None otherwise (or when there is no row)."""
    sign = getattr(selected, "censored", None)
    return sign if isinstance(sign, str) else None


def _number(selected) -> float:
    """The row's value as a number: NA when there is no row or the value is censored."""
    return np.nan if selected is None or _sign(selected) else float(selected.value)


def crp_albumin(pair, base: dict) -> dict:
    """CAR, mGPS, the day of the same-draw pair and the same-draw flag (1 pair, 0 separate
    baseline values of different draws, NA when CRP or albumin is absent)."""
    if pair is not None:
        crp, albumin = pair["value_num"], pair["value_den"]
        signs = [
            s if isinstance(s, str) else None for s in (pair["censored_num"], pair["censored_den"])
        ]
        same, day = 1, pair["day"]
    else:
        c, a = base.get("crp"), base.get("albumin")
        crp, albumin = (r.value if r else np.nan for r in (c, a))
        signs = [_sign(c), _sign(a)]
        same, day = (0 if c and a else pd.NA), pd.NA
    car = np.nan if any(signs) else ratio(crp, albumin)
    return {
        "car": car,
        "mgps": mgps(crp, albumin, crp_sign=signs[0], albumin_sign=signs[1]),
        "crp_albumin_day": day,
        "crp_albumin_same_draw": same,
    }


def patient_row(
    patient: str,
    start: date,
    baseline: pd.DataFrame,
    on_treatment: pd.DataFrame,
    pairs: pd.DataFrame | None = None,
    tolerance_days: int = draws.SAME_DAY_TOLERANCE_DAYS,
) -> dict:
    """One labs_patient row: baseline, flags, ratios, mGPS, on-treatment values and changes.

    ``pairs``: draws.same_draw_pairs of the baseline window (None: no pair, so no
    differential ratio)."""
    base, later = _values(baseline, patient), _values(on_treatment, patient)
    own = pairs[pairs["patient"] == patient] if pairs is not None else pd.DataFrame()
    pair_of = {p["ratio"]: p for p in own.to_dict("records")}
    row: dict[str, Any] = {"patient": patient, "start_date": start.isoformat()}
    for analyte in ANALYTES:
        name, b, t = CANONICAL[analyte], base.get(analyte), later.get(analyte)
        row[name] = _number(b)
        row[f"{analyte}_day"] = b.day if b else pd.NA
        row[f"{analyte}_unusual"] = bool(b.unusual) if b else pd.NA
        row[f"{analyte}_censored"] = (
            f"{_sign(b)}{b.value:g}" if b is not None and _sign(b) else pd.NA
        )
        row[f"{analyte}_on_treatment"] = _number(t)
        row[f"{analyte}_on_treatment_day"] = t.day if t else pd.NA
        row[f"{analyte}_change"] = _number(t) - _number(b)
    for name, (numerator, denominator) in draws.DIFFERENTIAL_RATIOS.items():
        row[name], row[f"{name}_day"], row[f"{name}_note"] = draws.differential_ratio(
            pair_of.get(name), numerator, denominator, tolerance_days, base
        )
    row.update(crp_albumin(pair_of.get("car"), base))
    neutrophils, lymphocytes = later.get("neutrophils"), later.get("lymphocytes")
    same_day = (
        neutrophils and lymphocytes and abs(neutrophils.day - lymphocytes.day) <= tolerance_days
    )
    row["nlr_on_treatment"] = (
        ratio(_number(neutrophils), _number(lymphocytes)) if same_day else np.nan
    )
    row["nlr_change"] = row["nlr_on_treatment"] - row["nlr"]
    return row


def patient_table(
    baseline: pd.DataFrame,
    on_treatment: pd.DataFrame,
    starts: dict[str, date],
    pairs: pd.DataFrame | None = None,
    tolerance_days: int = draws.SAME_DAY_TOLERANCE_DAYS,
) -> pd.DataFrame:
    """labs_patient: one row per patient with at least one baseline or on-treatment value."""
    patients = sorted(set(baseline["patient"]) | set(on_treatment["patient"]))
    own_baseline, own_later = _by_patient(baseline), _by_patient(on_treatment)
    own_pairs = _by_patient(pairs) if pairs is not None else {}
    rows = [
        patient_row(
            p,
            starts[p],
            own_baseline.get(p, baseline.iloc[:0]),
            own_later.get(p, on_treatment.iloc[:0]),
            None if pairs is None else own_pairs.get(p, pairs.iloc[:0]),
            tolerance_days,
        )
        for p in patients
    ]
    return pd.DataFrame(rows, columns=PATIENT_COLUMNS)


PATIENT_COLUMNS = (
    ["patient", "start_date"]
    + [CANONICAL[a] for a in ANALYTES]
    + [f"{a}_{s}" for a in ANALYTES for s in ("day", "unusual", "censored")]
    + [*draws.DIFFERENTIAL_RATIOS, "car", "mgps"]
    + [f"{r}_{s}" for s in ("day", "note") for r in draws.DIFFERENTIAL_RATIOS]
    + ["crp_albumin_day", "crp_albumin_same_draw"]
    + [f"{a}_{s}" for a in ANALYTES for s in ("on_treatment", "on_treatment_day", "change")]
    + ["nlr_on_treatment", "nlr_change"]
)
