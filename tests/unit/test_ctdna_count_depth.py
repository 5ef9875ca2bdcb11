"""Per-target fragment depth and the sample error background (ctdna.counting), by hand."""

from __future__ import annotations

import pandas as pd
import pysam
import pytest

from ctdna import counting
from tests.unit.test_ctdna_count_fixtures import Read, pair, write_bam, write_reference


def _targets(*rows):
    return pd.DataFrame(list(rows), columns=["chrom", "start", "end", "gene"])


def test_fragments_and_mean_depth_by_hand(tmp_path):
    reference = write_reference(tmp_path / "ref.fa", length=1000)
    reads = (pair("A_overlap", 50, 120)                       # union [100,200): 100 bases
             + pair("B_one_mate_in", 150, 300)                # [150,200): 50
             + pair("C_duplicate", 50, 120, extra_flag=0x400)  # excluded
             + pair("D_deletion", 90, 400, ("del", 140, 3))   # [100,141)+[144,193): 41+49 = 90
             + pair("E_mates_disagree_on_deletion", 60, 151, ("del", 150, 2))  # [100,200): 100
             + pair("F_low_mapq", 100, 120, mapq=5)             # excluded
             + [Read("G_orphan", 210, 99, 500, 0)])              # outside the target
    bam = write_bam(tmp_path / "depth.bam", reference, reads)
    with pysam.AlignmentFile(str(bam)) as handle:
        depth, _ = counting.target_depth(handle, _targets(("chr17", 100, 200, "TP53"),
                                                          ("chr17", 800, 900, "REF")), min_mapq=20)
    first, empty = depth.iloc[0], depth.iloc[1]
    assert (first.fragments, first.covered_bases, first.length) == (4, 340, 100)
    assert first.mean_fragment_depth == pytest.approx(3.4)
    assert (empty.fragments, empty.covered_bases, empty.mean_fragment_depth) == (0, 0, 0.0)


def test_merged_length_clips_and_unions():
    assert counting.merged_length([(0, 50), (40, 120), (150, 160)], 30, 155) == 95
    assert counting.merged_length([], 0, 10) == 0


def test_umi_family_counted_once_in_depth(tmp_path):
    reference = write_reference(tmp_path / "ref.fa", length=1000)
    reads = (pair("a", 100, 300, tags=[("MI", "1/A")])
             + pair("b", 100, 300, extra_flag=0x400, tags=[("MI", "1/B")]))
    bam = write_bam(tmp_path / "umi.bam", reference, reads)
    with pysam.AlignmentFile(str(bam)) as handle:
        depth, _ = counting.target_depth(handle, _targets(("chr17", 100, 200, "G")),
                                         min_mapq=20, umi_tag="MI")
    assert (depth.iloc[0].fragments, depth.iloc[0].covered_bases) == (1, 100)


def test_sample_background_by_class(tmp_path):
    reference = write_reference(tmp_path / "ref.fa", length=1000)
    mismatch = next(p for p in range(120, 180) if reference[p] == "G")  # G>A is class C>T
    site = next(p for p in range(220, 280) if reference[p] == "C")
    reads = []
    for i in range(30):
        reads += pair(f"p{i}", 100, 200, ("snv", mismatch, "A") if i == 0 else None,
                      ("del", 250, 1) if i == 1 else None)  # mate 2 of p1 deletes base 251
    bam = write_bam(tmp_path / "bg.bam", reference, reads)
    sites = pd.DataFrame([("chr17", site + 1, "C", "T")], columns=["chrom", "pos", "ref", "alt"])
    with pysam.AlignmentFile(str(bam)) as handle, pysam.FastaFile(str(tmp_path / "ref.fa")) as fasta:
        targets = _targets(("chr17", 100, 300, "G"))
        _, events = counting.target_depth(handle, targets, min_mapq=20)
        background = counting.sample_background(handle, targets, sites, events, fasta,
                                                min_mapq=20, min_baseq=20)
    table = background.set_index("error_class")
    positions = [p for p in range(100, 300) if p != site]
    depth = {p: 30 - (1 if p == 251 else 0) for p in positions}  # read p1 deletes base 251
    cg_bases = sum(depth[p] for p in positions if reference[p] in "CG")
    at_bases = sum(depth[p] for p in positions if reference[p] in "AT")
    assert table.loc["C>T", "error_count"] == 1
    assert table.loc["C>T", "opportunity_count"] == cg_bases
    assert table.loc["C>A", "error_count"] == 0 and table.loc["T>C", "opportunity_count"] == at_bases
    assert table.loc["deletion", "error_count"] == 1 and table.loc["insertion", "error_count"] == 0
    assert table.loc["deletion", "opportunity_count"] == cg_bases + at_bases
    assert table.loc["C>T", "error_rate"] == pytest.approx(1 / cg_bases)


def test_sample_background_skips_variant_positions(tmp_path):
    reference = write_reference(tmp_path / "ref.fa", length=1000)
    germline = 150
    alt = "A" if reference[germline] != "A" else "C"
    reads = []
    for i in range(20):
        reads += pair(f"p{i}", 100, 200, ("snv", germline, alt) if i % 2 else None, None)
    bam = write_bam(tmp_path / "germ.bam", reference, reads)
    no_sites = pd.DataFrame(columns=["chrom", "pos", "ref", "alt"])
    with pysam.AlignmentFile(str(bam)) as handle:
        targets = _targets(("chr17", 100, 300, "G"))
        _, events = counting.target_depth(handle, targets, min_mapq=20)
        background = counting.sample_background(handle, targets, no_sites, events, None)
    assert background["error_count"].sum() == 0  # the 50 % position is not noise
    assert background.set_index("error_class").loc["deletion", "opportunity_count"] == 199 * 20
