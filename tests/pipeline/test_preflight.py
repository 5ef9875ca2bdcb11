"""What the analyst sees before and after a run (issue 17, part A), through the real Nextflow:
a misspelled parameter, --help, a stage with rows but no required input, table values that
pre-flight refuses (DD/MM dates, a vocabulary slip, a missing column), the launch and run
summaries. Each refusal is a one-line message and no task ran (no task at all for launch
checks; only the pre-flight task VALIDATE for table checks). Inputs are a few rows each."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import write_bam, write_vcf
from tests.pipeline.nf import REPO, latest_trace, nextflow

pytestmark = pytest.mark.pipeline

SNV = (
    "chr17\t7675088\t.\tC\tT\t.\tPASS\tCSQ=T|missense_variant|MODERATE|TP53|"
    "\tGT:AD:DP\t0/1:60,40:100"
)
CLINICAL_HEADER = (
    "patient,arm,histology,line,start_date,progression_date,death_date,"
    "last_assessment_date,last_followup_date,diagnosis_date,best_response\n"
)


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """One tumour VCF, one plasma BAM and a PoN BAM, with a valid samplesheet."""
    folder = tmp_path_factory.mktemp("batch")
    write_vcf(folder / "P1-T.vcf.gz", [SNV], sample="P1-T")
    write_bam(folder / "P1-B.bam")
    write_bam(folder / "PON1.bam")
    (folder / "panel.bed").write_text("chr17\t7660000\t7690000\tTP53\n")
    (folder / "samplesheet.csv").write_text(
        "patient,sample,type,timepoint,vcf,bam\nP1,P1-T,tumour,,P1-T.vcf.gz,\n"
        "P1,P1-B,plasma,baseline,,P1-B.bam\n,PON1,pon,,,PON1.bam\n"
    )
    return folder


def no_task_ran(outdir: Path) -> bool:
    """An empty trace and no task folder under work/."""
    traces = sorted((outdir / "pipeline_info").glob("execution_trace_*.txt"))
    task_dirs = list((outdir.parent / "work").glob("??/*"))
    return (not traces or pd.read_csv(traces[-1], sep="\t").empty) and not task_dirs


def schema_parameters() -> list[str]:
    schema = json.loads((REPO / "nextflow_schema.json").read_text())
    return [name for group in schema["$defs"].values() for name in group["properties"]]


TYPOS = ("tmb_min_vf", "ctdna_alfa", "nlr_cutof", "landmark_day", "seeds", "clinicl")


def test_misspelled_parameters_are_refused_with_the_closest_name(batch, tmp_path):
    """The Groovy launch check suggests what Python's difflib would (same ratio, cutoff 0.6)."""
    typos = [arg for name in TYPOS for arg in (f"--{name}", "1")]
    result = nextflow(
        tmp_path,
        "--input",
        str(batch / "samplesheet.csv"),
        "--panel-bed",
        str(batch / "panel.bed"),
        *typos,
        "--outdir",
        str(tmp_path / "out"),
    )
    lines = result.stdout.splitlines() + result.stderr.splitlines()
    assert result.returncode != 0
    assert "unknown parameter --panel-bed; did you mean --panel_bed?" in lines
    expected = {
        name: difflib.get_close_matches(name, schema_parameters(), n=1)[0] for name in TYPOS
    }
    assert expected["tmb_min_vf"] == "tmb_min_vaf" and expected["clinicl"] == "clinical"
    for name, choice in expected.items():
        assert f"unknown parameter --{name}; did you mean --{choice}?" in lines, name
    assert no_task_ran(tmp_path / "out")


def test_help_lists_every_parameter_of_the_schema_and_one_in_full(tmp_path):
    result = nextflow(tmp_path, "--help")
    assert result.returncode == 0, result.stdout[-2000:]
    for name in schema_parameters():
        assert f"  --{name} " in result.stdout, name
    assert "Missing --input" not in result.stdout
    one = nextflow(tmp_path, "--help", "tmb_min_vaf")
    assert one.returncode == 0
    assert (
        "--tmb_min_vaf\n    Minimum tumour VAF.\n    type: number\n    minimum: 0\n"
        "    maximum: 1\n    default: 0.05" in one.stdout
    )
    assert not list((tmp_path / "work").glob("??/*"))


