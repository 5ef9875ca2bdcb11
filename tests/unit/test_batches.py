"""Batch reruns (issue 18): which earlier per-sample results stereosarc-batches accepts, and
the one-line refusals naming the batch, the file and the difference. Earlier batches are
built here as folders of the published layout, their provenance written by the stages'
own record builders (tmb-calc, ctdna-count) run on this run's parameters."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from stereosarc import batches, provenance
from stereosarc.batches_cli import batches_main

REPO = Path(__file__).resolve().parents[2]
SHEET_FIELDS = [
    "patient",
    "sample",
    "type",
    "timepoint",
    "vcf",
    "bam",
    "assay",
    "bam_index",
    "vcf_index",
]
SITE_HEADER = "sample\ttumour_sample\tchrom\tpos\tref\talt\tgene\tvariant_type\ttissue_vaf\n"


def schema_defaults() -> dict:
    """Every pipeline parameter at its nextflow_schema.json default."""
    schema = json.loads((REPO / "nextflow_schema.json").read_text())
    return {
        name: spec.get("default")
        for group in schema["$defs"].values()
        for name, spec in group["properties"].items()
    }


@pytest.fixture()
def run(tmp_path):
    """This run: parameters, reference files and a factory of earlier batches."""
    refs = tmp_path / "refs"
    refs.mkdir()
    for name, text in (
        ("panel.bed", "chr1\t0\t1000000\n"),
        ("targets.bed", "chr17\t0\t9\tTP53\n"),
    ):
        (refs / name).write_text(text)
    params = {**schema_defaults(), "panel_bed": str(refs / "panel.bed")}
    params |= {"tmb_panel_is_coding": True, "ctdna_targets": str(refs / "targets.bed")}
    (tmp_path / "params.json").write_text(json.dumps(params))
    references = {"tmb-calc": {"panel_bed": str(refs / "panel.bed")}}
    references["ctdna-count"] = {"targets": str(refs / "targets.bed")}
    return {"dir": tmp_path, "params": params, "references": references}


def expected(run, stage: str) -> dict:
    args = batches.stage_arguments(stage, run["params"], run["references"][stage])
    if stage == "tmb-calc":
        from tmb.cli import build_parser
    else:
        from ctdna.count_cli import count_parser as build_parser
    return batches.expected_parameters(stage, build_parser().parse_args(args))


def write_sheet(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, SHEET_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({f: row.get(f, "") for f in SHEET_FIELDS} for row in rows)
    return path


def make_batch(run, name: str, rows: list[dict], change=None) -> Path:
    """An earlier --outdir holding ``rows`` (tumour: a VCF; plasma/pon: a BAM, counted at
    their patient's tumours, PoN at all); ``change(stage, record)`` edits a record."""
    folder = run["dir"] / name
    inputs = folder.parent / f"{name}_inputs"
    inputs.mkdir(parents=True)
    tumours = [r for r in rows if r["type"] == "tumour"]
    for row in rows:
        stage = "tmb-calc" if row["type"] == "tumour" else "ctdna-count"
        data = inputs / f"{row['sample']}.{'vcf' if stage == 'tmb-calc' else 'bam'}"
        data.write_text(row.get("content", row["sample"]))
        row["vcf" if stage == "tmb-calc" else "bam"] = str(data)
        counted = [t for t in tumours if row["type"] == "pon" or t["patient"] == row["patient"]]
        files = [("vcf", data)] if stage == "tmb-calc" else [("bam", data)]
        files += [(f"tumour:{t['sample']}", t["vcf"]) for t in counted if stage != "tmb-calc"]
        record = provenance.record(
            stage, row["sample"], row.get("patient") or None, expected(run, stage), files
        )
        if change:
            change(stage, record)
        _write_result(folder, stage, row["sample"], record, counted)
    write_sheet(folder / "pipeline_info" / "samplesheet.valid.csv", rows)
    return folder


def _write_result(folder: Path, stage: str, sample: str, record: dict, tumours) -> None:
    from stereosarc.batches_io import RESULT_FOLDER, RESULT_TABLES

    base = folder / RESULT_FOLDER[stage]
    base.mkdir(parents=True, exist_ok=True)
    provenance.write(base / f"{sample}.{provenance.SUFFIX[stage]}", record)
    for table in RESULT_TABLES[stage]:
        (base / f"{sample}.{table}").write_text(f"{sample} {table}\n")
    if stage == "ctdna-count":
        rows = [f"{sample}\t{t['sample']}\tchr17\t5\tC\tT\tTP53\tsnv\t0.25\n" for t in tumours]
        (base / f"{sample}.site_counts.tsv").write_text(SITE_HEADER + "".join(rows))


def combine(run, current: list[dict], *folders: Path) -> tuple[int, Path]:
    sheet = write_sheet(run["dir"] / "this" / "samplesheet.valid.csv", current)
    out = run["dir"] / "out"
    argv = ["--samplesheet", str(sheet), "--params", str(run["dir"] / "params.json")]
    argv += [f"--batch=results_{f.name}={f}" for f in folders]
    refs = run["references"]
    argv += ["--panel-bed", refs["tmb-calc"]["panel_bed"]]
    argv += ["--ctdna-targets", refs["ctdna-count"]["targets"], "--out-dir", str(out)]
    return batches_main(argv), out


def data_file(run, name: str, text: str) -> str:
    path = run["dir"] / "this_inputs" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return str(path)


def cohort_a(run) -> list[dict]:
    return [
        {"patient": "P1", "sample": "P1-T", "type": "tumour"},
        {"patient": "P1", "sample": "P1-B", "type": "plasma", "timepoint": "baseline"},
        {"sample": "PON1", "type": "pon", "content": "pon one"},
    ]


def this_run(run) -> list[dict]:
    return [
        {"patient": "P2", "sample": "P2-T", "type": "tumour", "vcf": data_file(run, "t", "t2")},
        {"sample": "PON1", "type": "pon", "bam": data_file(run, "PON1.bam", "pon one")},
    ]


def error_line(capsys) -> str:
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("stereosarc-batches")]
    assert len(lines) == 1, lines
    return lines[0]


