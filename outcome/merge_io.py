"""Reading and writing for outcome-clinical and outcome-merge.

Tables are read as strings (stereosarc.tables.read_table, with ``_row``) and the columns
the merge computes with are converted to numbers here: a value that is not a number is a
one-line error naming file, row and column.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from outcome import endpoints, merge
from outcome.exceptions import OutcomeInputError
from stereosarc.rejects import REJECT_COLUMNS
from stereosarc.tables import (
    numeric_columns,
    read_file_table,
    refuse_repeats,
    write_table,
)

LOG = logging.getLogger("outcome.merge_io")


def _read(path, required: list[str]) -> pd.DataFrame:
    """read_table as OutcomeInputError (message unchanged: it names the file), with _file."""
    return read_file_table(path, required, OutcomeInputError)


def _numeric(table: pd.DataFrame, columns, path) -> pd.DataFrame:
    """Convert ``columns`` (those present) to numbers; text is an error naming the row."""
    return numeric_columns(table, columns, Path(path).name, OutcomeInputError)


def read_clinical(path) -> pd.DataFrame:
    """The clinical table (DESIGN.md columns; best_response_irecist optional) as strings."""
    return _read(path, endpoints.REQUIRED_COLUMNS)


def read_endpoints(path) -> pd.DataFrame:
    """clinical_endpoints.tsv with its numeric columns as numbers."""
    table = _read(path, merge.ENDPOINT_COLUMNS)
    refuse_repeats(table, "patient", Path(path).name, OutcomeInputError)
    return _numeric(
        table,
        [
            *merge.NUMERIC_ENDPOINTS,
            "objective_response_irecist",
            "ipfs_days",
            "ipfs_event",
            "pseudoprogression",
            *merge.PRIMARY_ENDPOINT_COLUMNS,
        ],
        path,
    )


def read_tmb(path) -> pd.DataFrame:
    """cohort/tmb.tsv (one row per tumour sample)."""
    table = _read(path, ["patient", "sample", "tmb"])
    return _numeric(table, ["tmb", "tmb_ci_low", "tmb_ci_high"], path)


def read_ctdna(path) -> pd.DataFrame:
    """ctdna.tsv (one row per plasma sample)."""
    table = _read(path, ["patient", "sample", "timepoint", "tumour_fraction", "detected"])
    return _numeric(table, ["tumour_fraction", "detected"], path)


def read_patient_table(path, numeric: list[str]) -> pd.DataFrame:
    """ihc_patient.tsv or labs_patient.tsv; missing expected columns are logged (NA)."""
    table = _read(path, ["patient"])
    absent = [c for c in numeric if c not in table.columns]
    if absent:
        LOG.warning("%s: columns %s absent: NA in biomarkers", Path(path).name, ", ".join(absent))
    return _numeric(table, numeric, path)


def read_rejects(paths) -> list[pd.DataFrame]:
    """Every stage rejects table, with the rejects columns (stage/patient/detail NA when
    absent; the code is required: severity and reason are rebuilt from it)."""
    frames = []
    for path in paths or []:
        table = _read(path, ["file", "row", "column", "code", "reason"])
        frames.append(table.reindex(columns=REJECT_COLUMNS))
        LOG.info("%s: %d rejects", Path(path).name, len(table))
    return frames


def write_endpoints(table: pd.DataFrame, rejects: pd.DataFrame, out, rejects_out) -> None:
    write_table(table, out, "clinical_endpoints")
    write_table(rejects, rejects_out, "rejects")
    LOG.info(
        "wrote %s (%d patients) and %s (%d rejects)", out, len(table), rejects_out, len(rejects)
    )


def write_merge(biomarkers: pd.DataFrame, rejects: pd.DataFrame, out, rejects_out) -> None:
    """biomarkers.tsv and .parquet beside it; the cohort rejects table."""
    write_table(biomarkers, out, "biomarkers", parquet=True)
    write_table(rejects, rejects_out, "rejects")
    LOG.info(
        "wrote %s (+ .parquet; %d patients) and %s (%d rejects)",
        out,
        len(biomarkers),
        rejects_out,
        len(rejects),
    )
