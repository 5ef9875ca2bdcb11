"""Reading and writing for ihc-markers.

Inputs are read as strings (stereosarc.tables.read_table) with ``_row`` (spreadsheet
row, header = row 1) and ``_file`` (base name) kept for messages and rejects. QuPath
annotation-measurement exports get their own reader: their headers vary between QuPath
versions and platforms (``Class``/``Classification``; ``µm``, ``μm``, ``um`` or a mangled
``?m``), and old Windows exports are Latin-1 rather than UTF-8.
"""

from __future__ import annotations

import io as _io
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ihc.exceptions import IhcInputError, QuPathFormatError
from stereosarc.errors import InputError
from stereosarc.rejects import reject_table
from stereosarc.tables import (
    MISSING_TOKENS,
    read_table,
    spreadsheet_rows,
    table_separator,
    write_table,
)

LOG = logging.getLogger("ihc.io")
FILE_COLUMN = "_file"  # base name of the input file of a row, for messages and rejects
IHC_COLUMNS = ["patient", "sample", "marker", "metric", "value"]  # DESIGN.md IHC long format
MANIFEST_COLUMNS = ["file", "patient", "sample", "marker"]  # task contract of --qupath
UM2_PER_MM2 = 1e6  # 1 mm² = 10^6 µm²
# micro sign as QuPath exports show it: µ, Greek μ, their UTF-8 bytes decoded as Latin-1
# (a UTF-8 file re-saved by a Latin-1 tool), and lossy replacements ('?', U+FFFD)
MICRO_SPELLINGS = ("âµ", "î¼", "µ", "μ", "\ufffd", "?")

# canonical QuPath column -> normalised header spellings (after _normalise_header)
QUPATH_HEADERS = {
    "class": ("class", "classification"),
    "area_um2": ("area um^2", "area um2"),
    "area_mm2": ("area mm^2", "area mm2"),
    "num_positive": ("num positive",),
    "num_negative": ("num negative",),
    "num_detections": ("num detections",),
    "positive_per_mm2": ("num positive per mm^2", "num positive per mm2"),
    "positive_percent": ("positive %", "positive%"),
}
QUPATH_NUMERIC = [k for k in QUPATH_HEADERS if k != "class"]


def _with_file(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    table[FILE_COLUMN] = path.name
    return table


def _read(path, required: list[str], error: type[InputError]) -> pd.DataFrame:
    """read_table with the package's error type (message unchanged: it names the file)."""
    path = Path(path)
    try:
        return _with_file(read_table(path, required=required), path)
    except InputError as err:
        raise error(str(err)) from err


def read_ihc_long(path) -> pd.DataFrame:
    """The IHC long table: patient, sample, marker, metric, value (strings), _row, _file."""
    return _read(path, IHC_COLUMNS, IhcInputError)


def read_qupath_manifest(path) -> pd.DataFrame:
    """The QuPath manifest with ``path`` resolved against the manifest's folder."""
    path = Path(path)
    manifest = _read(path, MANIFEST_COLUMNS, IhcInputError)
    manifest["path"] = [
        None if f is None else str((path.parent / f).resolve()) for f in manifest["file"]
    ]
    return manifest


def _normalise_header(name: str) -> str:
    """Lower-case header with every spelling of micro as 'u' and of a squared unit as ^2.

    Micro: µ (U+00B5), μ (U+03BC), their UTF-8 bytes read as Latin-1 (Âµ, Î¼), and a '?' or
    U+FFFD left by a lossy re-encoding. Squared: ², and a final '?'/U+FFFD after a unit 'm'.
    """
    text = " ".join(str(name).strip().lstrip("\ufeff").lower().split())
    for micro in MICRO_SPELLINGS:
        text = text.replace(f"{micro}m", "um")
    text = re.sub(r"(?<=m)[?\ufffd]$", "^2", text)
    return text.replace("²", "^2")


def _decode(path: Path) -> str:
    """UTF-8 text, or Latin-1 when the file is not UTF-8 (QuPath on Windows wrote cp1252)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        LOG.warning("%s: not UTF-8, read as Latin-1", path.name)
        return raw.decode("latin-1")


def _qupath_columns(headers: list[str], path: Path) -> dict[str, str]:
    """Map canonical names to the file's headers; refuse pixel-unit (uncalibrated) areas."""
    normalised = {_normalise_header(h): h for h in headers}
    if any(h.startswith("area px") for h in normalised):
        raise QuPathFormatError(
            f"{path}: areas are in pixels ('Area px^2'): the image has no "
            "pixel calibration; set it in QuPath and export again"
        )
    found = {}
    for canonical, spellings in QUPATH_HEADERS.items():
        for spelling in spellings:
            if spelling in normalised:
                found[canonical] = normalised[spelling]
                break
    return found


def read_qupath_export(path) -> pd.DataFrame:
    """One QuPath annotation-measurement export as canonical columns (class, area_mm2,
    num_positive, num_negative, num_detections, positive_per_mm2, positive_percent), numbers
    as floats (NaN when absent), plus _row and _file."""
    path = Path(path)
    if not path.is_file():
        raise IhcInputError(f"{path}: QuPath export listed in the manifest not found")
    try:
        table = pd.read_csv(
            _io.StringIO(_decode(path)),
            sep=table_separator(path),
            dtype=str,
            keep_default_na=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise QuPathFormatError(
            f"{path}: cannot parse QuPath export: {str(err).splitlines()[0]}"
        ) from err
    columns = _qupath_columns(list(table.columns), path)
    if "positive_per_mm2" not in columns and "num_positive" not in columns:
        raise QuPathFormatError(
            f"{path}: no 'Num Positive' or 'Num Positive per mm^2' column; "
            f"found {', '.join(table.columns)}"
        )
    out = pd.DataFrame({"_row": spreadsheet_rows(len(table))})
    cls = table[columns["class"]].str.strip() if "class" in columns else None
    out["class"] = None if cls is None else cls.where(~cls.isin(MISSING_TOKENS), None).to_numpy()
    for canonical in QUPATH_NUMERIC:
        out[canonical] = (
            _numbers(table[columns[canonical]], path, columns[canonical])
            if canonical in columns
            else np.nan
        )
    area_from_um2 = out["area_um2"] / UM2_PER_MM2
    out["area_mm2"] = out["area_mm2"].where(out["area_mm2"].notna(), area_from_um2)
    return _with_file(out.drop(columns="area_um2"), path)


def _numbers(values: pd.Series, path: Path, column: str) -> np.ndarray:
    """Floats of a QuPath column; NaN for empty/NaN cells; text is a one-line error."""
    text = values.str.strip()
    text = text.where(~text.isin(MISSING_TOKENS), None)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() & text.notna()
    if bad.any():
        row = int(spreadsheet_rows(len(values))[np.flatnonzero(bad.to_numpy())[0]])
        raise QuPathFormatError(
            f"{path.name} row {row}, column {column}: {text[bad].iloc[0]!r} is not a number"
        )
    return numbers.to_numpy(dtype=float)


def read_clinical_starts(path) -> pd.DataFrame:
    """patient and start_date (strings) of the clinical table, with _row and _file."""
    return _read(path, ["patient", "start_date"], IhcInputError)


def write_outputs(table: pd.DataFrame, schema: str, out, rejects: list[dict], rejects_out) -> None:
    """Write the patient table (validated against ``schema``) and its rejects table."""
    write_table(table, out, schema)
    write_table(reject_table(rejects), rejects_out, "rejects")
    LOG.info(
        "wrote %s (%d patients) and %s (%d rejects)", out, len(table), rejects_out, len(rejects)
    )
