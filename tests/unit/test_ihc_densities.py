"""IHC long-table validation, duplicates, block rules and the CD8/FOXP3 ratio."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ihc import densities


def long_table(rows):
    table = pd.DataFrame(rows, columns=["patient", "sample", "marker", "metric", "value"])
    table["_row"] = range(1, len(table) + 1)
    table["_file"] = "ihc.csv"
    return table


def test_bad_rows_are_rejected_with_column_and_reason():
    table = long_table(
        [
            ("P1", "P1-A", "CD99", "density_per_mm2", "5"),  # unknown marker
            ("P1", "P1-A", "CD8", "cps", "5"),  # metric not for CD8
            ("P1", "P1-A", "CD8", "density_per_mm2", "-1"),  # negative
            ("P1", "P1-A", "CD8", "percent_positive", "101"),  # above 100 %
            ("P1", "P1-A", "PD-L1", "viable_tumour_cells", "10.5"),  # not a whole count
            ("P 1", "P1-A", "CD8", "density_per_mm2", "5"),  # bad identifier
            ("P1", "P1-A", "CD8", "density_per_mm2", "abc"),  # not a number
            ("P1", "P1-A", "CD8", "density_per_mm2", "60000"),  # above packing bound
            ("P1", "P1-A", "cd8", "density_per_mm2", "12.5"),  # kept (case-insensitive)
        ]
    )
    rows, rejects = densities.validate_long(table)
    assert [(r["row"], r["column"], r["code"]) for r in rejects] == [
        (1, "marker", "unknown_marker"),
        (2, "metric", "unknown_metric"),
        (3, "value", "impossible_value"),
        (4, "value", "impossible_value"),
        (5, "value", "impossible_value"),
        (6, "patient", "invalid_identifier"),
        (7, "value", "value_not_a_number"),
        (8, "value", "impossible_value"),
    ]
    assert rejects[0]["detail"] == "marker 'CD99'"
    assert rejects[3]["detail"] == "percent_positive 101: above 100"
    assert rows[["marker", "value", "source_row"]].values.tolist() == [["CD8", 12.5, 9]]


def test_identical_duplicates_keep_one_conflicting_duplicates_reject_all():
    rows, _ = densities.validate_long(
        long_table(
            [
                ("P1", "A", "CD3", "density_per_mm2", "50"),
                ("P1", "A", "CD3", "density_per_mm2", "50.0"),
                ("P1", "A", "CD4", "density_per_mm2", "50"),
                ("P1", "A", "CD4", "density_per_mm2", "51"),
            ]
        )
    )
    kept, rejects = densities.deduplicate(rows)
    assert kept[["marker", "value"]].values.tolist() == [["CD3", 50.0]]
    assert [(r["row"], r["code"], r["severity"]) for r in rejects] == [
        (2, "duplicate_row", "excluded_by_rule"),
        (3, "conflicting_duplicate", "error"),
        (4, "conflicting_duplicate", "error"),
    ]


def blocks_of(rows_spec, rule):
    rows, _ = densities.validate_long(long_table(rows_spec))
    blocks, _ = densities.block_table(rows)
    return densities.patient_table(blocks, rows, rule)


TWO_BLOCKS = [
    ("P1", "P1-B", "CD8", "density_per_mm2", "60"),
    ("P1", "P1-B", "FOXP3", "density_per_mm2", "0"),
    ("P1", "P1-A", "CD8", "density_per_mm2", "120"),
    ("P1", "P1-A", "FOXP3", "density_per_mm2", "40"),
]


@pytest.mark.parametrize(
    "rule, cd8, foxp3, ratio, n_rejects",
    [
        ("mean", 90.0, 20.0, 4.5, 0),  # (120 + 60) / 2, (40 + 0) / 2, 90 / 20
        ("max", 120.0, 40.0, 3.0, 0),
        ("first", 120.0, 40.0, 3.0, 2),  # P1-A is the smallest sample id; P1-B's 2 rows rejected
        ("P1-B", 60.0, 0.0, None, 2),  # FOXP3 0 -> ratio undefined
    ],
)
def test_block_rules(rule, cd8, foxp3, ratio, n_rejects):
    table, rejects = blocks_of(TWO_BLOCKS, rule)
    row = table.iloc[0]
    assert (row["cd8_density"], row["foxp3_density"]) == (cd8, foxp3)
    if ratio is None:
        assert math.isnan(row["cd8_foxp3_ratio"])
        assert row["cd8_foxp3_ratio_note"] == "FOXP3 density is 0: ratio undefined"
    else:
        assert row["cd8_foxp3_ratio"] == ratio
    assert len(rejects) == n_rejects and all("not selected" in r["reason"] for r in rejects)


def test_mean_of_cps_over_evaluable_blocks_only():
    spec = [
        ("P1", "A", "PD-L1", "viable_tumour_cells", "200"),
        ("P1", "A", "PD-L1", "pdl1_pos_tumour_cells", "2"),
        ("P1", "A", "PD-L1", "pdl1_pos_lymphocytes", "2"),
        ("P1", "A", "PD-L1", "pdl1_pos_macrophages", "0"),  # CPS 4 / 200 * 100 = 2
        ("P1", "B", "PD-L1", "cps", "4"),  # given
        ("P1", "C", "PD-L1", "viable_tumour_cells", "50"),  # not evaluable
        ("P1", "C", "PD-L1", "pdl1_pos_tumour_cells", "50"),
        ("P1", "C", "PD-L1", "pdl1_pos_lymphocytes", "0"),
        ("P1", "C", "PD-L1", "pdl1_pos_macrophages", "0"),
    ]
    row = blocks_of(spec, "mean")[0].iloc[0]
    assert row["cps"] == pytest.approx(3.0)  # (2 + 4) / 2
    assert row["cps_source"] == "counts; given" and row["n_blocks"] == 3


def test_more_positive_than_viable_tumour_cells_is_rejected():
    rows, _ = densities.validate_long(
        long_table(
            [
                ("P1", "A", "PD-L1", "viable_tumour_cells", "100"),
                ("P1", "A", "PD-L1", "pdl1_pos_tumour_cells", "150"),
            ]
        )
    )
    blocks, rejects = densities.block_table(rows)
    assert rejects[0]["row"] == 2 and rejects[0]["code"] == "impossible_value"
    assert "more PD-L1+ tumour cells" in rejects[0]["detail"]
    assert math.isnan(blocks.iloc[0]["tps"])


def test_empty_table_gives_no_patient():
    rows, _ = densities.validate_long(long_table([]))
    blocks, _ = densities.block_table(rows)
    table, rejects = densities.patient_table(blocks, rows, "mean")
    assert table.empty and rejects == [] and list(table.columns) == densities.PATIENT_COLUMNS


def test_sample_id_shared_by_two_patients_is_rejected():
    rows, rejects = densities.validate_long(
        long_table(
            [
                ("P1", "S1", "CD8", "density_per_mm2", "5"),
                ("P2", "S1", "CD3", "density_per_mm2", "5"),
                ("P2", "S2", "CD3", "density_per_mm2", "7"),
            ]
        )
    )
    rows, rejects = densities.reject_shared_samples(rows)
    assert rows["sample"].tolist() == ["S2"] and [r["row"] for r in rejects] == [1, 2]
