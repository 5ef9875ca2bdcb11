"""File reading and writing for ctdna-call: the validated samplesheet, the per-sample
site_counts / target_depth tables written by ctdna-count, the tissue copy-number table,
clinical progression dates, and every output table (schema-checked by stereosarc.tables).

Numbers are parsed here; an unparsable number is an error naming file, row and column.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ctdna.exceptions import CtdnaInputError
from stereosarc.schemas import load_schema
from stereosarc.tables import ROW_COLUMN, read_table, refuse_repeats, write_table

log = logging.getLogger(__name__)

SAMPLESHEET_REQUIRED = ["patient", "sample", "type"]
SITE_INTEGERS = [
    "pos",
    "ref_fragments",
    "alt_fragments",
    "other_fragments",
    "discordant_fragments",
    "depth_fragments",
]
TISSUE_CN_REQUIRED = ["patient", "gene", "copy_number"]
FILE_COLUMN = "_file"  # base name of the file a row came from, for messages and rejects


def _parse_numbers(
    table: pd.DataFrame,
    columns: list[str],
    name: str,
    integer: bool = False,
    minimum: float | None = 0,
) -> None:
    """Convert ``columns`` to float in place; refuse non-numbers and values below minimum."""
    for column in columns:
        if column not in table.columns:
            continue
        values = pd.to_numeric(table[column], errors="coerce")
        bad = table[column].notna() & (values.isna() | ~np.isfinite(values))
        if minimum is not None:
            bad |= values < minimum
        if integer:
            bad |= values.notna() & (values != values.round())
        if bad.any():
            first = table.index[bad][0]
            kind = "a non-negative integer" if integer else "a non-negative number"
            raise CtdnaInputError(
                f"{name} row {table.at[first, ROW_COLUMN]}, column {column}: "
                f"{table.at[first, column]!r} is not {kind}"
            )
        table[column] = values.astype(float)


def _parse_dates(table: pd.DataFrame, column: str, name: str) -> None:
    """Check ISO dates (YYYY-MM-DD) in ``column``; keep them as strings."""
    if column not in table.columns:
        return
    for index, value in table[column].dropna().items():
        try:
            pd.Timestamp(value).date()
            if len(value) != 10:
                raise ValueError
        except ValueError as err:
            raise CtdnaInputError(
                f"{name} row {table.at[index, ROW_COLUMN]}, column {column}: "
                f"{value!r} is not an ISO date (YYYY-MM-DD)"
            ) from err


def read_samplesheet(path: str | Path) -> pd.DataFrame:
    """samplesheet.valid.csv with cfdna_ng_per_ml as float and checked collection dates."""
    table = read_table(path, required=SAMPLESHEET_REQUIRED)
    for column in ("timepoint", "vcf", "bam", "cfdna_ng_per_ml", "collection_date"):
        if column not in table.columns:
            table[column] = None
    _parse_numbers(table, ["cfdna_ng_per_ml"], Path(path).name)
    _parse_dates(table, "collection_date", Path(path).name)
    refuse_repeats(table, "sample", Path(path).name, CtdnaInputError)
    counts = table["type"].value_counts().to_dict()
    log.info(
        "%s: %d samples (%s)",
        Path(path).name,
        len(table),
        ", ".join(f"{v} {k}" for k, v in sorted(counts.items())),
    )
    return table


def _read_many(paths: list[str | Path], required: list[str]) -> pd.DataFrame:
    """Concatenate per-sample tables, each row keeping its file name and row number."""
    frames = []
    for path in paths:
        table = read_table(path, required=required)
        table[FILE_COLUMN] = Path(path).name
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=[*required, ROW_COLUMN, FILE_COLUMN])
    return pd.concat(frames, ignore_index=True)


def _parse_each_file(
    table: pd.DataFrame, columns: list[str], integer_columns: list[str], minimum: float | None = 0
) -> pd.DataFrame:
    """Parse numbers file by file so that a message names the right file."""
    parts = []
    for name, part in table.groupby(FILE_COLUMN, sort=False):
        part = part.copy()
        _parse_numbers(part, integer_columns, name, integer=True, minimum=minimum)
        _parse_numbers(
            part, [c for c in columns if c not in integer_columns], name, minimum=minimum
        )
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else table


def read_target_depth(paths: list[str | Path]) -> pd.DataFrame:
    """All *.target_depth.tsv rows (sample, chrom, start, end, gene, fragments,
    mean_fragment_depth) with numbers parsed."""
    integers = ["start", "end", "fragments"]
    table = _read_counts(paths, "ctdna_target_depth", [*integers, "mean_fragment_depth"], integers)
    repeated = table.duplicated(["sample", "chrom", "start", "end", "gene"])
    if repeated.any():
        row = table[repeated].iloc[0]
        raise CtdnaInputError(
            f"{row[FILE_COLUMN]} row {row[ROW_COLUMN]}, column sample: target "
            f"{row['chrom']}:{int(row['start'])}-{int(row['end'])} of sample "
            f"{row['sample']!r} given twice (same sample in two depth files?)"
        )
    _log_counts("target depth", table, paths)
    return table


def read_site_counts(paths: list[str | Path]) -> pd.DataFrame:
    """All *.site_counts.tsv rows with fragment counts and tissue VAF parsed."""
    table = _read_counts(paths, "ctdna_site_counts", [*SITE_INTEGERS, "tissue_vaf"], SITE_INTEGERS)
    _log_counts("site counts", table, paths)
    return table


def read_background(paths: list[str | Path] | None) -> pd.DataFrame:
    """All *.background.tsv rows (sample, error_class, error_count, opportunity_count)."""
    counts = ["error_count", "opportunity_count"]
    return _read_counts(paths or [], "ctdna_background", counts, counts)


def _read_counts(
    paths: list, schema: str, numbers: list[str], integers: list[str]
) -> pd.DataFrame:
    """The rows of every ctdna-count table of ``paths`` (its schema's required columns), with
    ``numbers`` parsed (``integers`` whole)."""
    return _parse_each_file(_read_many(paths, load_schema(schema)["required"]), numbers, integers)


def _log_counts(what: str, table: pd.DataFrame, paths: list) -> None:
    log.info(
        "%s: %d rows for %d samples from %d files",
        what,
        len(table),
        table["sample"].nunique(),
        len(paths),
    )


def read_tissue_cn(path: str | Path | None) -> pd.DataFrame:
    """Tissue copy number (patient, gene, copy_number float); empty when no file."""
    if not path:
        return pd.DataFrame(columns=[*TISSUE_CN_REQUIRED, ROW_COLUMN])
    table = read_table(path, required=TISSUE_CN_REQUIRED)
    _parse_numbers(table, ["copy_number"], Path(path).name)
    if "purity" in table.columns:
        _parse_purity(table, Path(path).name)
    duplicated = table.duplicated(["patient", "gene"])
    if duplicated.any():
        row = table[duplicated].iloc[0]
        raise CtdnaInputError(
            f"{Path(path).name} row {row[ROW_COLUMN]}, column gene: "
            f"{row['gene']!r} given twice for patient {row['patient']!r}"
        )
    log.info("%s: %d tissue copy numbers", Path(path).name, len(table))
    return table


def _parse_purity(table: pd.DataFrame, name: str) -> None:
    """Parse the optional purity column in place: empty or a fraction in (0, 1], one value
    per patient; otherwise a one-line refusal naming row and column."""
    table["purity"] = table["purity"].replace("", None)
    _parse_numbers(table, ["purity"], name)
    bad = table[table["purity"].notna() & ~table["purity"].between(0, 1, inclusive="right")]
    if len(bad):
        row = bad.iloc[0]
        raise CtdnaInputError(
            f"{name} row {row[ROW_COLUMN]}, column purity: "
            f"{row['purity']:g} is not a fraction in (0, 1]"
        )
    spread = table.dropna(subset=["purity"]).groupby("patient")["purity"].nunique()
    if (spread > 1).any():
        patient = spread[spread > 1].index[0]
        row = table[table["patient"] == patient].iloc[-1]
        raise CtdnaInputError(
            f"{name} row {row[ROW_COLUMN]}, column purity: patient "
            f"{patient!r} has more than one purity"
        )


LOWPASS_NUMBERS = ["tumour_fraction", "tf_ci_low", "tf_ci_high", "lod95_tf"]  # parsed, >= 0


def read_lowpass(path: str | Path | None) -> pd.DataFrame | None:
    """lowpass_samples.tsv of ctdna-lowpass (one row per low-pass plasma sample), numbers and
    ``detected`` (1/0/empty) parsed; None when no file. A sample given twice is refused."""
    if not path:
        return None
    name = Path(path).name
    table = read_table(path, required=["sample", *LOWPASS_NUMBERS, "detected", "reason"])
    _parse_numbers(table, LOWPASS_NUMBERS, name)
    _parse_numbers(table, ["detected"], name, integer=True)
    bad = table[table["detected"].notna() & ~table["detected"].isin([0, 1])]
    if len(bad):
        row = bad.iloc[0]
        raise CtdnaInputError(
            f"{name} row {row[ROW_COLUMN]}, column detected: {row['detected']:g} is not 1, 0 "
            "or empty"
        )
    refuse_repeats(table, "sample", name, CtdnaInputError)
    log.info("%s: %d low-pass samples", name, len(table))
    return table


def read_progression(path: str | Path | None) -> pd.Series:
    """Progression date (ISO string or None) per patient from the clinical table."""
    if not path:
        return pd.Series(dtype=object)
    table = read_table(path, required=["patient", "progression_date"])
    _parse_dates(table, "progression_date", Path(path).name)
    return table.drop_duplicates("patient").set_index("patient")["progression_date"]


def write_outputs(outdir: str | Path, tables: dict[str, pd.DataFrame]) -> None:
    """Write each ``{schema name: frame}`` as ``outdir/<schema name>.tsv`` (rejects as
    rejects_ctdna.tsv), validated against its schema."""
    outdir = Path(outdir)
    for schema, frame in tables.items():
        name = "rejects_ctdna.tsv" if schema == "rejects" else f"{schema}.tsv"
        write_table(frame, outdir / name, schema)
        log.info("wrote %s (%d rows)", outdir / name, len(frame))
