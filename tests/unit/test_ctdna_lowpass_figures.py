"""Low-pass report figures (ctdna.lowpass_figures) on tiny tables: the SVG parses, every
segment is one path, masked bins and bins without a ratio are not drawn, the genome is laid
out in natural chromosome order and the heatmap keeps masked bins blank."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from ctdna import lowpass_figures
from outcome import report_html as h
from tests.unit.lowpass_report_fixtures import BIN_SIZE, CHROMS, lowpass_tables

SVG = "{http://www.w3.org/2000/svg}"


def _group(root: ET.Element, gid: str) -> ET.Element:
    found = [g for g in root.iter(f"{SVG}g") if g.get("id") == gid]
    assert len(found) == 1, gid
    return found[0]


def _svg_root(figure) -> ET.Element:
    text = h.svg(figure)
    return ET.fromstring(text[len("<figure>") : -len("</figure>")])


def test_chromosomes_in_natural_order_with_or_without_prefix():
    names = ["chr10", "chrX", "chr2", "chrY", "chr1", "chrM", "chr22"]
    assert sorted(names, key=lowpass_figures.chrom_key) == [
        "chr1",
        "chr2",
        "chr10",
        "chr22",
        "chrX",
        "chrY",
        "chrM",
    ]
    assert sorted(["X", "11", "3"], key=lowpass_figures.chrom_key) == ["3", "11", "X"]


def test_genome_layout_places_each_chromosome_after_the_previous():
    _, ratios, _ = lowpass_tables(samples=("L1",))
    layout = lowpass_figures.genome_layout(ratios.iloc[::-1])  # input order does not matter
    assert list(layout.index) == [c for c, _ in CHROMS]
    lengths = [n * BIN_SIZE for _, n in CHROMS]
    assert list(layout["offset"]) == [0, lengths[0], lengths[0] + lengths[1]]


def test_genome_figure_one_path_per_segment_and_no_masked_bin():
    samples, ratios, segments = lowpass_tables()
    root = _svg_root(lowpass_figures.genome_figure(ratios, segments, samples))
    for sample in ("L1", "L2"):
        paths = _group(root, f"segments-{sample}").findall(f"{SVG}path")
        assert len(paths) == (segments["sample"] == sample).sum() == 4
        dots = list(_group(root, f"bins-{sample}").iter(f"{SVG}use"))
        own = ratios[ratios["sample"] == sample]
        drawn = own[(own["masked"] == 0) & own["log2_ratio"].notna()]
        assert len(dots) == len(drawn) == len(own) - 2  # the masked and the NA bin absent


def test_genome_figure_titles_carry_tf_interval_and_ploidy():
    samples, ratios, segments = lowpass_tables()
    info = samples.set_index("sample").to_dict("index")
    assert lowpass_figures._title("L1", info["L1"]) == (
        "L1: TF 0.200 (0.150-0.260), ploidy 2.10, detected"
    )
    assert lowpass_figures._title("L2", info["L2"]) == "L2: TF NA, ploidy 2.10, not detected"


def test_heatmap_matrix_blanks_masked_bins_in_genome_order():
    _, ratios, _ = lowpass_tables()
    matrix, bins = lowpass_figures.heatmap_matrix(ratios.sample(frac=1, random_state=1))
    assert list(matrix.index) == ["L1", "L2"] and matrix.shape[1] == sum(n for _, n in CHROMS)
    assert list(bins["chrom"].drop_duplicates()) == [c for c, _ in CHROMS]
    masked = ratios[(ratios["masked"] == 1) & (ratios["sample"] == "L1")].iloc[0]
    assert np.isnan(matrix.loc["L1", (masked["chrom"], masked["start"])])
    first = ratios[(ratios["sample"] == "L2") & (ratios["chrom"] == "chr1")].iloc[0]
    assert matrix.loc["L2", ("chr1", 0)] == pytest.approx(first["log2_ratio"])


def test_heatmap_figure_has_a_colour_bar_and_parses():
    _, ratios, _ = lowpass_tables()
    figure = lowpass_figures.heatmap_figure(ratios)
    assert len(figure.axes) == 2  # the heatmap and its colour bar
    assert figure.axes[1].get_ylabel().startswith("log2 ratio")
    root = _svg_root(figure)
    assert root.tag == f"{SVG}svg"


def test_many_bins_are_one_bitmap_per_panel_and_segments_stay_paths(monkeypatch):
    samples, ratios, segments = lowpass_tables()
    vector = _svg_root(lowpass_figures.genome_figure(ratios, segments, samples))
    monkeypatch.setattr(lowpass_figures, "VECTOR_DOTS", len(ratios) - 1)
    root = _svg_root(lowpass_figures.genome_figure(ratios, segments, samples))
    for sample in ("L1", "L2"):
        assert len(_group(root, f"segments-{sample}").findall(f"{SVG}path")) == 4
    dots = ((ratios["masked"] == 0) & ratios["log2_ratio"].notna()).sum()
    uses = [len(list(svg.iter(f"{SVG}use"))) for svg in (vector, root)]
    assert uses[0] - uses[1] == dots  # every dot mark gone (glyphs and ticks stay)
    assert len(list(root.iter(f"{SVG}image"))) == 2  # one bitmap of dots per panel