def test_an_earlier_batch_is_combined_with_this_run(run):
    batch = make_batch(run, "A", cohort_a(run))
    code, out = combine(run, this_run(run), batch)
    assert code == 0
    with (out / "samplesheet.valid.csv").open() as handle:
        samples = [(row["type"], row["sample"]) for row in csv.DictReader(handle)]
    assert samples == [("plasma", "P1-B"), ("pon", "PON1"), ("tumour", "P1-T"), ("tumour", "P2-T")]
    assert sorted(p.name for p in (out / "tmb").iterdir()) == ["P1-T.tmb.tsv"]
    reused = sorted(p.name for p in (out / "counts").iterdir())
    assert reused == [f"P1-B.{table}" for table in sorted(batches_io_tables())]  # not the PoN
    sites = (out / "tumour_sites" / "P1-T.tumour_sites.tsv").read_text().splitlines()
    assert sites == [
        "tumour_sample\tchrom\tpos\tref\talt\tvariant_type\tgene\ttissue_vaf",
        "P1-T\tchr17\t5\tC\tT\tsnv\tTP53\t0.25",
    ]


def batches_io_tables():
    from stereosarc.batches_io import RESULT_TABLES

    return RESULT_TABLES["ctdna-count"]


def test_another_counting_rule_is_refused_naming_batch_parameter_and_values(run, capsys):
    def mapq_30(stage, record):
        if stage == "ctdna-count":
            record["parameters"]["min_mapq"] = 30

    batch = make_batch(run, "A", cohort_a(run), mapq_30)
    assert combine(run, this_run(run), batch)[0] == 2
    line = error_line(capsys)
    assert "batch results_A: ctdna/counts/P1-B.ctdna_count.provenance.json" in line
    assert "ctdna_min_mapq 30 != 20 of this run" in line


def test_another_reference_file_and_rule_version_are_refused(run, capsys):
    def other_panel(stage, record):
        if stage == "tmb-calc":
            record["parameters"]["panel_bed"] = {"name": "panel.bed", "sha256": "0" * 64}

    assert combine(run, this_run(run), make_batch(run, "A", cohort_a(run), other_panel))[0] == 2
    assert re.search(
        r"panel_bed panel\.bed \(sha256 000000000000\) != panel\.bed", error_line(capsys)
    )

    def old_rule(stage, record):
        record["rule_version"] = 2

    assert combine(run, this_run(run), make_batch(run, "B", cohort_a(run), old_rule))[0] == 2
    assert "P1-T.tmb.provenance.json: tmb-calc rule_version 2 != 1 of this run" in error_line(
        capsys
    )

    def malformed(stage, record):
        record["rule_version"] = 0

    assert combine(run, this_run(run), make_batch(run, "C", cohort_a(run), malformed))[0] == 2
    line = error_line(capsys)
    assert "batch results_C: cohort/tmb_trace/P1-T.tmb.provenance.json: not a provenance" in line


