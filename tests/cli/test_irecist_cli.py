"""iRECIST end to end through the console scripts on the demo clinical table (103 patients,
seed 20240601): outcome-clinical -> outcome-merge -> outcome-associate --out-irecist ->
outcome-report --irecist; schema-checked tables, the iRECIST report section, and the
unconfirmed-iUPD rule as a command-line choice."""

from __future__ import annotations

import pandas as pd
import pytest

from outcome.associate_cli import associate_main
from outcome.clinical_cli import clinical_main
from outcome.merge_cli import merge_main
from outcome.report_cli import report_main
from stereosarc.tables import read_output_table

SEED = 20240601


@pytest.fixture(scope="module")
def clinical_csv(tmp_path_factory):
    from stereosarc.demo.cohort import clinical_table, simulate_patients

    folder = tmp_path_factory.mktemp("irecist_cli")
    print("demo seed", SEED)
    clinical_table(simulate_patients(103, SEED), SEED).to_csv(folder / "clinical.csv", index=False)
    return folder / "clinical.csv"


def _clinical(clinical_csv, out, *extra) -> pd.DataFrame:
    status = clinical_main(
        [
            "--clinical",
            str(clinical_csv),
            "--out",
            str(out),
            "--rejects",
            str(out) + ".rej",
            *extra,
        ]
    )
    assert status == 0
    return read_output_table(out)


def test_clinical_cli_writes_ipfs_and_the_censor_rule_changes_only_unconfirmed(
    clinical_csv, tmp_path
):
    default = _clinical(clinical_csv, tmp_path / "e.tsv")
    censor = _clinical(clinical_csv, tmp_path / "c.tsv", "--irecist-unconfirmed", "censor")
    unconfirmed = default["irecist_notes"].fillna("").str.startswith("unconfirmed iUPD")
    assert unconfirmed.sum() >= 1
    assert (default.loc[unconfirmed, "ipfs_event"] == 1).all()
    assert (censor.loc[unconfirmed, "ipfs_event"] == 0).all()
    same = ["ipfs_days", "ipfs_event", "pseudoprogression"]
    pd.testing.assert_frame_equal(default.loc[~unconfirmed, same], censor.loc[~unconfirmed, same])
    no_data = default["best_response_irecist"].isna()
    assert no_data.any() and default.loc[no_data, "ipfs_days"].isna().all()


def test_clinical_cli_refuses_an_unknown_unconfirmed_rule(clinical_csv, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        clinical_main(
            [
                "--clinical",
                str(clinical_csv),
                "--out",
                str(tmp_path / "e.tsv"),
                "--rejects",
                str(tmp_path / "r.tsv"),
                "--irecist-unconfirmed",
                "ignore",
            ]
        )
    assert exit_info.value.code == 2


def test_associate_and_report_carry_the_irecist_analyses(clinical_csv, tmp_path):
    _clinical(clinical_csv, tmp_path / "e.tsv")
    assert (
        merge_main(
            [
                "--clinical-endpoints",
                str(tmp_path / "e.tsv"),
                "--out",
                str(tmp_path / "b.tsv"),
                "--out-rejects",
                str(tmp_path / "rej.tsv"),
            ]
        )
        == 0
    )
    assert {"ipfs_days", "ipfs_event", "pseudoprogression"} <= set(
        read_output_table(tmp_path / "b.tsv").columns
    )
    out = {name: str(tmp_path / f"{name}.tsv") for name in ("a", "km", "irecist")}
    status = associate_main(
        ["--biomarkers", str(tmp_path / "b.tsv"), "--n-bootstrap", "20", "--enet-repeats", "0"]
        + ["--out", out["a"], "--out-km", out["km"], "--out-irecist", out["irecist"]]
    )
    assert status == 0
    irecist = read_output_table(out["irecist"])
    cox = irecist[(irecist["analysis"] == "cox_arm")].set_index("endpoint")
    assert set(cox.index) == {"ipfs", "pfs"} and cox["estimate"].notna().all()
    assert cox.loc["ipfs", "n"] == cox.loc["pfs", "n"]  # one population for both criteria
    km = read_output_table(out["km"])
    assert set(km.loc[km["endpoint"] == "ipfs", "curve"]) == {"arm (iPFS)"}
    html_path = tmp_path / "report.html"
    report = ["--biomarkers", str(tmp_path / "b.tsv"), "--associations", out["a"]]
    report += ["--km", out["km"], "--irecist", out["irecist"], "--out", str(html_path)]
    assert report_main(report) == 0
    html = html_path.read_text()
    assert "<h2>iRECIST: iPFS and immune response beside RECIST 1.1</h2>" in html
    assert "Pseudo-progressions" in html and "No data: irecist.tsv" not in html


def test_validate_refuses_icpd_without_iupd_naming_row_and_column(tmp_path, capsys):
    """stereosarc-validate (pre-flight) exits 2 with the file, spreadsheet row and column."""
    from tests.cli.test_validate_cli import cohort as minimal_cohort
    from tests.cli.test_validate_cli import run

    cohort = minimal_cohort.__wrapped__(tmp_path)  # the valid minimal cohort of those tests
    clinical = tmp_path / "clinical.csv"
    clinical.write_text(
        "patient,arm,histology,line,start_date,progression_date,death_date,"
        "last_assessment_date,last_followup_date,diagnosis_date,best_response,"
        "best_response_irecist,iupd_date,icpd_date\n"
        "P1,SBRT,liposarcoma,1,2021-01-10,2021-06-01,,2021-06-01,2022-01-01,2019-05-01,PD,"
        "iCPD,,2021-07-10\n"
    )
    code, line = run(cohort, capsys, extra=["--clinical", str(clinical)])
    assert code == 2
    assert "clinical.csv row 2, column icpd_date: icpd_date given without iupd_date" in line
