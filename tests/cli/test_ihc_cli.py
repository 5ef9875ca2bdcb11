"""ihc-markers end to end on tiny inputs written in tmp_path (run in-process through
main(argv)), QuPath exports included, and the CPS cut through the written tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ihc.cli import ihc_main
from outcome.merge_cli import merge_main
from stereosarc.tables import read_output_table
from tests.cli.immune_blood_fixtures import SEED, pipeline, run, write


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
    assert rejects["row"].tolist() == [3, 4, 5, 6] and set(rejects["stage"]) == {"ihc"}
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
