"""The whole workflow on the demo cohort through the real Nextflow runtime.

One run from scratch, then `-resume` unchanged (zero tasks re-executed) and `-resume` after
changing one plasma sample's BAM (only that sample's count and the cohort-level tasks re-run),
read off Nextflow's own trace files. Slow: about as long as the demo run itself.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest

from stereosarc.tables import read_output_table, validate_frame
from tests.cli.test_report_browser import (
    BATCH_SECTIONS,
    FULL_SECTIONS,
    check_in_browser,
    sections_for,
)
from tests.crosscheck.rsurvival import R_MISSING, TIME_VARYING_SCRIPT, run_r
from tests.pipeline.nf import (
    COHORT_LEVEL,
    COHORT_TABLES,
    demo_params,
    latest_trace,
    nextflow,
)

pytestmark = pytest.mark.pipeline


@pytest.fixture(scope="module")
def demo(full_demo, tmp_path_factory) -> Path:
    """The session's full demo (tests/conftest.py) as hard links: a test that rewrites a file
    (drop_first_pair) replaces the link, never the shared file."""
    copy = tmp_path_factory.mktemp("demo") / "demo_data"
    shutil.copytree(full_demo.folder, copy, copy_function=os.link)
    return copy


@pytest.fixture(scope="module")
def first_run(demo, tmp_path_factory) -> tuple[Path, list[str]]:
    launch = tmp_path_factory.mktemp("launch")
    args = [*demo_params(demo), "--outdir", str(launch / "results")]
    result = nextflow(launch, *args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return launch, args


def test_every_cohort_table_exists_is_non_empty_and_schema_valid(first_run):
    launch, _ = first_run
    cohort = launch / "results" / "cohort"
    for name, schema in COHORT_TABLES.items():
        table = read_output_table(cohort / f"{name}.tsv")
        assert len(table) > 0, f"{name}.tsv has no rows"
        validate_frame(table, schema)
    assert (cohort / "biomarkers.parquet").stat().st_size > 0
    html = (launch / "results" / "report" / "report.html").read_text()
    assert "<figure><svg " in html and "<img" not in html
    assert html.index("<h2>Primary endpoint") < html.index("<h2>Arm comparison")
    check_in_browser(
        launch / "results" / "report" / "report.html",
        sections_for(launch / "results", FULL_SECTIONS),
    )


def test_qc_view_has_a_row_per_sample_and_a_multiqc_report(first_run, demo):
    launch, _ = first_run
    sheet = pd.read_csv(demo / "samplesheet.csv", dtype=str)
    qc = launch / "results" / "qc"
    ctdna = read_output_table(qc / "ctdna_qc.tsv")
    validate_frame(ctdna, "qc_ctdna")
    assay = sheet.get("assay", pd.Series("capture", index=sheet.index)).fillna("capture")
    capture = assay != "lowpass_wgs"  # low-pass samples have their own tables
    expected = sheet.loc[(sheet["type"] != "tumour") & capture, "sample"]
    assert sorted(ctdna["sample"]) == sorted(expected)
    tmb = read_output_table(qc / "tmb_qc.tsv")
    validate_frame(tmb, "qc_tmb")
    cohort_tmb = read_output_table(launch / "results" / "cohort" / "tmb.tsv")
    assert sorted(tmb["sample"]) == sorted(cohort_tmb["sample"])
    assert (ctdna["reads"] > 0).all() and ctdna["fragment_length_median"].between(100, 250).all()
    html = (launch / "results" / "multiqc" / "multiqc_report.html").read_text()
    assert "ctdna_qc_table" in html and "tmb_qc_table" in html
    general = launch / "results" / "multiqc" / "multiqc_data" / "multiqc_general_stats.txt"
    assert "fragment_length_median" in general.read_text().splitlines()[0]


def test_pipeline_info_records_versions_and_parameters(first_run):
    launch, _ = first_run
    info = launch / "results" / "pipeline_info"
    versions = (info / "software_versions.yml").read_text()
    for expected in (
        "nextflow: 24.10.8",
        'python: "3.',
        "pysam:",
        "numpy:",
        "lifelines:",
        "htslib:",
    ):
        assert expected in versions
    assert '"tmb_min_vaf": 0.05' in (info / "params.json").read_text()
    assert list(info.glob("execution_timeline_*.html"))


def test_one_row_per_randomised_patient(first_run, demo):
    launch, _ = first_run
    biomarkers = read_output_table(launch / "results" / "cohort" / "biomarkers.tsv")
    clinical = pd.read_csv(demo / "clinical.csv")
    assert sorted(biomarkers["patient"]) == sorted(clinical["patient"])


@pytest.mark.skipif(shutil.which("Rscript") is None, reason=R_MISSING)
def test_time_varying_cox_row_matches_r_on_the_run_outputs(first_run, tmp_path):
    """ctDNA status changing at the sample dates: ASSOCIATIONS fits it from the run's own
    biomarkers.tsv (start_date) and ctdna.tsv (collection_date); R's tmerge + coxph on the
    same two files gives the same coefficient and SE (4 significant digits)."""
    launch, _ = first_run
    cohort = launch / "results" / "cohort"
    table = read_output_table(cohort / "associations.tsv")
    row = table[table["method"] == "cox_time_varying"].iloc[0]
    assert np.isfinite(row["estimate"]), row["note"]
    coef, se, _, n, events = run_r(
        TIME_VARYING_SCRIPT, tmp_path, str(cohort / "biomarkers.tsv"), str(cohort / "ctdna.tsv")
    )["tv"]
    assert (row["n"], row["events"]) == (n, events)
    z = 1.959963984540054  # standard normal 97.5 % quantile
    ours_se = (np.log(row["ci_high"]) - np.log(row["ci_low"])) / (2 * z)
    np.testing.assert_allclose(ours_se, se, rtol=5e-5)
    # 4 significant digits, or 5e-5 of its SE for a coefficient near 0 (demo HR ~ 1)
    np.testing.assert_allclose(np.log(row["estimate"]), coef, rtol=5e-5, atol=5e-5 * se)


def test_planted_effects_come_out_in_the_right_direction_from_the_calls(first_run):
    """Demo truth (stereosarc.demo.cohort): ctDNA at month 6 and NLR >= 5 harmful, CPS >= 1
    and the atezolizumab arm protective, CPS >= 1 raises ORR; here from the run's own calls."""
    launch, _ = first_run
    table = read_output_table(launch / "results" / "cohort" / "associations.tsv")
    # month-6 ctDNA: only samples drawn before the landmark count (no look-ahead), so the
    # arm-adjusted landmark Cox has too few events on the demo and is refused with its reason;
    # the direction is read from the landmark KM medians instead
    landmark = table[
        (table["biomarker"] == "ctdna_month6_detected") & (table["method"] == "cox_landmark")
    ].iloc[0]
    assert np.isfinite(landmark["estimate"]) or "not fitted" in landmark["note"]
    km = table[
        (table["biomarker"] == "ctdna_month6_detected (landmark)")
        & (table["method"] == "km")
        & (table["estimate"] > 1)
    ].set_index("group")
    assert (
        km.loc["ctdna_month6_detected = 1", "estimate"]
        < km.loc["ctdna_month6_detected = 0", "estimate"]
    )  # median PFS days after the landmark
    for biomarker, method, harmful in (
        ("nlr_high", "cox_stratified", True),
        ("cps_high", "cox_stratified", False),
        ("arm", "cox_stratified", False),
        ("cps_high", "fisher_exact", True),
    ):
        row = table[(table["biomarker"] == biomarker) & (table["method"] == method)].iloc[0]
        assert (row["estimate"] > 1) == harmful, (biomarker, method, row["estimate"])


