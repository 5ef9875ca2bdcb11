"""Reading input tables and writing schema-checked output tables.

Conventions (docs/outputs.md): TSV with a header, ``NA`` for missing (``.`` never used),
booleans written as 1/0, floats with 10 significant digits, rows written atomically
(temporary name in the same folder, then rename), so no partial file is ever left behind.

The one table writer of the project. Its core (schema column check, value checks, cell
formatting, atomic files) needs neither numpy nor pandas, so tmb-calc and ctdna-count write
through it without importing either (pandas about 0.35, numpy 0.13-0.17 CPU s per process;
docs/benchmarks.md, "TMB"): pandas is imported inside the DataFrame readers and writers only,
numpy where an array is given (a numpy value can exist only once numpy is loaded, so the
scalar checks look it up in ``sys.modules`` rather than import it).
"""

from __future__ import annotations

import csv
import io
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from stereosarc.errors import InputError, SchemaError
from stereosarc.schemas import FLOAT_FORMAT, NA_REP, load_schema, schema_dir  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

ROW_COLUMN = "_row"  # spreadsheet row (header = row 1), kept for messages and rejects
FILE_COLUMN = "_file"  # base name of the input file of a row, for messages and rejects
HEADER_ROWS = 1  # rows are counted as a spreadsheet shows them: header = row 1, data from 2
MISSING_TOKENS = {"", "NA", "NaN", "nan", "N/A", "na", "null", "NULL", "None"}
NUMERIC_TYPES = {"integer", "number", "boolean"}  # JSON-schema types stored as numbers
MISSING_PROBLEM = "has missing values but the schema does not allow null"
WHOLE_ATOL, WHOLE_RTOL = 1e-8, 1e-5  # a whole number within numpy.isclose's default tolerance


def table_separator(path: str | os.PathLike) -> str:
    """Tab for .tsv/.txt (optionally .gz), comma for .csv; anything else is refused."""
    name = str(path).lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return ","
    if name.endswith((".tsv", ".txt")):
        return "\t"
    raise InputError(f"{path}: unknown table extension (expected .csv or .tsv)")


def read_table(path: str | os.PathLike, required: list[str] | None = None) -> pd.DataFrame:
    """Read a CSV/TSV input table as strings, with a ``_row`` column: the row number a
    spreadsheet shows (header = row 1, first data row = row 2), the one row convention of
    every message and reject (docs/usage.md).

    Cells are stripped; empty cells and NA tokens become None. Raises InputError naming the
    file for a missing, empty or malformed file, or for missing required columns.
    """
    import pandas as pd

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
    table[ROW_COLUMN] = spreadsheet_rows(len(table))
    return table


def read_file_table(
    path: str | os.PathLike, required: list[str], error: type[InputError] = InputError
) -> pd.DataFrame:
    """read_table plus a ``_file`` column (the file's base name, for messages and rejects);
    its InputError raised again as ``error``, a package's own, with the message unchanged."""
    path = Path(path)
    try:
        table = read_table(path, required=required)
    except InputError as err:
        raise error(str(err)) from err
    table[FILE_COLUMN] = path.name
    return table


def spreadsheet_rows(n_rows: int) -> np.ndarray:
    """The rows a spreadsheet shows for ``n_rows`` data rows under one header row: 2, 3, ..."""
    import numpy as np

    return np.arange(HEADER_ROWS + 1, HEADER_ROWS + 1 + n_rows)


def numeric_columns(
    table: pd.DataFrame, columns, name: str, error: type[InputError] = InputError
) -> pd.DataFrame:
    """Convert ``columns`` (those present) of a read_table frame to numbers in place.

    Text in one of them is ``error`` naming file ``name``, its row and column.
    """
    import pandas as pd

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


def refuse_repeats(
    table: pd.DataFrame, column: str, name: str, error: type[InputError] = InputError
) -> None:
    """``error`` naming file ``name``, the row and ``column`` of its first repeated value."""
    repeated = table[table[column].duplicated()]
    if len(repeated):
        first = repeated.iloc[0]
        raise error(
            f"{name} row {first[ROW_COLUMN]}, column {column}: "
            f"{first[column]!r} appears more than once"
        )


