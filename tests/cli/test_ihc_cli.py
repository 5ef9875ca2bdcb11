"""ihc-markers, labs-markers, outcome-clinical and outcome-merge end to end on tiny inputs
written in tmp_path (run in-process through their main(argv))."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from blood.cli import labs_main
from ihc.cli import ihc_main
from outcome.clinical_cli import clinical_main
from outcome.merge_cli import merge_main
from stereosarc.tables import read_output_table

SEED = 20240601  # project seed (docs/development.md)

CLINICAL = """patient,arm,histology,line,start_date,progression_date,death_date,last_assessment_date,last_followup_date,diagnosis_date,best_response
P01,SBRT,leiomyosarcoma,1,2024-03-01,2024-06-01,,2024-06-01,2024-09-01,2023-01-01,PD
P02,SBRT+atezolizumab,liposarcoma,2,2024-03-10,,,2024-12-01,2025-01-01,2022-05-05,PR
P03,SBRT,undifferentiated,1,2024-04-01,2024-03-01,,2024-06-01,2024-07-01,2023-03-01,SD
"""


def write(path, text):
    path.write_text(text)
    return path


def run(main, argv, capsys):
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def qupath_export(path, annotations, micro="µm", class_header="Class"):
    """A QuPath-style export of (area µm², positive, detections) annotations."""
    lines = [
        f"Image\tName\t{class_header}\tParent\tROI\tArea {micro}^2\tNum Detections\t"
        "Num Positive\tNum Negative\tPositive %\tNum Positive per mm^2"
    ]
    for i, (area, positive, detections) in enumerate(annotations):
        lines.append(
            f"img.svs\tA{i}\tTumor\tRoot object\tPolygon\t{area}\t{detections}\t"
            f"{positive}\t{detections - positive}\t{positive / detections * 100:.4f}\t"
            f"{positive / (area / 1e6):.4f}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_qupath_export_round_trips_to_the_long_format_densities(tmp_path, capsys):
    rng = np.random.default_rng(SEED)
    print("seed", SEED)
    long_rows, manifest = ["patient,sample,marker,metric,value"], ["file,patient,sample,marker"]
    for k, marker in enumerate(("CD3", "CD8", "FOXP3", "CD163")):
        areas = rng.integers(200_000, 3_000_000, size=3)
        positives = rng.integers(0, 2_000, size=3)
        detections = positives + rng.integers(100, 5_000, size=3)
        qupath_export(
            tmp_path / f"e{k}.tsv",
            list(zip(areas, positives, detections)),
            micro=("µm", "um", "?m", "μm")[k],
            class_header=("Class", "Classification")[k % 2],
        )
        manifest.append(f"e{k}.tsv,P01,P01-A,{marker}")
        density = float(positives.sum() / (areas.sum() / 1e6))
        percent = float(positives.sum() / detections.sum() * 100)
        long_rows += [
            f"P01,P01-A,{marker},density_per_mm2,{density!r}",
            f"P01,P01-A,{marker},percent_positive,{percent!r}",
        ]
    write(tmp_path / "ihc.csv", "\n".join(long_rows) + "\n")
    write(tmp_path / "manifest.csv", "\n".join(manifest) + "\n")
    for name, args in (
        ("long", ["--ihc", tmp_path / "ihc.csv"]),
        ("qupath", ["--qupath", tmp_path / "manifest.csv"]),
    ):
        code, err = run(
            ihc_main,
            args + ["--out", tmp_path / f"{name}.tsv", "--rejects", tmp_path / f"rej_{name}.tsv"],
            capsys,
        )
        assert code == 0, err
    long, qupath = (read_output_table(tmp_path / f"{n}.tsv") for n in ("long", "qupath"))
    columns = [c for c in long.columns if c.endswith(("_density", "_percent_positive", "ratio"))]
    pd.testing.assert_frame_equal(long[columns], qupath[columns], rtol=1e-8)
    assert long["cd8_density"].notna().all()


def test_ihc_markers_bad_rows_go_to_rejects(tmp_path, capsys):
    write(
        tmp_path / "ihc.csv",
        "patient,sample,marker,metric,value\n"
        "P01,P01-A,CD8,density_per_mm2,120\nP01,P01-A,CD99,density_per_mm2,5\n"
        "P01,P01-A,CD3,density_per_mm2,-5\nP01,P01-A,CD4,density_per_mm2,50\n"
        "P01,P01-A,CD4,density_per_mm2,51\nP01,P01-A,PD-L1,cps,0.67\n",
    )
    code, err = run(
        ihc_main,
        [
            "--ihc",
            tmp_path / "ihc.csv",
            "--out",
            tmp_path / "o.tsv",
            "--rejects",
            tmp_path / "r.tsv",
        ],
        capsys,
    )
    assert code == 0, err
    rejects = read_output_table(tmp_path / "r.tsv")
    assert rejects["row"].tolist() == [2, 3, 4, 5] and set(rejects["stage"]) == {"ihc"}
    out = read_output_table(tmp_path / "o.tsv")
    assert out.loc[0, "cps"] == 0.67 and out.loc[0, "cd8_density"] == 120


@pytest.mark.parametrize(
    "content, message",
    [
        ("patient,sample,marker,value\nP1,A,CD8,3\n", "missing required column(s) metric"),
        ("", "file is empty"),
    ],
)
def test_ihc_markers_malformed_file_is_one_line_error(tmp_path, capsys, content, message):
    write(tmp_path / "ihc.csv", content)
    code, err = run(
        ihc_main,
        [
            "--ihc",
            tmp_path / "ihc.csv",
            "--out",
            tmp_path / "o.tsv",
            "--rejects",
            tmp_path / "r.tsv",
        ],
        capsys,
    )
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.tsv").exists()


def test_ihc_markers_missing_qupath_file_is_one_line_error(tmp_path, capsys):
    write(tmp_path / "m.csv", "file,patient,sample,marker\nabsent.tsv,P1,A,CD8\n")
    code, err = run(
        ihc_main,
        [
            "--qupath",
            tmp_path / "m.csv",
            "--out",
            tmp_path / "o.tsv",
            "--rejects",
            tmp_path / "r.tsv",
        ],
        capsys,
    )
    assert code == 2 and "absent.tsv: QuPath export listed in the manifest not found" in err


LABS = """patient,date,analyte,value,unit
P01,2024-02-15,neutrophils,4000,/uL
P01,2024-02-14,neutrophils,3.0,G/L
P01,2024-03-01,lymphocytes,1.0,10^9/L
P01,2024-02-29,crp,1.2,mg/dL
P01,2024-02-29,albumin,3.5,g/dL
P01,2024-03-20,neutrophils,6,G/L
P01,2024-03-20,lymphocytes,1,G/L
P02,2024-03-01,crp,10,mg/L
P02,2024-03-01,platelets,250,mmol/L
P09,2024-03-01,crp,10,mg/L
"""


def pipeline(tmp_path, capsys):
    """outcome-clinical, labs-markers, then the inputs of outcome-merge."""
    write(tmp_path / "clinical.csv", CLINICAL)
    write(tmp_path / "labs.csv", LABS)
    assert (
        run(
            clinical_main,
            [
                "--clinical",
                tmp_path / "clinical.csv",
                "--out",
                tmp_path / "ce.tsv",
                "--rejects",
                tmp_path / "rc.tsv",
            ],
            capsys,
        )[0]
        == 0
    )
    assert (
        run(
            labs_main,
            [
                "--labs",
                tmp_path / "labs.csv",
                "--clinical",
                tmp_path / "clinical.csv",
                "--out",
                tmp_path / "labs.tsv",
                "--rejects",
                tmp_path / "rl.tsv",
            ],
            capsys,
        )[0]
        == 0
    )


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
    assert rejects[["row", "column"]].values.tolist() == [
        [2, "date"],
        [9, "unit"],
        [10, "patient"],
    ]


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
    assert rejects["stage"].tolist() == ["clinical", "labs", "labs", "labs", "merge"]
    assert rejects.iloc[-1]["patient"] == "P07"


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
    assert code == 2 and "ce.tsv row 1, column pfs_days: 'ninety' is not a number" in err


def test_unknown_block_rule_is_one_line_error(tmp_path, capsys):
    write(
        tmp_path / "ihc.csv",
        "patient,sample,marker,metric,value\nP01,P01-A,CD8,density_per_mm2,1\n",
    )
    code, err = run(
        ihc_main,
        [
            "--ihc",
            tmp_path / "ihc.csv",
            "--block-rule",
            "median",
            "--out",
            tmp_path / "o.tsv",
            "--rejects",
            tmp_path / "r.tsv",
        ],
        capsys,
    )
    assert code == 2 and "--block-rule 'median'" in err


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


def test_cps_just_below_1_stays_below_the_cut_through_the_written_tables(tmp_path, capsys):
    """CPS from counts, written to ihc_patient.tsv, read by outcome-merge: the cut compares
    the unrounded score. Hand-derived: (19,000 + 900 + 99) / 2,000,000 × 100 = 0.99995
    (a writer rounding to 4 significant digits would turn it into 1 and flip cps_high)."""
    pipeline(tmp_path, capsys)
    counts = {
        "viable_tumour_cells": 2_000_000,
        "pdl1_pos_tumour_cells": 19_000,
        "pdl1_pos_lymphocytes": 900,
        "pdl1_pos_macrophages": 99,
    }
    write(
        tmp_path / "ihc.csv",
        "patient,sample,marker,metric,value\n"
        + "".join(f"P01,P01-A,PD-L1,{metric},{value}\n" for metric, value in counts.items())
        + "P02,P02-A,PD-L1,cps,1\n",
    )
    assert (
        run(
            ihc_main,
            [
                "--ihc",
                tmp_path / "ihc.csv",
                "--out",
                tmp_path / "ihc.tsv",
                "--rejects",
                tmp_path / "ri.tsv",
            ],
            capsys,
        )[0]
        == 0
    )
    code, err = run(
        merge_main,
        [
            "--clinical-endpoints",
            tmp_path / "ce.tsv",
            "--ihc",
            tmp_path / "ihc.tsv",
            "--out",
            tmp_path / "bm.tsv",
            "--out-rejects",
            tmp_path / "rejects.tsv",
        ],
        capsys,
    )
    assert code == 0, err
    table = read_output_table(tmp_path / "bm.tsv").set_index("patient")
    assert table.loc["P01", "cps"] == pytest.approx(0.99995, rel=1e-12)
    assert table.loc["P01", "tps"] == pytest.approx(0.95, rel=1e-12)  # 19,000 / 2,000,000
    assert table.loc["P01", "cps_high"] == 0 and table.loc["P02", "cps_high"] == 1
    assert pd.isna(table.loc["P03", "cps_high"])  # no IHC: NA, not 0


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
    assert rejects.loc[rejects["row"].isin([1, 2]), "reason"].tolist() == [
        "day -15: before the 14-day baseline window",
        "day -16: before the 14-day baseline window",
    ]
