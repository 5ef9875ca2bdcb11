"""The shared table writer: schema enforcement, NA and boolean encoding, atomic writes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stereosarc import tables
from stereosarc.errors import InputError, SchemaError


@pytest.fixture()
def toy_schema(tmp_path, monkeypatch):
    schemas = tmp_path / "assets" / "schemas"
    schemas.mkdir(parents=True)
    (schemas / "toy.schema.json").write_text(
        json.dumps(
            {
                "type": "object",
                "required": ["patient", "tmb"],
                "properties": {
                    "patient": {"type": "string"},
                    "tmb": {"type": ["number", "null"], "minimum": 0},
                    "high": {"type": ["integer", "null"], "enum": [0, 1, None]},
                },
            }
        )
    )
    monkeypatch.setenv("STEREOSARC_ASSETS", str(tmp_path / "assets"))
    tables.load_schema.cache_clear()
    yield
    tables.load_schema.cache_clear()


def test_missing_values_are_written_as_NA_and_booleans_as_1_0(tmp_path, toy_schema):
    frame = pd.DataFrame({"patient": ["P1", "P2"], "tmb": [np.nan, 2.5], "high": [None, True]})
    tables.write_table(frame, tmp_path / "t.tsv", "toy")
    assert (tmp_path / "t.tsv").read_text() == "patient\ttmb\thigh\nP1\tNA\tNA\nP2\t2.5\t1\n"


def test_missing_required_column_lists_expected_and_found(tmp_path, toy_schema):
    with pytest.raises(
        SchemaError, match=r"expected columns \['patient', 'tmb'\]; missing \['tmb'\]"
    ):
        tables.write_table(pd.DataFrame({"patient": ["P1"]}), tmp_path / "t.tsv", "toy")
    assert not list(tmp_path.glob("*t.tsv*"))


def test_value_below_minimum_is_refused_and_nothing_is_left_behind(tmp_path, toy_schema):
    frame = pd.DataFrame({"patient": ["P1"], "tmb": [-1.0]})
    with pytest.raises(SchemaError, match="column 'tmb' has values below the minimum 0"):
        tables.write_table(frame, tmp_path / "t.tsv", "toy")
    assert list(tmp_path.iterdir()) == [tmp_path / "assets"]


def test_null_in_non_nullable_column(tmp_path, toy_schema):
    frame = pd.DataFrame({"patient": [None], "tmb": [1.0]})
    with pytest.raises(SchemaError, match="'patient' has missing values"):
        tables.write_table(frame, tmp_path / "t.tsv", "toy")


def test_flag_outside_enum(tmp_path, toy_schema):
    frame = pd.DataFrame({"patient": ["P1"], "tmb": [1.0], "high": [2]})
    with pytest.raises(SchemaError, match="'high' has value 2"):
        tables.write_table(frame, tmp_path / "t.tsv", "toy")


def test_read_table_marks_rows_and_missing(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("patient,value\nP1, 3 \nP2,NA\nP3,\n")
    table = tables.read_table(path, required=["patient"])
    assert table["value"].tolist() == ["3", None, None]
    assert table[tables.ROW_COLUMN].tolist() == [2, 3, 4]  # spreadsheet rows: header = row 1


def test_read_table_unknown_extension(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_text("a\n1\n")
    with pytest.raises(InputError, match="unknown table extension"):
        tables.read_table(path)


def test_parquet_copy_has_the_same_rows(tmp_path, toy_schema):
    frame = pd.DataFrame({"patient": ["P1", "P2"], "tmb": [1.5, np.nan]})
    tables.write_table(frame, tmp_path / "t.tsv", "toy", parquet=True)
    back = pd.read_parquet(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(back, frame)


def test_value_checks_shared_by_both_writers():
    spec = {"type": ["integer", "null"], "minimum": 0, "enum": [0, 1, None]}
    assert tables.missing_problem(True, {"type": "string"}) == tables.MISSING_PROBLEM
    assert tables.missing_problem(True, spec) is None
    assert tables.number_problem([0, 1], spec) is None
    assert tables.number_problem([0.5], spec) == "has non-integer values"
    assert tables.number_problem([-1], {"type": "number", "minimum": 0}).startswith(
        "has values below"
    )
    assert tables.number_problem([1, 2], spec) == "has value 2 outside [0, 1]"
    assert tables.text_problem(["x"], spec) == "has non-numeric values such as 'x'"
    assert tables.text_problem(["CR", "XX"], {"type": "string", "enum": ["CR"]}) == (
        "has value 'XX' outside ['CR']"
    )


def test_write_records_equals_write_table(tmp_path, toy_schema):
    rows = [
        {"patient": "P1", "tmb": 1 / 3, "high": True},
        {"patient": "P2", "tmb": None, "high": None},
    ]
    tables.write_records(rows, tmp_path / "records.tsv", "toy")
    tables.write_table(pd.DataFrame(rows), tmp_path / "frame.tsv", "toy")
    assert (tmp_path / "records.tsv").read_bytes() == (tmp_path / "frame.tsv").read_bytes()


def test_write_records_refuses_before_writing(tmp_path, toy_schema):
    with pytest.raises(SchemaError, match="column 'tmb' has values below the minimum 0"):
        tables.write_records([{"patient": "P1", "tmb": -1.0}], tmp_path / "x.tsv", "toy")
    with pytest.raises(SchemaError, match=r"missing \['tmb'\]"):
        tables.write_records([{"patient": "P1"}], tmp_path / "x.tsv", "toy")
    assert list(tmp_path.glob("*x.tsv*")) == []


def test_discarded_atomic_file_leaves_nothing(tmp_path):
    handle, tmp = tables.open_atomic(tmp_path / "trace.tsv")
    handle.write(b"partial")
    handle.close()
    tables.discard_atomic(tmp)
    assert list(tmp_path.iterdir()) == []
