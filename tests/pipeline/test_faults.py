"""Faults and determinism on a small demo cohort: a task killed with SIGKILL is retried and
the run completes; the Nextflow head killed mid-run resumes with `-resume`, re-executing only
unfinished tasks; every run from scratch gives byte-identical cohort tables."""

from __future__ import annotations

import filecmp
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.pipeline.nf import NEXTFLOW, REPO, demo_params, latest_trace, nextflow

pytestmark = pytest.mark.pipeline

COMPARED = ("tmb.tsv", "ctdna.tsv", "ctdna_dynamics.tsv", "biomarkers.tsv", "associations.tsv",
            "rejects.tsv")


@pytest.fixture(scope="module")
def reference_run(small_demo, tmp_path_factory) -> Path:
    launch = tmp_path_factory.mktemp("reference")
    result = nextflow(launch, *demo_params(small_demo), "--outdir", str(launch / "results"))
    assert result.returncode == 0, result.stderr[-3000:]
    return launch / "results" / "cohort"


def assert_same_tables(expected: Path, found: Path) -> None:
    _, mismatch, errors = filecmp.cmpfiles(expected, found, COMPARED, shallow=False)
    assert not mismatch and not errors, f"differ: {mismatch}, missing: {errors}"


def start_nextflow(launch: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}"}
    return subprocess.Popen([str(NEXTFLOW), "run", str(REPO), "-ansi-log", "false", *args],
                            cwd=launch, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def running_task_pids(work: Path, step: str) -> list[int]:
    """PIDs of processes whose working directory is a started, unfinished task of ``step``."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = Path(os.readlink(proc / "cwd"))
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if cwd.is_relative_to(work) and step in command and not (cwd / ".exitcode").exists():
            pids.append(int(proc.name))
    return pids


def wait_for(predicate, timeout: float = 300.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(interval)
    pytest.fail("timed out waiting for a running task")


def test_sigkilled_task_is_retried_and_tables_are_unchanged(small_demo, reference_run, tmp_path):
    run = start_nextflow(tmp_path, *demo_params(small_demo), "--outdir", str(tmp_path / "results"))
    pids = wait_for(lambda: running_task_pids(tmp_path / "work", "ctdna-count"))
    os.kill(pids[0], signal.SIGKILL)
    output, _ = run.communicate(timeout=1800)
    assert run.returncode == 0, output[-3000:]
    trace = latest_trace(tmp_path / "results")
    killed = trace[(trace["step"] == "CTDNA_COUNT") & (trace["status"] == "FAILED")]
    assert len(killed) == 1 and int(killed["exit"].iloc[0]) == 137
    retried = trace[(trace["name"] == killed["name"].iloc[0]) & (trace["status"] == "COMPLETED")]
    assert retried["attempt"].tolist() == [2]
    assert_same_tables(reference_run, tmp_path / "results" / "cohort")


def test_killed_run_resumes_with_only_unfinished_tasks(small_demo, reference_run, tmp_path):
    args = [*demo_params(small_demo), "--outdir", str(tmp_path / "results")]
    run = start_nextflow(tmp_path, *args)
    wait_for(lambda: running_task_pids(tmp_path / "work", "ctdna-count"))
    time.sleep(2)
    os.killpg(run.pid, signal.SIGKILL)
    run.communicate(timeout=60)
    killed_trace = latest_trace(tmp_path / "results")
    finished_before = {Path(w) for w in killed_trace.loc[killed_trace["status"] == "COMPLETED", "workdir"]}
    assert finished_before, "some tasks had finished (and were traced) before the kill"
    result = nextflow(tmp_path, *args, "-resume")
    assert result.returncode == 0, result.stderr[-3000:]
    trace = latest_trace(tmp_path / "results")
    executed = {Path(w) for w in trace.loc[trace["status"] != "CACHED", "workdir"]}
    assert not executed & finished_before, "a task that had finished was executed again"
    cached = {Path(w) for w in trace.loc[trace["status"] == "CACHED", "workdir"]}
    assert finished_before <= cached
    assert_same_tables(reference_run, tmp_path / "results" / "cohort")