def test_a_batch_without_provenance_is_refused_naming_the_file(run, capsys):
    batch = make_batch(run, "A", cohort_a(run))
    (batch / "cohort" / "tmb_trace" / "P1-T.tmb.provenance.json").unlink()
    assert combine(run, this_run(run), batch)[0] == 2
    line = error_line(capsys)
    assert "batch results_A: cohort/tmb_trace/P1-T.tmb.provenance.json missing" in line


def test_a_batch_with_low_pass_samples_is_refused_naming_them(run, capsys):
    rows = cohort_a(run)
    rows.append({"patient": "P1", "sample": "P1-B-LP", "type": "plasma",
                 "timepoint": "baseline", "assay": "lowpass_wgs"})  # fmt: skip
    assert combine(run, this_run(run), make_batch(run, "A", rows))[0] == 2
    line = error_line(capsys)
    assert "batch results_A: low-pass WGS samples (P1-B-LP) cannot be reused" in line


def test_a_folder_that_is_no_outdir_is_refused(run, capsys):
    folder = run["dir"] / "empty"
    folder.mkdir()
    assert combine(run, this_run(run), folder)[0] == 2
    assert "batch results_empty: pipeline_info/samplesheet.valid.csv missing" in error_line(capsys)


def test_another_panel_of_normals_is_refused(run, capsys):
    current = this_run(run)
    current[1]["bam"] = data_file(run, "PON1.bam", "another donor")
    assert combine(run, current, make_batch(run, "A", cohort_a(run)))[0] == 2
    line = error_line(capsys)
    assert "batch results_A: another panel of normals" in line and "other BAM ['PON1']" in line


def test_a_sample_in_two_batches_with_other_inputs_is_refused(run, capsys):
    first = make_batch(run, "A", cohort_a(run))
    rows = cohort_a(run)
    rows[0]["content"] = "another VCF"
    second = make_batch(run, "B", rows)
    assert combine(run, this_run(run), first, second)[0] == 2
    line = error_line(capsys)
    assert "sample P1-T is in batch results_A" in line and "batch results_B" in line
    assert "vcf sha256" in line


def test_a_plasma_counted_before_its_patient_gained_a_tumour_is_stale(run, capsys):
    batch = make_batch(run, "A", cohort_a(run))
    current = this_run(run) + [
        {"patient": "P1", "sample": "P1-T2", "type": "tumour", "vcf": data_file(run, "t3", "x")}
    ]
    assert combine(run, current, batch)[0] == 2
    line = error_line(capsys)
    assert "plasma P1-B was counted at tumours ['P1-T']" in line and "'P1-T2'" in line


def test_the_mirror_of_modules_config_reads_every_parameter_it_builds(run):
    """Each params.X of the TMB and CTDNA_COUNT ext.args (conf/modules.config) is read by
    batches.stage_arguments: changing it changes this run's expected provenance."""
    config = (REPO / "conf" / "modules.config").read_text()
    for process, stage in (
        ("'TMB'", "tmb-calc"),
        ("'CTDNA_COUNT|CTDNA_COUNT_GROUP'", "ctdna-count"),
    ):
        block = config.split(f"withName: {process}", 1)[1].split("publishDir", 1)[0]
        for name in sorted(set(re.findall(r"params\.(\w+)", block))):
            changed = dict(run["params"])
            value = changed[name]
            changed[name] = (
                not value if isinstance(value, bool) or value is None and name.endswith("drivers")
                else "RX" if name == "ctdna_umi_tag"
                else "--ci-level 0.9" if name == "tmb_args"
                else "--max-background-vaf 0.1" if name == "ctdna_count_args"
                else "all_coding" if name == "tmb_mode"
                else value + 1 if isinstance(value, int) else value * 0.5
            )  # fmt: skip
            before = expected(run, stage)
            after = expected({**run, "params": changed}, stage)
            assert before != after, name