def test_stage_with_rows_but_no_required_input_is_an_explicit_warning(batch, tmp_path):
    result = nextflow(
        tmp_path,
        "-preview",
        "--input",
        str(batch / "samplesheet.csv"),
        "--outdir",
        str(tmp_path / "out"),
    )
    assert result.returncode == 0, result.stdout[-2000:]
    lines = result.stdout.splitlines()
    assert (
        "WARN: TMB skipped: 1 tumour row(s) with VCFs but no --panel_bed (give --panel_bed "
        "PANEL.bed to compute TMB)"
    ) in lines
    assert (
        "WARN: ctDNA skipped: 1 plasma and 1 pon row(s) but no --ctdna_targets (give "
        "--ctdna_targets TARGETS.bed to call ctDNA)"
    ) in lines
    summary = (tmp_path / "out" / "pipeline_info" / "params_summary.txt").read_text()
    assert "WARN: TMB skipped: 1 tumour row(s)" in summary
    assert no_task_ran(tmp_path / "out")


@pytest.fixture(scope="module")
def refused(batch, tmp_path_factory) -> tuple[str, Path]:
    """One run with every kind of table problem: all are listed, the run stops at pre-flight."""
    folder = tmp_path_factory.mktemp("refused")
    (folder / "clinical.csv").write_text(
        CLINICAL_HEADER
        + "P1,SBRT,leiomyosarcoma,1,10/01/2021,,,2021-06-01,2021-07-01,2019-05-01,SD\n"
        + "P2,SBRT + atezolizumab,liposarcoma,first,2021-03-10,2021-02-01,,2021-08-01,"
        "2022-01-01,2019-05-01,PR\n"
    )
    (folder / "labs.csv").write_text("patient,date,analyte,value\nP1,2021-01-05,crp,<5\n")
    (folder / "samplesheet.csv").write_text(
        "patient,sample,type,timepoint,vcf\nP1,P1-T,tumour,,%s\n" % (batch / "P1-T.vcf.gz")
        + "P1,P1-B,plasma,baseline,\nP1,P1-C,plasma,month6,\n"
    )
    result = nextflow(
        folder,
        "--input",
        str(folder / "samplesheet.csv"),
        "--clinical",
        str(folder / "clinical.csv"),
        "--labs",
        str(folder / "labs.csv"),
        "--outdir",
        str(folder / "out"),
    )
    assert result.returncode != 0
    return result.stdout + result.stderr, folder / "out"


@pytest.mark.parametrize(
    "line",
    [
        "clinical.csv row 2, column start_date: '10/01/2021' is not an ISO date YYYY-MM-DD "
        "(looks like DD/MM/YYYY or MM/DD/YYYY)",
        "clinical.csv row 3, column arm: 'SBRT + atezolizumab' is not one of SBRT, "
        "SBRT+atezolizumab (did you mean 'SBRT+atezolizumab'?)",
        "clinical.csv row 3, column line: 'first' is not one of 1, 2",
        "clinical.csv row 3, column progression_date: 2021-02-01 is before start_date 2021-03-10",
        "labs.csv: missing required column(s) unit; found patient, date, analyte, value",
        "samplesheet.csv: column bam is missing from the header; it is required for 2 plasma rows",
    ],
    ids=[
        "dd_mm_date",
        "arm_slip",
        "line_word",
        "date_order",
        "labs_missing_column",
        "samplesheet_missing_column",
    ],
)
def test_every_table_problem_is_one_line_and_only_preflight_ran(refused, line):
    output, outdir = refused
    assert f"  {line}" in output.splitlines()
    assert ", column bam:" not in output  # the missing column is not repeated row by row
    assert latest_trace(outdir)["step"].tolist() == ["VALIDATE"]


def test_refusal_lists_all_problems_at_once(refused):
    output, _ = refused
    assert "pre-flight refused the run (6 problem(s); spreadsheet rows, header = row 1):" in output


