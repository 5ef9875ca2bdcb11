"""The report for its readers: words instead of codes, fixed precision, model status from the
table's columns, rejects grouped by severity, the header, numbers at risk, a report without a
clinical table."""

from __future__ import annotations

import base64
import io
import math
import re

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter

from outcome import figures_km, report, report_flow, report_header, report_html, report_models
from outcome import report_format as fmt
from outcome import report_html as h

SEED = 20240601


def test_numbers_follow_the_fixed_precision():
    assert fmt.p_text(0.0004) == "<0.001" and fmt.p_text(0.061663) == "0.0617"
    assert fmt.p_text(0.5) == "0.5" and fmt.p_text(float("nan")) == ""
    assert fmt.ratio_ci(0.6130001945, 0.3668954931, 1.02418603) == "0.61 (0.37-1.02)"
    assert fmt.ratio_ci(4894.94, 1e-6, 6.2e13) == "4.9e+03 (1e-06-6.2e+13)"  # unstable fit
    assert fmt.percent_ci(0.5899857, 0.45696, 0.700815) == "59% (46-70)"
    assert fmt.months_ci(304.375, 152.1875, None) == "10.0 (5.0-NR) months"  # days / 30.4375


def test_codes_become_words_with_the_cut_of_the_run():
    biomarkers = pd.DataFrame({"cps_high_cutoff": [5.0, 5.0], "tmb_high_cutoff": [10.0, 10.0]})
    cuts = fmt.cutoffs(biomarkers)
    assert cuts == {"cps_high": 5.0, "tmb_high": 10.0}
    assert fmt.group_label("cps_high = 1", cuts) == "CPS ≥ 5"
    assert fmt.group_label("cps_high = 0", cuts) == "CPS < 5"
    assert fmt.group_label("tmb_high = 1", cuts) == "TMB ≥ 10 mut/Mb"
    assert fmt.group_label("SBRT+atezolizumab", cuts) == "SBRT + atezolizumab"
    assert fmt.group_label("ctdna_month6_clearance = 0", {}) == "ctDNA not cleared at month 6"
    assert fmt.estimate_label("surv_182.625d") == "6-month PFS"
    assert fmt.scale_label("log2(x + 0.03057)") == "log2 scale (per doubling)"
    assert fmt.fisher_counts("table [[15, 54], [1, 33]] (rows marker 1/0)") == [[15, 54], [1, 33]]


def _association(method, estimate, note, family="biomarker"):
    return {
        "family": family,
        "biomarker": "ctdna_month6_detected",
        "endpoint": "pfs",
        "method": method,
        "transform": "none",
        "group": None,
        "n": 40,
        "events": 13,
        "estimate": estimate,
        "ci_low": estimate / 2 if estimate else None,
        "ci_high": estimate * 2 if estimate else None,
        "statistic": None,
        "p_value": 0.01 if estimate else None,
        "note": note,
    }


def test_landmark_cox_fitted_with_its_interaction_refused_is_not_listed_as_refused():
    table = pd.DataFrame(
        [
            _association(
                "cox_landmark",
                6.4,
                "landmark 182.625 d; interaction not fitted: 13 events < 10 per parameter x 3",
            ),
            _association(
                "cox_landmark_interaction",
                None,
                "not fitted: 13 events < 10 per parameter x 3",
                "interaction",
            ),
            _association("logistic_per_arm", 0.4, "events per variable 1 < 10: unstable"),
            _association("cox_stratified", 1.2, None),
            _association("elastic_net_cox", None, "skipped: fewer than 2 biomarkers"),
        ]
    )
    status = list(report_models.model_status(table))
    assert status == [
        "fitted, a part refused",
        "refused",
        "fitted, with a caution",
        "fitted",
        "skipped",
    ]
    listed = report_models.status_table(table)
    assert list(listed["status"]) == [
        "refused",
        "skipped",
        "fitted, a part refused",
        "fitted, with a caution",
    ]
    landmark = listed[listed["status"] == "fitted, a part refused"].iloc[0]
    assert landmark["estimate (95% CI)"] == "6.40 (3.20-12.80)"
    assert landmark["reason or caution"].startswith("interaction not fitted")


def test_rejects_grouped_by_severity_and_code_errors_first():
    rejects = pd.DataFrame(
        {
            "stage": ["labs", "labs", "ihc", "clinical"],
            "file": ["labs.csv", "labs.csv", "ihc.csv", "clinical.csv"],
            "row": [2, 3, 4, 5],
            "severity": ["excluded_by_rule", "excluded_by_rule", "info", "error"],
            "code": [
                "outside_baseline_window",
                "outside_baseline_window",
                "duplicate",
                "bad_date",
            ],
            "reason": ["a", "b", "c", "d"],
        }
    )
    grouped = report_flow.group_rejects(rejects)
    assert list(grouped["severity"]) == ["error", "excluded_by_rule", "info"]
    assert list(grouped["rows"]) == [1, 2, 1]
    assert list(grouped.columns) == ["severity", "code", "rows", "stages", "files", "reason"]
    legacy = report_flow.group_rejects(rejects.drop(columns=["severity", "code"]))
    assert set(legacy.columns) >= {"stage", "reason", "rows"} and legacy["rows"].sum() == 4


