"""outcome-report: self-contained HTML, every absent input named as 'No data'."""

from __future__ import annotations

import re

import pandas as pd

from outcome import associations, report
from outcome.report_cli import report_main
from tests.unit.test_associations_degenerate import cohort

NO_ENET = associations.Settings(n_bootstrap=20, enet_repeats=0)  # fast settings


def test_report_without_optional_inputs_says_no_data():
    html = report.render(report.ReportInputs(biomarkers=cohort()))
    for what in (
        "associations.tsv not given",
        "ctdna.tsv not given",
        "rejects.tsv not given",
        "ctdna_dynamics.tsv not given",
    ):
        assert f"No data: {what}" in html
    assert "Methods" in html and "seed 20240601" in html


def test_full_report_is_self_contained_with_figures(tmp_path):
    frame = cohort()
    table, km = associations.associate(frame, settings=NO_ENET)
    ctdna = pd.DataFrame(
        {
            "patient": ["P000", "P000", "P001"],
            "sample": ["a", "b", "c"],
            "timepoint": ["baseline", "month6", "baseline"],
            "tumour_fraction": [0.05, 0.0, 0.01],
            "detected": [1, 0, 1],
        }
    )
    rejects = pd.DataFrame(
        {
            "stage": ["ihc"],
            "file": ["ihc.csv"],
            "row": [3],
            "column": ["value"],
            "patient": ["P009"],
            "reason": ["< 100 cells"],
        }
    )
    html = report.render(
        report.ReportInputs(
            frame,
            {"associations": table, "km": km, "ctdna": ctdna, "rejects": rejects},
            params={"seed": 7},
        )
    )
    images = re.findall(r"<figure><svg ", html)
    assert len(images) >= 5  # missingness, arm KM, forest, biomarker KM, trajectories
    assert "<img" not in html and 'xlink:href="http' not in html
    assert not re.search(r'(src|href)="(http|/|file:)', html)
    assert "&lt; 100 cells" in html and "seed 7" in html


def test_report_cli(tmp_path):
    path = tmp_path / "biomarkers.tsv"
    cohort().to_csv(path, sep="\t", index=False)
    table, _ = associations.associate(cohort(), settings=NO_ENET)
    table.to_csv(tmp_path / "a.tsv", sep="\t", index=False, na_rep="NA")
    status = report_main(
        [
            "--biomarkers",
            str(path),
            "--associations",
            str(tmp_path / "a.tsv"),
            "--out",
            str(tmp_path / "report.html"),
        ]
    )
    assert status == 0
    assert "No data: km.tsv not given" in (tmp_path / "report.html").read_text()


def test_flow_lists_excluded_patients_with_reasons_and_samples_evaluable():
    frame = cohort()
    frame.loc[3, "pfs_days"] = None
    frame.loc[5, "objective_response"] = None
    ctdna = pd.DataFrame(
        {
            "patient": ["P000", "P001", "P002"],
            "sample": ["a", "b", "c"],
            "timepoint": ["baseline"] * 3,
            "detected": [1, None, 0],
        }
    )
    html = report.flow_section(report.ReportInputs(frame, {"ctdna": ctdna}))
    assert re.search(
        r"<td>P003</td>\s*<td>[^<]+</td>\s*<td>PFS analyses</td>\s*"
        r"<td>no PFS \(pfs_days NA\)</td>",
        html,
    )
    assert re.search(r"<td>P005</td>\s*<td>[^<]+</td>\s*<td>response analyses</td>", html)
    # baseline: 3 samples, 2 evaluable, 1 detected
    assert re.search(r"<td>baseline</td>\s*<td>3</td>\s*<td>2</td>\s*<td>1</td>", html)


def test_methods_text_carries_the_values_used_and_their_source():
    frame = cohort()
    html = report.methods_section(
        report.ReportInputs(frame, params={"seed": 11, "n_bootstrap": 500, "outdir": "results"})
    )
    assert "seed, n_bootstrap from params.json; the others are the outcome-associate" in html
    assert "500 percentile bootstrap resamples (seed 11)" in html
    assert "landmark of 182.625 days" in html and "fewer than 10 patients" in html
    assert "cox.zph" in html and "time-varying Cox" in html


def test_methods_text_reads_the_pipeline_parameter_names():
    html = report.methods_section(
        report.ReportInputs(
            cohort(), params={"assoc_min_n": 12, "assoc_min_events": 8, "landmark_days": 90}
        )
    )
    assert "min_n, min_events_per_variable, landmark_days from params.json" in html
    assert "landmark of 90 days" in html and "fewer than 12 patients" in html


def test_primary_endpoint_and_prognostic_predictive_sections(tmp_path):
    """primary_endpoint.tsv gives its section (primary analysis + sensitivity table); the
    per-arm rows give a per-arm forest plot and one prognostic/predictive row per Cox
    biomarker, with the per-arm HRs and the ratio of HRs read from associations.tsv."""
    from outcome import primary, report_tables

    frame = cohort()
    table, km = associations.associate(frame, settings=NO_ENET)
    html = report.render(
        report.ReportInputs(
            frame, {"associations": table, "km": km, "primary": primary.analyse(frame)}
        )
    )
    assert "Primary endpoint: 6-month PFS rate" in html
    assert "No data: primary_endpoint.tsv" not in html
    section = html.split("Prognostic vs predictive")[1].split("<h2>")[0]
    assert "<svg " in section
    summary = report_tables.prognostic_predictive(table)
    cox = table[(table["family"] == "biomarker") & (table["method"] == "cox_stratified")]
    assert list(summary["biomarker"]) == list(cox["biomarker"])
    fitted = table[(table["method"] == "cox_interaction") & table["estimate"].notna()].iloc[0]
    ratio = summary.set_index("biomarker").loc[fitted["biomarker"], "ratio of HRs"]
    assert ratio.startswith(f"{fitted['estimate']:.2f} (")
    html = report.render(report.ReportInputs(frame, {"associations": table, "km": km}))
    assert "No data: primary_endpoint.tsv not given" in html


def test_mdm2_threshold_of_the_run_comes_from_params():
    # the figure's dashed line is drawn at the run's --ctdna_amp_log2, not at the default
    assert report._amp_log2({"ctdna_amp_log2": 0.35}) == 0.35
    assert report._amp_log2({}) == 0.2 and report._amp_log2(None) == 0.2
