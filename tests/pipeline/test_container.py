"""The workflow in a real container: the project image built with podman (base made locally
with debootstrap, since no registry is reachable), then the demo run with `-profile podman`
must give cohort tables byte-identical to a run on the host. The image must hold the host's
Python stack (same version of every package) and every task must have run inside it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.pipeline.nf import REPO, assert_same_cohort, demo_params, nextflow

pytestmark = pytest.mark.pipeline

# On this kind of machine podman needs the runc runtime and no default ulimits (issue 8).
CONTAINERS_CONF = """[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""
NOT_COMPARED = {
    "stereosarc-biomarkers"
}  # the project itself: a wheel in the image, editable on the host


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
    built = subprocess.run(
        [str(REPO / "scripts" / "build_image.sh")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    return {**env, "IMAGE": built.stdout.strip()}


def in_image(env: dict, *command: str) -> str:
    return subprocess.run(
        ["podman", "run", "--rm", env["IMAGE"], *command],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def freeze(text: str) -> dict[str, str]:
    """{normalised package name: version} of `pip freeze` output."""
    pins = (line.split("==") for line in text.splitlines() if "==" in line)
    return {name.lower().replace("_", "-"): version for name, version in pins}


def test_image_holds_the_host_python_stack_and_tools(podman_env):
    image = freeze(in_image(podman_env, "/opt/venv/bin/pip", "freeze"))
    host = freeze(
        subprocess.run(
            [str(REPO / ".venv" / "bin" / "pip"), "freeze"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert {"numpy", "pandas", "pysam", "cyvcf2", "lifelines", "scipy", "pyarrow"} <= set(image)
    differ = {
        name: (version, host.get(name))
        for name, version in image.items()
        if name not in NOT_COMPARED and host.get(name) != version
    }
    assert not differ, f"image vs host versions: {differ}"
    assert in_image(podman_env, "sh", "-c", "samtools --version | head -1").startswith("samtools")
    assert in_image(podman_env, "sh", "-c", "bcftools --version | head -1").startswith("bcftools")
    assert "bookworm" in in_image(podman_env, "cat", "/etc/os-release")


def test_podman_run_matches_host_run_byte_for_byte(podman_env, small_demo, tmp_path, monkeypatch):
    monkeypatch.setenv("CONTAINERS_CONF", podman_env["CONTAINERS_CONF"])
    host = nextflow(
        tmp_path,
        *demo_params(small_demo),
        "--outdir",
        str(tmp_path / "host"),
        "-work-dir",
        str(tmp_path / "work_host"),
    )
    assert host.returncode == 0, host.stderr[-3000:]
    boxed = nextflow(
        tmp_path,
        "-profile",
        "podman",
        *demo_params(small_demo),
        "--outdir",
        str(tmp_path / "podman"),
        "-work-dir",
        str(tmp_path / "work_podman"),
    )
    assert boxed.returncode == 0, boxed.stdout[-3000:] + boxed.stderr[-3000:]
    versions = (tmp_path / "podman" / "pipeline_info" / "software_versions.yml").read_text()
    image_python = in_image(
        podman_env, "python3", "-c", "import platform; print(platform.python_version())"
    ).strip()
    assert f'python: "{image_python}"' in versions, "tasks ran in the image's Python"
    wrappers = sorted((tmp_path / "work_podman").glob("*/*/.command.run"))
    assert wrappers and all(
        "podman run" in w.read_text() and podman_env["IMAGE"] in w.read_text() for w in wrappers
    ), "every task ran in the image"
    assert_same_cohort(tmp_path / "host" / "cohort", tmp_path / "podman" / "cohort")
