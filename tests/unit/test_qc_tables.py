"""QC quantities of qc.tables on tiny hand-counted tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qc import tables
from stereosarc.errors import InputError


def _tmb(**overrides) -> pd.DataFrame:
    row = dict(
        patient="P1",
        sample="P1-T",
        records_read=12,
        alleles_total=10,
        alleles_not_pass=3,
        alleles_outside_panel=4,
        variants_counted=2,
        panel_mb=1.0,
        small_panel=0,
        tmb=2.0,
    )
    return pd.DataFrame([{**row, **overrides}])


def test_pass_and_in_panel_fractions_are_shares_of_alt_alleles():
    row = tables.tmb_qc(_tmb()).iloc[0]
    assert row["pass_fraction"] == pytest.approx(7 / 10)
    assert row["in_panel_fraction"] == pytest.approx(6 / 10)
    assert list(tables.tmb_qc(_tmb()).columns[:2]) == ["sample", "patient"]


def test_vcf_without_alt_alleles_has_na_fractions_not_zero_division():
    row = tables.tmb_qc(_tmb(alleles_total=0, alleles_not_pass=0, alleles_outside_panel=0)).iloc[0]
    assert np.isnan(row["pass_fraction"]) and np.isnan(row["in_panel_fraction"])


SAMPLES = pd.DataFrame(
    {
        "sample": ["P1-B", "PON1"],
        "patient": ["P1", None],
        "type": ["plasma", "pon"],
        "timepoint": ["baseline", None],
    }
)
SITES = pd.DataFrame(
    {
        "sample": ["P1-B", "P1-B", "P1-B", "PON1"],
        "depth_fragments": [100, 300, 200, 50],
        "lowqual_fragments": [0, 10, 30, 0],
    }
)
DEPTH = pd.DataFrame(
    {"sample": ["P1-B", "P1-B", "PON1"], "mean_fragment_depth": [80.0, 250.0, 120.0]}
)
BACKGROUND = pd.DataFrame(
    {
        "sample": ["P1-B", "P1-B", "PON1"],
        "error_count": [2, 6, 0],
        "opportunity_count": [1000, 3000, 0],
    }
)
CALLS = pd.DataFrame(
    {
        "sample": ["P1-B"],
        "evaluable": [0],
        "detected": [np.nan],
        "reason_code": ["below_lod"],
        "lod95_tf": [0.08],
    }
)


def test_ctdna_qc_medians_fractions_and_rates_by_hand():
    table = tables.ctdna_qc(SAMPLES, SITES, DEPTH, BACKGROUND, CALLS, min_depth=100).set_index(
        "sample"
    )
    plasma = table.loc["P1-B"]
    assert plasma["targets"] == 2 and plasma["target_depth_median"] == 165.0
    assert plasma["targets_below_min_depth"] == 1
    assert plasma["sites"] == 3 and plasma["site_depth_median"] == 200
    assert plasma["lowqual_fraction"] == pytest.approx(40 / 640)
    assert plasma["background_error_rate"] == pytest.approx(8 / 4000)
    assert plasma["reason_code"] == "below_lod" and plasma["patient"] == "P1"


def test_pon_sample_has_no_call_and_zero_opportunities_give_na_rate():
    pon = tables.ctdna_qc(SAMPLES, SITES, DEPTH, BACKGROUND, CALLS).set_index("sample").loc["PON1"]
    assert np.isnan(pon["background_error_rate"]) and pd.isna(pon["evaluable"])
    assert pon["type"] == "pon" and pon["targets_below_min_depth"] == 0


def test_without_ctdna_calls_the_call_columns_are_na():
    table = tables.ctdna_qc(SAMPLES, SITES, DEPTH, BACKGROUND, None)
    assert table[["evaluable", "detected", "reason_code", "lod95_tf"]].isna().all().all()


READ_STATS = pd.DataFrame(
    {
        "sample": ["P1-B"],
        "territory_bp": [400],
        "reads": [1000],
        "duplicate_reads": [50],
        "duplicate_fraction": [0.05],
        "kept_reads": [900],
        "fragments": [460],
        "sized_fragments": [450],
        "fragment_length_median": [166.0],
        "fragment_length_q25": [150.5],
        "fragment_length_q75": [180.0],
        "short_fragment_fraction": [0.25],
    }
)


def test_read_statistics_are_copied_and_missing_samples_are_na():
    table = tables.ctdna_qc(
        SAMPLES, SITES, DEPTH, BACKGROUND, CALLS, read_stats=READ_STATS
    ).set_index("sample")
    plasma, pon = table.loc["P1-B"], table.loc["PON1"]
    assert (plasma["reads"], plasma["duplicate_fraction"], plasma["fragments"]) == (
        1000,
        0.05,
        460,
    )
    assert (plasma["fragment_length_q25"], plasma["fragment_length_median"]) == (150.5, 166.0)
    assert plasma["short_fragment_fraction"] == 0.25 and plasma["target_depth_median"] == 165.0
    assert pon[tables.READ_STATS_COLUMNS].isna().all()  # no read statistics: NA, not 0
    columns = list(table.reset_index().columns)
    assert columns[4 : 4 + len(tables.READ_STATS_COLUMNS)] == tables.READ_STATS_COLUMNS


def test_without_read_statistics_the_columns_are_na():
    table = tables.ctdna_qc(SAMPLES, SITES, DEPTH, BACKGROUND, CALLS)
    assert table[tables.READ_STATS_COLUMNS].isna().all().all()
    assert list(table["sample"]) == ["P1-B", "PON1"]


def test_a_sample_with_two_read_statistics_rows_is_refused():
    with pytest.raises(InputError, match="'P1-B' has more than one row"):
        tables.ctdna_qc(
            SAMPLES, SITES, DEPTH, BACKGROUND, CALLS, read_stats=pd.concat([READ_STATS] * 2)
        )
