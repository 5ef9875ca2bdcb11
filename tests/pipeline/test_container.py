"""The workflow in a real container: the project image built with podman (base made locally
with debootstrap, since no registry is reachable), then the demo run with `-profile podman`
must give cohort tables byte-identical to a run on the host."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.pipeline.nf import REPO, demo_params, nextflow

pytestmark = pytest.mark.pipeline

# On this kind of machine podman needs the runc runtime and no default ulimits (issue 8).
CONTAINERS_CONF = """[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""
COMPARED = ("tmb.tsv", "ctdna.tsv", "ctdna_dynamics.tsv", "biomarkers.tsv", "associations.tsv",
            "rejects.tsv")


def _unavailable() -> str | None:
    for tool in ("podman", "runc", "debootstrap"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            return f"{tool} is not installed (make test installs podman, runc and debootstrap)"
    if os.geteuid() != 0:
        return "debootstrap and rootful podman need root"
    return None


@pytest.fixture(scope="module")
def podman_env(tmp_path_factory):
    reason = _unavailable()
    if reason:
        pytest.skip(reason)
    conf = tmp_path_factory.mktemp("podman") / "containers.conf"
    conf.write_text(CONTAINERS_CONF)
    env = {**os.environ, "CONTAINERS_CONF": str(conf)}
    built = subprocess.run([str(REPO / "scripts" / "build_image.sh")], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stderr[-3000:]
    return {**env, "IMAGE": built.stdout.strip()}


def test_podman_run_matches_host_run_byte_for_byte(podman_env, small_demo, tmp_path, monkeypatch):
    monkeypatch.setenv("CONTAINERS_CONF", podman_env["CONTAINERS_CONF"])
    host = nextflow(tmp_path, *demo_params(small_demo), "--outdir", str(tmp_path / "host"))
    assert host.returncode == 0, host.stderr[-3000:]
    boxed = nextflow(tmp_path, "-profile", "podman", *demo_params(small_demo),
                     "--outdir", str(tmp_path / "podman"))
    assert boxed.returncode == 0, boxed.stdout[-3000:] + boxed.stderr[-3000:]
    versions = (tmp_path / "podman" / "pipeline_info" / "software_versions.yml").read_text()
    image_python = subprocess.run(
        ["podman", "run", "--rm", podman_env["IMAGE"], "python3", "-c",
         "import platform; print(platform.python_version())"],
        env=podman_env, capture_output=True, text=True, check=True).stdout.strip()
    assert f"python: {image_python}" in versions, "tasks ran in the image's Python"
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "host" / "cohort", tmp_path / "podman" / "cohort",
                                               COMPARED, shallow=False)
    assert not mismatch and not errors, f"differ: {mismatch}, missing: {errors}"
