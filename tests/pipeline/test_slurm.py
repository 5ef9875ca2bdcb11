"""The workflow through a real single-node SLURM cluster (slurmctld + slurmd + munged on
localhost) with `-profile slurm`: every task is an sbatch job recorded by the controller."""

from __future__ import annotations


import pandas as pd
import pytest

from tests import slurm_cluster
from tests.pipeline.nf import demo_params, latest_trace, nextflow

pytestmark = pytest.mark.pipeline

SITE_CONFIG = """
executor {
    submitRateLimit = '20/1s'   // the test cluster is local: no need to spare a controller
    pollInterval    = '2 sec'
    queueStatInterval = '2 sec'
}
params.slurm_queue = 'test'
"""


def test_demo_runs_as_slurm_jobs(small_demo, tmp_path, monkeypatch):
    reason = slurm_cluster.available()
    if reason:
        pytest.skip(reason)
    site = tmp_path / "site.config"
    site.write_text(SITE_CONFIG)
    with slurm_cluster.cluster(tmp_path / "cluster") as env:
        for key in ("SLURM_CONF",):
            monkeypatch.setenv(key, env[key])
        result = nextflow(tmp_path, "-profile", "slurm", "-c", str(site), *demo_params(small_demo),
                          "--outdir", str(tmp_path / "results"))
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    trace = latest_trace(tmp_path / "results")
    jobs = pd.DataFrame(slurm_cluster.completed_jobs(tmp_path / "cluster"))
    assert len(trace) > 10
    assert set(trace["native_id"].astype(str)) <= set(jobs["JobId"]), "every task is a SLURM job"
    assert (jobs["JobState"] == "COMPLETED").all()
    assert jobs["Name"].str.startswith("nf-").all()
    assert (tmp_path / "results" / "cohort" / "biomarkers.tsv").exists()
