"""Pre-flight check of the Nextflow parameters against nextflow_schema.json.

No unknown parameter (each reported once, under the spelling the user typed, with the closest
valid name) and every value set valid against its schema property (jsonschema Draft 2020-12).
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import jsonschema

from stereosarc import table_checks
from stereosarc.problems import Problems


def schema_parameters(schema: dict) -> dict[str, dict]:
    """{name: property} of every parameter in nextflow_schema.json (all groups)."""
    return {
        name: spec
        for group in schema.get("$defs", {}).values()
        for name, spec in group.get("properties", {}).items()
    }


def canonical_parameter(name: str) -> str:
    """The snake_case name Nextflow's --kebab-case or camelCase spelling stands for."""
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
    return snake.replace("-", "_")


def unknown_parameters(params: dict, known) -> list[str]:
    """One message per unknown parameter (its CLI spelling, with the closest valid name).

    Nextflow stores ``--panel-bed`` as both 'panel-bed' and 'panelBed': they are one
    parameter, reported once under the spelling the user typed.
    """
    known = set(known)
    typed: dict[str, str] = {}  # canonical name -> the spelling shown (kebab-case first)
    for name in sorted((n for n in params if n not in known), key=lambda n: ("-" not in n, n)):
        typed.setdefault(canonical_parameter(name), name)
    messages = []
    for canonical, name in sorted(typed.items()):
        match = (
            [canonical]
            if canonical in known
            else difflib.get_close_matches(
                canonical, sorted(known), n=1, cutoff=table_checks.CLOSE_MATCH_CUTOFF
            )
        )
        hint = f"; did you mean --{match[0]}?" if match else "; see --help for the parameters"
        messages.append(f"unknown parameter --{name}{hint}")
    return messages


def validate_params(params: dict, schema_path: Path, problems: Problems | None = None) -> None:
    """Parameters against nextflow_schema.json: no unknown name, every set value valid."""
    own = problems is None
    problems = problems if problems is not None else Problems()
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    for message in unknown_parameters(params, schema_parameters(schema)):
        problems.add(message)
    known = schema_parameters(schema)
    given = {k: v for k, v in params.items() if k in known and v is not None and v != ""}
    for error in sorted(jsonschema.Draft202012Validator(schema).iter_errors(given), key=str):
        where = ".".join(str(p) for p in error.path) or "params"
        problems.add(f"parameter --{where}: {error.message}")
    if own:
        problems.raise_if_any()
