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


@cache
def load_schema(name: str) -> dict:
    """The JSON schema of output table ``name`` (assets/schemas/<name>.schema.json)."""
    path = schema_dir() / f"{name}.schema.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise SchemaError(f"no schema for table '{name}': {path} is missing") from err


def samplesheet_columns() -> list[str]:
    """The samplesheet columns, in order: the properties of assets/schema_input.json (the
    schema Nextflow's pre-flight validates the samplesheet against)."""
    path = schema_dir().parent / "schema_input.json"
    return list(json.loads(path.read_text(encoding="utf-8"))["properties"])
