"""stereosarc.protocol: the JSON schemas (Nextflow's specification) say what the module says."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from stereosarc import protocol

ROOT = Path(__file__).resolve().parents[2]


def _schema(name: str) -> dict:
    return json.loads((ROOT / "assets" / "schemas" / f"{name}.schema.json").read_text())


def _enum(spec: dict) -> list:
    return [value for value in spec["enum"] if value is not None]


def test_samplesheet_schema_patterns_and_enums_equal_protocol():
    sheet = json.loads((ROOT / "assets" / "schema_input.json").read_text())["properties"]
    assert sheet["patient"]["pattern"] == protocol.ID_PATTERN
    assert sheet["sample"]["pattern"] == protocol.ID_PATTERN
    assert tuple(sheet["type"]["enum"]) == protocol.SAMPLE_TYPES
    assert tuple(sheet["timepoint"]["enum"]) == protocol.TIMEPOINTS


def test_nextflow_schema_account_pattern_is_the_identifier_rule():
    params = json.loads((ROOT / "nextflow_schema.json").read_text())
    found = [
        spec["pattern"]
        for group in params.get("$defs", params.get("definitions", {})).values()
        for name, spec in group.get("properties", {}).items()
        if name == "slurm_account"
    ]
    assert found == [protocol.ID_PATTERN]


@pytest.mark.parametrize("table", ["biomarkers", "clinical_endpoints"])
def test_patient_table_enums_equal_protocol(table):
    properties = _schema(table)["properties"]
    assert tuple(_enum(properties["arm"])) == protocol.ARMS
    assert tuple(_enum(properties["histology"])) == protocol.HISTOLOGIES
    assert tuple(str(v) for v in _enum(properties["line"])) == protocol.LINES
    assert tuple(_enum(properties["best_response"])) == protocol.RESPONSES
    assert tuple(_enum(properties["best_response_irecist"])) == protocol.IRESPONSES


@pytest.mark.parametrize("table", ["ctdna", "demo_samplesheet", "demo_truth"])
def test_timepoint_enums_equal_protocol(table):
    assert tuple(_enum(_schema(table)["properties"]["timepoint"])) == protocol.TIMEPOINTS


def test_demo_tables_use_protocol_categories():
    clinical = _schema("demo_clinical")["properties"]
    assert set(_enum(clinical["arm"])) == set(protocol.ARMS)
    assert tuple(_enum(clinical["line"])) == protocol.LINES
    assert tuple(_enum(_schema("demo_samplesheet")["properties"]["type"])) == protocol.SAMPLE_TYPES


def test_six_month_horizon_is_half_a_julian_year():
    assert protocol.PFS_6M_DAYS == 182.625


@pytest.mark.parametrize(
    "value, ok",
    [("P01", True), ("a.b_c-1", True), ("9", True), ("-P01", False), (".hidden", False),
     ("P 01", False), ("P01;rm", False), ("", False), ("P01\n", False), (None, False)],
)  # fmt: skip
def test_identifier_rule_edge_cases(value, ok):
    assert protocol.is_identifier(value) is ok


def test_at_least_forgives_binary_rounding_only():
    assert 0.35 / 0.07 < 5  # the float quotient is 4.999999999999999
    assert protocol.at_least(0.35 / 0.07, 5.0) == 1
    assert protocol.at_least(4.9999999, 5.0) == 0  # a real shortfall is not forgiven
    assert protocol.at_least(10.0, protocol.TMB_HIGH_CUTOFF) == 1
    assert protocol.at_least(9.99, protocol.TMB_HIGH_CUTOFF) == 0


def test_at_least_missing_is_none():
    assert protocol.at_least(math.nan, 10.0) is None
    assert protocol.at_least(None, 10.0) is None
