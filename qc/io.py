"""Reading the stage tables the QC view is computed from, and writing the QC tables."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd

from stereosarc.tables import read_output_table, read_table, write_table

PLASMA_TYPES = ("plasma", "pon")  # samplesheet types counted by ctdna-count


def read_samples(path: str | os.PathLike) -> pd.DataFrame:
    """Plasma and PoN rows of the validated samplesheet (sample, patient, type, timepoint),
    capture rows only: low-pass WGS rows (assay lowpass_wgs) are not counted by ctdna-count."""
    sheet = read_table(path, required=["sample", "type"])
    for column in ("patient", "timepoint", "assay"):
        if column not in sheet:
            sheet[column] = None
    capture = sheet["assay"].ne("lowpass_wgs")
    return sheet[sheet["type"].isin(PLASMA_TYPES) & capture].reset_index(drop=True)


def read_stacked(paths: Sequence[str | os.PathLike]) -> pd.DataFrame:
    """Per-sample stage tables of one kind, stacked (empty when none is given)."""
    frames = [read_output_table(path) for path in paths]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_optional(path: str | os.PathLike | None) -> pd.DataFrame | None:
    """A cohort table written by a stage, or None when the stage did not run."""
    return None if path is None else read_output_table(path)


def write_qc(frame: pd.DataFrame, path: str | os.PathLike, schema: str) -> None:
    write_table(frame, path, schema)
