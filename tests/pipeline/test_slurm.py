"""The workflow through a real single-node SLURM cluster (slurmctld + slurmd + munged on
localhost, slurm.conf sized to this machine) with `-profile slurm`: every task is an sbatch job
in the requested partition and account, recorded by the controller; a job cancelled with
scancel mid-run (exit 143) is resubmitted with twice the memory and time, and the run finishes.
The profile's settings and their override by a `-c` site config are read back from
`nextflow config`."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from stereosarc.errors import InputError
from stereosarc.validate import validate_params
from tests import slurm_cluster
from tests.pipeline.nf import NEXTFLOW, REPO, demo_params, latest_trace, start_nextflow

pytestmark = pytest.mark.pipeline

ACCOUNT = "stereosarc-ci"
SITE_CONFIG = """
executor {
    submitRateLimit = '20/1s'   // the test cluster is local: no need to spare a controller
    pollInterval    = '2 sec'
    queueStatInterval = '2 sec'
}
params.slurm_queue = 'test'
"""
# docs/running.md's site.config example
DOCUMENTED_SITE_CONFIG = """
executor { queueSize = 200; submitRateLimit = '30/1min' }
process {
    clusterOptions = '--account=proj123 --qos=normal'
    withLabel: process_medium { cpus = 4; memory = 16.GB }
}
"""


def flat_config(profile: str, site: Path | None = None) -> dict[str, str]:
    """`nextflow [-c site] config -flat -profile <profile>` of the project as {key: value}."""
    extra = ["-c", str(site)] if site else []
    result = subprocess.run(
        [str(NEXTFLOW), *extra, "config", "-flat", "-profile", profile, str(REPO)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(line.split(" = ", 1) for line in result.stdout.splitlines() if " = " in line)


def test_slurm_profile_settings_and_site_override(tmp_path):
    config = flat_config("slurm")
    assert config["executor.name"] == "'slurm'" and config["process.executor"] == "'slurm'"
    assert (config["executor.queueSize"], config["executor.submitRateLimit"]) == ("500", "'20/1s'")
    assert config["process.cache"] == "'lenient'"
    assert config["process.queue"] == "{ params.slurm_queue }"
    assert "--account=${params.slurm_account}" in config["process.clusterOptions"]
    assert "[104, 134, 137, 139, 140, 143] ? 'retry'" in config["process.errorStrategy"]
    assert config["process.maxRetries"] == "2"
    for label in ("process_single", "process_low", "process_medium"):
        assert "task.attempt" in config[f"process.'withLabel:{label}'.memory"]
        assert "task.attempt" in config[f"process.'withLabel:{label}'.time"]
    site = tmp_path / "site.config"
    site.write_text(DOCUMENTED_SITE_CONFIG)
    config = flat_config("slurm", site)
    assert (config["executor.queueSize"], config["executor.submitRateLimit"]) == (
        "200",
        "'30/1min'",
    )
    assert config["process.clusterOptions"] == "'--account=proj123 --qos=normal'"
    assert config["process.'withLabel:process_medium'.cpus"] == "4"
    assert config["process.cache"] == "'lenient'"  # what the site does not set is kept


@pytest.mark.parametrize(
    "name, value, valid",
    [
        ("slurm_queue", "normal", True),
        ("slurm_queue", "normal,long", True),
        ("slurm_queue", "normal long", False),
        ("slurm_account", "proj123", True),
        ("slurm_account", "proj;rm", False),
        ("slurm_account", "--qos=high", False),
    ],
)
def test_queue_and_account_are_checked_by_the_preflight(name, value, valid):
    params = {"input": "samplesheet.csv", "outdir": "results", name: value}
    if valid:
        validate_params(params, REPO / "nextflow_schema.json")
    else:
        with pytest.raises(InputError, match=f"parameter --{name}: '{value}' does not match"):
            validate_params(params, REPO / "nextflow_schema.json")


def running_job(env: dict, step: str) -> tuple[str, str] | None:
    """(job id, work dir) of a running job of ``step`` whose task script has started."""
    queue = subprocess.run(
        ["squeue", "-h", "-t", "R", "-o", "%i|%j|%Z"], env=env, capture_output=True, text=True
    ).stdout
    for line in queue.splitlines():
        job, name, workdir = line.split("|", 2)
        started = Path(workdir, ".command.begin").exists()
        if step in name and started and not Path(workdir, ".exitcode").exists():
            return job, workdir
    return None


def queue_snapshot(env: dict) -> pd.DataFrame:
    """Jobs in the queue now: id, name, partition, account."""
    queue = subprocess.run(
        ["squeue", "-h", "-o", "%i|%j|%P|%a"], env=env, capture_output=True, text=True
    ).stdout
    rows = [line.split("|") for line in queue.splitlines() if line]
    return pd.DataFrame(rows, columns=["job", "name", "partition", "account"])


def cancel_one_running(
    env: dict, run: subprocess.Popen, step: str, timeout: float = 600
) -> tuple[str, pd.DataFrame]:
    """scancel a running job of ``step``; return its id and every queue snapshot taken."""
    snapshots, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline and run.poll() is None:
        snapshots.append(queue_snapshot(env))
        found = running_job(env, step)
        if found:
            subprocess.run(["scancel", found[0]], env=env, check=True)
            return found[0], pd.concat(snapshots, ignore_index=True)
        time.sleep(0.5)
    pytest.fail(f"no running {step} job seen in the queue")


def test_demo_runs_as_slurm_jobs(small_demo, tmp_path, monkeypatch):
    reason = slurm_cluster.available()
    if reason:
        pytest.skip(reason)
    site = tmp_path / "site.config"
    site.write_text(SITE_CONFIG)
    with slurm_cluster.cluster(tmp_path / "cluster") as env:
        monkeypatch.setenv("SLURM_CONF", env["SLURM_CONF"])
        run = start_nextflow(
            tmp_path,
            "-profile",
            "slurm",
            "-c",
            str(site),
            "--slurm_account",
            ACCOUNT,
            *demo_params(small_demo),
            "--outdir",
            str(tmp_path / "results"),
        )
        cancelled, queued = cancel_one_running(env, run, "CTDNA_COUNT")
        output, _ = run.communicate(timeout=1800)
        assert run.returncode == 0, output[-3000:]
    trace = latest_trace(tmp_path / "results")
    jobs = pd.DataFrame(slurm_cluster.completed_jobs(tmp_path / "cluster")).set_index("JobId")
    assert len(trace) > 10
    assert set(trace["native_id"].astype(str)) <= set(jobs.index), "every task is a SLURM job"
    assert (
        len(queued)
        and set(queued["partition"]) == {"test"}
        and set(queued["account"]) == {ACCOUNT}
    )
    assert (jobs["Partition"] == "test").all() and (jobs["Account"] == ACCOUNT).all()
    assert jobs["Name"].str.startswith("nf-").all()
    # the cancelled job: exit 143 (SIGTERM from scancel), retried with 2x memory and time
    failed = trace[trace["native_id"].astype(str) == cancelled]
    assert failed["status"].tolist() == ["FAILED"]
    assert (int(failed["exit"].iloc[0]), int(failed["attempt"].iloc[0])) == (143, 1)
    retry = trace[(trace["name"] == failed["name"].iloc[0]) & (trace["status"] == "COMPLETED")]
    assert retry["attempt"].tolist() == [2]
    first, second = jobs.loc[cancelled], jobs.loc[str(retry["native_id"].iloc[0])]
    assert first["JobState"] == "CANCELLED" and second["JobState"] == "COMPLETED"
    assert (
        "mem=1G" in first["Tres"] and "mem=2G" in second["Tres"]
    )  # process_single: 1 GB x attempt
    assert (int(first["TimeLimit"]), int(second["TimeLimit"])) == (30, 60)  # 30 min x attempt
    assert (jobs.drop(index=cancelled)["JobState"] == "COMPLETED").all()
    assert (tmp_path / "results" / "cohort" / "biomarkers.tsv").exists()
