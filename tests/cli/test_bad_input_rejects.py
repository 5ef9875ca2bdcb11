"""Bad rows that are readable but unusable: each becomes exactly one rejects row naming file,
row, column and reason, through the stage CLIs the pipeline runs (issue 8 bad-input suite;
the refusals before any task are in test_validate_cli.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from blood.cli import labs_main
from ihc.cli import ihc_main
from outcome.clinical_cli import clinical_main
from outcome.merge_cli import merge_main
from stereosarc import table_checks, validate
from stereosarc.tables import read_output_table
from tests.cli.immune_blood_fixtures import CLINICAL_HEADER

CLINICAL = (
    CLINICAL_HEADER
    + """
P1,SBRT,leiomyosarcoma,1,2021-01-10,2021-06-01,,2021-06-01,2022-01-01,2019-05-01,SD
P2,SBRT+atezolizumab,liposarcoma,2,2021-03-10,2021-02-01,,2021-08-01,2022-01-01,2019-05-01,PD
"""
)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "clinical.csv").write_text(CLINICAL)
    return tmp_path


def only_reject(path: Path) -> dict:
    rejects = read_output_table(path)
    assert len(rejects) == 1, rejects
    return rejects.iloc[0].to_dict()


def test_negative_lab_value_is_rejected_with_its_row(folder):
    (folder / "labs.csv").write_text(
        "patient,date,analyte,value,unit\n"
        "P1,2021-01-05,neutrophils,-3.2,G/L\n"
        "P1,2021-01-05,lymphocytes,1.1,G/L\n"
    )
    assert (
        labs_main(
            [
                "--labs",
                str(folder / "labs.csv"),
                "--clinical",
                str(folder / "clinical.csv"),
                "--out",
                str(folder / "labs_patient.tsv"),
                "--rejects",
                str(folder / "r.tsv"),
            ]
        )
        == 0
    )
    row = only_reject(folder / "r.tsv")
    assert (row["file"], row["row"], row["column"], row["patient"]) == (
        "labs.csv",
        2,
        "value",
        "P1",
    )  # spreadsheet row: the header is row 1
    assert (row["severity"], row["code"]) == ("error", "impossible_value")
    assert row["detail"].startswith("neutrophils -3.2")


def test_lab_row_of_patient_absent_from_clinical(folder):
    (folder / "labs.csv").write_text(
        "patient,date,analyte,value,unit\nP9,2021-01-05,lymphocytes,1.1,G/L\n"
    )
    assert (
        labs_main(
            [
                "--labs",
                str(folder / "labs.csv"),
                "--clinical",
                str(folder / "clinical.csv"),
                "--out",
                str(folder / "labs_patient.tsv"),
                "--rejects",
                str(folder / "r.tsv"),
            ]
        )
        == 0
    )
    row = only_reject(folder / "r.tsv")
    assert (row["row"], row["column"], row["code"], row["reason"]) == (
        2,
        "patient",
        "unknown_patient",
        "patient not in the clinical table",
    )


def test_unknown_ihc_marker(folder):
    (folder / "ihc.csv").write_text(
        "patient,sample,marker,metric,value\n"
        "P1,P1-T,CD8,density_per_mm2,120\n"
        "P1,P1-T,CD99,density_per_mm2,50\n"
    )
    assert (
        ihc_main(
            [
                "--ihc",
                str(folder / "ihc.csv"),
                "--out",
                str(folder / "ihc_patient.tsv"),
                "--rejects",
                str(folder / "r.tsv"),
            ]
        )
        == 0
    )
    row = only_reject(folder / "r.tsv")
    assert (row["file"], row["row"], row["column"], row["code"], row["detail"]) == (
        "ihc.csv",
        3,
        "marker",
        "unknown_marker",
        "marker 'CD99'",
    )
    assert read_output_table(folder / "ihc_patient.tsv")["cd8_density"].tolist() == [120]


def test_progression_before_start_date(folder):
    assert (
        clinical_main(
            [
                "--clinical",
                str(folder / "clinical.csv"),
                "--out",
                str(folder / "ce.tsv"),
                "--rejects",
                str(folder / "r.tsv"),
            ]
        )
        == 0
    )
    row = only_reject(folder / "r.tsv")
    assert (row["row"], row["column"], row["patient"]) == (3, "progression_date", "P2")
    assert row["code"] == "date_order" and "is before start_date" in row["detail"]
    endpoints = read_output_table(folder / "ce.tsv").set_index("patient")
    assert endpoints["pfs_days"].isna()["P2"] and endpoints.loc["P1", "pfs_days"] == 142


def test_samplesheet_patient_missing_from_clinical_table(folder):
    clinical_main(
        [
            "--clinical",
            str(folder / "clinical.csv"),
            "--out",
            str(folder / "ce.tsv"),
            "--rejects",
            str(folder / "rc.tsv"),
        ]
    )
    (folder / "tmb.tsv").write_text(
        "patient\tsample\tvariants_counted\tpanel_mb\ttmb\ttmb_ci_low\t"
        "tmb_ci_high\ttmb_high\nP7\tP7-T\t3\t1.1\t2.7\t0.5\t7.9\t0\n"
    )
    assert (
        merge_main(
            [
                "--clinical-endpoints",
                str(folder / "ce.tsv"),
                "--tmb",
                str(folder / "tmb.tsv"),
                "--out",
                str(folder / "bm.tsv"),
                "--out-rejects",
                str(folder / "r.tsv"),
            ]
        )
        == 0
    )
    row = only_reject(folder / "r.tsv")
    assert (row["file"], row["row"], row["column"], row["patient"]) == (
        "tmb.tsv",
        2,
        "patient",
        "P7",
    )
    assert read_output_table(folder / "bm.tsv")["patient"].tolist() == ["P1", "P2"]


def test_ihc_patient_absent_from_clinical(folder):
    """The IHC step keeps P9's block (it does not read the clinical table); the merge rejects
    P9's row of ihc_patient.tsv, naming file, row and patient."""
    (folder / "ihc.csv").write_text(
        "patient,sample,marker,metric,value\n"
        "P1,P1-T,CD8,density_per_mm2,120\n"
        "P9,P9-T,CD8,density_per_mm2,50\n"
    )
    assert (
        ihc_main(
            [
                "--ihc",
                str(folder / "ihc.csv"),
                "--out",
                str(folder / "ihc_patient.tsv"),
                "--rejects",
                str(folder / "ri.tsv"),
            ]
        )
        == 0
    )
    clinical_main(
        [
            "--clinical",
            str(folder / "clinical.csv"),
            "--out",
            str(folder / "ce.tsv"),
            "--rejects",
            str(folder / "rc.tsv"),
        ]
    )
    assert (
        merge_main(
            [
                "--clinical-endpoints",
                str(folder / "ce.tsv"),
                "--ihc",
                str(folder / "ihc_patient.tsv"),
                "--out",
                str(folder / "bm.tsv"),
                "--out-rejects",
                str(folder / "r.tsv"),
            ]
        )
        == 0
    )
    row = only_reject(folder / "r.tsv")
    assert (row["stage"], row["file"], row["row"], row["column"], row["patient"]) == (
        "merge",
        "ihc_patient.tsv",
        3,
        "patient",
        "P9",
    )
    assert (row["code"], row["detail"]) == ("unknown_patient", "ihc")
    assert read_output_table(folder / "bm.tsv")["cd8_density"].tolist()[0] == 120


