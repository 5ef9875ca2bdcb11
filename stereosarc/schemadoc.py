"""Generate docs/outputs.md, the column-by-column description of every output table,
from the JSON schemas in assets/schemas (the single source of truth the writers enforce).

and docs/parameters.md from nextflow_schema.json.

Usage: python -m stereosarc.schemadoc outputs > docs/outputs.md
       python -m stereosarc.schemadoc parameters > docs/parameters.md
"""

from __future__ import annotations

import json
import sys

from stereosarc.schemas import expanded
from stereosarc.tables import schema_dir

HEADER = """# Output tables

Generated from `assets/schemas/*.schema.json` by `python -m stereosarc.schemadoc`; the
writers validate every table against these schemas. Conventions: TSV, tab-separated, header
row, `NA` for missing, booleans as `1`/`0`, floats with 10 significant digits. Cohort tables
also come as Parquet where noted. Required columns are marked **required**: their names are
stable and scripts can rely on them.
"""


DEMO_HEADER = """# Demo cohort files

The synthetic demo cohort (`stereosarc-demo`, docs/demo.md) writes input tables in the
contract formats; the generator checks them against these schemas.
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
    lines = [
        f"## `{name}`",
        "",
        schema.get("description", ""),
        "",
        "| column | type | unit | description |",
        "|---|---|---|---|",
    ]
    for column, spec in schema.get("properties", {}).items():
        flag = " **required**" if column in required else ""
        description = spec.get("description", "").replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| `{column}`{flag} | {_type_text(spec)} | {spec.get('x-unit', '')} | {description} |"
        )
    return "\n".join(lines) + "\n"


def render() -> str:
    """The whole docs/outputs.md text."""
    sections = [HEADER]
    paths = sorted(schema_dir().glob("*.schema.json"))
    demo = [p for p in paths if p.name.startswith("demo_")]
    for path in [p for p in paths if p not in demo]:
        sections.append(table_markdown(path.name.removesuffix(".schema.json"), _load(path)))
    if demo:
        sections.append(DEMO_HEADER)
        for path in demo:
            sections.append(table_markdown(path.name.removesuffix(".schema.json"), _load(path)))
    return "\n".join(sections)


def _load(path) -> dict:
    return expanded(json.loads(path.read_text(encoding="utf-8")))


def render_parameters() -> str:
    """docs/parameters.md: every parameter of nextflow_schema.json with its group and default."""
    root = schema_dir().parents[1]
    schema = json.loads((root / "nextflow_schema.json").read_text(encoding="utf-8"))
    defaults = _config_defaults((root / "nextflow.config").read_text(encoding="utf-8"))
    lines = [
        "# Parameters",
        "",
        "Generated from `nextflow_schema.json` by `python -m stereosarc.schemadoc parameters`;",
        "defaults from `nextflow.config`. Set them with `--name value` or in a `-params-file`.",
        "",
    ]
    for group in schema["$defs"].values():
        lines += [
            f"## {group['title']}",
            "",
            "| parameter | type | default | description |",
            "|---|---|---|---|",
        ]
        for name, spec in group["properties"].items():
            lines.append(
                f"| `--{name}` | {_type_text(spec)} | {defaults.get(name, '')} "
                f"| {spec.get('description', '')} |"
            )
        lines.append("")
    return "\n".join(lines)


def _config_defaults(config: str) -> dict[str, str]:
    """name -> default text from the params block of nextflow.config."""
    block = config.split("params {", 1)[1].split("\n}", 1)[0]
    defaults = {}
    for line in block.splitlines():
        if "=" in line and not line.strip().startswith("//"):
            name, value = line.split("=", 1)
            defaults[name.strip()] = "`" + value.split("//")[0].strip().strip("'") + "`"
    return defaults


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "outputs"
    sys.stdout.write(render_parameters() if which == "parameters" else render())
