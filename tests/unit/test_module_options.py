"""Issue 17: every option of a stage CLI that the pipeline runs is reachable. Each option is
on its module's command line, built from a pipeline parameter in conf/modules.config, or in
the table of internal options of docs/development.md with its reason; every flag the config
builds exists in the CLI, and every parameter the config reads is in nextflow_schema.json."""

from __future__ import annotations

import argparse
import json
import re
import tomllib
from importlib import import_module
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COMMON = {"--help", "--version", "--log-level", "--versions-out"}  # stereosarc.clikit, every CLI
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _scripts() -> dict[str, str]:
    """Console script name -> 'module:function' (pyproject [project.scripts])."""
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]


def _modules() -> dict[str, tuple[str, str]]:
    """Process name -> (console script it calls, text of its script: block)."""
    found = {}
    for path in sorted((REPO / "modules" / "local").glob("*/main.nf")):
        text = path.read_text()
        name = re.search(r"^process (\w+)", text, re.M).group(1)
        script = text.split("script:", 1)[1].split("stub:", 1)[0]
        body = script.split('"""', 1)[-1]  # the first console script the block runs
        words = [line.split()[0] for line in body.splitlines() if line.strip()]
        command = next((word for word in words if word in _scripts()), None)
        if command:
            found[name] = (command, script)
    return found


def _ext_args() -> dict[str, str]:
    """Process name -> text of its withName blocks in conf/modules.config, those of its
    include aliases (``include { COLLECT_TABLE as COLLECT_TMB }``) joined to its own."""
    text = (REPO / "conf" / "modules.config").read_text()
    parts = re.split(r"withName:\s*'([\w|]+)'", text)
    blocks: dict[str, str] = {}
    for names, block in zip(parts[1::2], parts[2::2], strict=True):
        for name in names.split("|"):  # withName: 'A|B' configures both processes
            blocks[name] = blocks.get(name, "") + block
    nf = [p.read_text() for p in REPO.glob("*flows/**/*.nf")] + [(REPO / "main.nf").read_text()]
    aliases = re.findall(r"include \{ *(\w+) +as +(\w+) *\}", "\n".join(nf))
    for process, alias in aliases:
        blocks[process] = blocks.get(process, "") + blocks.get(alias, "")
    return blocks


def _internal() -> set[tuple[str, str]]:
    """(CLI, option) rows of the internal-options table of docs/development.md."""
    text = (REPO / "docs" / "development.md").read_text()
    table = text.split("<!-- internal-options", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"^\| ([\w-]+) \| `(--[\w-]+)` \|", table, re.M))


def _command_flags(script: str) -> set[str]:
    """Flags of a module's script block, with ``--${name}`` built from a Groovy map literal
    (``[ctdna: ctdna, cn: cn].collect { name, file -> "--${name} ${file}" }``)."""
    flags = set(FLAG.findall(script))
    if ".replace('_', '-')" in script:  # "--${option.replace('_', '-')}": keys with dashes
        script = re.sub(r"(\w+):", lambda m: m.group(1).replace("_", "-") + ":", script)
    if '"--${' in script:
        for literal in re.findall(r"\[((?:[\w'-]+: *\w+,\s*)*[\w'-]+: *\w+)\]", script):
            flags |= {f"--{key.strip(chr(39))}" for key in re.findall(r"([\w'-]+):", literal)}
    return flags


def _options(script: str) -> set[str]:
    """Every long option of a console script's argument parser."""
    module, function = _scripts()[script].split(":")
    captured: list[argparse.ArgumentParser] = []
    original = argparse.ArgumentParser.parse_args

    def capture(self, *args, **kwargs):
        captured.append(self)
        raise SystemExit(0)

    argparse.ArgumentParser.parse_args = capture  # type: ignore[method-assign]
    try:
        getattr(import_module(module), function)([])
    except SystemExit:
        pass
    finally:
        argparse.ArgumentParser.parse_args = original  # type: ignore[method-assign]
    assert captured, f"{script}: no parser built"
    return {o for action in captured[0]._actions for o in action.option_strings if o[:2] == "--"}


MODULES = _modules()


def test_the_stage_modules_are_found():
    assert {"TMB", "CTDNA_COUNT", "CTDNA_CALL", "IHC_MARKERS", "LABS_MARKERS"} <= set(MODULES)


@pytest.mark.parametrize("process", sorted(MODULES))
def test_every_cli_option_is_set_by_the_module_a_parameter_or_listed_internal(process):
    script, _ = MODULES[process]
    callers = [name for name, (used, _) in MODULES.items() if used == script]
    reachable = set(COMMON)  # every module running this CLI (grouped and per-sample tasks)
    for name in callers:
        reachable |= _command_flags(MODULES[name][1])
        reachable |= set(FLAG.findall(_ext_args().get(name, "")))
    internal = {option for cli, option in _internal() if cli == script}
    missing = _options(script) - reachable - internal
    assert missing == set(), (
        f"{script} options with no pipeline parameter: add params + ext.args, or list them "
        "with a reason in docs/development.md (Stage options that are not pipeline parameters)"
    )


@pytest.mark.parametrize("process", sorted(MODULES))
def test_every_flag_built_by_the_config_exists_in_the_cli(process):
    script, _ = MODULES[process]
    built = set(FLAG.findall(_ext_args().get(process, "")))
    assert built - _options(script) == set()


def test_internal_options_are_real_options_and_not_also_parameters():
    rows = _internal()
    assert len(rows) > 15
    config = _ext_args()
    for script, option in rows:
        assert option in _options(script), (script, option)
        process = next(p for p, (s, _) in MODULES.items() if s == script)
        assert option not in FLAG.findall(config.get(process, "")), (script, option)


def test_every_parameter_the_config_reads_is_in_the_schema():
    schema = json.loads((REPO / "nextflow_schema.json").read_text())
    known = {name for group in schema["$defs"].values() for name in group["properties"]}
    used = set(re.findall(r"params\.(\w+)", (REPO / "conf" / "modules.config").read_text()))
    assert used - known == set()
