"""The report's header (pure): what produced it and from what. Pipeline version, git revision
(when the launcher knew it), the date the report was made, the parameters of the run that
differ from their nextflow_schema.json default, and the sha256 of every input table the report
read, so a reader can tell two reports apart and check a table against the one reported on.

A parameter is "non-default" when params.json holds a value other than the schema's
``default``; a parameter without a default counts when it is set (not null, false or "").
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from outcome import report_html
from stereosarc.schemas import schema_dir

HIDDEN_PARAMETERS = ("help",)  # launcher switches, not run settings


def default_schema_path() -> Path:
    """nextflow_schema.json beside the assets (a checkout or an installed tree)."""
    return schema_dir().parents[1] / "nextflow_schema.json"


def schema_defaults(schema: dict) -> dict[str, object]:
    """{parameter: default} of nextflow_schema.json (every group; absent: no default)."""
    return {
        name: spec["default"]
        for group in schema.get("$defs", {}).values()
        for name, spec in group.get("properties", {}).items()
        if "default" in spec
    }


def read_defaults(path: Path | None) -> dict[str, object] | None:
    """Defaults from a nextflow_schema.json file; None when it cannot be read."""
    try:
        return schema_defaults(json.loads(Path(path).read_text(encoding="utf-8")))  # type: ignore[arg-type]
    except (OSError, TypeError, ValueError):
        return None


def non_default(params: dict | None, defaults: dict[str, object] | None) -> pd.DataFrame:
    """Parameters of params.json that differ from their default (module doc), sorted."""
    rows = []
    for name, value in sorted((params or {}).items()):
        if name in HIDDEN_PARAMETERS:
            continue
        if defaults is not None and name in defaults:
            differs = not _same(value, defaults[name])
            default = defaults[name]
        else:
            differs = value not in (None, False, "")
            default = None
        if differs:
            rows.append({"parameter": name, "value": _text(value), "default": _text(default)})
    return pd.DataFrame(rows, columns=["parameter", "value", "default"])


def _same(value: object, default: object) -> bool:
    if isinstance(value, int | float) and isinstance(default, int | float):
        return float(value) == float(default)
    return value == default


def _text(value: object) -> str:
    return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def header(run: dict, params: dict | None) -> str:
    """The header block: run facts, non-default parameters, input tables with sha256.

    ``run``: version, revision, date (strings), defaults (schema defaults or None) and inputs
    (list of {table, file, sha256, rows})."""
    facts = pd.DataFrame(
        [
            ("pipeline version", run.get("version") or "unknown"),
            ("git revision", run.get("revision") or "not known (not given to the report)"),
            ("report made (UTC)", run.get("date") or "unknown"),
            ("parameters", "params.json of the run" if params else "no params.json given"),
        ],
        columns=["item", "value"],
    )
    parts = [f'<div class="header">{report_html.table(facts)}</div>']
    if params:
        changed = non_default(params, run.get("defaults"))
        source = (
            "compared with nextflow_schema.json defaults"
            if run.get("defaults") is not None
            else "nextflow_schema.json not found: every parameter set is listed"
        )
        parts.append(
            f"<p>Parameters that differ from their default ({html.escape(source)}):</p>"
            + (report_html.table(changed) if len(changed) else "<p>None.</p>")
        )
    tables = pd.DataFrame(run.get("inputs") or [], columns=["table", "file", "rows", "sha256"])
    parts.append("<p>Input tables read by the report (sha256 of the file as read):</p>")
    parts.append(report_html.table(tables))
    return "\n".join(parts)
