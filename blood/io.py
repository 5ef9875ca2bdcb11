"""Reading and writing for labs-markers.

Inputs are read as strings (stereosarc.tables.read_table) with ``_row`` (spreadsheet
row, header = row 1) and ``_file`` (base name) kept for messages and rejects.
"""

from __future__ import annotations

import logging

import pandas as pd

from blood.exceptions import LabsInputError
from stereosarc.rejects import reject_table
from stereosarc.tables import read_file_table, write_table

LOG = logging.getLogger("blood.io")
LABS_COLUMNS = ["patient", "date", "analyte", "value", "unit"]  # DESIGN.md blood long format
CLINICAL_COLUMNS = ["patient", "start_date"]  # of the clinical table, what labs-markers reads


def _read(path, required: list[str]) -> pd.DataFrame:
    """read_table as LabsInputError (message unchanged: it names the file), with _file."""
    return read_file_table(path, required, LabsInputError)


def read_labs(path) -> pd.DataFrame:
    """The blood long table: patient, date, analyte, value, unit (strings), _row, _file."""
    return _read(path, LABS_COLUMNS)


def read_clinical_starts(path) -> pd.DataFrame:
    """patient and start_date (strings) of the clinical table, with _row and _file."""
    return _read(path, CLINICAL_COLUMNS)


def write_outputs(table: pd.DataFrame, out, rejects: list, rejects_out) -> None:
    """Write labs_patient (validated against its schema) and the rejects table (the one
    collector, stereosarc.rejects.reject_table: one order, one dedupe rule)."""
    write_table(table, out, "labs_patient")
    write_table(reject_table(rejects), rejects_out, "rejects")
    LOG.info(
        "wrote %s (%d patients) and %s (%d rejects)", out, len(table), rejects_out, len(rejects)
    )