def test_ihc_rows_of_patient_absent_from_clinical_are_rejected_by_their_own_row(folder):
    """With --clinical (as the pipeline runs it) the IHC step rejects P9's input rows
    themselves, so the merge has nothing left to reject."""
    (folder / "ihc.csv").write_text(
        "patient,sample,marker,metric,value\n"
        "P9,P9-T,CD8,density_per_mm2,50\n"
        "P1,P1-T,CD8,density_per_mm2,120\n"
    )
    assert (
        ihc_main(
            [
                "--ihc",
                str(folder / "ihc.csv"),
                "--clinical",
                str(folder / "clinical.csv"),
                "--out",
                str(folder / "ihc_patient.tsv"),
                "--rejects",
                str(folder / "r.tsv"),
            ]
        )
        == 0
    )
    row = only_reject(folder / "r.tsv")
    assert (row["file"], row["row"], row["column"], row["patient"], row["reason"]) == (
        "ihc.csv",
        2,
        "patient",
        "P9",
        "patient not in the clinical table",
    )
    assert read_output_table(folder / "ihc_patient.tsv")["patient"].tolist() == ["P1"]


def test_unknown_lab_unit_is_one_reject_naming_the_row(folder):
    (folder / "labs.csv").write_text(
        "patient,date,analyte,value,unit\n"
        "P1,2021-01-05,lymphocytes,1.1,G/L\n"
        "P1,2021-01-05,crp,1.2,mmol/L\n"
    )
    assert (
        labs_main(
            [
                "--labs",
                str(folder / "labs.csv"),
                "--clinical",
                str(folder / "clinical.csv"),
                "--out",
                str(folder / "labs_patient.tsv"),
                "--rejects",
                str(folder / "r.tsv"),
            ]
        )
        == 0
    )
    row = only_reject(folder / "r.tsv")
    assert (row["file"], row["row"], row["column"]) == ("labs.csv", 3, "unit")
    assert row["code"] == "unknown_unit"
    assert row["detail"].startswith("unit 'mmol/L' for crp (accepted: mg/L")
    assert pd.isna(read_output_table(folder / "labs_patient.tsv").loc[0, "crp_mg_l"])