def test_full_table_download_decodes_to_the_table_and_all_na_columns_are_dropped():
    frame = pd.DataFrame({"a": [1.5, None], "empty": [None, None], "b": ["x", "y"]})
    link = h.download(frame, "t.tsv")
    encoded = re.search(r"base64,([A-Za-z0-9+/=]+)", link).group(1)
    back = pd.read_csv(io.BytesIO(base64.b64decode(encoded)), sep="\t")
    assert back["b"].tolist() == ["x", "y"] and math.isnan(back["a"][1])
    table = h.table(frame)
    assert "<th>empty</th>" not in table and "<th>a</th>" in table
    assert table.startswith('<div class="scroll">')


def test_non_default_parameters_and_sha256(tmp_path):
    defaults = {"seed": 20240601, "nlr_cutoff": 5, "outdir": "results", "clinical": None}
    params = {"seed": 20240601, "nlr_cutoff": 4.0, "outdir": "results", "ihc": "i.csv"}
    changed = report_header.non_default(params, defaults)
    assert changed["parameter"].tolist() == ["ihc", "nlr_cutoff"]
    from outcome.report_command import file_sha256

    path = tmp_path / "x.tsv"
    path.write_bytes(b"abc")
    # sha256("abc"), FIPS 180-2 appendix B.1
    assert file_sha256(path) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_numbers_at_risk_equal_the_patients_still_followed():
    """at_risk(t) from km.tsv-like rows (lifelines' event table) equals the count of
    durations >= t computed from the raw data (seeded)."""
    rng = np.random.default_rng(SEED)
    durations = np.ceil(rng.exponential(200, 40))
    events = rng.random(40) < 0.7
    table = KaplanMeierFitter().fit(durations, events).event_table.reset_index()
    rows = pd.DataFrame(
        {
            "time": table["event_at"],
            "n_risk": table["at_risk"],
            "n_event": table["observed"],
            "n_censor": table["censored"],
        }
    )
    for t in (0.0, 30.4375 * 6, 30.4375 * 12, 30.4375 * 30, 5000.0):
        assert figures_km.at_risk(rows, t) == int((durations >= t).sum()), t


def test_report_without_a_clinical_table_has_sequencing_sections():
    ctdna = pd.DataFrame(
        {
            "patient": ["P1", "P1", "P2"],
            "sample": ["a", "b", "c"],
            "timepoint": ["baseline", "month6", "baseline"],
            "tumour_fraction": [0.05, 0.0, 0.1],
            "detected": [1, 0, 1],
        }
    )
    qc = pd.DataFrame({"sample": ["a", "b", "c"], "evaluable": [1, 1, 0]})
    html = report.render(report.ReportInputs(None, {"ctdna": ctdna, "ctdna_qc": qc}))
    for title in ("ctDNA", "Sequencing QC", "Tumour mutational burden", "Methods"):
        assert f"<h2>{title}</h2>" in html
    assert "Sections absent: primary endpoint, arm comparison" in html
    assert "No data: tmb.tsv not given" in html and "<figure><svg " in html
    assert "<h2>Primary endpoint" not in html


def test_screenshots_cut_each_wanted_section_within_its_bounds(tmp_path):
    from PIL import Image

    from outcome.report_screenshots import crop_sections

    page = Image.new("RGB", (200, 1000), "white")
    sections = [
        {"id": "run", "top": 10, "height": 100},
        {"id": "ctdna", "top": 500, "height": 900},
        {"id": "methods", "top": 900, "height": 50},
    ]
    written = crop_sections(page, sections, {"run", "ctdna"}, 300, tmp_path)
    assert [p.name for p in written] == ["report-run.png", "report-ctdna.png"]
    with Image.open(written[0]) as run, Image.open(written[1]) as ctdna:
        assert run.size == (200, 100 + 16) and ctdna.size == (200, 300)  # max height 300


def test_report_cli_for_a_ctdna_only_batch_names_inputs_and_changed_parameters(tmp_path):
    import hashlib
    import json

    from outcome.report_cli import report_main

    ctdna = tmp_path / "ctdna.tsv"
    pd.DataFrame(
        {
            "patient": ["P1", "P2"],
            "sample": ["P1-B", "P2-B"],
            "timepoint": ["baseline", "baseline"],
            "tumour_fraction": [0.02, None],
            "detected": [1, None],
        }
    ).to_csv(ctdna, sep="\t", index=False, na_rep="NA")
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"seed": 7, "nlr_cutoff": 5, "ctdna_targets": "t.bed"}))
    out = tmp_path / "report.html"
    args = ["--ctdna", str(ctdna), "--params", str(params), "--git-revision", "abc123def456"]
    assert report_main([*args, "--out", str(out)]) == 0
    html = out.read_text()
    assert hashlib.sha256(ctdna.read_bytes()).hexdigest() in html
    assert "abc123def456" in html and "Sections absent: primary endpoint" in html
    changed = html.split("Parameters that differ")[1].split("Input tables")[0]
    assert "<td>seed</td>" in changed and "<td>ctdna_targets</td>" in changed
    assert "<td>nlr_cutoff</td>" not in changed  # 5 is nextflow_schema.json's default


