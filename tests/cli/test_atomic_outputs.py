"""Every console script the workflow calls writes each output file under a temporary name and
renames it into place, so a killed task never leaves a partial file under a final name
(issue 8). Each CLI runs in a subprocess on a tiny generated demo cohort with a Python audit
hook that records every file opened for writing and every rename; then, for every file the
CLI left in its output folder: it was the target of a rename from another name in the same
folder, and it was never opened for writing under its final name. No temporary is left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.pipeline.nf import REPO

# Runs one console script (pyproject name, or module:function) under an audit hook recording
# writes and renames; argv[1] = events file, argv[2] = script, the rest = its arguments.
RUNNER = r"""
import json, os, sys
from importlib.metadata import entry_points
events, recording = [], [True]
def hook(event, args):
    if not recording[0]:
        return
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        mode, flags = args[1], args[2] or 0
        writes = (any(c in mode for c in "wax+") if mode
                  else bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)))
        if writes:
            events.append(["write", os.path.abspath(os.fsdecode(args[0]))])
    elif event in ("os.rename", "shutil.copyfile", "shutil.move", "os.link", "os.symlink"):
        events.append([event, os.path.abspath(os.fsdecode(args[0])),
                       os.path.abspath(os.fsdecode(args[1]))])
sys.addaudithook(hook)
if ":" in sys.argv[2]:  # module:function, for the checker's own negative tests
    import importlib
    module, function = sys.argv[2].split(":")
    main = getattr(importlib.import_module(module), function)
else:
    main = next(iter(entry_points(group="console_scripts", name=sys.argv[2]))).load()
try:
    code = main(sys.argv[3:])
finally:
    recording[0] = False
    with open(sys.argv[1], "w") as handle:
        json.dump(events, handle)
sys.exit(code)
"""


@pytest.fixture(scope="module")
def demo(tiny_demo) -> Path:
    """The session's 3-patient demo (tests/conftest.py), shared with the stub and fault runs."""
    return tiny_demo


def run_cli(name: str, out: Path, *args) -> set[Path]:
    """Run console script ``name`` writing into the fresh folder ``out``; check its writes."""
    out.mkdir(parents=True)
    events_file = out.parent / f"{out.name}.events.json"
    env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, str(events_file), name, *map(str, args)],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{name}: {result.stderr[-2000:]}"
    events = json.loads(events_file.read_text())
    finals = {p.resolve() for p in out.iterdir()}
    assert finals, f"{name} wrote nothing into {out}"
    renamed = {
        Path(dst): Path(src)
        for kind, src, dst, *_ in (e + [None] for e in events if e[0] != "write")
        if kind == "os.rename"
    }
    opened = {Path(e[1]) for e in events if e[0] == "write"}
    copied = {Path(e[2]) for e in events if e[0] not in ("write", "os.rename")}
    for final in finals:
        assert final.name[0] != "." and not final.name.endswith(".tmp"), f"{name}: left {final}"
        assert final in renamed, f"{name}: {final.name} was not renamed into place"
        assert renamed[final] != final and renamed[final].parent == final.parent
        assert final not in opened, f"{name}: {final.name} opened for writing under its name"
        assert final not in copied, f"{name}: {final.name} copied into place, not renamed"
    return finals


