"""Blood counts and chemistry of the demo cohort, in mixed units (pure).

Values are drawn in canonical units (counts 10^9/L, CRP mg/L, albumin g/L), rounded there, and
converted exactly for display (x1000 for /uL and /mm3, /10 for mg/dL and g/dL), so any
conversion gives back the canonical value. The baseline NLR of a patient is the latent
neutrophils / lymphocytes of the cohort (the planted NLR effect).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COUNT_UNITS = ("10^9/L", "G/L", "/uL", "/mm3")  # DESIGN.md accepted count units
COUNT_UNIT_P = (0.4, 0.2, 0.2, 0.2)
CRP_UNITS, CRP_UNIT_P = ("mg/L", "mg/dL"), (0.7, 0.3)
ALBUMIN_UNITS, ALBUMIN_UNIT_P = ("g/L", "g/dL"), (0.7, 0.3)
BASELINE_ON_DAY1_P = 0.2  # share of baseline draws on start_date itself
BASELINE_OUTSIDE_P = 0.06  # share drawn 16 days before: outside the 15-day window (issue 2)
OUTSIDE_DAYS = 16  # days before start_date of those draws
WINDOW_DAYS = 15  # DESIGN.md baseline window
ON_TREATMENT_DAYS = (
    21,
    39,
)  # on-treatment draws (3-weekly cycles; the 2nd kept inside a 42-day window)
VISIT_LOG_SD = 0.15  # visit-to-visit variation of each analyte (log scale)
CRP_MEDIAN_MG_L, CRP_LOG_SD = 8.0, 1.0  # CRP in metastatic sarcoma (assumption)
ALBUMIN_MEAN_G_L, ALBUMIN_SD = 39.0, 4.0  # serum albumin (reference range 35-50 g/L)
GHOST_PATIENT = "P999"  # planted: a patient absent from clinical.csv


def _canonical(rng, patients: pd.DataFrame) -> pd.DataFrame:
    """Baseline values per patient in canonical units, already rounded."""
    n = len(patients)
    crp = np.round(np.clip(rng.lognormal(np.log(CRP_MEDIAN_MG_L), CRP_LOG_SD, n), 0.5, 250), 1)
    albumin = np.round(np.clip(rng.normal(ALBUMIN_MEAN_G_L, ALBUMIN_SD, n) - 0.05 * crp, 22, 52))
    monocytes = np.round(np.clip(rng.lognormal(np.log(0.55), 0.35, n), 0.1, 2.5), 2)
    return pd.DataFrame(
        {
            "neutrophils": patients["neutrophils"].to_numpy(),
            "lymphocytes": patients["lymphocytes"].to_numpy(),
            "monocytes": monocytes,
            "platelets": np.round(np.clip(rng.lognormal(np.log(260), 0.3, n), 60, 900)),
            "crp": crp,
            "albumin": albumin,
        },
        index=patients["patient"],
    )


def _format(analyte: str, value: float, unit: str) -> str:
    if analyte == "crp":
        return f"{value:.1f}" if unit == "mg/L" else f"{value / 10:.2f}"
    if analyte == "albumin":
        return f"{value:.0f}" if unit == "g/L" else f"{value / 10:.1f}"
    if unit in ("/uL", "/mm3"):
        return f"{int(round(value * 1000))}"
    return f"{value:.0f}" if analyte == "platelets" else f"{value:.2f}"


def _draw(patient: str, date: str, values: dict, units: dict) -> list[tuple]:
    leukocytes = round(
        values["neutrophils"] + values["lymphocytes"] + values["monocytes"] + 0.25, 2
    )
    rows = []
    for analyte, value in {**values, "leukocytes": leukocytes}.items():
        unit = units.get(analyte, units["count"])
        rows.append((patient, date, analyte, _format(analyte, value, unit), unit))
    return rows


def labs_table(patients: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """labs.csv rows (dirty records planted) and per-patient baseline draw offsets."""
    rng = np.random.default_rng([seed, 6])
    canonical = _canonical(rng, patients)
    rows, offsets = [], []
    for p in patients.itertuples(index=False):
        units = {
            "count": str(rng.choice(COUNT_UNITS, p=COUNT_UNIT_P)),
            "crp": str(rng.choice(CRP_UNITS, p=CRP_UNIT_P)),
            "albumin": str(rng.choice(ALBUMIN_UNITS, p=ALBUMIN_UNIT_P)),
        }
        u = rng.random()
        offset = (
            0
            if u < BASELINE_ON_DAY1_P
            else (
                OUTSIDE_DAYS
                if u > 1 - BASELINE_OUTSIDE_P
                else int(rng.integers(1, WINDOW_DAYS + 1))
            )
        )
        offsets.append((p.patient, offset, offset <= WINDOW_DAYS))
        base = canonical.loc[p.patient].to_dict()
        rows += _draw(
            p.patient, (p.start_date - pd.Timedelta(days=offset)).strftime("%Y-%m-%d"), base, units
        )
        for day in ON_TREATMENT_DAYS:
            if day >= p.last_followup_day:
                continue
            visit = {
                k: _round_like(k, v * np.exp(rng.normal(0, VISIT_LOG_SD))) for k, v in base.items()
            }
            date = (p.start_date + pd.Timedelta(days=day + int(rng.integers(-2, 3)))).strftime(
                "%Y-%m-%d"
            )
            rows += _draw(p.patient, date, visit, units)
    table = pd.DataFrame(rows, columns=["patient", "date", "analyte", "value", "unit"])
    offsets = pd.DataFrame(
        offsets, columns=["patient", "baseline_days_before_start", "baseline_in_window"]
    )
    return _plant_dirty(table, patients), offsets


def _round_like(analyte: str, value: float) -> float:
    digits = {"crp": 1, "albumin": 0, "platelets": 0}.get(analyte, 2)
    return round(value, digits)


def _plant_dirty(table: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """A negative on-treatment monocyte count, and a draw of a patient absent from clinical."""
    on_treatment = table[
        (table["analyte"] == "monocytes") & table.duplicated(["patient", "analyte"], keep="first")
    ]
    if len(on_treatment):
        index = on_treatment.index[0]
        unit = table.at[index, "unit"]
        table.at[index, "value"] = "-400" if unit in ("/uL", "/mm3") else "-0.40"
    start = patients["start_date"].iloc[0].strftime("%Y-%m-%d")
    ghost = pd.DataFrame(
        [(GHOST_PATIENT, start, "neutrophils", "4.10", "10^9/L")], columns=table.columns
    )
    return pd.concat([table, ghost], ignore_index=True)


def dirty_rows(table: pd.DataFrame) -> dict:
    """Spreadsheet rows (header = row 1) of the planted dirty lab records."""
    negative = table.index[table["value"].str.startswith("-")].to_list()
    ghost = table.index[table["patient"] == GHOST_PATIENT].to_list()
    return {
        "negative_value_rows": [i + 2 for i in negative],
        "ghost_patient_rows": [i + 2 for i in ghost],
    }
