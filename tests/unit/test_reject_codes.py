"""stereosarc.reject_codes: every code a producer writes is registered, every registered code
is used and documented, and the demo's reject mix has the severities the issue asks for."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from stereosarc import reject_codes, rejects

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("stereosarc", "tmb", "ctdna", "ihc", "blood", "outcome", "qc")
CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")  # snake_case with at least one "_"
BUILDERS = {"reject": 3, "_reject": 2, "value_reject": 2, "rows_rejected": 2}  # code position


def _sources():
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            if path.name != "reject_codes.py":
                yield path, ast.parse(path.read_text(encoding="utf-8"))


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _problem_tuples(tree: ast.AST):
    """Middle items of the (column, code, detail) tuples returned by *problem*/*refusal*
    functions (stereosarc.protocol.identifier_problem and the stages' row checks)."""
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef) and re.search("problem|refusal", function.name):
            for node in ast.walk(function):
                if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
                    if len(node.value.elts) == 3:
                        yield node.value.elts[1]


def _literal_codes(tree: ast.AST):
    """Literal codes given to a builder or as a "code" dict entry."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) in BUILDERS:
            index = BUILDERS[_call_name(node)]
            code = node.args[index] if len(node.args) > index else None
            # a choice of codes: "a" if x else "b"
            yield from [code.body, code.orelse] if isinstance(code, ast.IfExp) else [code]
        elif isinstance(node, ast.Dict):
            pairs = zip(node.keys, node.values, strict=True)
            yield next((v for k, v in pairs if getattr(k, "value", None) == "code"), None)


def _code_tables(tree: ast.AST):
    """Values of ``*_CODES`` dicts (ctdna.call_rejects.SITE_CODES) and the returns of
    ``*_code`` functions (blood.markers._unused_code)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            if any(getattr(t, "id", "").endswith("_CODES") for t in node.targets):
                yield from node.value.values
        if isinstance(node, ast.FunctionDef) and node.name.endswith("_code"):
            yield from (n.value for n in ast.walk(node) if isinstance(n, ast.Return))


def _codes_at_call_sites() -> list[tuple[str, str]]:
    """(file, code) of every literal code at a call site (builders, dicts, problem tuples,
    code tables)."""
    found = []
    for path, tree in _sources():
        for literal in [*_literal_codes(tree), *_problem_tuples(tree), *_code_tables(tree)]:
            if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                found.append((path.name, literal.value))
    return found


def _string_constants() -> set[str]:
    return {
        node.value
        for _, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_every_code_given_at_a_call_site_is_registered():
    used = _codes_at_call_sites()
    assert len(used) > 50  # the scan finds the producers (a scan that finds nothing passes)
    unknown = [(name, code) for name, code in used if code not in reject_codes.CODES]
    assert unknown == []


def test_every_registered_code_is_used_by_a_producer():
    unused = set(reject_codes.CODES) - _string_constants()
    assert unused == set(), "registered but never written: remove or use"


def test_codes_are_snake_case_with_a_known_severity_and_one_line_reason():
    for code, entry in reject_codes.CODES.items():
        assert CODE.match(code), code
        assert entry.severity in reject_codes.SEVERITIES, code
        assert entry.reason and "\n" not in entry.reason and len(entry.reason) < 90, code


def test_reasons_are_distinct_so_reason_groups_are_code_groups():
    reasons = [entry.reason for entry in reject_codes.CODES.values()]
    assert len(set(reasons)) == len(reasons)


def test_codes_doc_is_generated_from_the_registry():
    doc = (REPO / "docs" / "rejects.md").read_text()
    assert doc == reject_codes.markdown(), (
        "regenerate: python -m stereosarc.reject_codes > docs/rejects.md"
    )
    for code, entry in reject_codes.CODES.items():
        assert f"| `{code}` | {entry.severity} | {entry.reason} |" in doc


def test_the_schema_lists_the_registry_severities():
    schema = rejects.load_schema(rejects.REJECTS_SCHEMA)
    assert schema["properties"]["severity"]["enum"] == list(reject_codes.SEVERITIES)


def test_unknown_code_names_the_registry():
    with pytest.raises(KeyError, match="stereosarc.reject_codes"):
        reject_codes.lookup("lab_value_from_mars")
