"""ctdna-lowpass as a library command (ctdna/lowpass_command.py, ctdna/lowpass_tables.py):
tiny bins tables from the reduced-genome simulator (tests/lowpass_fixtures.py, seed printed)
and hand-built fits for each NA path; every table written through its schema."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ctdna import lowpass_model, lowpass_pon, lowpass_tables
from ctdna.exceptions import CtdnaInputError
from ctdna.lowpass_command import LowpassRunOptions, lowpass_cohort
from ctdna.lowpass_model import LowpassFit
from stereosarc.tables import read_output_table, write_table
from tests.lowpass_fixtures import SEED, Simulator

SHEET = "patient,sample,type,timepoint,bam\nP01,P01-B,plasma,baseline,a.bam\n" \
        "P02,P02-B,plasma,baseline,b.bam\nP03,P03-B,plasma,month6,c.bam\n"  # fmt: skip


def _write(tmp_path: Path, frames: dict[str, pd.DataFrame]) -> tuple[Path, ...]:
    paths = []
    for name, frame in frames.items():
        path = tmp_path / f"{name}.lowpass_bins.tsv"
        write_table(frame, path, "ctdna_lowpass_bins")
        paths.append(path)
    return tuple(paths)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """P01-B at TF 0.5, P02-B at TF 0, P03-B from a WIG (no lengths), against a PoN of 5."""
    print(f"seed {SEED}")
    tmp_path = tmp_path_factory.mktemp("lowpass")
    sim = Simulator()
    plasma = {"P01-B": sim.sample("P01-B", 0.5), "P02-B": sim.sample("P02-B", 0.0, "male")}
    wig = sim.sample("P03-B", 0.3).assign(short=pd.NA, long=pd.NA, source="wig")
    normals = {f"N{i}": sim.sample(f"N{i}", 0.0, ("female", "male")[i % 2]) for i in range(5)}
    (tmp_path / "samplesheet.csv").write_text(SHEET)
    options = LowpassRunOptions(
        tmp_path / "samplesheet.csv", _write(tmp_path, plasma | {"P03-B": wig}),
        _write(tmp_path, normals),
    )  # fmt: skip
    tables = lowpass_cohort(options)
    for name, schema in [("samples", "ctdna_lowpass_samples"), ("ratios", "ctdna_lowpass_ratios"),
                         ("segments", "ctdna_lowpass_segments")]:  # fmt: skip
        write_table(getattr(tables, name), tmp_path / f"{name}.tsv", schema)  # schema-checked
    return tables, options, tmp_path


def test_a_high_tumour_fraction_is_detected_with_its_interval(cohort):
    tables, _, _ = cohort
    row = tables.samples.set_index("sample").loc["P01-B"]
    assert row["method"] == "lowpass_wgs" and row["reference"] == "pon"
    assert row["detected"] == 1 and row["reason_code"] is None
    assert row["tumour_fraction"] == pytest.approx(0.5, rel=0.25)
    assert row["tf_ci_low"] <= row["tumour_fraction"] <= row["tf_ci_high"]
    assert row["patient"] == "P01" and row["timepoint"] == "baseline"
    assert 70 < row["bins_modelled"] <= 80 and 0 < row["mad_log2"] < 0.3
    assert row["short_long_ratio"] > 0 and row["tf_short"] > 0  # tumour fragments are shorter


def test_no_tumour_gives_na_with_not_detected(cohort):
    tables, _, _ = cohort
    row = tables.samples.set_index("sample").loc["P02-B"]
    assert row["detected"] == 0 and row["reason_code"] == "not_detected"
    assert math.isnan(row["tumour_fraction"]) and "not detected" in row["reason"]
    assert row["tf_ci_low"] == 0.0 and row["sex"] == "male"
    segments = tables.segments[tables.segments["sample"] == "P02-B"]  # the fit's, kept
    assert segments["n_bins"].sum() == row["bins_modelled"]


def test_wig_counts_have_no_fragment_size_measures(cohort):
    tables, _, _ = cohort
    row = tables.samples.set_index("sample").loc["P03-B"]
    assert math.isnan(row["short_long_ratio"]) and math.isnan(row["tf_short"])
    assert "short fragments: no fragment lengths" in row["reason"]


def test_ratios_hold_every_bin_and_the_fitted_copy_number(cohort):
    tables, _, tmp_path = cohort
    ratios = read_output_table(tmp_path / "ratios.tsv")
    gained = ratios[(ratios["sample"] == "P01-B") & (ratios["chrom"] == "chr1")]
    assert len(ratios) == 3 * 95  # 4 x 20 autosomal + 10 chrX + 5 chrY bins per sample
    assert (gained.loc[gained["start"] < 900_000, "copy_number"] == 3).mean() > 0.8
    chr_y = ratios[ratios["chrom"] == "chrY"]
    assert chr_y["masked"].eq(1).all() and chr_y["copy_number"].isna().all()
    modelled = ratios[ratios["copy_number"].notna() & (ratios["sample"] == "P01-B")]
    p = tables.samples.set_index("sample").loc["P01-B", "tumour_fraction"]
    c = modelled["copy_number"]
    np.testing.assert_allclose(modelled["expected_log2"], np.log2((2 * (1 - p) + c * p) / 2),
                               atol=1e-9)  # fmt: skip  # reference copy number 2, by hand


def test_without_a_pon_the_reference_is_none(cohort, tmp_path):
    _, options, _ = cohort
    alone = LowpassRunOptions(options.samplesheet, options.bins[:1])
    row = lowpass_cohort(alone).samples.iloc[0]
    assert row["reference"] == "none" and row["sample"] == "P01-B"


def test_a_pon_below_the_minimum_is_refused(cohort):
    _, options, _ = cohort
    with pytest.raises(lowpass_pon.PonTooSmallError, match="at least 5"):
        LowpassRunOptions(options.samplesheet, options.bins, options.pon_bins[:3])


def test_a_sample_missing_from_the_samplesheet_is_refused(cohort, tmp_path):
    _, options, _ = cohort
    (tmp_path / "sheet.csv").write_text("patient,sample,type\nP09,P09-B,plasma\n")
    with pytest.raises(CtdnaInputError, match="no row for sample"):
        lowpass_cohort(LowpassRunOptions(tmp_path / "sheet.csv", options.bins[:1]))


def _fit(**changes) -> LowpassFit:
    values = dict(tumour_fraction=0.04, ci_low=0.01, ci_high=0.08, reference_cn=2.0,
                  ploidy=2.1, lr_statistic=20.0, threshold=9.0, detected=True, lod=0.06,
                  noise_sd=0.1, n_bins=40, reason=None,
                  segments=pd.DataFrame({"chrom": ["1"], "start": [0], "end": [200],
                                         "n_bins": [2], "mean_log2": [0.03],
                                         "copy_number": [3], "subclonal": [False]}))  # fmt: skip
    return LowpassFit(**(values | changes))


def test_a_detected_estimate_below_the_lod_is_na():
    assert lowpass_model.reported(_fit())[:2] == (pytest.approx(math.nan, nan_ok=True),
                                                             "below_lod")  # fmt: skip
    assert lowpass_model.reported(_fit(lod=0.03)) == (0.04, None, None)
    code = lowpass_model.reported(_fit(detected=None, reason="12 usable bins"))
    assert code[1:] == ("no_fit", "12 usable bins")


def test_mad_of_neighbour_differences_by_hand():
    ratios = pd.DataFrame({"chrom": ["1"] * 5 + ["2"] * 3, "log2_ratio":
                           [0.0, 0.2, 0.1, 0.4, 0.2, 5.0, 5.1, 4.8]})  # fmt: skip
    # differences within chromosomes: 0.2 -0.1 0.3 -0.2 | 0.1 -0.3; median 0.0;
    # |d - 0|: 0.2 0.1 0.3 0.2 0.1 0.3 -> median 0.2
    assert lowpass_tables.mad_log2(ratios) == pytest.approx(1.482602218505602 * 0.2 / 2**0.5)
