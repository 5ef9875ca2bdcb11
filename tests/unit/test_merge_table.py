"""Per-patient merge: one row per randomised patient, NA columns, dichotomies, rejects."""

from __future__ import annotations

import pandas as pd
import pytest

from outcome import family, merge


def frame(rows, columns, file):
    table = pd.DataFrame(rows, columns=columns)
    table["_row"] = range(1, len(table) + 1)
    table["_file"] = file
    return table


ENDPOINTS = pd.DataFrame(
    {
        "patient": ["P2", "P1", "P3"],
        "arm": ["SBRT"] * 3,
        "histology": ["liposarcoma"] * 3,
        "line": [1, 2, 1],
        "pfs_days": [100.0, 200.0, 50.0],
        "pfs_event": [1, 0, 1],
        "pfs_6m": [0, 1, 0],
        "os_days": [300.0, 400.0, 80.0],
        "os_event": [0, 0, 1],
        "best_response": ["PD", "PR", "NE"],
        "objective_response": [0, 1, 0],
    }
)


def test_no_optional_input_gives_all_columns_na():
    table, rejects = merge.merge(ENDPOINTS)
    assert table["patient"].tolist() == ["P1", "P2", "P3"] and rejects == []
    assert list(table.columns[: len(merge.REQUIRED)]) == merge.REQUIRED
    assert {"cps_high", "nlr_high", "mgps_high"} <= set(table.columns)
    assert table[merge.REQUIRED[len(merge.ENDPOINT_COLUMNS) :]].isna().all().all()


def test_dichotomies_compare_unrounded_values_with_ge():
    ihc = frame([("P1", 0.67), ("P2", 1.0), ("P3", None)], ["patient", "cps"], "ihc.tsv")
    labs = frame(
        [("P1", 4.999, 0), ("P2", 5.0, 1), ("P3", 7.0, 2)], ["patient", "nlr", "mgps"], "labs.tsv"
    )
    tmb = frame([("P1", "T1", 9.99), ("P2", "T2", 10.0)], ["patient", "sample", "tmb"], "tmb.tsv")
    table, _ = merge.merge(ENDPOINTS, tmb=tmb, ihc=ihc, labs_table=labs)
    as_list = lambda c: [None if pd.isna(v) else int(v) for v in table[c]]  # noqa: E731
    assert as_list("cps_high") == [0, 1, None]
    assert as_list("nlr_high") == [0, 1, 1]
    assert as_list("mgps_high") == [0, 1, 1]
    assert as_list("tmb_high") == [0, 1, None]


def test_cut_parameters_keep_the_column_names_and_record_the_cut():
    labs = frame([("P1", 3.0)], ["patient", "nlr"], "labs.tsv")
    table, _ = merge.merge(ENDPOINTS, labs_table=labs, cuts={"nlr": 2.5, "cps": 10})
    assert not [c for c in table.columns if "_ge_" in c]
    row = table.loc[table["patient"] == "P1"].iloc[0]
    assert row["nlr_high"] == 1 and row["nlr_high_cutoff"] == 2.5  # NLR 3 >= 2.5
    assert row["cps_high_cutoff"] == 10 and row["tmb_high_cutoff"] == 10


def test_rows_of_patients_absent_from_clinical_are_rejected():
    ihc = frame([("P1", 2.0), ("P9", 3.0)], ["patient", "cps"], "ihc_patient.tsv")
    table, rejects = merge.merge(ENDPOINTS, ihc=ihc)
    assert len(table) == 3 and "P9" not in set(table["patient"])
    assert [vars(r) for r in rejects] == [
        {
            "stage": "merge",
            "file": "ihc_patient.tsv",
            "row": 2,
            "column": "patient",
            "patient": "P9",
            "severity": "error",
            "code": "unknown_patient",
            "reason": "patient not in the clinical table",
            "detail": "ihc",
        }
    ]


@pytest.mark.parametrize("rule, sample, value", [("max", "T-b", 12.0), ("first", "T-a", 3.0)])
def test_tmb_rule_for_several_tumour_samples(rule, sample, value):
    tmb = frame([("P1", "T-a", 3.0), ("P1", "T-b", 12.0)], ["patient", "sample", "tmb"], "tmb.tsv")
    table, rejects = merge.merge(ENDPOINTS, tmb=tmb, tmb_rule=rule)
    p1 = table[table["patient"] == "P1"].iloc[0]
    assert (p1["tmb_sample"], p1["tmb"], p1["tmb_n_samples"]) == (sample, value, 2)
    assert len(rejects) == 1 and rejects[0]["code"] == "tmb_sample_not_selected"


