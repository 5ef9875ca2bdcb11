"""qc-tables as the QC_TABLES module runs it: schema-checked tables, one-line refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from stereosarc.tables import read_output_table
from tests.unit.test_qc_tables import READ_STATS


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
        *_count_tables(given),
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


def _count_tables(given: dict) -> list:
    """The per-sample ctdna-count tables of ``_inputs`` as qc-tables arguments."""
    names = {"--site-counts": "sites", "--target-depth": "depth", "--background": "background"}
    return [part for flag, key in names.items() for part in (flag, given[key])]


def _with_read_stats(tmp_path) -> subprocess.CompletedProcess:
    """qc-tables on _inputs plus a read statistics table for P1-B (none for PON1)."""
    given = _inputs(tmp_path)
    (tmp_path / "qc").mkdir()
    return _qc(
        "--samplesheet",
        given["sheet"],
        *_count_tables(given),
        "--read-stats",
        _write(READ_STATS, tmp_path / "P1-B.read_stats.tsv"),
        "--out-ctdna",
        str(tmp_path / "qc" / "ctdna_qc.tsv"),
    )


def test_read_statistics_reach_the_ctdna_table(tmp_path):
    done = _with_read_stats(tmp_path)
    assert done.returncode == 0, done.stderr
    ctdna = read_output_table(tmp_path / "qc" / "ctdna_qc.tsv").set_index("sample")
    assert ctdna.loc["P1-B", "reads"] == 1000 and ctdna.loc["P1-B", "fragments"] == 460
    assert ctdna.loc["P1-B", "fragment_length_median"] == 166.0
    assert pd.isna(ctdna.loc["PON1", "reads"])  # PON1 has no read statistics here


def test_multiqc_general_statistics_show_reads_duplicates_and_fragment_length(tmp_path):
    assert _with_read_stats(tmp_path).returncode == 0
    config = Path(__file__).resolve().parents[2] / "assets" / "multiqc_config.yml"
    report = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "-m", "multiqc", "--force", "--no-ansi", "--config", str(config)]
        + ["--outdir", str(report), str(tmp_path / "qc")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    general = pd.read_csv(report / "multiqc_data" / "multiqc_general_stats.txt", sep="\t")
    general.columns = [column.split("-")[-1] for column in general.columns]
    row = general.set_index("Sample").loc["P1-B"]
    assert list(general.columns) == [
        "Sample",
        "reads",
        "duplicate_fraction",
        "fragment_length_median",
    ]
    assert (row["reads"], row["duplicate_fraction"], row["fragment_length_median"]) == (
        1000,
        0.05,
        166.0,
    )
    html = (report / "multiqc_report.html").read_text()
    assert "ctdna_qc_table" in html and "% Dups" in html and "5.0%" in html
