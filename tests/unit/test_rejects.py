"""stereosarc.rejects: one record, one builder, one collector with one order and one dedupe."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stereosarc import reject_codes, rejects

ROOT = Path(__file__).resolve().parents[2]


def test_columns_are_the_schema_properties_in_order():
    schema = json.loads((ROOT / "assets/schemas/rejects.schema.json").read_text())
    assert rejects.REJECT_COLUMNS == list(schema["properties"])
    assert list(rejects.reject_table().columns) == list(schema["properties"])


def test_builder_normalises_row_and_missing_patient():
    made = rejects.reject("ihc", "ihc.csv", 3.0, "unknown_marker", column="marker",
                          patient=math.nan, detail="marker 'CD99'")  # fmt: skip
    assert made == rejects.Reject(
        "ihc", "ihc.csv", 3, "marker", None, "error", "unknown_marker",
        "marker not one the stage scores", "marker 'CD99'",
    )  # fmt: skip
    assert rejects.reject("ctdna", "x.bed", pd.NA, "contig_not_in_bam").row is None
    assert rejects.reject("ctdna", "x.bed", None, "contig_not_in_bam", detail="").detail is None


def test_builder_refuses_a_fractional_row():
    with pytest.raises(ValueError, match="whole row"):
        rejects.reject("labs", "labs.csv", 2.5, "unknown_unit")


def test_builder_refuses_an_unregistered_code():
    """A call site cannot invent a code, nor pass its own reason text as one."""
    with pytest.raises(KeyError, match="not registered in stereosarc.reject_codes"):
        rejects.reject("labs", "labs.csv", 2, "unit is odd")


def test_severity_and_reason_come_from_the_registry():
    made = rejects.reject("labs", "labs.csv", 4, "lab_before_baseline_window", detail="day -20")
    entry = reject_codes.CODES["lab_before_baseline_window"]
    assert (
        (made.severity, made.reason)
        == (entry.severity, entry.reason)
        == (
            "excluded_by_rule",
            "lab value before the baseline window",
        )
    )


def test_collector_rebuilds_severity_and_reason_from_the_code():
    """A stage table with a stale reason or severity is collected with the registry's."""
    stale = {"stage": "ihc", "file": "ihc.csv", "row": 3, "column": "patient", "patient": "P9",
             "severity": "info", "code": "unknown_patient", "reason": "old words"}  # fmt: skip
    row = rejects.reject_table([stale]).iloc[0]
    assert (row["severity"], row["reason"]) == ("error", "patient not in the clinical table")


def test_collector_refuses_a_table_without_codes():
    old = pd.DataFrame([{"stage": "labs", "file": "l.csv", "row": 2, "reason": "x"}])
    with pytest.raises(KeyError):
        rejects.reject_table(old)


def test_empty_collection_has_schema_columns_and_integer_rows():
    table = rejects.reject_table([], pd.DataFrame())
    assert table.empty and str(table["row"].dtype) == "Int64"


def test_collector_takes_records_dicts_and_tables_and_sorts_once():
    frame = pd.DataFrame(
        [{"stage": "labs", "file": "labs.csv", "row": 10, "column": "unit", "patient": "P2",
          "code": "unknown_unit"}]
    )  # fmt: skip
    own = [rejects.reject("merge", "tmb.tsv", 2, "unknown_patient")]
    loose = {"stage": "labs", "file": "labs.csv", "row": 9, "column": None, "patient": "P1",
             "code": "conflicting_duplicate"}  # fmt: skip
    table = rejects.reject_table(frame, own, loose)
    assert list(zip(table["stage"], table["row"], strict=True)) == [
        ("labs", 9),
        ("labs", 10),
        ("merge", 2),
    ]


def test_errors_sort_first_then_rule_exclusions_then_info():
    """rejects.tsv opens with the rows someone must fix, whatever their stage or file."""
    parts = [
        rejects.reject("ctdna", "a.tsv", 2, "ctdna_site_also_tumour_informed"),
        rejects.reject("labs", "a.csv", 2, "lab_before_baseline_window"),
        rejects.reject("merge", "z.csv", 9, "unknown_patient"),
        rejects.reject("clinical", "c.csv", 5, "lab_after_on_treatment_window"),
    ]
    table = rejects.reject_table(parts)
    assert list(table["severity"]) == ["error", "excluded_by_rule", "excluded_by_rule", "info"]
    assert list(table["stage"]) == ["merge", "clinical", "labs", "ctdna"]


