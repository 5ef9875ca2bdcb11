"""Low-pass WGS normalisation (ctdna/lowpass_norm.py, ctdna/lowpass_pon.py): GC and
mappability correction on hand-built bins, sex from chrX/chrY, the panel of normals and its
masks, and the copy-number ratio of a simulated tumour (stereosarc.demo.lowpass binned-count
equivalents, seed printed) against the value derived from its mixture."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctdna import lowpass_norm, lowpass_pon
from ctdna.exceptions import ContigMismatchError
from stereosarc.demo import lowpass

SEED = 20240601
BIN = 100_000


def _bins(gc, fragments, chrom="chr1", mappability=np.nan, size=1000):
    n = len(gc)
    return pd.DataFrame({"chrom": chrom, "start": np.arange(n) * size,
                         "end": np.arange(1, n + 1) * size, "fragments": fragments, "gc": gc,
                         "mappability": mappability})  # fmt: skip


def test_gc_trend_is_removed_and_a_gain_is_kept():
    gc = np.linspace(0.35, 0.6, 80)
    bias = lowpass.gc_bias(gc)
    copies = np.where(np.arange(80) % 10 == 3, 3, 2)  # every 10th bin a gain (3 copies)
    bins = _bins(gc, np.round(4000 * bias * copies / 2).astype(int))
    depth = lowpass_norm.normalise_sample(bins).bins
    neutral = depth.loc[copies == 2, "corrected_depth"]
    np.testing.assert_allclose(neutral, 1.0, atol=0.04)  # lowess boundary bias at GC ends
    interior = depth["gc"].between(0.38, 0.57) & (copies == 2)
    np.testing.assert_allclose(depth.loc[interior, "corrected_depth"], 1.0, atol=0.005)
    np.testing.assert_allclose(depth.loc[copies == 3, "log2_depth"], np.log2(1.5), atol=0.03)
    assert (depth["fragments"].max() / depth["fragments"].min()) > 1.5  # the bias was real


def test_mappability_below_threshold_is_masked_and_bias_corrected():
    gc = np.full(60, 0.45)
    mappability = np.r_[np.linspace(0.9, 1.0, 50), np.full(10, 0.5)]
    bins = _bins(
        gc + np.linspace(0, 0.01, 60), np.round(3000 * mappability), mappability=mappability
    )
    depth = lowpass_norm.normalise_sample(bins).bins
    assert (depth["mask_reason"].iloc[50:] == "mappability < 0.9").all()
    np.testing.assert_allclose(depth["corrected_depth"].iloc[:50], 1.0, atol=0.02)


def test_missing_gc_and_empty_bins_are_masked_with_their_reason():
    gc = np.r_[np.linspace(0.35, 0.6, 40), np.nan]
    fragments = np.r_[np.full(39, 500), 0, 500]
    depth = lowpass_norm.normalise_sample(_bins(gc, fragments)).bins
    assert list(depth["mask_reason"].iloc[-2:]) == ["no fragments", "no GC"]
    assert depth["log2_depth"].iloc[-2:].isna().all()


def _simulated(sex, rng, tumour_fraction=0.0, segments=(), depth=1.0, sequences=None):
    blocks = lowpass.block_table(sequences, list(segments), sex)
    fragments = lowpass.draw_fragments(blocks, tumour_fraction, depth, rng)
    return lowpass.binned_fragments(fragments, sequences, BIN)


@pytest.fixture(scope="module")
def genome():
    print(f"seed {SEED}")
    return lowpass.reference_genome(SEED), np.random.default_rng(SEED)


@pytest.mark.parametrize("sex", ["male", "female"])
def test_sex_is_inferred_and_chrX_brought_to_two_copies(genome, sex):
    sequences, rng = genome
    result = lowpass_norm.normalise_sample(_simulated(sex, rng, sequences=sequences))
    assert result.sex == sex and result.sex_reason is None
    on_x = result.bins["chrom"] == "chrX"
    assert abs(np.nanmedian(result.bins.loc[on_x, "log2_depth"])) < 0.15
    assert (
        (result.bins.loc[result.bins["chrom"] == "chrY", "mask_reason"])
        .str.startswith("chrY")
        .all()
    )


def test_disagreeing_sex_evidence_gives_na_and_masks_chrX(genome):
    sequences, rng = genome
    bins = _simulated("female", rng, sequences=sequences)
    bins.loc[bins["chrom"] == "chrX", "fragments"] //= 2  # X at one copy, yet no chrY reads
    result = lowpass_norm.normalise_sample(bins)
    assert result.sex is None and "disagree" in result.sex_reason
    assert (result.bins.loc[bins["chrom"] == "chrX", "mask_reason"] == "sex unknown (chrX)").all()


def test_pon_below_the_minimum_is_refused_in_one_line(genome):
    sequences, rng = genome
    normals = {f"N{i}": _simulated("female", rng, sequences=sequences) for i in range(4)}
    with pytest.raises(lowpass_pon.PonTooSmallError, match="4 sample\\(s\\); at least 5"):
        lowpass_pon.build_pon(normals)


def test_pon_with_other_bins_is_refused(genome):
    sequences, rng = genome
    normals = {f"N{i}": _simulated("female", rng, sequences=sequences) for i in range(5)}
    normals["N4"] = normals["N4"].iloc[:-1]
    with pytest.raises(ContigMismatchError, match="N4: bins"):
        lowpass_pon.build_pon(normals)


def test_pon_masks_noisy_and_low_coverage_bins(genome):
    sequences, rng = genome
    normals = {f"N{i}": _simulated("female", rng, sequences=sequences) for i in range(6)}
    for i, name in enumerate(sorted(normals)):
        normals[name].loc[30, "fragments"] = int(normals[name].loc[30, "fragments"] * (0.4 + i))
        normals[name].loc[40, "fragments"] //= 4
    pon = lowpass_pon.build_pon(normals)
    reasons = pon.bins["pon_mask_reason"]
    assert reasons[30].startswith("PoN: spread") and reasons[40].startswith("PoN: median")
    assert reasons[pon.bins["chrom"] == "chr3"].isna().all()


def test_simulated_gain_and_loss_ratios_match_the_mixture(genome):
    sequences, rng = genome
    normals = {f"N{i}": _simulated(("female", "male")[i % 2], rng, sequences=sequences)
               for i in range(6)}  # fmt: skip
    pon = lowpass_pon.build_pon(normals)
    assert pon.sexes == ["female", "male"] * 3
    tf = 0.3
    segments = [lowpass.Segment("chr1", 1_000_000, 2_000_000, 5),
                lowpass.Segment("chr2", 0, 2_000_000, 1)]  # fmt: skip
    sample = lowpass_norm.normalise_sample(
        _simulated("male", rng, tf, segments, sequences=sequences)
    )
    with_pon = lowpass_pon.log2_ratios(sample, pon, "T")
    alone = lowpass_pon.log2_ratios(sample, None, "T")
    region = np.select(
        [(with_pon["chrom"] == "chr1") & with_pon["start"].between(1_000_000, 1_999_999),
         with_pon["chrom"] == "chr2", with_pon["chrom"].isin(["chr1", "chr3"])],
        ["gain", "loss", "neutral"], "other",
    )  # fmt: skip
    for table in (with_pon, alone):
        medians = table.groupby(region)["log2_ratio"].median()
        gain = np.log2(((1 - tf) * 2 + tf * 5) / 2)  # mixture of 2 normal and 5 tumour copies
        loss = np.log2(((1 - tf) * 2 + tf * 1) / 2)
        assert medians["gain"] - medians["neutral"] == pytest.approx(gain, abs=0.1)
        assert medians["loss"] - medians["neutral"] == pytest.approx(loss, abs=0.1)
    assert set(with_pon["reference"]) == {"pon"} and set(alone["reference"]) == {"none"}
    assert alone["pon_median_log2"].isna().all() and (with_pon["pon_size"] == 6).all()
    spread = with_pon.loc[region == "neutral", "log2_ratio"].std()
    assert spread < alone.loc[region == "neutral", "log2_ratio"].std()  # the PoN removes bias
