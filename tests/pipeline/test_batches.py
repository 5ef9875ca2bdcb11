"""Batch reruns through Nextflow (issue 18): a 10-patient demo cohort split into batch A
(P001-P005) and batch B (P006-P010), the panel of normals in both. Run A; delete A's VCFs and
BAMs; run B with --previous_batches A; run A+B at once. The cohort, marker and QC tables of
B-with-A equal those of A+B byte for byte (excluded: cohort/tmb_trace/, which holds each run's
own per-sample files; report/ and multiqc/, which carry the run date; pipeline_info/). Then
the refusals, each stopped at pre-flight: B with another --ctdna_min_mapq names batch A and
the parameter; a batch folder without provenance names the missing file."""

from __future__ import annotations

import csv
import filecmp
import shutil
from pathlib import Path

import pytest

from tests.pipeline.nf import demo_params, generate_demo, latest_trace, nextflow

pytestmark = pytest.mark.pipeline

BATCH_A = {f"P{number:03d}" for number in range(1, 6)}  # the first batch's patients
COMPARED = ("cohort", "markers", "qc")  # folders of cohort-level tables
PER_SAMPLE = {"TMB", "CTDNA_COUNT"}  # tasks that read VCFs or BAMs


def _params(demo: Path, sheet: Path, outdir: Path, *extra: str) -> list[str]:
    """The demo parameters with ``sheet`` as --input (no --tissue_cn: 10 patients, none)."""
    params = demo_params(demo)
    params[params.index("--input") + 1] = str(sheet)
    at = params.index("--tissue_cn")
    del params[at : at + 2]
    return [*params, "--outdir", str(outdir), *extra]