def schema_types(spec: dict) -> set:
    """The JSON-schema ``type`` of a column property as a set."""
    types = spec.get("type", [])
    return {types} if isinstance(types, str) else set(types)


def missing_problem(missing: bool, spec: dict) -> str | None:
    """MISSING_PROBLEM when a value is missing and the column does not allow null."""
    return MISSING_PROBLEM if missing and "null" not in schema_types(spec) else None


def _number_summary(present) -> tuple[bool, float, float, list]:
    """(all whole, smallest, largest, values as floats) of present numbers: numpy for an
    array (already loaded by its maker), plain Python for a list."""
    if hasattr(present, "dtype"):
        import numpy as np

        numbers = np.asarray(present, dtype=np.float64)
        whole = bool(np.all(np.isclose(numbers, np.round(numbers))))
        return whole, float(numbers.min()), float(numbers.max()), numbers.tolist()
    values = [float(v) for v in present]
    whole = all(abs(v - round(v)) <= WHOLE_ATOL + WHOLE_RTOL * abs(round(v)) for v in values)
    return whole, min(values), max(values), values


def number_problem(present, spec: dict) -> str | None:
    """Why present (non-missing) numbers break ``spec``: non-integer, bounds, enum."""
    if not len(present):
        return None
    whole, low, high, numbers = _number_summary(present)
    if schema_types(spec) & {"integer", "boolean"} and not whole:
        return "has non-integer values"
    if "minimum" in spec and low < spec["minimum"]:
        return f"has values below the minimum {spec['minimum']}"
    if "maximum" in spec and high > spec["maximum"]:
        return f"has values above the maximum {spec['maximum']}"
    if "enum" in spec:
        allowed = [v for v in spec["enum"] if v is not None]
        outside = next((i for i, v in enumerate(numbers) if v not in allowed), None)
        if outside is not None:
            shown = list(present)[outside]
            shown = shown.item() if hasattr(shown, "item") else shown
            return f"has value {shown!r} outside {sorted(allowed, key=str)}"
    return None


def text_problem(texts, spec: dict) -> str | None:
    """Why present (non-missing) texts break ``spec``: text in a numeric column, enum."""
    texts = list(texts)
    if not texts:
        return None
    if schema_types(spec) & NUMERIC_TYPES:
        return f"has non-numeric values such as {texts[0]!r}"
    if "enum" in spec:
        allowed = {v for v in spec["enum"] if v is not None}
        outside = [t for t in texts if t not in allowed]
        if outside:
            return f"has value {outside[0]!r} outside {sorted(allowed, key=str)}"
    return None


def _column_problem(values: pd.Series, spec: dict) -> str | None:
    """Why a column breaks its schema property ``spec`` (None when it conforms)."""
    import pandas as pd

    present = values.dropna()
    problem = missing_problem(len(present) != len(values), spec)
    if problem or present.empty:
        return problem
    if schema_types(spec) & NUMERIC_TYPES:
        numeric = pd.to_numeric(present, errors="coerce")
        if numeric.isna().any():
            return text_problem(present[numeric.isna()], spec)
        return number_problem(numeric, spec)
    return text_problem(present, spec)


def check_columns(name: str, present: list) -> dict:
    """The properties of schema ``name``; SchemaError when a required column is not in
    ``present`` (or an undocumented one is and the schema forbids it)."""
    schema = load_schema(name)
    required = schema.get("required", [])
    missing = [c for c in required if c not in present]
    if missing:
        raise SchemaError(
            f"table {name}: expected columns {required}; missing {missing}; found {list(present)}"
        )
    properties = schema.get("properties", {})
    undocumented = [c for c in present if c not in properties]
    if undocumented and schema.get("additionalProperties", True) is not True:
        raise SchemaError(f"table {name}: columns {undocumented} are not in its schema")
    return properties


