"""Faults and determinism on the 3-patient demo (the session's `tiny_demo`: 3 tumour VCFs, 4
plasma and 1 PoN BAMs, every stage), each compared with one uninterrupted run (the session's
`tiny_reference_run`, tests/pipeline/conftest.py):
- a task killed with SIGKILL is retried (exit 137) and the run completes (a second run from
  scratch: byte-identical cohort tables);
- a task killed with SIGKILL when retries are off fails the run; `-resume` re-executes only
  the unfinished tasks, and the killed task left no partial output file;
- the Nextflow head killed mid-run resumes with `-resume`, re-executing only unfinished tasks;
- plasma samples counted 4 per task (--ctdna_count_group_size 4) give the same tables.
Every file under cohort/ (TSV, Parquet, TMB traces) must be byte-identical to the reference."""

from __future__ import annotations

import filecmp
import os
import signal
import time
from pathlib import Path

import pytest

from tests.pipeline.nf import (
    assert_same_cohort,
    demo_params,
    latest_trace,
    nextflow,
    start_nextflow,
)

pytestmark = pytest.mark.pipeline

NO_RETRY = "process.errorStrategy = 'finish'\n"  # a killed task fails the run (no retry)
COUNT_OUTPUTS = (
    ".site_counts.tsv",
    ".target_depth.tsv",
    ".background.tsv",
    ".rejects_count.tsv",
    ".read_stats.tsv",
)  # modules/local/ctdna_count outputs


@pytest.fixture(scope="module")
def reference_run(tiny_reference_run) -> Path:
    return tiny_reference_run


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


def test_sigkilled_task_is_retried_and_tables_are_unchanged(tiny_demo, reference_run, tmp_path):
    run = start_nextflow(tmp_path, *demo_params(tiny_demo), "--outdir", str(tmp_path / "results"))
    pids = wait_for(lambda: running_task_pids(tmp_path / "work", "ctdna-count"))
    os.kill(pids[0], signal.SIGKILL)
    output, _ = run.communicate(timeout=1800)
    assert run.returncode == 0, output[-3000:]
    trace = latest_trace(tmp_path / "results")
    killed = trace[(trace["step"] == "CTDNA_COUNT") & (trace["status"] == "FAILED")]
    assert len(killed) == 1 and int(killed["exit"].iloc[0]) == 137
    retried = trace[(trace["name"] == killed["name"].iloc[0]) & (trace["status"] == "COMPLETED")]
    assert retried["attempt"].tolist() == [2]
    assert_same_cohort(reference_run, tmp_path / "results" / "cohort")


def test_killed_task_without_retry_resumes_with_only_unfinished_tasks(
    tiny_demo, reference_run, tmp_path
):
    (tmp_path / "no_retry.config").write_text(NO_RETRY)
    args = [*demo_params(tiny_demo), "--outdir", str(tmp_path / "results")]
    run = start_nextflow(tmp_path, "-c", str(tmp_path / "no_retry.config"), *args)
    pid = wait_for(lambda: running_task_pids(tmp_path / "work", "ctdna-count"))[0]
    killed_dir = Path(os.readlink(f"/proc/{pid}/cwd"))
    os.kill(pid, signal.SIGKILL)
    output, _ = run.communicate(timeout=1800)
    assert run.returncode != 0, "the killed task fails the run when retries are off"
    first = latest_trace(tmp_path / "results")
    killed = first[first["workdir"].map(Path) == killed_dir]
    assert killed["status"].tolist() == ["FAILED"] and int(killed["exit"].iloc[0]) == 137
    finished_before = {Path(w) for w in first.loc[first["status"] == "COMPLETED", "workdir"]}
    assert finished_before
    result = nextflow(tmp_path, *args, "-resume")
    assert result.returncode == 0, result.stderr[-3000:]
    trace = latest_trace(tmp_path / "results")
    executed = trace[trace["status"] != "CACHED"]
    assert not {Path(w) for w in executed["workdir"]} & finished_before
    assert finished_before <= {Path(w) for w in trace.loc[trace["status"] == "CACHED", "workdir"]}
    rerun = executed[executed["name"] == killed["name"].iloc[0]]
    assert rerun["status"].tolist() == ["COMPLETED"]
    assert_no_partial_output(killed_dir, Path(rerun["workdir"].iloc[0]))
    assert_same_cohort(reference_run, tmp_path / "results" / "cohort")


def assert_no_partial_output(killed: Path, complete: Path) -> None:
    """Every output file under its final name in the killed task's folder is complete (the
    same bytes as the re-executed task's); unfinished writes only left temporary names."""
    for path in killed.iterdir():
        if path.name.endswith(COUNT_OUTPUTS):
            assert filecmp.cmp(path, complete / path.name, shallow=False), f"partial {path.name}"


def test_killed_run_resumes_with_only_unfinished_tasks(tiny_demo, reference_run, tmp_path):
    args = [*demo_params(tiny_demo), "--outdir", str(tmp_path / "results")]
    run = start_nextflow(tmp_path, *args)
    wait_for(lambda: running_task_pids(tmp_path / "work", "ctdna-count"))
    time.sleep(2)
    os.killpg(run.pid, signal.SIGKILL)
    run.communicate(timeout=60)
    killed_trace = latest_trace(tmp_path / "results")
    finished_before = {
        Path(w) for w in killed_trace.loc[killed_trace["status"] == "COMPLETED", "workdir"]
    }
    assert finished_before, "some tasks had finished (and were traced) before the kill"
    result = nextflow(tmp_path, *args, "-resume")
    assert result.returncode == 0, result.stderr[-3000:]
    trace = latest_trace(tmp_path / "results")
    executed = {Path(w) for w in trace.loc[trace["status"] != "CACHED", "workdir"]}
    assert not executed & finished_before, "a task that had finished was executed again"
    cached = {Path(w) for w in trace.loc[trace["status"] == "CACHED", "workdir"]}
    assert finished_before <= cached
    assert_same_cohort(reference_run, tmp_path / "results" / "cohort")


def test_grouped_counting_equals_ungrouped_and_resumes_per_group(
    tiny_demo, reference_run, tmp_path
):
    """--ctdna_count_group_size 4 (CTDNA_COUNT_GROUP, docs/running.md): every per-sample count
    table and every cohort file byte-identical to the ungrouped reference run; ceil(samples /
    4) grouped tasks and no CTDNA_COUNT; an unchanged -resume re-executes nothing."""
    args = [*demo_params(tiny_demo), "--outdir", str(tmp_path / "results")]
    result = nextflow(tmp_path, *args, "--ctdna_count_group_size", "4")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert_same_cohort(reference_run, tmp_path / "results" / "cohort")
    counts = reference_run.parent / "ctdna" / "counts"
    names = sorted(p.name for p in counts.iterdir())
    assert names == sorted(p.name for p in (tmp_path / "results" / "ctdna" / "counts").iterdir())
    _, mismatch, errors = filecmp.cmpfiles(
        counts, tmp_path / "results" / "ctdna" / "counts", names, shallow=False
    )
    assert not mismatch and not errors, f"differ: {mismatch}, missing: {errors}"
    trace = latest_trace(tmp_path / "results")
    steps = trace["step"].value_counts()
    counted = len(names) // len(COUNT_OUTPUTS)
    assert "CTDNA_COUNT" not in steps and steps["CTDNA_COUNT_GROUP"] == -(-counted // 4)
    result = nextflow(tmp_path, *args, "--ctdna_count_group_size", "4", "-resume")
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(latest_trace(tmp_path / "results")["status"]) == {"CACHED"}
