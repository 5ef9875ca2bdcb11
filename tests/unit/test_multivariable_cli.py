"""outcome-associate --out-multivariable/--out-validation and outcome-report's Multivariable
model section, end to end: files in, schema-checked tables out, one-line errors."""

from __future__ import annotations

import pandas as pd

from outcome import multivariable, report, validation
from outcome.associate_cli import associate_main
from outcome.report_cli import report_main
from stereosarc.tables import read_output_table
from tests.unit.test_multivariable_model import cohort

COVARIATES = "ctdna_baseline_detected,nlr"


def _biomarkers(tmp_path) -> str:
    frame = cohort().assign(objective_response=lambda f: (f["pfs_days"] > 200) * 1)
    path = tmp_path / "biomarkers.tsv"
    frame.to_csv(path, sep="\t", index=False, na_rep="NA")
    return str(path)


def _associate(tmp_path, *extra: str) -> int:
    return associate_main(
        [
            "--biomarkers",
            _biomarkers(tmp_path),
            "--n-bootstrap",
            "20",
            "--enet-repeats",
            "0",
            "--out",
            str(tmp_path / "a.tsv"),
            "--out-km",
            str(tmp_path / "km.tsv"),
            *extra,
        ]
    )


def test_cli_writes_the_model_and_its_validation(tmp_path):
    status = _associate(
        tmp_path,
        "--multivariable-covariates",
        COVARIATES,
        "--validation-bootstraps",
        "8",
        "--out-multivariable",
        str(tmp_path / "multivariable.tsv"),
        "--out-validation",
        str(tmp_path / "model_validation.tsv"),
    )
    assert status == 0
    model = read_output_table(tmp_path / "multivariable.tsv")
    assert list(model.columns) == multivariable.COLUMNS
    terms = ["arm_experimental", "ctdna_baseline_detected", "nlr"]
    assert list(model["term"]) == terms * 2  # complete case, then the MICE sensitivity rows
    assert list(model["analysis"]) == ["complete_case"] * 3 + ["mice"] * 3
    assert model["hr"].notna().all() and (model.loc[3:, "m_imputations"] == 20).all()
    checks = read_output_table(tmp_path / "model_validation.tsv")
    assert list(checks.columns) == validation.COLUMNS
    c_row = checks[checks["quantity"] == "c_index"].iloc[0]
    assert c_row["bootstraps_requested"] == 8 and c_row["seed"] == 20240601

    html = _report(tmp_path, "--multivariable", str(tmp_path / "multivariable.tsv"))
    assert "Multivariable model" in html and "model_validation.tsv not given" in html
    html = _report(
        tmp_path,
        "--multivariable",
        str(tmp_path / "multivariable.tsv"),
        "--validation",
        str(tmp_path / "model_validation.tsv"),
    )
    section = html[html.index("Multivariable model") :]
    assert "calibration_slope" in section and "risk tertile 1 of 3" in section
    assert "<svg " in section  # the calibration figure


def _report(tmp_path, *extra: str) -> str:
    out = tmp_path / "report.html"
    status = report_main(
        ["--biomarkers", _biomarkers(tmp_path), "--associations", str(tmp_path / "a.tsv")]
        + [*extra, "--out", str(out)]
    )
    assert status == 0
    return out.read_text()


def test_unknown_covariate_is_a_one_line_error(tmp_path, capsys):
    status = _associate(
        tmp_path,
        "--multivariable-covariates",
        "nlr,weight",
        "--out-multivariable",
        str(tmp_path / "m.tsv"),
    )
    assert status != 0
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 1 and "'weight' is not a baseline biomarker" in errors[0]
    assert not (tmp_path / "m.tsv").exists()


def test_report_without_the_model_says_no_data():
    frame = cohort().assign(objective_response=1)
    html = report.render(report.ReportInputs(biomarkers=frame))
    assert "No data: multivariable.tsv not given" in html


def test_not_fitted_model_is_written_with_its_reason(tmp_path):
    frame = cohort(20, event_share=0.5)  # about 10 events < 10 x 2 parameters
    model = multivariable.fit_complete_case(frame, multivariable.ModelSpec(("nlr",)))
    rows = model.to_frame()
    assert rows["note"].str.startswith("not fitted").all()
    from outcome import stats_io

    stats_io.write_multivariable(rows, tmp_path / "m.tsv")
    written = pd.read_csv(tmp_path / "m.tsv", sep="\t")
    assert written["hr"].isna().all() and len(written) == 2