def test_rows_sort_numerically_not_as_text():
    parts = [rejects.reject("ihc", "a.csv", row, "unknown_marker") for row in (10, 9, 100)]
    assert list(rejects.reject_table(parts)["row"]) == [9, 10, 100]


def test_missing_values_sort_first():
    parts = [
        rejects.reject("ctdna", "t.bed", 1, "contig_not_in_bam", column="gene"),
        rejects.reject("ctdna", "t.bed", None, "contig_not_in_bam"),
        rejects.reject("ctdna", "t.bed", 1, "contig_not_in_bam"),
        rejects.reject(None, "t.bed", 5, "contig_not_in_bam"),
    ]
    table = rejects.reject_table(parts)
    assert table["stage"].iloc[0] is None
    assert pd.isna(table["row"].iloc[1])
    assert table["column"].iloc[2] is None and table["column"].iloc[3] == "gene"


def test_exact_duplicates_are_dropped_near_duplicates_kept():
    one = rejects.reject("labs", "labs.csv", 4, "impossible_value", column="value", patient="P1")
    other_code = rejects.reject("labs", "labs.csv", 4, "unknown_unit", column="value",
                                patient="P1")  # fmt: skip
    table = rejects.reject_table([one, one], pd.DataFrame([one.__dict__]), [other_code])
    assert len(table) == 2


def test_order_does_not_depend_on_input_order():
    parts = [
        rejects.reject("ihc", "b.csv", 2, "unknown_marker"),
        rejects.reject("ihc", "a.csv", 7, "unknown_metric", patient="P3"),
        rejects.reject("clinical", "c.csv", 1, "date_order"),
    ]
    forward = rejects.reject_table(parts)
    backward = rejects.reject_table(parts[::-1])
    pd.testing.assert_frame_equal(forward, backward)
    assert list(forward["file"]) == ["c.csv", "a.csv", "b.csv"]


TEXTS = st.one_of(st.none(), st.sampled_from(["", "a", "b", "P1", "P10", "P2"]))


ROWS = st.one_of(st.none(), st.integers(1, 12))
FILES = st.sampled_from(["x.csv", "y.tsv"])
CODES = st.sampled_from(["unknown_unit", "duplicate_row", "tissue_cn_not_used"])
REJECT_ROWS = st.tuples(TEXTS, FILES, ROWS, TEXTS, TEXTS, CODES, TEXTS)


@settings(max_examples=60, deadline=None)
@given(st.lists(REJECT_ROWS, max_size=12))
def test_collector_is_idempotent_and_order_free(rows):
    """Stage files are collected again into cohort/rejects.tsv: collecting twice changes
    nothing, and the input order never matters."""
    parts = [
        rejects.reject(s, f, r, code, column=c, patient=p, detail=d)
        for s, f, r, c, p, code, d in rows
    ]
    once = rejects.reject_table(parts)
    pd.testing.assert_frame_equal(rejects.reject_table(once), once)
    pd.testing.assert_frame_equal(rejects.reject_table(parts[::-1]), once)
    assert len(once) == len(set(parts))


def test_rows_rejected_reads_file_row_and_patient_and_words_detail_per_row():
    rows = pd.DataFrame(
        {"_file": ["a.csv", "a.csv"], "_row": [2, 5], "patient": ["P1", None], "day": [3, 40]}
    )
    made = rejects.rows_rejected(
        "labs", rows, "unknown_patient", detail=lambda r: f"day {r.day}", where=("_file", "_row")
    )
    assert [(r.file, r.row, r.patient, r.detail) for r in made] == [
        ("a.csv", 2, "P1", "day 3"),
        ("a.csv", 5, None, "day 40"),
    ]
    assert {r.code for r in made} == {"unknown_patient"} and made[0].severity == "error"
    assert (
        rejects.rows_rejected("labs", rows.iloc[:0], "unknown_patient", where=("_file", "_row"))
        == []
    )
