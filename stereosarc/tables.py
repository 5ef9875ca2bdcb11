"""Reading input tables and writing schema-checked output tables.

Conventions (docs/outputs.md): TSV with a header, ``NA`` for missing (``.`` never used),
booleans written as 1/0, floats with 10 significant digits, rows written atomically
(temporary name in the same folder, then rename), so no partial file is ever left behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from stereosarc.errors import InputError, SchemaError
from stereosarc.schemas import FLOAT_FORMAT, NA_REP, load_schema, schema_dir  # noqa: F401 (re-exported)

ROW_COLUMN = "_row"  # 1-based data-row number (the header is row 0), kept for error messages
HEADER_ROWS = 1  # pre-flight messages count rows as a spreadsheet does: header = row 1
REJECT_COLUMNS = ["stage", "file", "row", "column", "patient", "reason"]
MISSING_TOKENS = {"", "NA", "NaN", "nan", "N/A", "na", "null", "NULL", "None"}


def table_separator(path: str | os.PathLike) -> str:
    """Tab for .tsv/.txt (optionally .gz), comma for .csv; anything else is refused."""
    name = str(path).lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return ","
    if name.endswith((".tsv", ".txt")):
        return "\t"
    raise InputError(f"{path}: unknown table extension (expected .csv or .tsv)")


def read_table(path: str | os.PathLike, required: list[str] | None = None) -> pd.DataFrame:
    """Read a CSV/TSV input table as strings, with a ``_row`` column (1-based data row).

    Cells are stripped; empty cells and NA tokens become None. Raises InputError naming the
    file for a missing, empty or malformed file, or for missing required columns.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty")
    sep = table_separator(path)
    try:
        table = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8",
            skip_blank_lines=True,
        )
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(f"{path}: cannot parse table: {str(err).splitlines()[0]}") from err
    table.columns = [str(c).strip().lstrip("\ufeff") for c in table.columns]
    missing = [c for c in (required or []) if c not in table.columns]
    if missing:
        raise InputError(
            f"{path}: missing required column(s) {', '.join(missing)}; "
            f"found {', '.join(table.columns)}"
        )
    table = table.apply(lambda col: col.str.strip())
    table = table.mask(table.isin(MISSING_TOKENS), None)
    table[ROW_COLUMN] = np.arange(1, len(table) + 1)
    return table


def spreadsheet_row(data_row: int) -> int:
    """The row a spreadsheet shows for 1-based data row ``data_row`` (header = row 1)."""
    return int(data_row) + HEADER_ROWS


def numeric_columns(
    table: pd.DataFrame, columns, name: str, error: type[InputError] = InputError
) -> pd.DataFrame:
    """Convert ``columns`` (those present) of a read_table frame to numbers in place.

    Text in one of them is ``error`` naming file ``name``, its row and column.
    """
    for column in columns:
        if column not in table.columns:
            continue
        numbers = pd.to_numeric(table[column], errors="coerce")
        bad = numbers.isna() & table[column].notna()
        if bad.any():
            first = table[bad].iloc[0]
            raise error(
                f"{name} row {first[ROW_COLUMN]}, column {column}: "
                f"{first[column]!r} is not a number"
            )
        table[column] = numbers
    return table


def reject_frame(rows: list[dict] | None = None) -> pd.DataFrame:
    """A rejects table (stage, file, row, column, patient, reason), empty or from dicts."""
    frame = pd.DataFrame(rows or [], columns=REJECT_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    return frame


def _column_problem(values: pd.Series, spec: dict) -> str | None:
    """Why a column breaks its schema property ``spec`` (None when it conforms)."""
    types = spec.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    present = values.dropna()
    if "null" not in types and len(present) != len(values):
        return "has missing values but the schema does not allow null"
    if present.empty:
        return None
    if "integer" in types or "number" in types or "boolean" in types:
        numeric = pd.to_numeric(present, errors="coerce")
        if numeric.isna().any():
            return f"has non-numeric values such as {present[numeric.isna()].iloc[0]!r}"
        if "integer" in types or "boolean" in types:
            if not np.all(np.isclose(numeric, np.round(numeric))):
                return "has non-integer values"
        if "minimum" in spec and (numeric < spec["minimum"]).any():
            return f"has values below the minimum {spec['minimum']}"
        if "maximum" in spec and (numeric > spec["maximum"]).any():
            return f"has values above the maximum {spec['maximum']}"
        present = numeric
    if "enum" in spec:
        allowed = {v for v in spec["enum"] if v is not None}
        bad = present[~present.isin(allowed)]
        if len(bad):
            shown = bad.iloc[0].item() if hasattr(bad.iloc[0], "item") else bad.iloc[0]
            return f"has value {shown!r} outside {sorted(allowed, key=str)}"
    return None


def validate_frame(frame: pd.DataFrame, name: str) -> None:
    """Check ``frame`` against schema ``name``: required columns and each column's type."""
    schema = load_schema(name)
    required = schema.get("required", [])
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"table {name}: expected columns {required}; "
            f"missing {missing}; found {list(frame.columns)}"
        )
    properties = schema.get("properties", {})
    undocumented = [c for c in frame.columns if c not in properties]
    if undocumented and schema.get("additionalProperties", True) is not True:
        raise SchemaError(f"table {name}: columns {undocumented} are not in its schema")
    for column, spec in properties.items():
        if column in frame.columns:
            problem = _column_problem(frame[column], spec)
            if problem:
                raise SchemaError(f"table {name}: column '{column}' {problem}")


def _formatted(frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans to 1/0 (nullable), everything else untouched."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == bool or str(out[column].dtype) == "boolean":
            out[column] = out[column].astype("Int64")
        elif out[column].dtype == object:
            values = out[column].dropna()
            if len(values) and values.map(lambda v: isinstance(v, (bool, np.bool_))).all():
                out[column] = (
                    out[column].map(lambda v: None if pd.isna(v) else int(v)).astype("Int64")
                )
    return out


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write) -> None:
    """Call ``write(tmp_path)`` then rename onto ``path``: readers never see a partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_current_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(
    frame: pd.DataFrame, path: str | os.PathLike, schema: str, parquet: bool = False
) -> None:
    """Validate ``frame`` against ``schema`` then write it as TSV (and Parquet beside it).

    Column order is kept; a Parquet copy is written to the same stem with ``.parquet``.
    """
    frame = _formatted(frame)
    validate_frame(frame, schema)
    atomic_write(
        path,
        lambda tmp: frame.to_csv(
            tmp,
            sep="\t",
            index=False,
            na_rep=NA_REP,
            float_format=FLOAT_FORMAT,
            lineterminator="\n",
        ),
    )
    if parquet:
        target = Path(path).with_suffix(".parquet")
        atomic_write(target, lambda tmp: frame.to_parquet(tmp, index=False))


def read_output_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a TSV written by write_table back, with NA as missing and numbers parsed."""
    return pd.read_csv(path, sep="\t", na_values=[NA_REP], keep_default_na=False)
