"""outcome-report's low-pass WGS parts: the "Low-pass WGS" section only when its tables are
given (--lowpass-samples, --lowpass-ratios, --lowpass-segments), the method chosen per
patient in the ctDNA section only when ctdna.tsv has several methods, and an unchanged report
otherwise."""

from __future__ import annotations

import datetime

import pandas as pd

from outcome import report, report_lowpass
from outcome.report_cli import report_main
from outcome.report_command import ReportOptions, report_html
from tests.unit.lowpass_report_fixtures import lowpass_tables

NOW = datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.UTC)  # fixed report date
SECTION = f"<h2>{report_lowpass.TITLE}</h2>"


def _ctdna() -> pd.DataFrame:
    """P1: panel negative and low-pass positive at baseline; P2: panel only."""
    return pd.DataFrame(
        {
            "patient": ["P1", "P1", "P2"],
            "sample": ["B1", "L1", "B2"],
            "timepoint": ["baseline"] * 3,
            "method": ["targeted_panel", "lowpass_wgs", "targeted_panel"],
            "tumour_fraction": [0.01, 0.2, 0.03],
            "detected": [0, 1, 1],
            "collection_date": ["2024-01-01"] * 3,
        }
    )


def _tables() -> dict:
    samples, ratios, segments = lowpass_tables()
    return {"lowpass_samples": samples, "lowpass_ratios": ratios, "lowpass_segments": segments}


def test_section_with_sample_table_and_both_figures():
    html = report.render(report.ReportInputs(None, {"ctdna": _ctdna(), **_tables()}))
    assert SECTION in html and 'href="#low-pass-wgs"' in html
    body = html[html.index(SECTION) :]
    assert 'aria-label="low-pass genome plot"' in body and 'aria-label="low-pass heatmap"' in body
    assert "0.200 (0.150-0.260)" in body and "0.250 (0.180-0.330)" in body  # TF, short TF
    for name in ("lowpass_samples.tsv", "lowpass_ratios.tsv", "lowpass_segments.tsv"):
        assert f"Full table: {name}" in body
    ctdna_part = html[html.index("<h2>ctDNA</h2>") : html.index(SECTION)]
    assert "Method of each patient" in ctdna_part
    assert html.index("<h2>ctDNA</h2>") < html.index(SECTION)


def test_method_per_patient_follows_the_choice_rule():
    chosen = report_lowpass.chosen_levels(_ctdna()).set_index("patient")
    assert chosen.loc["P1", "sample"] == "L1"  # a low-pass positive beats a panel negative
    assert chosen.loc["P2", "sample"] == "B2"
    assert report_lowpass.method_block(_ctdna()[_ctdna()["method"] == "targeted_panel"]) == ""


def test_samples_table_alone_gives_the_section_without_figures():
    samples = _tables()["lowpass_samples"]
    html = report.render(report.ReportInputs(None, {"lowpass_samples": samples}))
    assert SECTION in html and "No data: lowpass_ratios.tsv not given" in html
    assert "low-pass genome plot" not in html


def test_no_lowpass_table_no_section_and_the_same_report():
    ctdna = _ctdna().drop(columns="method")
    plain = report.render(report.ReportInputs(None, {"ctdna": ctdna}))
    absent = dict.fromkeys(report_lowpass.TABLES)
    assert report.render(report.ReportInputs(None, {"ctdna": ctdna, **absent})) == plain
    assert SECTION not in plain and "Method of each patient" not in plain


def test_report_cli_with_and_without_lowpass_tables(tmp_path):
    paths = {}
    for name, table in {"ctdna": _ctdna(), **_tables()}.items():
        paths[name] = tmp_path / f"{name}.tsv"
        table.to_csv(paths[name], sep="\t", index=False, na_rep="NA")
    flags = [
        ("--ctdna", "ctdna"),
        ("--lowpass-samples", "lowpass_samples"),
        ("--lowpass-ratios", "lowpass_ratios"),
        ("--lowpass-segments", "lowpass_segments"),
    ]
    out = tmp_path / "report.html"
    argv = [text for flag, name in flags for text in (flag, str(paths[name]))]
    assert report_main([*argv, "--out", str(out)]) == 0
    html = out.read_text()
    assert SECTION in html and "lowpass_ratios.tsv" in html.split("<h2>Contents</h2>")[0]
    assert report_main(["--ctdna", str(paths["ctdna"]), "--out", str(out)]) == 0
    assert SECTION not in out.read_text()


def test_options_without_lowpass_files_read_no_lowpass_table(tmp_path):
    path = tmp_path / "ctdna.tsv"
    _ctdna().to_csv(path, sep="\t", index=False)
    html = report_html(ReportOptions(ctdna=path), now=NOW)
    assert SECTION not in html and "2026-01-02 03:04" in html


def test_flow_counts_samples_per_method_only_when_several():
    from outcome import report_flow

    table = report_flow._samples(_ctdna())
    assert list(table["method"]) == ["lowpass_wgs", "targeted_panel"]
    assert list(table["samples"]) == [1, 2] and list(table["detected"]) == [1, 1]
    plain = report_flow._samples(_ctdna().drop(columns="method"))
    assert "method" not in plain and list(plain["samples"]) == [3]
