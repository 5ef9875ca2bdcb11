"""Running the real Nextflow runtime from tests, and reading its trace."""

from __future__ import annotations

import filecmp
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
NEXTFLOW = REPO / ".nextflow-dist" / "bin" / "nextflow"
COHORT_TABLES = {
    "tmb": "tmb",
    "ctdna": "ctdna",
    "ctdna_dynamics": "ctdna_dynamics",
    "biomarkers": "biomarkers",
    "associations": "associations",
    "rejects": "rejects",
    "primary_endpoint": "primary_endpoint",
    "multivariable": "multivariable",
    "model_validation": "model_validation",
    "missingness": "missingness",
}
# cohort/ files every full demo run writes (assert_same_cohort compares all files found)
COHORT_FILES = (
    "tmb.tsv",
    "tmb.parquet",
    "ctdna.tsv",
    "ctdna_dynamics.tsv",
    "biomarkers.tsv",
    "biomarkers.parquet",
    "associations.tsv",
    "primary_endpoint.tsv",
    "irecist.tsv",
    "multivariable.tsv",
    "model_validation.tsv",
    "missingness.tsv",
    "rejects.tsv",
)
COHORT_LEVEL = {
    "VALIDATE",
    "CTDNA_CALL",
    "CTDNA_LOWPASS",  # reads the validated samplesheet (re-made at every resume of VALIDATE)
    "MERGE_BIOMARKERS",
    "ASSOCIATIONS",
    "COLLECT_REJECTS",
    "QC_TABLES",
    "MULTIQC",
    "REPORT",
}


def demo_params(demo: Path) -> list[str]:
    return [
        "--input",
        str(demo / "samplesheet.csv"),
        "--clinical",
        str(demo / "clinical.csv"),
        "--ihc",
        str(demo / "ihc.csv"),
        "--qupath",
        str(demo / "qupath" / "manifest.csv"),
        "--labs",
        str(demo / "labs.csv"),
        "--panel_bed",
        str(demo / "panel.bed"),
        "--tmb_coding_bed",
        str(demo / "coding.bed"),
        "--ctdna_targets",
        str(demo / "ctdna_targets.bed"),
        "--tissue_cn",
        str(demo / "tissue_cn.tsv"),
        "--ctdna_sites",
        str(demo / "ctdna_sites.tsv"),
        "--lowpass_fasta",
        str(demo / "lowpass" / "reference.fa"),
        "--lowpass_bin_size",
        "50000",  # the demo's reduced genome (conf/test.config)
    ]


def nextflow(launch: Path, *args: str) -> subprocess.CompletedProcess:
    if not NEXTFLOW.exists():
        pytest.fail(f"{NEXTFLOW} is missing: run scripts/setup.sh (make test does)")
    env = {**os.environ, "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}"}
    return subprocess.run(
        [str(NEXTFLOW), "run", str(REPO), "-ansi-log", "false", *args],
        cwd=launch,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )


def start_nextflow(launch: Path, *args: str) -> subprocess.Popen:
    """``nextflow run`` in the background (own session, so the test can kill its group)."""
    env = {**os.environ, "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}"}
    return subprocess.Popen(
        [str(NEXTFLOW), "run", str(REPO), "-ansi-log", "false", *args],
        cwd=launch,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def latest_trace(outdir: Path) -> pd.DataFrame:
    traces = sorted((outdir / "pipeline_info").glob("execution_trace_*.txt"))
    trace = pd.read_csv(traces[-1], sep="\t")
    trace["step"] = trace["process"].str.split(":").str[-1]
    return trace


def generate_demo(folder: Path, *options: str) -> Path:
    """Generate a demo cohort with the project's own generator into ``folder``."""
    subprocess.run(
        [str(REPO / ".venv" / "bin" / "stereosarc-demo"), "--outdir", str(folder), *options],
        check=True,
        capture_output=True,
        text=True,
    )
    return folder


def assert_same_cohort(expected: Path, found: Path) -> None:
    """The same files under two cohort/ folders (recursively, traces included), byte-identical."""
    names = sorted(str(p.relative_to(expected)) for p in expected.rglob("*") if p.is_file())
    assert set(COHORT_FILES) <= set(names), (
        f"missing from {expected}: {set(COHORT_FILES) - set(names)}"
    )
    assert names == sorted(str(p.relative_to(found)) for p in found.rglob("*") if p.is_file())
    _, mismatch, errors = filecmp.cmpfiles(expected, found, names, shallow=False)
    assert not mismatch and not errors, f"differ: {mismatch}, missing: {errors}"
