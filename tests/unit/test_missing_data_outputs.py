"""missingness.tsv from outcome-associate and the report's Missing data section."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from outcome import report, report_tables
from outcome.associate_cli import associate_main
from stereosarc.tables import read_output_table, validate_frame
from tests.unit.test_missing_data import _tiny


def _biomarkers(path) -> str:
    """The 6-patient frame with the endpoints outcome-associate requires."""
    frame = _tiny().drop(columns="not_a_marker")
    frame = frame.assign(
        pfs_days=[100, 200, 300, 150, 250, 350],
        pfs_event=[1, 0, 1, 1, 0, 1],
        objective_response=[0, 1, 0, 0, 1, 0],
    )
    frame.to_csv(path, sep="\t", index=False, na_rep="NA")
    return str(path)


def test_associate_writes_missingness_tsv(tmp_path):
    status = associate_main(
        [
            "--biomarkers",
            _biomarkers(tmp_path / "biomarkers.tsv"),
            "--n-bootstrap",
            "5",
            "--enet-repeats",
            "0",
            "--mice-imputations",
            "5",
            "--out",
            str(tmp_path / "a.tsv"),
            "--out-km",
            str(tmp_path / "km.tsv"),
            "--out-missingness",
            str(tmp_path / "missingness.tsv"),
        ]
    )
    assert status == 0
    table = read_output_table(tmp_path / "missingness.tsv")
    validate_frame(table, "missingness")
    cps = table[(table["variable"] == "cps") & (table["group"] == "SBRT")].iloc[0]
    assert (cps["n"], cps["n_missing"], cps["percent_missing"]) == (3, 3, 100)
    assert cps["missing_by_arm_p"] == pytest.approx(0.1)
    assert table.loc[table["variable"] == "line", "missing_by_arm_p"].isna().all()


@pytest.mark.parametrize("option", ["--mice-imputations=1", "--mice-iterations=0"])
def test_bad_mice_option_is_a_one_line_error(tmp_path, capsys, option):
    status = associate_main(
        [
            "--biomarkers",
            _biomarkers(tmp_path / "biomarkers.tsv"),
            option,
            "--out",
            str(tmp_path / "a.tsv"),
            "--out-km",
            str(tmp_path / "km.tsv"),
        ]
    )
    assert status != 0
    assert "--mice-imputations must be >= 2" in capsys.readouterr().err


def test_report_missing_data_section_by_arm_and_histology():
    frame = _tiny().drop(columns="not_a_marker").assign(pfs_days=1.0, pfs_event=0)
    html = report.missingness_section(report.ReportInputs(biomarkers=frame))
    assert "<h2>Missing data</h2>" in html
    assert "missing at random" in html
    for header in ("all patients", "SBRT", "SBRT+atezolizumab", "leiomyosarcoma", "liposarcoma"):
        assert f"<th>{header}</th>" in html
    assert "3/3 (100 %)" in html and "2/6 (33 %)" in html


def test_missingness_by_group_layout():
    long = pd.DataFrame(
        {
            "variable": ["tmb"] * 3,
            "group_type": ["overall", "arm", "arm"],
            "group": ["all patients", "SBRT", "SBRT+atezolizumab"],
            "n": [4, 2, 2],
            "n_missing": [1, 1, 0],
            "percent_missing": [25.0, 50.0, 0.0],
            "missing_by_arm_p": [1.0, 1.0, 1.0],
        }
    )
    wide = report_tables.missingness_by_group(long)
    assert list(wide.columns) == [
        "variable",
        "all patients",
        "SBRT",
        "SBRT+atezolizumab",
        "missing differs by arm (Fisher p)",
    ]
    assert wide.iloc[0].tolist() == ["tmb", "1/4 (25 %)", "1/2 (50 %)", "0/2 (0 %)", 1.0]
    assert not np.isnan(wide.iloc[0, -1])
