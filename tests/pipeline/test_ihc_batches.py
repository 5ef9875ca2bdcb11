"""IHC batches through Nextflow: QuPath exports alone (no --ihc long table) are a normal IHC
run, not a silently skipped stage; the patient table equals ihc-markers run by hand on the
same manifest."""

from __future__ import annotations

import pandas as pd
import pytest

from ihc.cli import ihc_main
from stereosarc.tables import read_output_table
from tests.pipeline.nf import latest_trace, nextflow

pytestmark = pytest.mark.pipeline


def test_qupath_only_batch_runs_the_ihc_stage(small_demo, tmp_path):
    manifest = small_demo / "qupath" / "manifest.csv"
    result = nextflow(
        tmp_path,
        "--input",
        str(small_demo / "samplesheet.csv"),
        "--qupath",
        str(manifest),
        "--outdir",
        str(tmp_path / "results"),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    steps = set(latest_trace(tmp_path / "results")["step"])
    assert steps == {"VALIDATE", "IHC_MARKERS", "COLLECT_REJECTS", "REPORT"}  # a report every run
    assert (
        ihc_main(
            [
                "--qupath",
                str(manifest),
                "--out",
                str(tmp_path / "by_hand.tsv"),
                "--rejects",
                str(tmp_path / "by_hand_rejects.tsv"),
            ]
        )
        == 0
    )
    published = read_output_table(tmp_path / "results" / "markers" / "ihc_patient.tsv")
    assert len(published) > 0 and published["cd8_density"].notna().any()
    pd.testing.assert_frame_equal(published, read_output_table(tmp_path / "by_hand.tsv"))
