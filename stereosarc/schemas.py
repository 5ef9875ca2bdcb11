"""Table conventions and JSON schemas, importable without pandas (tmb-calc's start-up).

stereosarc.tables (pandas readers and writers) and tmb.outputs (tmb-calc's pandas-free
writers) both take these from here, so the two cannot drift apart.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from stereosarc.errors import SchemaError

NA_REP = "NA"
FLOAT_FORMAT = (
    "%.10g"  # 10 significant digits: beyond every reported precision, stable across runs
)


def schema_dir() -> Path:
    """Folder holding the table schemas (assets/schemas, or $STEREOSARC_ASSETS/schemas)."""
    root = os.environ.get("STEREOSARC_ASSETS")
    if root:
        return Path(root) / "schemas"
    return Path(__file__).resolve().parents[1] / "assets" / "schemas"


INCLUDE_KEY = "x-include"  # {"schema": other table, "flag": property flag}: columns taken over
BIOMARKER_FLAG = "x-biomarker"  # a stage table's column carried into biomarkers.tsv


@cache
def load_schema(name: str) -> dict:
    """The JSON schema of output table ``name`` (assets/schemas/<name>.schema.json), with the
    columns it includes from other schemas (``x-include``) appended to its properties."""
    path = schema_dir() / f"{name}.schema.json"
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise SchemaError(f"no schema for table '{name}': {path} is missing") from err
    return expanded(schema)


def flagged_columns(name: str, flag: str = BIOMARKER_FLAG) -> list[str]:
    """Columns of schema ``name`` whose property carries ``flag`` (true), in schema order."""
    return [c for c, spec in load_schema(name)["properties"].items() if spec.get(flag)]


def table_columns(name: str) -> list[str]:
    """Every column of output table ``name``, in schema order (the one list writers use)."""
    return list(load_schema(name)["properties"])


def required_columns(name: str) -> list[str]:
    """The required columns of output table ``name``, in schema order."""
    return list(load_schema(name).get("required", []))


def expanded(schema: dict) -> dict:
    """``schema`` with every ``x-include`` column (flagged property of another schema, its
    description and type kept whole) appended to ``properties``: one home per column."""
    properties = dict(schema.get("properties", {}))
    for include in schema.get(INCLUDE_KEY, []):
        source = load_schema(include["schema"])["properties"]
        for column in flagged_columns(include["schema"], include["flag"]):
            properties.setdefault(column, source[column])
    return {**schema, "properties": properties}


def samplesheet_columns() -> list[str]:
    """The samplesheet columns, in order: the properties of assets/schema_input.json (the
    schema Nextflow's pre-flight validates the samplesheet against)."""
    path = schema_dir().parent / "schema_input.json"
    return list(json.loads(path.read_text(encoding="utf-8"))["properties"])