def validate_frame(frame: pd.DataFrame, name: str) -> None:
    """Check ``frame`` against schema ``name``: required columns and each column's type."""
    properties = check_columns(name, list(frame.columns))
    for column, spec in properties.items():
        if column in frame.columns:
            problem = _column_problem(frame[column], spec)
            if problem:
                raise SchemaError(f"table {name}: column '{column}' {problem}")


def _formatted(frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans to 1/0 (nullable), everything else untouched."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == bool or str(out[column].dtype) == "boolean":
            out[column] = out[column].astype("Int64")
        elif out[column].dtype == object:
            values = out[column].dropna()
            if len(values) and values.map(lambda v: _is_kind(v, bool, "bool_")).all():
                out[column] = (
                    out[column].map(lambda v: None if pd.isna(v) else int(v)).astype("Int64")
                )
    return out


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def open_atomic(path: str | os.PathLike) -> tuple[IO[bytes], str]:
    """A binary handle on a temporary file beside ``path`` and its name (commit_atomic or
    discard_atomic afterwards): a writer appending over time leaves no partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    return os.fdopen(handle, "wb"), tmp


def commit_atomic(tmp: str, path: str | os.PathLike) -> None:
    """Give the finished temporary file the usual permissions and rename it onto ``path``."""
    os.chmod(tmp, 0o666 & ~_current_umask())
    os.replace(tmp, path)


def discard_atomic(tmp: str) -> None:
    Path(tmp).unlink(missing_ok=True)


def atomic_write(path: str | os.PathLike, write) -> None:
    """Call ``write(tmp_path)`` then rename onto ``path``: readers never see a partial file."""
    handle, tmp = open_atomic(path)
    handle.close()
    try:
        write(tmp)
        commit_atomic(tmp, path)
    except BaseException:
        discard_atomic(tmp)
        raise


def _numpy_types(name: str) -> tuple:
    """numpy's scalar type ``name`` when numpy is loaded (no numpy value exists otherwise)."""
    numpy = sys.modules.get("numpy")
    return (getattr(numpy, name),) if numpy is not None else ()


def _is_kind(value: Any, kind: type, numpy_name: str) -> bool:
    """isinstance of ``kind`` or of numpy's scalar type ``numpy_name`` (numpy not imported)."""
    return isinstance(value, (kind, *_numpy_types(numpy_name)))


def _missing(value: Any) -> bool:
    """None, NaN or pandas.NA (without importing pandas)."""
    if value is None or type(value).__name__ == "NAType":
        return True
    return _is_kind(value, float, "floating") and math.isnan(value)


def format_cell(value: Any) -> str:
    """One cell as write_table writes it: NA, booleans 1/0, floats FLOAT_FORMAT, else str."""
    if _missing(value):
        return NA_REP
    if _is_kind(value, bool, "bool_"):
        return str(int(value))
    if _is_kind(value, float, "floating"):
        return FLOAT_FORMAT % value
    return str(value)


def _cell_problem(value: Any, spec: dict) -> str | None:
    if _missing(value):
        return missing_problem(True, spec)
    if isinstance(value, str):
        return text_problem([value], spec)
    return number_problem([float(value)], spec)


def write_records(
    records: list[dict], path: str | os.PathLike, schema: str, columns: list | None = None
) -> None:
    """Validate rows given as dicts (keys in column order; ``columns`` when there may be no
    row) against ``schema``; write them as write_table would, without pandas."""
    columns = list(columns or (records[0] if records else []))
    properties = check_columns(schema, columns)
    for column, spec in properties.items():
        for record in records if column in columns else []:
            problem = _cell_problem(record[column], spec)
            if problem:
                raise SchemaError(f"table {schema}: column '{column}' {problem}")
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t", lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([format_cell(record[c]) for c in columns] for record in records)
    atomic_write(path, lambda tmp: _write_text(tmp, text.getvalue()))


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(text)


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
    import pandas as pd

    return pd.read_csv(path, sep="\t", na_values=[NA_REP], keep_default_na=False)
