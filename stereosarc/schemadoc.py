"""Generate docs/outputs.md, the column-by-column description of every output table,
from the JSON schemas in assets/schemas (the single source of truth the writers enforce).

Usage: python -m stereosarc.schemadoc > docs/outputs.md
"""

from __future__ import annotations

import json
import sys

from stereosarc.tables import schema_dir

HEADER = """# Output tables

Generated from `assets/schemas/*.schema.json` by `python -m stereosarc.schemadoc`; the
writers validate every table against these schemas. Conventions: TSV, tab-separated, header
row, `NA` for missing, booleans as `1`/`0`, floats with 10 significant digits. Cohort tables
also come as Parquet where noted. Required columns are marked **required**: their names are
stable and scripts can rely on them.
"""


def _type_text(spec: dict) -> str:
    types = spec.get("type", "")
    types = [types] if isinstance(types, str) else list(types)
    nullable = "null" in types
    base = "/".join(t for t in types if t != "null") or "any"
    if "enum" in spec:
        values = [str(v) for v in spec["enum"] if v is not None]
        base += f" ({', '.join(values)})"
    return base + (", NA allowed" if nullable else "")


def table_markdown(name: str, schema: dict) -> str:
    """One table's section: title, description, a row per column."""
    required = set(schema.get("required", []))
    lines = [f"## `{name}`", "", schema.get("description", ""), "",
             "| column | type | unit | description |", "|---|---|---|---|"]
    for column, spec in schema.get("properties", {}).items():
        flag = " **required**" if column in required else ""
        description = spec.get("description", "").replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{column}`{flag} | {_type_text(spec)} | {spec.get('x-unit', '')} "
                     f"| {description} |")
    return "\n".join(lines) + "\n"


def render() -> str:
    """The whole docs/outputs.md text."""
    sections = [HEADER]
    for path in sorted(schema_dir().glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        sections.append(table_markdown(path.name.removesuffix(".schema.json"), schema))
    return "\n".join(sections)


if __name__ == "__main__":
    sys.stdout.write(render())