def test_ctdna_wide_and_duplicate_timepoints():
    ctdna = frame(
        [
            ("P1", "B1", "baseline", 0.02, 1),
            ("P1", "M1", "month6", 0.0, 0),
            ("P2", "B2", "baseline", 0.1, 1),
            ("P2", "B3", "baseline", 0.2, 1),
            ("P3", "X", "week3", 0.1, 1),
        ],
        ["patient", "sample", "timepoint", "tumour_fraction", "detected"],
        "ctdna.tsv",
    )
    table, rejects = merge.merge(ENDPOINTS, ctdna=ctdna)
    p1 = table.iloc[0]
    assert (p1["ctdna_baseline_tf"], p1["ctdna_baseline_detected"], p1["ctdna_month6_tf"]) == (
        0.02,
        1,
        0.0,
    )
    assert table.iloc[1][["ctdna_baseline_tf"]].isna().all()
    assert sorted((r["row"], r["column"]) for r in rejects) == [
        (3, "sample"),
        (4, "sample"),
        (5, "timepoint"),
    ]


def test_combined_rejects_are_sorted_deterministically():
    stage = pd.DataFrame(
        {
            "stage": ["labs", "ihc"],
            "file": ["labs.csv", "ihc.csv"],
            "row": ["10", "2"],
            "column": ["unit", None],
            "patient": ["P1", "P2"],
            "code": ["unknown_unit", "duplicate_row"],
        }
    )
    own = [
        {
            "stage": "merge",
            "file": "tmb.tsv",
            "row": None,
            "column": None,
            "patient": "P9",
            "code": "unknown_patient",
        }
    ]
    combined = merge.combine_rejects([stage.iloc[::-1]], own)
    assert combined["stage"].tolist() == ["labs", "merge", "ihc"]  # errors first
    assert combined["row"].tolist()[::2] == [10, 2]


def test_missingness_summary():
    table, _ = merge.merge(ENDPOINTS, ihc=frame([("P1", 2.0)], ["patient", "cps"], "i.tsv"))
    summary = merge.missingness(table, ["cps", "tmb"]).set_index("biomarker")
    assert summary.loc["cps", "n_missing"] == 2 and summary.loc["tmb", "n_missing"] == 3
    assert summary.loc["cps", "percent_missing"] == pytest.approx(200 / 3)


def test_repeated_patient_in_a_per_patient_table_is_rejected():
    labs = frame([("P1", 3.0), ("P1", 4.0), ("P2", 6.0)], ["patient", "nlr"], "labs.tsv")
    table, rejects = merge.merge(ENDPOINTS, labs_table=labs)
    assert pd.isna(table.loc[0, "nlr"])  # P1 listed twice: NA
    assert table.loc[1, "nlr"] == 6.0 and [r["row"] for r in rejects] == [1, 2]


def test_at_least_forgives_floating_point_error_only():
    values = pd.Series([0.35 / 0.07, 4.9999999, 0.67, None])  # 0.35/0.07 = 4.999999999999999
    assert merge.at_least(values, 5.0).tolist()[:2] == [1, 0]
    assert merge.at_least(values, 1.0).tolist()[2] == 0


def test_tmb_default_rule_takes_the_first_sample_not_the_highest():
    tmb = frame([("P1", "T-a", 3.0), ("P1", "T-b", 12.0)], ["patient", "sample", "tmb"], "tmb.tsv")
    table, _ = merge.merge(ENDPOINTS, tmb=tmb)
    assert table.loc[table["patient"] == "P1", "tmb_sample"].iloc[0] == "T-a"


def test_only_the_dichotomies_are_binary_markers_not_every_high_column():
    columns = ["tmb_high", "tmb_ci_high", "nlr_high", "nlr", "nlr_high_cutoff"]
    markers = {m.column: m.kind for m in family.baseline_markers(columns)}
    assert markers == {"nlr": "continuous", "tmb_high": "binary", "nlr_high": "binary"}
