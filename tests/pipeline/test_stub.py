"""Every module's `stub:` block through the real Nextflow runtime (`-stub-run -profile test`):
every process of modules/local runs, and every file its stage publishes is where docs/output.md
says. The stubs compute nothing; a 3-patient demo cohort (1 PoN; the session's `tiny_demo`,
tests/conftest.py) gives the channels their shape. The samplesheet is written as pre-flight
would write it (absolute paths, index columns) because VALIDATE's stub only copies it. About
30 s."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from tests.pipeline.nf import REPO, demo_params, latest_trace, nextflow

pytestmark = pytest.mark.pipeline

COHORT = (
    "tmb.tsv",
    "ctdna.tsv",
    "ctdna_dynamics.tsv",
    "ctdna_sites.tsv",
    "ctdna_cn.tsv",
    "ctdna_blacklist.tsv",
    "ctdna_pon_check.tsv",
    "biomarkers.tsv",
    "biomarkers.parquet",
    "associations.tsv",
    "km.tsv",
    "primary_endpoint.tsv",
    "irecist.tsv",
    "multivariable.tsv",
    "model_validation.tsv",
    "rejects.tsv",
)
MARKERS = ("ihc_patient.tsv", "labs_patient.tsv", "clinical_endpoints.tsv")
COUNTS = (
    "site_counts",
    "target_depth",
    "background",
    "rejects_count",
    "read_stats",
)  # ctdna/counts/ID.*.tsv


GROUPED_ONLY = {"CTDNA_COUNT_GROUP"}  # runs only with --ctdna_count_group_size > 1
OPTION_ONLY = GROUPED_ONLY | {"PREVIOUS_BATCHES"}  # and only with --previous_batches


def module_processes() -> set[str]:
    """Process names as they run: every `process X` of modules/local, under its include alias."""
    names = {
        match
        for path in (REPO / "modules" / "local").glob("*/main.nf")
        for match in re.findall(r"^process (\w+)", path.read_text(), flags=re.M)
    }
    wiring = "".join(
        path.read_text()
        for path in [*(REPO / "subworkflows").rglob("*.nf"), *(REPO / "workflows").glob("*.nf")]
    )
    aliases = dict(re.findall(r"include \{\s*(\w+)\s+as\s+(\w+)\s*\}", wiring))
    return {aliases.get(name, name) for name in names}


def _stub_run(demo: Path, folder: Path, *extra: str) -> tuple[Path, pd.DataFrame]:
    """The 3-patient demo through every stub, with ``extra`` parameters."""
    sheet = pd.read_csv(demo / "samplesheet.csv", dtype=str, keep_default_na=False)
    for column in ("vcf", "bam"):
        sheet[column] = [str(demo / name) if name else "" for name in sheet[column]]
    sheet["bam_index"] = [f"{name}.bai" if name else "" for name in sheet["bam"]]
    sheet.to_csv(folder / "samplesheet.csv", index=False)
    params = demo_params(demo)
    params[params.index("--input") + 1] = str(folder / "samplesheet.csv")
    result = nextflow(
        folder, "-stub-run", "-profile", "test", *params, "--outdir", str(folder / "out"), *extra
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return folder / "out", sheet


@pytest.fixture(scope="module")
def stub_run(tiny_demo, tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    return _stub_run(tiny_demo, tmp_path_factory.mktemp("stub"))


@pytest.fixture(scope="module")
def grouped_stub_run(tiny_demo, tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """Plasma and PoN samples counted 2 per task (CTDNA_COUNT_GROUP, docs/running.md)."""
    folder = tmp_path_factory.mktemp("stub_grouped")
    return _stub_run(tiny_demo, folder, "--ctdna_count_group_size", "2")


def test_every_module_stub_ran_once_per_expected_task(stub_run):
    outdir, sheet = stub_run
    trace = latest_trace(outdir)
    assert set(trace["status"]) == {"COMPLETED"}
    assert set(trace["step"]) == module_processes() - OPTION_ONLY
    per_sample = trace["step"].value_counts()
    assert per_sample["TMB"] == (sheet["type"] == "tumour").sum()
    assert per_sample["CTDNA_COUNT"] == len(_counted(sheet))
    assert per_sample["CTDNA_BIN"] == (sheet["assay"] == "lowpass_wgs").sum() > 0
    assert per_sample["CTDNA_LOWPASS"] == 1


def _counted(sheet: pd.DataFrame) -> pd.Series:
    """Sample ids of the capture plasma and PoN rows (CTDNA_COUNT; low-pass rows: CTDNA_BIN)."""
    rows = sheet["type"].isin(["plasma", "pon"]) & (sheet["assay"] != "lowpass_wgs")
    return sheet.loc[rows, "sample"]


def test_every_stage_publishes_its_files(stub_run):
    outdir, sheet = stub_run
    expected = {f"cohort/{name}" for name in COHORT} | {f"markers/{name}" for name in MARKERS}
    expected |= {
        f"cohort/tmb_trace/{sample}.tmb_trace.tsv"
        for sample in sheet.loc[sheet["type"] == "tumour", "sample"]
    }
    expected |= {
        f"ctdna/counts/{sample}.{kind}.tsv" for kind in COUNTS for sample in _counted(sheet)
    }
    expected |= {
        f"ctdna/lowpass_bins/{sample}.lowpass_bins.tsv"
        for sample in sheet.loc[sheet["assay"] == "lowpass_wgs", "sample"]
    }
    expected |= {f"ctdna/lowpass_{table}.tsv" for table in ("samples", "ratios", "segments")}
    expected |= {
        "report/report.html",
        "qc/tmb_qc.tsv",
        "qc/ctdna_qc.tsv",
        "multiqc/multiqc_report.html",
        "pipeline_info/samplesheet.valid.csv",
        "pipeline_info/params.json",
        "pipeline_info/software_versions.yml",
    }
    published = {str(path.relative_to(outdir)) for path in outdir.rglob("*") if path.is_file()}
    assert expected - published == set()
    assert not [
        name
        for name in published
        if name.endswith("versions.yml") and name != "pipeline_info/software_versions.yml"
    ]


def test_software_versions_has_one_entry_per_process(stub_run):
    outdir, _ = stub_run
    text = (outdir / "pipeline_info" / "software_versions.yml").read_text()
    keys = re.findall(r'^"([\w:]+)":$', text, flags=re.M)
    assert len(keys) == len(set(keys))
    # MultiQC reads this file, so it runs after it is written and is not in it (as in nf-core)
    expected = module_processes() - {"MULTIQC"} - OPTION_ONLY | {"Workflow"}
    assert {key.split(":")[-1] for key in keys} == expected


def test_grouped_counting_runs_one_task_per_group_and_publishes_per_sample(grouped_stub_run):
    """--ctdna_count_group_size 2: ceil(samples / 2) CTDNA_COUNT_GROUP tasks and no
    CTDNA_COUNT; the same per-sample files under ctdna/counts, the group manifests not."""
    outdir, sheet = grouped_stub_run
    trace = latest_trace(outdir)
    assert set(trace["status"]) == {"COMPLETED"}
    counted = _counted(sheet)
    steps = trace["step"].value_counts()
    assert "CTDNA_COUNT" not in steps
    assert steps["CTDNA_COUNT_GROUP"] == (len(counted) + 1) // 2
    published = {p.name for p in (outdir / "ctdna" / "counts").iterdir()}
    tables = {f"{sample}.{kind}.tsv" for kind in COUNTS for sample in counted}
    assert published == tables | {f"{sample}.ctdna_count.provenance.json" for sample in counted}
