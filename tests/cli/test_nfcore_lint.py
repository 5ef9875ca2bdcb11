"""The nf-core tooling (PyPI nf-core, test extra) on the Nextflow side, offline:
- `nf-core pipelines schema lint` on nextflow_schema.json (it runs `nextflow config`);
- nf-core's own module lint of each modules/local/*/meta.yml (`meta_yml` checks: exists, name,
  inputs and outputs equal to what nf-core parses from main.nf). nf-core's meta-schema lives in
  the nf-core/modules git repository, not in the package, so `meta_yml_valid` is replaced by
  the offline stand-in below (required keys, a type and description for every channel element).
docs/development.md lists the nf-core lint checks that do not apply to this pipeline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from nf_core.components.nfcore_component import NFCoreComponent  # test extra: nf-core
from nf_core.modules.lint.meta_yml import meta_yml

from tests.pipeline.nf import NEXTFLOW, REPO

MODULES = sorted(path.parent for path in (REPO / "modules" / "local").glob("*/main.nf"))
# required keys of nf-core/modules modules/meta-schema.json
REQUIRED_KEYS = ("name", "description", "keywords", "tools", "input", "output", "authors")


@pytest.fixture(autouse=True)
def project_nextflow(monkeypatch):
    """nf-core calls `nextflow` (version, config, inspect): the project's, offline."""
    monkeypatch.setenv("PATH", f"{NEXTFLOW.parent}:{os.environ['PATH']}")
    monkeypatch.setenv("NXF_OFFLINE", "true")


def test_nextflow_schema_passes_nf_core_schema_lint(tmp_path):
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "nf-core"),
            "pipelines",
            "schema",
            "lint",
            "--dir",
            str(REPO),
            str(REPO / "nextflow_schema.json"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 0, output[-3000:]
    assert "[✓] Default parameters match schema validation" in output
    assert "[✓] Pipeline schema looks valid" in output


def lint_module(module_dir: Path) -> NFCoreComponent:
    """nf-core's `meta_yml` lint of one local module (schema check: the stand-in below)."""
    module = NFCoreComponent(
        module_dir.name, None, module_dir, "pipeline", REPO, "modules", remote_component=False
    )
    module.get_inputs_from_main_nf()
    module.get_outputs_from_main_nf()
    module.get_topics_from_main_nf()
    linter = SimpleNamespace(
        modules_repo=SimpleNamespace(repo_path=REPO),
        load_meta_schema=lambda: {"type": "object", "required": list(REQUIRED_KEYS)},
    )
    meta_yml(linter, module)
    return module


def channel_elements(channels):
    for channel in channels:
        yield from channel if isinstance(channel, list) else [channel]


@pytest.mark.parametrize("module_dir", MODULES, ids=[path.name for path in MODULES])
def test_module_meta_yml_passes_nf_core_module_lint(module_dir):
    module = lint_module(module_dir)
    assert not module.failed, module.failed
    passed = {check for _, check, _, _ in module.passed}
    assert {
        "meta_yml_exists",
        "meta_yml_valid",
        "meta_name",
        "meta_input",
        "correct_meta_inputs",
        "meta_output",
        "correct_meta_outputs",
    } <= passed
    meta = module.load_meta_yml()
    assert len(meta["keywords"]) >= 3  # meta-schema: minItems 3
    outputs = [
        element for channel in meta["output"].values() for element in channel_elements(channel)
    ]
    for element in [*channel_elements(meta["input"]), *outputs]:
        ((name, spec),) = element.items()
        assert spec.get("type") and spec.get("description"), f"{module_dir.name}: {name}"


def test_module_lint_fails_a_meta_yml_that_drifted_from_main_nf(tmp_path):
    """The check can fail: a meta.yml missing one input of main.nf is refused."""
    module_dir = tmp_path / "tmb"
    module_dir.mkdir()
    (module_dir / "main.nf").write_text((REPO / "modules/local/tmb/main.nf").read_text())
    text = (REPO / "modules/local/tmb/meta.yml").read_text()
    start = text.index("- coding_bed:")
    (module_dir / "meta.yml").write_text(text[:start] + text[text.index("output:", start) :])
    module = lint_module(module_dir)
    assert [check for _, check, _, _ in module.failed] == ["correct_meta_inputs"]