def test_resume_after_unchanged_run_reexecutes_nothing(first_run):
    launch, args = first_run
    result = nextflow(launch, *args, "-resume")
    assert result.returncode == 0, result.stderr[-3000:]
    trace = latest_trace(launch / "results")
    assert len(trace) > 0
    assert set(trace["status"]) == {"CACHED"}, trace.loc[
        trace["status"] != "CACHED", "name"
    ].tolist()


def test_changing_one_plasma_bam_reexecutes_only_its_tasks(first_run, demo):
    launch, args = first_run
    sheet = pd.read_csv(demo / "samplesheet.csv", dtype=str)
    sample = sheet[sheet["type"] == "plasma"].iloc[0]
    bam = demo / sample["bam"]
    drop_first_pair(bam)
    result = nextflow(launch, *args, "-resume")
    assert result.returncode == 0, result.stderr[-3000:]
    trace = latest_trace(launch / "results")
    rerun = trace[trace["status"] != "CACHED"]
    per_sample = rerun[~rerun["step"].isin(COHORT_LEVEL)]
    expected = f"STEREOSARC:CIRCULATING_TUMOUR_DNA:CTDNA_COUNT ({sample['sample']})"
    assert per_sample["name"].tolist() == [expected]
    assert set(rerun["step"]) == {"CTDNA_COUNT"} | COHORT_LEVEL
    assert (trace["status"] == "CACHED").sum() > 100


