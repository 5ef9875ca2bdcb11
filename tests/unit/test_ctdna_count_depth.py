"""Per-target fragment depth and the sample error background (ctdna.counting,
ctdna.background), by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pysam
import pytest

from ctdna import counting
from ctdna.background import sample_background
from tests.unit.test_ctdna_count_fixtures import Read, pair, write_bam, write_reference


def _targets(*rows):
    return pd.DataFrame(list(rows), columns=["chrom", "start", "end", "gene"])


def _depth(bam, targets, **options):
    return counting.target_depth(
        targets, counting.target_counts(bam, targets, counting.ReadFilter(min_mapq=20, **options))
    )


def test_fragments_and_mean_depth_by_hand(tmp_path):
    reference = write_reference(tmp_path / "ref.fa", length=1000)
    reads = (
        pair("A_overlap", 50, 120)  # union [100,200): 100 bases
        + pair("B_one_mate_in", 150, 300)  # [150,200): 50
        + pair("C_duplicate", 50, 120, extra_flag=0x400)  # excluded
        + pair("D_deletion", 90, 400, ("del", 140, 3))  # [100,141)+[144,193): 41+49 = 90
        + pair("E_mates_disagree_on_deletion", 60, 151, ("del", 150, 2))  # [100,200): 100
        + pair("F_low_mapq", 100, 120, mapq=5)  # excluded
        + [Read("G_orphan", 210, 99, 500, 0)]
    )  # outside the target
    bam = write_bam(tmp_path / "depth.bam", reference, reads)
    depth = _depth(bam, _targets(("chr17", 100, 200, "TP53"), ("chr17", 800, 900, "REF")))
    first, empty = depth.iloc[0], depth.iloc[1]
    assert (first.fragments, first.covered_bases, first.length) == (4, 340, 100)
    assert first.mean_fragment_depth == pytest.approx(3.4)
    assert (empty.fragments, empty.covered_bases, empty.mean_fragment_depth) == (0, 0, 0.0)


def test_umi_family_counted_once_in_depth(tmp_path):
    reference = write_reference(tmp_path / "ref.fa", length=1000)
    reads = pair("a", 100, 300, tags=[("MI", "1/A")]) + pair(
        "b", 100, 300, extra_flag=0x400, tags=[("MI", "1/B")]
    )
    bam = write_bam(tmp_path / "umi.bam", reference, reads)
    depth = _depth(bam, _targets(("chr17", 100, 200, "G")), umi_tag="MI")
    assert (depth.iloc[0].fragments, depth.iloc[0].covered_bases) == (1, 100)


def test_sample_background_by_class(tmp_path):
    reference = write_reference(tmp_path / "ref.fa", length=1000)
    mismatch = next(p for p in range(120, 180) if reference[p] == "G")  # G>A is class C>T
    site = next(p for p in range(220, 280) if reference[p] == "C")
    reads = []
    for i in range(30):
        reads += pair(
            f"p{i}",
            100,
            200,
            ("snv", mismatch, "A") if i == 0 else None,
            ("del", 250, 1) if i == 1 else None,
        )  # mate 2 of p1 deletes base 251
    bam = write_bam(tmp_path / "bg.bam", reference, reads)
    sites = pd.DataFrame([("chr17", site + 1, "C", "T")], columns=["chrom", "pos", "ref", "alt"])
    targets = _targets(("chr17", 100, 300, "G"))
    counts = counting.target_counts(bam, targets, counting.ReadFilter(min_mapq=20, min_baseq=20))
    with pysam.FastaFile(str(tmp_path / "ref.fa")) as fasta:
        background = sample_background(targets, counts, sites, fasta)
    table = background.set_index("error_class")
    positions = [p for p in range(100, 300) if p != site]
    depth = {p: 30 - (1 if p == 251 else 0) for p in positions}  # read p1 deletes base 251
    cg_bases = sum(depth[p] for p in positions if reference[p] in "CG")
    at_bases = sum(depth[p] for p in positions if reference[p] in "AT")
    assert table.loc["C>T", "error_count"] == 1
    assert table.loc["C>T", "opportunity_count"] == cg_bases
    assert (
        table.loc["C>A", "error_count"] == 0 and table.loc["T>C", "opportunity_count"] == at_bases
    )
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
    targets = _targets(("chr17", 100, 300, "G"))
    background = sample_background(targets, counting.target_counts(bam, targets), no_sites, None)
    assert background["error_count"].sum() == 0  # the 50 % position is not noise
    assert background.set_index("error_class").loc["deletion", "opportunity_count"] == 199 * 20


def _first(reference, bases, positions):
    return next(p for p in positions if reference[p] in bases)


def test_background_counts_fragments_not_reads(tmp_path):
    """Overlapping mates count once; mates that disagree count neither as error nor as depth."""
    reference = write_reference(tmp_path / "ref.fa", length=1000)
    both = _first(reference, "G", range(160, 190))  # G>A = class C>T, both mates show it
    one = _first(reference, "ACGT", range(191, 199))  # mate 1 only: discordant
    single = _first(reference, "C", range(110, 140))  # covered by mate 1 only
    gap = 175 if 175 not in (both, one) else 176  # 1-bp deletion in both mates
    reads = []
    for i in range(30):
        first = second = None
        if i == 0:
            first = second = ("snv", both, "A" if reference[both] == "G" else "G")
        elif i == 1:
            first = ("snv", one, next(b for b in "ACGT" if b != reference[one]))
        elif i == 2:
            first = ("snv", single, "T")
        elif i == 3:
            first = second = ("del", gap, 1)
        reads += pair(f"p{i}", 100, 150, first, second)  # mates [100,200) and [150,250)
    bam = write_bam(tmp_path / "overlap.bam", reference, reads)
    targets = _targets(("chr17", 100, 300, "G"))
    (counts,) = counting.target_counts(
        bam, targets, counting.ReadFilter(min_mapq=20, min_baseq=20)
    )
    depth = counts.acgt.sum(axis=0)
    expected = np.array([30 if 100 <= p < 250 else 0 for p in range(100, 300)])
    expected[one - 100] -= 1  # the discordant fragment
    expected[gap + 1 - 100] -= 1  # deleted in both mates: no base
    expected[250 - 100] = 1  # p3's mate 2 reaches 250 (1 base deleted)
    assert depth.tolist() == expected.tolist()
    assert counts.deletions.sum() == 1 and counts.deletions[gap - 100] == 1
    no_sites = pd.DataFrame(columns=["chrom", "pos", "ref", "alt"])
    with pysam.FastaFile(str(tmp_path / "ref.fa")) as fasta:
        table = sample_background(targets, [counts], no_sites, fasta).set_index("error_class")
    cg = sum(int(d) for p, d in zip(range(100, 300), expected) if reference[p] in "CG")
    assert table.loc["C>T", "error_count"] == 2  # 'both' once, 'single' once, 'one' never
    assert table.loc["C>T", "opportunity_count"] == cg
    assert table.loc["deletion", "error_count"] == 1
    assert table.loc["deletion", "opportunity_count"] == int(expected.sum())


def test_background_umi_family_counts_once(tmp_path):
    reference = write_reference(tmp_path / "ref.fa", length=1000)
    where = _first(reference, "C", range(120, 180))
    error = ("snv", where, "T")
    reads = (
        pair("a1", 100, 300, error, tags=[("MI", "5/A")])
        + pair("a2", 100, 300, error, extra_flag=0x400, tags=[("MI", "5/B")])  # same molecule
        + pair("b1", 100, 300, error, tags=[("MI", "6")])
        + pair("b2", 100, 300, None, tags=[("MI", "6")])  # family disagrees
        + pair("c1", 100, 300, None, tags=[("MI", "7")])
    )
    bam = write_bam(tmp_path / "umi_bg.bam", reference, reads)
    (counts,) = counting.target_counts(
        bam, _targets(("chr17", 100, 200, "G")), counting.ReadFilter(umi_tag="MI")
    )
    assert (
        counts.acgt[3][where - 100] == 1 and counts.acgt[1][where - 100] == 1
    )  # T (family 5), C (7)
    assert counts.acgt[:, 0].tolist() == [int(reference[100] == b) * 3 for b in "ACGT"]
    assert counts.fragments == 3
