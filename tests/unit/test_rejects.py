"""stereosarc.rejects: one record, one builder, one collector with one order and one dedupe."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stereosarc import rejects

ROOT = Path(__file__).resolve().parents[2]


def test_columns_are_the_schema_properties_in_order():
    schema = json.loads((ROOT / "assets/schemas/rejects.schema.json").read_text())
    assert rejects.REJECT_COLUMNS == list(schema["properties"])
    assert list(rejects.reject_table().columns) == list(schema["properties"])


def test_builder_normalises_row_and_missing_patient():
    made = rejects.reject("ihc", "ihc.csv", 3.0, "unknown marker", column="marker",
                          patient=math.nan)  # fmt: skip
    assert made == rejects.Reject("ihc", "ihc.csv", 3, "marker", None, "unknown marker")
    assert rejects.reject("ctdna", "x.bed", pd.NA, "no depth").row is None
    assert rejects.reject("ctdna", "x.bed", None, "no depth").row is None


def test_builder_refuses_a_fractional_row():
    with pytest.raises(ValueError, match="whole row"):
        rejects.reject("labs", "labs.csv", 2.5, "bad")


def test_empty_collection_has_schema_columns_and_integer_rows():
    table = rejects.reject_table([], pd.DataFrame())
    assert table.empty and str(table["row"].dtype) == "Int64"


def test_collector_takes_records_dicts_and_tables_and_sorts_once():
    frame = pd.DataFrame(
        [{"stage": "labs", "file": "labs.csv", "row": 10, "column": "unit", "patient": "P2",
          "reason": "unknown unit"}]
    )  # fmt: skip
    own = [rejects.reject("merge", "tmb.tsv", 2, "patient not in the clinical table")]
    loose = {"stage": "labs", "file": "labs.csv", "row": 9, "column": None, "patient": "P1",
             "reason": "duplicate"}  # fmt: skip
    table = rejects.reject_table(frame, own, loose)
    assert list(zip(table["stage"], table["row"], strict=True)) == [
        ("labs", 9),
        ("labs", 10),
        ("merge", 2),
    ]


def test_rows_sort_numerically_not_as_text():
    parts = [rejects.reject("ihc", "a.csv", row, "r") for row in (10, 9, 100)]
    assert list(rejects.reject_table(parts)["row"]) == [9, 10, 100]


def test_missing_values_sort_first():
    parts = [
        rejects.reject("ctdna", "t.bed", 1, "r", column="gene"),
        rejects.reject("ctdna", "t.bed", None, "whole file"),
        rejects.reject("ctdna", "t.bed", 1, "r"),
        rejects.reject(None, "t.bed", 5, "validate"),
    ]
    table = rejects.reject_table(parts)
    assert table["stage"].iloc[0] is None
    assert pd.isna(table["row"].iloc[1])
    assert table["column"].iloc[2] is None and table["column"].iloc[3] == "gene"


def test_exact_duplicates_are_dropped_near_duplicates_kept():
    one = rejects.reject("labs", "labs.csv", 4, "impossible value", column="value", patient="P1")
    other_reason = rejects.reject("labs", "labs.csv", 4, "unknown unit", column="value",
                                  patient="P1")  # fmt: skip
    table = rejects.reject_table([one, one], pd.DataFrame([one.__dict__]), [other_reason])
    assert len(table) == 2


def test_order_does_not_depend_on_input_order():
    parts = [
        rejects.reject("ihc", "b.csv", 2, "x"),
        rejects.reject("ihc", "a.csv", 7, "y", patient="P3"),
        rejects.reject("clinical", "c.csv", 1, "z"),
    ]
    forward = rejects.reject_table(parts)
    backward = rejects.reject_table(parts[::-1])
    pd.testing.assert_frame_equal(forward, backward)
    assert list(forward["file"]) == ["c.csv", "a.csv", "b.csv"]


TEXTS = st.one_of(st.none(), st.sampled_from(["", "a", "b", "P1", "P10", "P2"]))


ROWS = st.one_of(st.none(), st.integers(0, 12))
FILES = st.sampled_from(["x.csv", "y.tsv"])
REJECT_ROWS = st.tuples(TEXTS, FILES, ROWS, TEXTS, TEXTS, st.sampled_from(["r1", "r2"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(REJECT_ROWS, max_size=12))
def test_collector_is_idempotent_and_order_free(rows):
    """Stage files are collected again into cohort/rejects.tsv: collecting twice changes
    nothing, and the input order never matters."""
    parts = [rejects.reject(s, f, r, why, column=c, patient=p) for s, f, r, c, p, why in rows]
    once = rejects.reject_table(parts)
    pd.testing.assert_frame_equal(rejects.reject_table(once), once)
    pd.testing.assert_frame_equal(rejects.reject_table(parts[::-1]), once)
    assert len(once) == len(set(parts))
