"""outcome.irecist_analysis on hand-made tables of a few rows: counts written by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from outcome import irecist_analysis

E, C = "SBRT+atezolizumab", "SBRT"


def cohort() -> pd.DataFrame:
    rows = [  # arm, recist, irecist, pseudo, ipfs_days, ipfs_event
        (E, "PD", "iSD", 1, 300, 0),
        (E, "PD", "iCPD", 0, 56, 1),
        (E, "SD", "iSD", np.nan, 400, 0),
        (E, "PR", "iPR", 1, 200, 1),
        (C, "PD", "iCPD", 0, 60, 1),
        (C, "SD", "iSD", np.nan, 100, 1),
        (C, "SD", None, np.nan, np.nan, np.nan),  # no iRECIST data: outside the population
    ]
    frame = pd.DataFrame(
        rows,
        columns=["arm", "best_response", "best_response_irecist", "pseudoprogression"]
        + ["ipfs_days", "ipfs_event"],
    )
    return frame.assign(
        patient=[f"P{i}" for i in range(len(frame))],
        histology="liposarcoma",
        line="1",
        pfs_days=[56, 56, 400, 180, 60, 100, 90],
        pfs_event=[1, 1, 0, 1, 1, 1, 1],
        objective_response=(frame["best_response"].isin(["CR", "PR"])).astype(int),
        objective_response_irecist=frame["best_response_irecist"].map(
            {"iPR": 1, "iSD": 0, "iCPD": 0}
        ),
    )


def _rows(table, analysis, **match):
    rows = table[table["analysis"] == analysis]
    for column, value in match.items():
        rows = rows[rows[column] == value]
    return rows


def test_without_ipfs_a_single_not_analysed_row():
    table = irecist_analysis.analyse(cohort().assign(ipfs_days=np.nan))
    assert table["analysis"].tolist() == ["not_analysed"]


def test_concordance_counts_and_pseudoprogressions_per_arm():
    table = irecist_analysis.analyse(cohort())
    pairs = _rows(table, "response_concordance", group="all")
    counted = dict(
        zip(zip(pairs["recist"], pairs["irecist"], strict=True), pairs["estimate"], strict=True)
    )
    assert counted == {("PD", "iSD"): 1, ("PD", "iCPD"): 2, ("SD", "iSD"): 2, ("PR", "iPR"): 1}
    assert (pairs["n"] == 6).all()  # the patient without iRECIST data is outside
    pseudo = _rows(table, "pseudoprogression").set_index("group")
    assert pseudo.loc[E, ["events", "n"]].tolist() == [2, 3]
    assert pseudo.loc[C, ["events", "n"]].tolist() == [0, 1]


def test_recist_rows_use_the_irecist_population_and_small_cox_is_refused():
    table = irecist_analysis.analyse(cohort())
    pfs_rate = _rows(table, "km_rate", endpoint="pfs", group=C).iloc[0]
    assert pfs_rate["n"] == 2  # not 3: the same patients as iPFS
    cox = _rows(table, "cox_arm", endpoint="ipfs").iloc[0]
    assert np.isnan(cox["estimate"]) and cox["note"].startswith("not fitted")
    orr = _rows(table, "orr", endpoint="objective_response_irecist", group=E).iloc[0]
    assert (orr["events"], orr["n"]) == (1, 4)


def test_report_section_says_no_data_when_no_patient_has_ipfs():
    from outcome import report, report_irecist

    none = irecist_analysis.analyse(cohort().assign(ipfs_days=np.nan))
    html = report_irecist.section(report.ReportInputs(cohort(), {"irecist": none}))
    assert "No data: no patient with iRECIST data" in html
    full = report_irecist.section(
        report.ReportInputs(cohort(), {"irecist": irecist_analysis.analyse(cohort())})
    )
    assert "Pseudo-progressions" in full and "RECIST \\ iRECIST" in full
    cox = pd.DataFrame(
        {
            "analysis": ["cox_arm"],
            "endpoint": ["ipfs"],
            "estimate": [0.6290],
            "ci_low": [0.3781],
            "ci_high": [1.0674],
            "p_value": [0.08563],
        }  # fmt: skip
    )
    assert report_irecist.ipfs_effect(cox) == "HR 0.63 (0.38-1.07), p = 0.0856 (Cox, stratified)"
    assert report_irecist.ipfs_effect(cox.assign(estimate=np.nan)) == ""
