"""ihc-markers as a library call: options in, the patient table and its rejects out.

Recipe: read the IHC long table and the QuPath exports of the manifest (ihc.io), keep the
valid rows (ihc.densities), reject sample ids shared by patients, patients absent from the
clinical table and conflicting duplicates, score each block (densities, CPS/TPS: ihc.pdl1)
and combine blocks per patient with the block rule.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ihc import densities, io, pdl1
from ihc.exceptions import IhcInputError
from stereosarc import protocol

LOG = logging.getLogger("ihc.scoring")
BLOCK_RULES = ("mean", "max", "first")  # besides a sample id of the input (docs/ihc.md)


@dataclass(frozen=True)
class IhcOptions:
    """What ihc-markers reads and how it combines the blocks of a patient."""

    ihc: Path | None = None  # IHC long table
    qupath: Path | None = None  # QuPath manifest (file, patient, sample, marker)
    clinical: Path | None = None  # rows of patients absent from it are rejected
    block_rule: str = "mean"  # mean, max, first or a sample id
    min_viable_tumour_cells: int = pdl1.MIN_VIABLE_TUMOUR_CELLS

    def __post_init__(self) -> None:
        if not self.ihc and not self.qupath:
            raise IhcInputError("give --ihc, --qupath or both")
        if self.min_viable_tumour_cells < 1:
            raise IhcInputError("--min-viable-tumour-cells must be >= 1")


@dataclass(frozen=True)
class IhcResult:
    """ihc_patient (one row per patient) and the rejects of every unused row or file."""

    patients: pd.DataFrame
    rejects: list


def _manifest_problem(row) -> tuple[str, str, str] | None:
    """(column, reject code, detail) why a manifest row cannot be used; None when it can."""
    problem = protocol.identifier_problem(row)
    if problem:
        return problem
    if row.file is None:
        return "file", "missing_value", "no file given"
    if (row.marker or "").upper() not in densities.IMMUNE_MARKERS:
        return (
            "marker",
            "unknown_marker",
            (
                f"marker {row.marker!r} is not an immune-cell marker "
                f"({', '.join(densities.IMMUNE_MARKERS)}); give PD-L1 in the long table"
            ),
        )
    return None


def qupath_long(manifest_path, rejects: list) -> pd.DataFrame:
    """Long-format rows from every export of the manifest; bad manifest rows rejected."""
    manifest = io.read_qupath_manifest(manifest_path)
    frames = []
    for row in densities.source_rows(manifest):
        problem = _manifest_problem(row)
        if problem:
            rejects.append(densities.row_reject(row, problem))
            continue
        export = io.read_qupath_export(row.path)
        found, bad = densities.qupath_rows(export, row.patient, row.sample, row.marker.upper())
        LOG.info("%s: %d annotations, %d excluded", row.file, len(export), len(bad))
        frames.append(found)
        rejects.extend(bad)
    return pd.concat(frames, ignore_index=True) if frames else densities.rows_frame([])


def _input_rows(options: IhcOptions, rejects: list) -> pd.DataFrame:
    """Valid rows of the long table and the QuPath exports, before cross-row checks."""
    frames = []
    if options.ihc:
        long = io.read_ihc_long(options.ihc)
        rows, bad = densities.validate_long(long)
        LOG.info("%s: %d rows read, %d rejected", options.ihc, len(long), len(bad))
        frames.append(rows)
        rejects += bad
    if options.qupath:
        frames.append(qupath_long(options.qupath, rejects))
    return pd.concat(frames, ignore_index=True)


def ihc_markers(options: IhcOptions) -> IhcResult:
    """Read the long table and QuPath exports, score blocks, combine per patient."""
    rejects: list = []
    rows, bad = densities.reject_shared_samples(_input_rows(options, rejects))
    rejects += bad
    if options.clinical:
        randomised = set(io.read_clinical_starts(options.clinical)["patient"])
        rows, bad = densities.reject_unknown_patients(rows, randomised)
        rejects += bad
    rows, bad = densities.deduplicate(rows)
    rejects += bad
    blocks, bad = densities.block_table(rows, options.min_viable_tumour_cells)
    rejects += bad
    if options.block_rule not in BLOCK_RULES and options.block_rule not in set(blocks["sample"]):
        raise IhcInputError(
            f"--block-rule {options.block_rule!r} is neither mean, max, first nor "
            "a sample id of the IHC input"
        )
    table, bad = densities.patient_table(blocks, rows, options.block_rule)
    rejects += bad
    LOG.info(
        "%d blocks of %d patients; block rule %s; %d CPS evaluable",
        len(blocks),
        len(table),
        options.block_rule,
        int(table["cps"].notna().sum()),
    )
    return IhcResult(table, rejects)