def test_run_summary_counts_rejects_and_task_warnings(small_demo, tmp_path):
    outdir = tmp_path / "out"
    result = nextflow(
        tmp_path,
        "--input",
        str(small_demo / "samplesheet.csv"),
        "--clinical",
        str(small_demo / "clinical.csv"),
        "--labs",
        str(small_demo / "labs.csv"),
        "--ihc",
        str(small_demo / "ihc.csv"),
        "--n_bootstrap",
        "100",
        "--enet_repeats",
        "0",
        "--outdir",
        str(outdir),
    )
    assert result.returncode == 0, result.stdout[-3000:]
    summary = (outdir / "pipeline_info" / "run_summary.txt").read_text()
    assert summary.splitlines()[0] in result.stdout
    rejects = pd.read_csv(outdir / "cohort" / "rejects.tsv", sep="\t")
    assert f"Rejects (cohort/rejects.tsv): {len(rejects)}" in summary
    for stage, count in rejects["stage"].value_counts().items():
        assert f"  {stage:<21}: {count}" in summary
    merged = len(pd.read_csv(outdir / "cohort" / "biomarkers.tsv", sep="\t"))
    assert f"per-patient merge    : {merged} row(s)" in summary
    assert "TMB                  : not run" in summary
    assert (
        "INITIALISE:VALIDATE (samplesheet.csv): WARNING stereosarc.validate: ihc.csv row"
        in summary
    )
    assert any(
        line.startswith("WARN: pre-flight: ihc.csv row ") and "percentage above 100" in line
        for line in result.stdout.splitlines()
    )  # on the console as soon as pre-flight passed
    launch = (outdir / "pipeline_info" / "params_summary.txt").read_text()
    assert "  n_bootstrap                   : 100" in launch and "(git " in launch


def test_run_summary_counts_ctdna_detections_and_rejects_by_severity_and_code(batch, tmp_path):
    """The summary reads the cohort tables of --outdir (here written by hand; -preview runs no
    task): detected 1/0/NA counted as the ctDNA contract defines them."""
    cohort = tmp_path / "out" / "cohort"
    cohort.mkdir(parents=True)
    (cohort / "ctdna.tsv").write_text(
        "patient\tsample\tdetected\nP1\tA\t1\nP1\tB\t0\nP2\tC\tNA\nP3\tD\t1\n"
    )
    (cohort / "rejects.tsv").write_text(
        "stage\tfile\trow\tseverity\tcode\treason\n"
        "labs\tl.csv\t2\terror\tunknown_unit\tx\n"
        "labs\tl.csv\t3\terror\tunknown_unit\tx\n"
        "labs\tl.csv\t4\texcluded_by_rule\tlab_before_baseline_window\ty\n"
        "ihc\ti.csv\t4\terror\tunknown_patient\tz\n"
        "ctdna\tc.tsv\t5\tinfo\tctdna_site_also_tumour_informed\tw\n"
    )
    result = nextflow(
        tmp_path,
        "-preview",
        "--input",
        str(batch / "samplesheet.csv"),
        "--panel_bed",
        str(batch / "panel.bed"),
        "--tmb_panel_is_coding",
        "true",
        "--outdir",
        str(tmp_path / "out"),
    )
    assert result.returncode == 0, result.stdout[-2000:]
    summary = (tmp_path / "out" / "pipeline_info" / "run_summary.txt").read_text().splitlines()
    assert (
        "ctDNA detections: 2 detected, 1 not detected, 1 NA of 4 samples in cohort/ctdna.tsv"
        in summary
    )
    assert "Rejects (cohort/rejects.tsv): 5" in summary
    assert f"  {'labs':<21}: 3" in summary and f"  {'ihc':<21}: 1" in summary
    by_severity = summary[summary.index("Rejects by severity and code:") + 1 :][:7]
    assert by_severity == [
        f"  {'error':<21}: 3",
        f"    {'unknown_unit':<35}: 2",  # most frequent code first
        f"    {'unknown_patient':<35}: 1",
        f"  {'excluded_by_rule':<21}: 1",
        f"    {'lab_before_baseline_window':<35}: 1",
        f"  {'info':<21}: 1",
        f"    {'ctdna_site_also_tumour_informed':<35}: 1",
    ]
    assert "  ctDNA                : 4 row(s) in cohort/ctdna.tsv" in summary
    assert no_task_ran(tmp_path / "out")
