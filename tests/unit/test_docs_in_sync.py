"""docs/outputs.md and docs/parameters.md are generated from the schemas: they must be current,
and every output column must carry a description."""

from __future__ import annotations

import json
from pathlib import Path

from stereosarc import schemadoc
from stereosarc.schemas import expanded
from stereosarc.tables import schema_dir

REPO = Path(__file__).resolve().parents[2]


def test_outputs_doc_is_generated_from_current_schemas():
    assert (REPO / "docs" / "outputs.md").read_text() == schemadoc.render(), (
        "regenerate: python -m stereosarc.schemadoc outputs > docs/outputs.md"
    )


def test_parameters_doc_is_generated_from_current_schema():
    assert (REPO / "docs" / "parameters.md").read_text() == schemadoc.render_parameters(), (
        "regenerate: python -m stereosarc.schemadoc parameters > docs/parameters.md"
    )


def test_every_output_column_has_a_type_and_description():
    for path in sorted(schema_dir().glob("*.schema.json")):
        schema = expanded(json.loads(path.read_text()))  # with its x-include columns
        for column, spec in schema["properties"].items():
            assert spec.get("type") and spec.get("description"), f"{path.name}: {column}"
        assert set(schema.get("required", [])) <= set(schema["properties"]), path.name


def test_every_parameter_in_the_schema_has_a_default_in_the_config():
    schema = json.loads((REPO / "nextflow_schema.json").read_text())
    defaults = schemadoc._config_defaults((REPO / "nextflow.config").read_text())
    for group in schema["$defs"].values():
        for name in group["properties"]:
            assert name in defaults, name


def test_schema_defaults_are_the_config_defaults():
    """--help and the launch summary read defaults from the schema: they must be the config's."""
    schema = json.loads((REPO / "nextflow_schema.json").read_text())
    defaults = schemadoc._config_defaults((REPO / "nextflow.config").read_text())
    for group in schema["$defs"].values():
        for name, spec in group["properties"].items():
            value = spec.get(
                "default"
            )  # absent = null (nf-core schema lint refuses a null default)
            text = (
                "null"
                if value is None
                else str(value).lower()
                if isinstance(value, bool)
                else str(value)
            )
            assert defaults[name] == f"`{text}`", name