def test_every_cli_output_is_written_to_a_temporary_name_then_renamed(demo, tmp_path):
    out = tmp_path
    tables = {
        "clinical": demo / "clinical.csv",
        "ihc": demo / "ihc.csv",
        "qupath": demo / "qupath" / "manifest.csv",
        "labs": demo / "labs.csv",
    }
    beds = {"panel": demo / "panel.bed", "targets": demo / "ctdna_targets.bed"}
    (tmp_path / "params.json").write_text(json.dumps({"input": "s.csv", "outdir": "r"}))
    run_cli(
        "stereosarc-validate",
        out / "validate",
        "--input",
        demo / "samplesheet.csv",
        *[a for k, v in tables.items() for a in (f"--{k}", v)],
        "--tissue-cn",
        demo / "tissue_cn.tsv",
        "--panel-bed",
        beds["panel"],
        "--ctdna-targets",
        beds["targets"],
        "--lowpass-fasta",
        demo / "lowpass" / "reference.fa",
        "--params",
        tmp_path / "params.json",
        "--params-schema",
        REPO / "nextflow_schema.json",
        "--input-schema",
        REPO / "assets" / "schema_input.json",
        "--out",
        "samplesheet.valid.csv",
    )
    sheet = out / "validate" / "samplesheet.valid.csv"
    vcf = demo / "vcf" / "P001-T.vcf.gz"
    run_cli(
        "tmb-calc",
        out / "tmb",
        "--vcf",
        vcf,
        "--sample",
        "P001-T",
        "--patient",
        "P001",
        "--panel-bed",
        beds["panel"],
        "--coding-bed",
        demo / "coding.bed",
        "--out-summary",
        "P001-T.tmb.tsv",
        "--out-trace",
        "P001-T.tmb_trace.tsv",
    )
    run_cli(
        "stereosarc-collect",
        out / "collect",
        "--schema",
        "tmb",
        "--parquet",
        "--out",
        "tmb.tsv",
        out / "tmb" / "P001-T.tmb.tsv",
    )
    for sample in ("P001-B", "PON01"):
        run_cli(
            "ctdna-count",
            out / f"count_{sample}",
            "--bam",
            demo / "bam" / f"{sample}.bam",
            "--sample",
            sample,
            "--tumour",
            f"P001-T={vcf}",
            "--targets",
            beds["targets"],
            "--out-sites",
            f"{sample}.site_counts.tsv",
            "--out-targets",
            f"{sample}.target_depth.tsv",
            "--out-background",
            f"{sample}.background.tsv",
            "--out-rejects",
            f"{sample}.rejects_count.tsv",
        )
    counts = {
        kind: [out / f"count_{s}" / f"{s}.{kind}.tsv" for s in ("P001-B", "PON01")]
        for kind in ("site_counts", "target_depth", "background")
    }
    run_cli(
        "ctdna-call",
        out / "call",
        "--samplesheet",
        sheet,
        "--site-counts",
        *counts["site_counts"],
        "--target-depth",
        *counts["target_depth"],
        "--background",
        *counts["background"],
        "--tissue-cn",
        demo / "tissue_cn.tsv",
        "--clinical",
        tables["clinical"],
        "--outdir",
        ".",
    )
    shallow = pd.read_csv(demo / "truth_lowpass.tsv", sep="\t")
    for sample in shallow["sample"]:
        run_cli("ctdna-bin", out / "bin" / sample, "--bam", demo / "lowpass" / f"{sample}.bam",
                "--sample", sample, "--fasta", demo / "lowpass" / "reference.fa",
                "--bin-size", "50000", "--out", f"{sample}.lowpass_bins.tsv")  # fmt: skip
    bins = {
        kind: [out / "bin" / s / f"{s}.lowpass_bins.tsv" for s in shallow.loc[rows, "sample"]]
        for kind, rows in shallow.groupby("type").groups.items()
    }
    finals = run_cli("ctdna-lowpass", out / "lowpass", "--samplesheet", sheet, "--bins",
                     *bins["plasma"], "--pon-bins", *bins["pon"], "--outdir", ".")  # fmt: skip
    assert {p.name for p in finals} == {
        f"lowpass_{t}.tsv" for t in ("samples", "ratios", "segments")
    }
    run_cli(
        "ihc-markers",
        out / "ihc",
        "--ihc",
        tables["ihc"],
        "--qupath",
        tables["qupath"],
        "--out",
        "ihc_patient.tsv",
        "--rejects",
        "rejects_ihc.tsv",
    )
    run_cli(
        "labs-markers",
        out / "labs",
        "--labs",
        tables["labs"],
        "--clinical",
        tables["clinical"],
        "--out",
        "labs_patient.tsv",
        "--rejects",
        "rejects_labs.tsv",
    )
    run_cli(
        "outcome-clinical",
        out / "clinical",
        "--clinical",
        tables["clinical"],
        "--out",
        "clinical_endpoints.tsv",
        "--rejects",
        "rejects_clinical.tsv",
    )
    finals = run_cli(
        "outcome-merge",
        out / "merge",
        "--clinical-endpoints",
        out / "clinical" / "clinical_endpoints.tsv",
        "--tmb",
        out / "collect" / "tmb.tsv",
        "--ctdna",
        out / "call" / "ctdna.tsv",
        "--ihc",
        out / "ihc" / "ihc_patient.tsv",
        "--labs",
        out / "labs" / "labs_patient.tsv",
        "--out",
        "biomarkers.tsv",
        "--out-rejects",
        "rejects_merge.tsv",
    )
    assert {p.name for p in finals} == {
        "biomarkers.tsv",
        "biomarkers.parquet",
        "rejects_merge.tsv",
    }
    stage_rejects = sorted(p for p in out.rglob("rejects*.tsv"))
    run_cli("stereosarc-rejects", out / "rejects", "--out", "rejects.tsv", *stage_rejects)
    biomarkers = out / "merge" / "biomarkers.tsv"
    run_cli(
        "outcome-associate",
        out / "associate",
        "--biomarkers",
        biomarkers,
        "--ctdna",
        out / "call" / "ctdna.tsv",
        "--n-bootstrap",
        "20",
        "--enet-repeats",
        "2",
        "--out",
        "associations.tsv",
        "--out-km",
        "km.tsv",
    )
    run_cli(
        "outcome-report",
        out / "report",
        "--biomarkers",
        biomarkers,
        "--associations",
        out / "associate" / "associations.tsv",
        "--km",
        out / "associate" / "km.tsv",
        "--rejects",
        out / "rejects" / "rejects.tsv",
        "--params",
        tmp_path / "params.json",
        "--out",
        "report.html",
    )


def write_in_place(argv) -> int:
    """A writer that does it wrong: opens its output under the final name."""
    Path(argv[0]).write_text("partial until closed\n")
    return 0


def copy_into_place(argv) -> int:
    """Another wrong writer: writes a temporary elsewhere, then copies it onto the output."""
    import shutil
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".tmp", delete=False) as handle:
        handle.write("x\n")
    shutil.copyfile(handle.name, argv[0])
    return 0


@pytest.mark.parametrize(
    "writer, message",
    [
        ("write_in_place", "was not renamed into place"),
        ("copy_into_place", "was not renamed into place"),
    ],
)
def test_the_check_catches_writers_that_are_not_atomic(tmp_path, writer, message):
    with pytest.raises(AssertionError, match=message):
        run_cli(f"tests.cli.test_atomic_outputs:{writer}", tmp_path / "out", "table.tsv")
