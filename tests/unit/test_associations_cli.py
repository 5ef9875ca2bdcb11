"""outcome-associate end to end: files in, schema-checked tables out, one-line errors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from outcome import associations
from outcome.associate_cli import associate_main
from stereosarc.tables import read_output_table
from tests.unit.test_associations_degenerate import cohort

SEED = 20240601
NO_ENET = associations.Settings(n_bootstrap=20, enet_repeats=0)  # fast settings


def _write(frame: pd.DataFrame, path) -> str:
    frame.to_csv(path, sep="\t", index=False, na_rep="NA")
    return str(path)


def test_cli_writes_associations_and_km(tmp_path):
    biomarkers = _write(cohort(), tmp_path / "biomarkers.tsv")
    status = associate_main(
        [
            "--biomarkers",
            biomarkers,
            "--n-bootstrap",
            "50",
            "--enet-repeats",
            "1",
            "--out",
            str(tmp_path / "a.tsv"),
            "--out-km",
            str(tmp_path / "km.tsv"),
        ]
    )
    assert status == 0
    table = read_output_table(tmp_path / "a.tsv")
    assert {
        "biomarker",
        "endpoint",
        "method",
        "n",
        "events",
        "estimate",
        "ci_low",
        "ci_high",
        "p_value",
        "q_value",
    } <= set(table.columns)
    assert table.loc[0, "family"] == "primary"
    km = read_output_table(tmp_path / "km.tsv")
    assert set(km["curve"]) == {"arm", "nlr_high"}


def test_cli_error_names_file_row_and_column(tmp_path, capsys):
    frame = cohort()
    frame["tmb"] = frame["tmb"].astype(object)
    frame.loc[3, "tmb"] = "high"
    biomarkers = _write(frame, tmp_path / "biomarkers.tsv")
    status = associate_main(
        [
            "--biomarkers",
            biomarkers,
            "--out",
            str(tmp_path / "a.tsv"),
            "--out-km",
            str(tmp_path / "km.tsv"),
        ]
    )
    assert status == 2
    assert "biomarkers.tsv row 5, column tmb: 'high' is not a number" in capsys.readouterr().err


def test_time_varying_cox_runs_when_dates_are_available():
    rng = np.random.default_rng(SEED)
    frame = cohort(80)
    frame["start_date"] = "2020-01-01"
    ctdna = pd.DataFrame(
        {
            "patient": np.repeat(frame["patient"], 2).to_numpy(),
            "sample": [f"S{i}" for i in range(160)],
            "timepoint": np.tile(["baseline", "month6"], 80),
            "collection_date": np.tile(["2019-12-30", "2020-07-01"], 80),
            "detected": rng.integers(0, 2, 160),
        }
    )
    table, _ = associations.associate(frame, ctdna, NO_ENET)
    row = table[table["method"] == "cox_time_varying"].iloc[0]
    assert np.isfinite(row["estimate"]) and row["n"] == 80
    assert "samples after follow up" in row["note"]


def test_cli_refuses_unknown_arm_and_repeated_patient(tmp_path, capsys):
    out = ["--out", str(tmp_path / "a.tsv"), "--out-km", str(tmp_path / "km.tsv")]
    frame = cohort()
    frame.loc[5, "arm"] = "atezolizumab"
    assert associate_main(["--biomarkers", _write(frame, tmp_path / "b.tsv"), *out]) == 2
    assert "b.tsv row 7, column arm: 'atezolizumab' is not one of" in capsys.readouterr().err
    frame = pd.concat([cohort(), cohort().iloc[[0]]])
    assert associate_main(["--biomarkers", _write(frame, tmp_path / "b.tsv"), *out]) == 2
    assert "column patient: 'P000' appears more than once" in capsys.readouterr().err
    assert not (tmp_path / "a.tsv").exists()


def test_cli_writes_the_primary_endpoint_table_with_the_design_options(tmp_path, capsys):
    frame = cohort().assign(per_protocol=1, pfs_days_fda=np.nan, pfs_event_fda=np.nan)
    biomarkers = _write(frame, tmp_path / "biomarkers.tsv")
    out = [
        "--out",
        str(tmp_path / "a.tsv"),
        "--out-km",
        str(tmp_path / "km.tsv"),
        "--n-bootstrap",
        "20",
        "--enet-repeats",
        "0",
    ]
    status = associate_main(
        [
            "--biomarkers",
            biomarkers,
            *out,
            "--primary-alpha",
            "0.05",
            "--primary-sided",
            "two",
            "--out-primary",
            str(tmp_path / "primary.tsv"),
        ]
    )
    assert status == 0
    table = read_output_table(tmp_path / "primary.tsv")
    main = table[table["primary"] == 1]
    assert len(main) == 1 and main.iloc[0]["sided"] == "two" and main.iloc[0]["alpha"] == 0.05
    assert main.iloc[0]["ci_level"] == 0.95 and main.iloc[0]["population"] == "itt"
    assert set(table["population"]) == {"itt", "per_protocol"}
    fda = table[table["censoring"] == "fda"]
    assert len(fda) == 2 and fda["note"].str.contains("not analysed").all()
    status = associate_main(
        [
            "--biomarkers",
            biomarkers,
            *out,
            "--primary-alpha",
            "0.7",
            "--out-primary",
            str(tmp_path / "p2.tsv"),
        ]
    )
    assert status == 2 and "--primary-alpha" in capsys.readouterr().err