def test_km_figure_text_stays_inside_the_figure_even_for_long_landmark_labels():
    """Title, legend, effect and number-at-risk labels are drawn inside the canvas (the
    landmark title used to be cut off); time is in months."""
    rows = []
    marker = "ctdna_month6_molecular_response"
    for group, n in ((f"{marker} = 0", 12), (f"{marker} = 1", 9)):
        for step, time in enumerate((0.0, 100.0, 400.0, 700.0)):
            rows.append(
                {
                    "curve": "ctdna_month6_molecular_response (landmark)",
                    "group": group,
                    "time": time,
                    "n_risk": n - 2 * step,
                    "n_event": 1 if step else 0,
                    "n_censor": 1 if step else 0,
                    "surv": 1 - 0.15 * step,
                    "ci_low": 0.5 - 0.1 * step,
                    "ci_high": 1.0,
                }  # fmt: skip
            )
    km = pd.DataFrame(rows)
    title = "PFS by molecular response (6-month landmark)"
    figure = figures_km.km_figure(
        km, km["curve"].iloc[0], {}, "HR 0.50 (0.20-1.30), p = 0.15", title
    )
    figure.canvas.draw()
    canvas = figure.bbox
    texts = [t for axis in figure.axes for t in axis.texts] + [figure.axes[0].title]
    assert any("no molecular response" == t.get_text() for t in texts)
    for text in texts:
        box = text.get_window_extent()
        assert box.x0 >= canvas.x0 - 1 and box.x1 <= canvas.x1 + 1, text.get_text()
        assert box.y0 >= canvas.y0 - 1 and box.y1 <= canvas.y1 + 1, text.get_text()
    assert figure.axes[0].get_xlabel() == "months since the 6-month landmark"
    assert figure.axes[0].get_xlim()[1] == 24  # 700 days = 23.0 months -> last 6-month tick


def test_forest_plot_writes_hr_n_events_p_q_beside_each_point():
    rows = pd.DataFrame(
        {
            "biomarker": ["tmb", "cps_high"],
            "transform": ["log2", "none"],
            "method": ["cox_stratified", "cox_stratified"],
            "estimate": [1.0712, 0.4712],
            "ci_low": [0.8011, 0.2634],
            "ci_high": [1.4393, 0.8571],
            "n": [91, 88],
            "events": [66, 64],
            "p_value": [0.634, 0.01351],
            "q_value": [0.983, 0.323],
        }
    )
    from outcome import figures

    figure = figures.forest_figure(rows)
    texts = [t.get_text() for t in figure.axes[1].texts]
    assert texts[:5] == ["HR (95% CI)", "n", "events", "p", "q"]
    for cells in (["0.47 (0.26-0.86)", "88", "64", "0.0135", "0.323"],
                  ["1.07 (0.80-1.44)", "91", "66", "0.634", "0.983"]):  # fmt: skip
        assert all(cell in texts for cell in cells), cells
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == ["PD-L1 CPS high", "TMB (log2)"]  # bottom to top


def test_rejects_grouped_errors_first_and_a_missing_detail_is_blank():
    rejects = pd.DataFrame(
        {
            "stage": ["labs", "labs", "ihc"],
            "file": ["labs.csv", "labs.csv", "ihc.csv"],
            "severity": ["excluded_by_rule", "excluded_by_rule", "error"],
            "code": [
                "lab_not_first_on_treatment",
                "lab_not_first_on_treatment",
                "unknown_patient",
            ],
            "reason": ["not the first on-treatment value", "not the first", "unknown patient"],
            "detail": ["day 37", "day 40", None],
        }
    )
    grouped = report_flow.group_rejects(rejects)
    assert list(grouped["code"]) == ["unknown_patient", "lab_not_first_on_treatment"]
    assert list(grouped["rows"]) == [1, 2]
    assert list(grouped["example detail"]) == ["", "day 37"]


def test_a_missing_text_value_is_an_empty_cell_not_none():
    frame = pd.DataFrame({"term": ["arm", "tmb"], "hr": [0.8, np.nan], "note": [None, "x"]})
    html = report_html.table(frame)
    assert "None" not in html and "nan" not in html.lower()
    assert "<td>0.8</td>" in html and "<td></td>" in html
