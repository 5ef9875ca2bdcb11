"""outcome-report: self-contained HTML, every absent input named as 'No data'."""

from __future__ import annotations

import re

import pandas as pd

from outcome import associations, report
from outcome.cli import report_main
from tests.unit.test_associations_degenerate import cohort

NO_ENET = associations.Settings(n_bootstrap=20, enet_repeats=0)  # fast settings


def test_report_without_optional_inputs_says_no_data():
    html = report.render(report.ReportInputs(biomarkers=cohort()))
    for what in ("associations.tsv not given", "ctdna.tsv not given",
                 "rejects.tsv not given", "ctdna_dynamics.tsv not given"):
        assert f"No data: {what}" in html
    assert "Methods" in html and "seed 20240601" in html


def test_full_report_is_self_contained_with_figures(tmp_path):
    frame = cohort()
    table, km = associations.associate(frame, settings=NO_ENET)
    ctdna = pd.DataFrame({"patient": ["P000", "P000", "P001"], "sample": ["a", "b", "c"],
                          "timepoint": ["baseline", "month6", "baseline"],
                          "tumour_fraction": [0.05, 0.0, 0.01], "detected": [1, 0, 1]})
    rejects = pd.DataFrame({"stage": ["ihc"], "file": ["ihc.csv"], "row": [3],
                            "column": ["value"], "patient": ["P009"], "reason": ["< 100 cells"]})
    html = report.render(report.ReportInputs(frame, table, km, ctdna, rejects=rejects,
                                             params={"seed": 7}))
    images = re.findall(r'<img alt="figure" src="data:image/png;base64,', html)
    assert len(images) >= 5  # missingness, arm KM, forest, biomarker KM, trajectories
    assert not re.search(r'(src|href)="(http|/|file:)', html)
    assert "&lt; 100 cells" in html and "seed 7" in html


def test_report_cli(tmp_path):
    path = tmp_path / "biomarkers.tsv"
    cohort().to_csv(path, sep="\t", index=False)
    table, _ = associations.associate(cohort(), settings=NO_ENET)
    table.to_csv(tmp_path / "a.tsv", sep="\t", index=False, na_rep="NA")
    status = report_main(["--biomarkers", str(path), "--associations", str(tmp_path / "a.tsv"),
                          "--out", str(tmp_path / "report.html")])
    assert status == 0
    assert "No data: km.tsv not given" in (tmp_path / "report.html").read_text()