def drop_first_pair(bam: Path) -> None:
    """Rewrite ``bam`` without its first read pair, and re-index it (new files, so a hard-linked
    original is left as it was)."""
    tmp = bam.with_suffix(".tmp.bam")
    with (
        pysam.AlignmentFile(str(bam)) as source,
        pysam.AlignmentFile(str(tmp), "wb", template=source) as target,
    ):
        first = None
        for read in source:
            first = first or read.query_name
            if read.query_name != first:
                target.write(read)
    shutil.move(tmp, bam)
    Path(f"{bam}.bai").unlink(missing_ok=True)
    pysam.index(str(bam))


def test_bad_samplesheet_is_refused_before_any_other_task(demo, tmp_path):
    sheet = pd.read_csv(demo / "samplesheet.csv", dtype=str, keep_default_na=False)
    for column in ("vcf", "bam"):
        sheet[column] = [str(demo / v) if v else "" for v in sheet[column]]
    sheet = pd.concat([sheet, sheet.iloc[[1]]])
    bad = tmp_path / "samplesheet.csv"
    sheet.to_csv(bad, index=False)
    args = demo_params(demo)
    args[1] = str(bad)
    result = nextflow(tmp_path, *args, "--outdir", str(tmp_path / "results"))
    assert result.returncode != 0
    assert (
        f"row {len(sheet) + 1}, column sample: duplicate sample id"
        in result.stdout + result.stderr
    )
    trace = latest_trace(tmp_path / "results")
    assert trace["step"].tolist() == ["VALIDATE"]


def test_ctdna_only_batch_is_a_normal_run(small_demo, tmp_path):
    result = nextflow(
        tmp_path,
        "--input",
        str(small_demo / "samplesheet.csv"),
        "--ctdna_targets",
        str(small_demo / "ctdna_targets.bed"),
        "--lowpass_fasta",
        str(small_demo / "lowpass" / "reference.fa"),
        "--lowpass_bin_size",
        "50000",
        "--outdir",
        str(tmp_path / "results"),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    cohort = tmp_path / "results" / "cohort"
    for name in ("ctdna", "ctdna_dynamics", "rejects"):
        validate_frame(read_output_table(cohort / f"{name}.tsv"), name)
    assert not (cohort / "tmb.tsv").exists() and not (cohort / "biomarkers.tsv").exists()
    steps = set(latest_trace(tmp_path / "results")["step"])
    assert steps == {
        "VALIDATE",
        "CTDNA_COUNT",
        "CTDNA_BIN",
        "CTDNA_LOWPASS",
        "CTDNA_CALL",
        "COLLECT_REJECTS",
        "QC_TABLES",
        "MULTIQC",
        "REPORT",
    }
    assert (tmp_path / "results" / "qc" / "ctdna_qc.tsv").exists()
    html = (tmp_path / "results" / "report" / "report.html").read_text()
    assert "<h2>ctDNA</h2>" in html and "Sections absent: primary endpoint" in html
    check_in_browser(
        tmp_path / "results" / "report" / "report.html",
        sections_for(tmp_path / "results", BATCH_SECTIONS),
    )
    assert not (tmp_path / "results" / "qc" / "tmb_qc.tsv").exists()
