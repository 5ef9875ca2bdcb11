"""labs-markers, outcome-clinical and outcome-merge end to end on tiny inputs written in
tmp_path (run in-process through their main(argv))."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from blood.cli import labs_main
from outcome.clinical_cli import clinical_main
from outcome.merge_cli import merge_main
from stereosarc.tables import read_output_table
from tests.cli.immune_blood_fixtures import CLINICAL, pipeline, run, write


def test_labs_markers_end_to_end(tmp_path, capsys):
    pipeline(tmp_path, capsys)
    labs = read_output_table(tmp_path / "labs.tsv").set_index("patient")
    # neutrophils 4000/uL on day -15 (edge, kept) = 4; lymphocytes 1 on day 0: different
    # draws, so no NLR. CRP 1.2 mg/dL = 12 mg/L, albumin 3.5 g/dL = 35 g/L (same day -1) ->
    # mGPS 1; on-treatment NLR 6 / 1 (same day 19)
    assert labs.loc[
        "P01",
        [
            "neutrophils_1e9_per_l",
            "crp_mg_l",
            "albumin_g_l",
            "mgps",
            "crp_albumin_same_draw",
            "nlr_on_treatment",
        ],
    ].tolist() == [4, 12, 35, 1, 1, 6]
    assert np.isnan(labs.loc["P01", "nlr"]) and np.isnan(labs.loc["P01", "nlr_change"])
    assert "not combined" in labs.loc["P01", "nlr_note"]
    assert labs.loc["P02", "mgps"] == 0  # CRP exactly 10
    rejects = read_output_table(tmp_path / "rl.tsv")
    assert rejects[["row", "column", "severity"]].values.tolist() == [
        [10, "unit", "error"],
        [11, "patient", "error"],
        [3, "date", "excluded_by_rule"],
    ]  # errors first; spreadsheet rows (header = row 1)


def test_merge_end_to_end(tmp_path, capsys):
    pipeline(tmp_path, capsys)
    write(
        tmp_path / "tmb.tsv",
        "patient\tsample\tvariants_counted\tpanel_mb\ttmb\ttmb_ci_low\t"
        "tmb_ci_high\ttmb_high\nP01\tP01-T\t10\t1\t10\t5\t18\t1\nP07\tP07-T\t1\t1\t1\t0\t5\t0\n",
    )
    code, err = run(
        merge_main,
        [
            "--clinical-endpoints",
            tmp_path / "ce.tsv",
            "--tmb",
            tmp_path / "tmb.tsv",
            "--labs",
            tmp_path / "labs.tsv",
            "--rejects",
            tmp_path / "rc.tsv",
            tmp_path / "rl.tsv",
            "--out",
            tmp_path / "bm.tsv",
            "--out-rejects",
            tmp_path / "rejects.tsv",
        ],
        capsys,
    )
    assert code == 0, err
    table = read_output_table(tmp_path / "bm.tsv")
    assert table["patient"].tolist() == ["P01", "P02", "P03"]
    assert table["cps"].isna().all() and table["ctdna_baseline_tf"].isna().all()
    assert table.loc[0, ["tmb_high", "pfs_days", "pfs_6m", "mgps_high"]].tolist() == [1, 92, 0, 1]
    assert np.isnan(table.loc[0, "nlr_high"])  # neutrophils and lymphocytes of different days
    assert np.isnan(table.loc[2, "pfs_days"]) and table.loc[2, "os_days"] == 488
    parquet = pd.read_parquet(tmp_path / "bm.parquet")
    assert list(parquet.columns) == list(table.columns) and len(parquet) == 3
    rejects = read_output_table(tmp_path / "rejects.tsv")
    assert rejects["stage"].tolist() == ["clinical", "labs", "labs", "merge", "labs"]
    assert rejects.iloc[-2]["patient"] == "P07"  # errors first, then the rule exclusion
    assert rejects["severity"].tolist() == ["error"] * 4 + ["excluded_by_rule"]


def test_merge_non_numeric_value_is_one_line_error(tmp_path, capsys):
    pipeline(tmp_path, capsys)
    text = (tmp_path / "ce.tsv").read_text().replace("\t92\t", "\tninety\t")
    write(tmp_path / "ce.tsv", text)
    code, err = run(
        merge_main,
        [
            "--clinical-endpoints",
            tmp_path / "ce.tsv",
            "--out",
            tmp_path / "bm.tsv",
            "--out-rejects",
            tmp_path / "r.tsv",
        ],
        capsys,
    )
    assert code == 2 and "ce.tsv row 2, column pfs_days: 'ninety' is not a number" in err


@pytest.mark.parametrize(
    "main, flag, name, content, message",
    [
        (
            labs_main,
            "--labs",
            "labs.csv",
            "patient,date,analyte,value\nP01,2024-01-01,crp,1\n",
            "missing required column(s) unit",
        ),
        (
            clinical_main,
            "--clinical",
            "clinical.csv",
            "patient,arm\nP01,SBRT\n",
            "missing required column(s) histology",
        ),
    ],
)
def test_labs_and_clinical_malformed_file_is_one_line_error(
    tmp_path, capsys, main, flag, name, content, message
):
    write(tmp_path / "clinical.csv", CLINICAL)
    write(tmp_path / name, content)
    extra = ["--clinical", tmp_path / "clinical.csv"] if main is labs_main else []
    code, err = run(
        main,
        [
            flag,
            tmp_path / name,
            *extra,
            "--out",
            tmp_path / "o.tsv",
            "--rejects",
            tmp_path / "r.tsv",
        ],
        capsys,
    )
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_labs_baseline_window_is_a_parameter(tmp_path, capsys):
    """P01 neutrophils: day -15 (4.0) and day -16 (3.0). Window 15 keeps day -15; window 14
    has no neutrophil baseline (both rows rejected as before the window)."""
    pipeline(tmp_path, capsys)
    code, err = run(
        labs_main,
        [
            "--labs",
            tmp_path / "labs.csv",
            "--clinical",
            tmp_path / "clinical.csv",
            "--baseline-window-days",
            "14",
            "--out",
            tmp_path / "labs14.tsv",
            "--rejects",
            tmp_path / "rl14.tsv",
        ],
        capsys,
    )
    assert code == 0, err
    narrow = read_output_table(tmp_path / "labs14.tsv").set_index("patient")
    assert np.isnan(narrow.loc["P01", "neutrophils_1e9_per_l"]) and np.isnan(
        narrow.loc["P01", "nlr"]
    )
    rejects = read_output_table(tmp_path / "rl14.tsv")
    early = rejects[rejects["row"].isin([2, 3])]
    assert early["detail"].tolist() == ["day -15", "day -16"]
    assert set(early["code"]) == {"lab_before_baseline_window"}
