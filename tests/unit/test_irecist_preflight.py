"""Pre-flight of the optional iRECIST clinical columns (stereosarc.table_checks): every
problem named with its spreadsheet row and column; expected messages written by hand."""

from __future__ import annotations

from stereosarc import table_checks
from tests.unit.test_preflight_values import findings

HEADER = (
    "patient,arm,histology,line,start_date,progression_date,death_date,last_assessment_date,"
    "last_followup_date,diagnosis_date,best_response,best_response_irecist,iupd_date,icpd_date,"
    "irecist_last_assessment_date\n"
)
COMMON = "SBRT+atezolizumab,leiomyosarcoma,1,2021-01-10,2021-06-01,,2021-06-01,2022-01-01"


def check(tmp_path, rows: str) -> list[str]:
    return findings(tmp_path, "c.csv", HEADER + rows, table_checks.check_clinical)


def test_confirmed_and_reset_irecist_rows_pass(tmp_path):
    rows = (
        f"P1,{COMMON},2019-05-01,PD,iCPD,2021-06-01,2021-07-10,2021-07-10\n"
        f"P2,{COMMON},2019-05-01,PD,iSD,2021-06-01,,2021-10-01\n"
        f"P3,{COMMON},2019-05-01,PD,,,,\n"
    )
    assert check(tmp_path, rows) == []


def test_every_irecist_date_problem_names_row_and_column(tmp_path):
    rows = (
        f"P1,{COMMON},2019-05-01,PD,iCPD,01/06/2021,,\n"
        f"P2,{COMMON},2019-05-01,PD,iCPD,2021-06-01,2021-05-20,\n"
        f"P3,{COMMON},2019-05-01,PD,iCPD,,2021-07-10,\n"
        f"P4,{COMMON},2019-05-01,PD,iUPD,2020-12-01,,\n"
        f"P5,{COMMON},2019-05-01,PD,iPD,,,\n"
    )
    assert check(tmp_path, rows) == [
        "refuse: c.csv row 2, column iupd_date: '01/06/2021' is not an ISO date YYYY-MM-DD "
        "(looks like DD/MM/YYYY or MM/DD/YYYY)",
        "refuse: c.csv row 3, column icpd_date: 2021-05-20 is before iupd_date 2021-06-01",
        "refuse: c.csv row 4, column icpd_date: icpd_date given without iupd_date (iCPD confirms "
        "an iUPD)",
        "refuse: c.csv row 5, column iupd_date: 2020-12-01 is before start_date 2021-01-10",
        "refuse: c.csv row 5, column iupd_date: 2020-12-01 is before progression_date 2021-06-01",
        "refuse: c.csv row 6, column best_response_irecist: 'iPD' is not one of iCR, iPR, iSD, "
        "iUPD, iCPD, NE (did you mean 'iUPD'?)",
    ]
