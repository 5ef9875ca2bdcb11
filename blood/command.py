"""labs-markers as a library call: options in, the patient table and its rejects out.

Recipe: read the blood long table and the clinical start dates (blood.io), keep the usable
rows in canonical units (blood.rows), choose baseline and on-treatment values
(blood.markers), pair same-draw analytes (blood.draws), derive the ratios per patient.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from blood import draws, io, markers, rows
from blood.exceptions import LabsInputError

LOG = logging.getLogger("blood.command")


@dataclass(frozen=True)
class LabsOptions:
    """What labs-markers reads and the windows it applies (days from start_date)."""

    labs: Path  # blood long table
    clinical: Path  # clinical table (start_date)
    baseline_window_days: int = markers.BASELINE_WINDOW_DAYS
    on_treatment_days: int = markers.ON_TREATMENT_DAYS
    same_day_tolerance_days: int = draws.SAME_DAY_TOLERANCE_DAYS

    def __post_init__(self) -> None:
        if (
            self.baseline_window_days < 0
            or self.on_treatment_days < 1
            or self.same_day_tolerance_days < 0
        ):
            raise LabsInputError(
                "--baseline-window-days and --same-day-tolerance-days must be "
                ">= 0, --on-treatment-days >= 1"
            )


@dataclass(frozen=True)
class LabsResult:
    """labs_patient (one row per patient) and the rejects of every unused lab row."""

    patients: pd.DataFrame
    rejects: list


def labs_markers(options: LabsOptions) -> LabsResult:
    """Normalise units, check plausibility, pick baseline, derive markers (module doc)."""
    table = io.read_labs(options.labs)
    starts, start_problems = rows.start_dates(io.read_clinical_starts(options.clinical))
    usable, rejects = rows.normalise(table, starts, start_problems)
    usable, bad = rows.deduplicate(usable)
    rejects += bad
    baseline, on_treatment, bad = markers.select_values(
        usable, options.baseline_window_days, options.on_treatment_days
    )
    pairs = draws.same_draw_pairs(
        usable, options.baseline_window_days, options.same_day_tolerance_days
    )
    paired = draws.used_rows(pairs)
    rejects += [r for r in bad if (r["file"], r["row"]) not in paired]
    patients = markers.patient_table(
        baseline, on_treatment, starts, pairs, options.same_day_tolerance_days
    )
    LOG.info(
        "%s: %d rows read; %d rejected; %d baseline and %d on-treatment values; "
        "%d flagged unusual; %d patients",
        options.labs,
        len(table),
        len(rejects),
        len(baseline),
        len(on_treatment),
        int(usable["unusual"].sum()),
        len(patients),
    )
    return LabsResult(patients, rejects)