def test_conflicting_duplicate_ihc_rows_are_all_rejected(folder):
    (folder / "ihc.csv").write_text(
        "patient,sample,marker,metric,value\n"
        "P1,P1-T,CD8,density_per_mm2,120\n"
        "P1,P1-T,CD3,density_per_mm2,300\n"
        "P1,P1-T,CD8,density_per_mm2,80\n"
    )
    assert (
        ihc_main(
            [
                "--ihc",
                str(folder / "ihc.csv"),
                "--out",
                str(folder / "ihc_patient.tsv"),
                "--rejects",
                str(folder / "r.tsv"),
            ]
        )
        == 0
    )
    rejects = read_output_table(folder / "r.tsv")
    assert rejects["row"].tolist() == [2, 4] and set(rejects["column"]) == {"value"}
    assert set(rejects["code"]) == {"conflicting_duplicate"}
    assert set(rejects["detail"]) == {"CD8 density_per_mm2 of sample P1-T: 120, 80"}
    table = read_output_table(folder / "ihc_patient.tsv")
    assert pd.isna(table.loc[0, "cd8_density"]) and table.loc[0, "cd3_density"] == 300


def test_preflight_warning_and_stage_reject_name_the_same_spreadsheet_row(folder):
    """Issue 17: "row 1" meant spreadsheet row 2 in one place and data row 1 in another. The
    pre-flight warning and the labs stage's reject of one impossible value now give the row a
    spreadsheet shows (header = row 1): here the third line of the file, row 3."""
    labs = folder / "labs.csv"
    labs.write_text(
        "patient,date,analyte,value,unit\n"
        "P1,2021-01-05,crp,12,mg/L\n"
        "P1,2021-01-05,monocytes,-0.4,G/L\n"
    )
    table = validate.read_table(labs, required=validate.TABLE_REQUIRED["labs"])
    findings = table_checks.check_labs(table, "labs.csv")
    assert [(f.row, f.column) for f in findings] == [(3, "value")]
    assert str(findings[0]).startswith("labs.csv row 3, column value:")
    argv = ["--labs", str(labs), "--clinical", str(folder / "clinical.csv"),
            "--out", str(folder / "l.tsv"), "--rejects", str(folder / "r.tsv")]  # fmt: skip
    assert labs_main(argv) == 0
    row = only_reject(folder / "r.tsv")
    assert (row["file"], row["row"], row["column"]) == ("labs.csv", 3, "value")
    assert labs.read_text().splitlines()[row["row"] - 1].startswith("P1,2021-01-05,monocytes")