def _write_sheet(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _split(demo: Path, folder: Path) -> dict[str, Path]:
    """Samplesheets A, B and A+B; A's VCFs and BAMs copied to folder/a_inputs (deleted after
    run A), the PoN and B's files left in the demo."""
    with (demo / "samplesheet.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    inputs = folder / "a_inputs"
    inputs.mkdir()
    whole, batch_a, batch_b = [], [], []
    for row in rows:
        if row.get("assay") == "lowpass_wgs":
            continue  # low-pass results are not reused across batches (refused: unit test)
        full = {**row, **{c: str(demo / row[c]) for c in ("vcf", "bam") if row[c]}}
        whole.append(full)
        if row["type"] == "pon" or row["patient"] not in BATCH_A:
            batch_b.append(full)
        if row["type"] == "pon":
            batch_a.append(full)
        elif row["patient"] in BATCH_A:
            copied = dict(full)
            for column in ("vcf", "bam"):
                if full[column]:
                    for suffix in ("", ".tbi", ".bai"):
                        if Path(full[column] + suffix).exists():
                            shutil.copy(full[column] + suffix, inputs)
                    copied[column] = str(inputs / Path(full[column]).name)
            batch_a.append(copied)
    return {
        "A": _write_sheet(folder / "A.csv", batch_a),
        "B": _write_sheet(folder / "B.csv", batch_b),
        "AB": _write_sheet(folder / "AB.csv", whole),
        "a_inputs": inputs,
    }


def _run(folder: Path, demo: Path, sheet: Path, name: str, *extra: str):
    launch = folder / f"launch_{name}"
    launch.mkdir()
    return nextflow(launch, *_params(demo, sheet, folder / f"results_{name}", *extra))


def _ok(result) -> None:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module")
def batches(tmp_path_factory) -> dict[str, Path]:
    """Runs A, B (with --previous_batches A, A's inputs deleted) and A+B."""
    folder = tmp_path_factory.mktemp("batches")
    demo = generate_demo(folder / "demo_data", "--patients", "10", "--pon", "3")
    sheets = _split(demo, folder)
    _ok(_run(folder, demo, sheets["A"], "A"))
    shutil.rmtree(sheets["a_inputs"])  # B must not need A's VCFs and BAMs
    _ok(_run(folder, demo, sheets["B"], "B", "--previous_batches", str(folder / "results_A")))
    _ok(_run(folder, demo, sheets["AB"], "AB"))
    return {"folder": folder, "demo": demo, **sheets}


def _tables(outdir: Path) -> list[str]:
    return sorted(
        str(path.relative_to(outdir))
        for folder in COMPARED
        for path in (outdir / folder).rglob("*")
        if path.is_file() and "tmb_trace" not in path.parts
    )


def test_b_with_earlier_batch_a_equals_one_run_over_both_byte_for_byte(batches):
    combined, whole = batches["folder"] / "results_B", batches["folder"] / "results_AB"
    names = _tables(whole)
    for table in ("tmb.tsv", "ctdna.tsv", "ctdna_dynamics.tsv", "biomarkers.tsv", "rejects.tsv"):
        assert f"cohort/{table}" in names
    assert {"cohort/associations.tsv", "qc/ctdna_qc.tsv", "qc/tmb_qc.tsv"} <= set(names)
    assert _tables(combined) == names
    _, differ, missing = filecmp.cmpfiles(whole, combined, names, shallow=False)
    assert not differ and not missing, f"differ: {differ}, missing: {missing}"


def test_b_counted_only_its_own_samples_and_published_the_cohort_samplesheet(batches):
    with batches["B"].open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    trace = latest_trace(batches["folder"] / "results_B")
    counted = trace[trace["step"].isin(PER_SAMPLE)]
    assert set(counted["status"]) == {"COMPLETED"}
    assert sorted(counted["tag"]) == sorted(row["sample"] for row in rows)  # PoN recounted
    assert not batches["a_inputs"].exists()
    with (
        batches["folder"] / "results_B" / "pipeline_info" / "samplesheet.cohort.csv"
    ).open() as h:
        cohort = {row["sample"] for row in csv.DictReader(h)}
    with batches["AB"].open(newline="") as handle:
        assert cohort == {row["sample"] for row in csv.DictReader(handle)}


def test_every_per_sample_result_has_its_provenance_beside_it(batches):
    outdir = batches["folder"] / "results_A"
    with batches["A"].open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["type"] == "tumour":
            assert (
                outdir / "cohort" / "tmb_trace" / f"{row['sample']}.tmb.provenance.json"
            ).is_file()
            assert (outdir / "cohort" / "tmb_trace" / f"{row['sample']}.tmb.tsv").is_file()
        else:
            path = outdir / "ctdna" / "counts" / f"{row['sample']}.ctdna_count.provenance.json"
            assert path.is_file()


def _refused(result, *expected: str) -> None:
    """Refused at pre-flight, the one line naming what the test expects; no VCF or BAM read."""
    output = result.stdout + result.stderr
    assert result.returncode != 0
    line = next(x for x in output.splitlines() if "refused --previous_batches" in x)
    for text in expected:
        assert text in line, line


def test_another_counting_rule_is_refused_naming_the_batch_and_parameter(batches):
    folder, earlier = batches["folder"], batches["folder"] / "results_A"
    result = _run(
        folder, batches["demo"], batches["B"], "mapq", "--previous_batches", str(earlier),
        "--ctdna_min_mapq", "30",
    )  # fmt: skip
    _refused(result, f"batch {earlier}: ctdna/counts/", "ctdna_min_mapq 20 != 30 of this run")
    assert not set(latest_trace(folder / "results_mapq")["step"]) & PER_SAMPLE


def test_a_batch_folder_without_provenance_is_refused(batches):
    folder = batches["folder"]
    old = folder / "batch_without_provenance"
    shutil.copytree(folder / "results_A", old)
    for path in old.rglob("*.provenance.json"):
        path.unlink()
    result = _run(folder, batches["demo"], batches["B"], "old", "--previous_batches", str(old))
    _refused(result, f"batch {old}: ", ".provenance.json missing")
    assert not set(latest_trace(folder / "results_old")["step"]) & PER_SAMPLE
