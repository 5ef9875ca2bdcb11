"""qc-tables as the QC_TABLES module runs it: schema-checked tables, one-line refusals."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from stereosarc.tables import read_output_table


def _qc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qc.cli", *args], capture_output=True, text=True)


def _write(frame: pd.DataFrame, path) -> str:
    frame.to_csv(path, sep="\t", index=False, na_rep="NA")
    return str(path)


def _inputs(tmp_path) -> dict[str, str]:
    sheet = tmp_path / "samplesheet.valid.csv"
    sheet.write_text(
        "patient,sample,type,timepoint\nP1,P1-T,tumour,\nP1,P1-B,plasma,baseline\n,PON1,pon,\n"
    )
    sites = pd.DataFrame(
        {"sample": ["P1-B", "PON1"], "depth_fragments": [200, 150], "lowqual_fragments": [5, 0]}
    )
    depth = pd.DataFrame({"sample": ["P1-B", "PON1"], "mean_fragment_depth": [240.0, 90.0]})
    background = pd.DataFrame(
        {"sample": ["P1-B", "PON1"], "error_count": [3, 1], "opportunity_count": [10000, 5000]}
    )
    tmb = pd.DataFrame(
        [
            dict(
                patient="P1",
                sample="P1-T",
                records_read=5,
                alleles_total=5,
                alleles_not_pass=1,
                alleles_outside_panel=0,
                variants_counted=3,
                panel_mb=1.5,
                small_panel=0,
                tmb=2.0,
            )
        ]
    )
    return {
        "sheet": str(sheet),
        "sites": _write(sites, tmp_path / "a.site_counts.tsv"),
        "depth": _write(depth, tmp_path / "a.target_depth.tsv"),
        "background": _write(background, tmp_path / "a.background.tsv"),
        "tmb": _write(tmb, tmp_path / "tmb.tsv"),
    }


def test_both_tables_written_and_schema_checked(tmp_path):
    given = _inputs(tmp_path)
    done = _qc(
        "--samplesheet",
        given["sheet"],
        "--tmb",
        given["tmb"],
        "--out-tmb",
        str(tmp_path / "tmb_qc.tsv"),
        "--site-counts",
        given["sites"],
        "--target-depth",
        given["depth"],
        "--background",
        given["background"],
        "--out-ctdna",
        str(tmp_path / "ctdna_qc.tsv"),
    )
    assert done.returncode == 0, done.stderr
    ctdna = read_output_table(tmp_path / "ctdna_qc.tsv")
    assert list(ctdna["sample"]) == ["P1-B", "PON1"]  # the tumour row is not a ctDNA sample
    assert ctdna.loc[1, "targets_below_min_depth"] == 1
    assert read_output_table(tmp_path / "tmb_qc.tsv").loc[0, "pass_fraction"] == 0.8


def test_counts_without_their_companions_are_one_line_refusal(tmp_path):
    given = _inputs(tmp_path)
    done = _qc(
        "--samplesheet",
        given["sheet"],
        "--site-counts",
        given["sites"],
        "--out-ctdna",
        str(tmp_path / "ctdna_qc.tsv"),
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "qc-tables: error: --site-counts, --target-depth and --background go together"
    ]
    assert not (tmp_path / "ctdna_qc.tsv").exists()
