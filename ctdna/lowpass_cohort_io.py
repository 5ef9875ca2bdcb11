"""Files in for ctdna-lowpass: the per-sample bins tables of ctdna-bin and the samplesheet's
patient and timepoint per sample."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ctdna.exceptions import CtdnaInputError
from stereosarc.errors import SchemaError
from stereosarc.tables import read_output_table, read_table, validate_frame

BINS_SCHEMA = "ctdna_lowpass_bins"  # ctdna-bin's output


def read_bins(path: Path) -> tuple[str, pd.DataFrame]:
    """(sample id, bins) of one ctdna-bin table; refused unless it holds one sample and the
    columns and types of its schema."""
    if not path.is_file():
        raise CtdnaInputError(f"{path}: bins table not found")
    try:
        bins = read_output_table(path)
        validate_frame(bins, BINS_SCHEMA)
    except (SchemaError, ValueError) as err:
        raise CtdnaInputError(f"{path.name}: not a ctdna-bin table ({err})") from None
    samples = bins["sample"].unique()
    if len(samples) != 1:
        raise CtdnaInputError(f"{path.name}: {len(samples)} samples in one bins table; "
                              "expected one (ctdna-bin writes one per sample)")  # fmt: skip
    return str(samples[0]), bins.drop(columns=["sample", "source"]).reset_index(drop=True)


def read_bins_files(paths: tuple[Path, ...]) -> dict[str, pd.DataFrame]:
    """Bins by sample id; a sample id given twice is refused."""
    tables: dict[str, pd.DataFrame] = {}
    for path in paths:
        sample, bins = read_bins(path)
        if sample in tables:
            raise CtdnaInputError(f"{path.name}: sample {sample} has two bins tables")
        tables[sample] = bins
    return tables


def sample_info(samplesheet: Path) -> dict[str, dict]:
    """patient, sample, timepoint of every samplesheet row, by sample id."""
    sheet = read_table(samplesheet, required=["sample", "type"])
    sheet = sheet.reindex(columns=["patient", "sample", "timepoint"])
    return {row["sample"]: row for row in sheet.to_dict("records")}
