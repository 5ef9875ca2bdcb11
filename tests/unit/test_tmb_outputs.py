"""tmb-calc's writers (stereosarc.tables' pandas-free core) against its DataFrame writer
(stereosarc.tables.write_table / validate_frame): same bytes, same verdicts."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from stereosarc.errors import SchemaError
from stereosarc.tables import validate_frame, write_table
from tests.unit.test_tmb_fixtures import csq, record, write_vcf
from tests.unit.test_tmb_vcf import PANEL, needs
from tmb import burden, outputs, vcf_io
from tmb.filters import FilterSettings, judge_alleles, trace_frame


def summary_row(**changes) -> dict:
    row = {
        "patient": "P01",
        "sample": "S1",
        "variants_counted": 12,
        "panel_mb": 1.1021283,
        **burden.tmb_estimate(12, 1.1021283, calibration=(0.8, 1.5)),
        "ci_level": 0.95,
        "tmb_high_cutoff": 10.0,
        "mode": "nonsynonymous",
        "annotation": "CSQ",
        "vcf_sample": "TUMOR",
        "panel_bed_mb": 1.25,
        "coding_restricted": 0,
        "coverage_restricted": 1,
        "small_panel": 0,
        **burden.Tally({"covered_ok", "hotspot_ok"}).as_dict(),
    }
    return {**row, **changes}


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"panel_mb": 0.0, **burden.tmb_estimate(3, 0.0)},  # missing TMB-high, NaN TMB
        {"vcf_sample": 'T "1"\tx', "tmb_wes_calibrated": -0.0},  # quoting, negative zero
        {"tmb": 1e-12, "tmb_ci_high": 123456789012.5, "records_read": 10**12},
    ],
)
def test_summary_bytes_equal_the_shared_writer(tmp_path, changes):
    row = summary_row(**changes)
    outputs.write_summary(row, tmp_path / "ours.tsv")
    write_table(pd.DataFrame([row]), tmp_path / "shared.tsv", "tmb")
    assert (tmp_path / "ours.tsv").read_bytes() == (tmp_path / "shared.tsv").read_bytes()


@pytest.mark.parametrize(
    "changes",
    [
        {"variants_counted": -1},
        {"ci_level": 1.5},
        {"tmb_high": 2},
        {"mode": "everything"},
        {"panel_mb": math.nan},
        {"variants_counted": "twelve"},
        {"alleles_total": 2.5},
    ],
)
def test_summary_refusals_equal_the_shared_validator(tmp_path, changes):
    row = summary_row(**changes)
    with pytest.raises(SchemaError, match="table tmb: column"):
        validate_frame(pd.DataFrame([row]), "tmb")
    with pytest.raises(SchemaError, match="table tmb: column"):
        outputs.write_summary(row, tmp_path / "ours.tsv")
    assert not (tmp_path / "ours.tsv").exists()
    missing = summary_row()
    del missing["tmb"]
    with pytest.raises(SchemaError, match="missing \\['tmb'\\]"):
        outputs.write_summary(missing, tmp_path / "ours.tsv")


def test_schemas_and_conventions_are_the_shared_ones():
    """tmb.outputs takes schemas, NA and float format from stereosarc.schemas, as tables does."""
    from stereosarc import schemas, tables

    assert outputs.load_schema is schemas.load_schema is tables.load_schema
    assert (
        (outputs.NA_REP, outputs.FLOAT_FORMAT)
        == (tables.NA_REP, tables.FLOAT_FORMAT)
        == ("NA", "%.10g")
    )


def traces(tmp_path, info: str):
    extra = ['##INFO=<ID=CNT,Number=A,Type=Float,Description="COSMIC count">']
    path = write_vcf(tmp_path / "cosmic.vcf", [record(100, "A", "C", info)], extra=extra)
    vcf = vcf_io.open_vcf(path)
    plan = vcf_io.plan_reading(vcf, path, "T1", needs(cosmic_field="CNT"))
    settings = FilterSettings(max_cosmic=10)
    return [judge_alleles(a, settings, PANEL) for _, a in vcf_io.iter_allele_chunks(vcf, plan)]


@pytest.mark.parametrize("count, valid", [("3", True), ("-3", False)])
def test_trace_verdicts_equal_the_shared_validator(tmp_path, count, valid):
    # cosmic_count has minimum 0 in the schema: a negative count in the VCF is a bug signal
    (trace,) = traces(tmp_path, f"CNT={count};CSQ=" + csq("C", "missense_variant"))
    frame = trace_frame(trace).assign(patient="P1", sample="S1")
    writer = outputs.TraceWriter(tmp_path / "trace.tsv", {"patient": "P1", "sample": "S1"})
    if valid:
        validate_frame(frame, "tmb_trace")
        writer.write(trace)
        writer.close()
        return
    with pytest.raises(SchemaError, match="column 'cosmic_count' has values below the minimum"):
        validate_frame(frame, "tmb_trace")
    with pytest.raises(SchemaError, match="column 'cosmic_count' has values below the minimum"):
        writer.write(trace)
    writer.abort()
    assert not list(tmp_path.glob("*trace*"))


def test_trace_columns_are_the_schema_columns_in_order():
    """The trace column list is pinned by the compiled reader's layout (tmb/_vcfcore.c); the
    schema is the source: both must list the same columns in the same order."""
    from tmb.filters import TRACE_COLUMNS

    properties = list(outputs.load_schema("tmb_trace")["properties"])
    assert ["patient", "sample"] + TRACE_COLUMNS == properties
    assert outputs.text_columns() == [
        "chrom", "ref", "alt", "filter", "vaf_source", "consequences", "genes", "reason"
    ]  # fmt: skip
