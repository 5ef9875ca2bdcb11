"""Fragment allele counting at sites (ctdna.counting.count_sites), expected values by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctdna import counting
from tests.unit.test_ctdna_count_fixtures import pair, write_bam, write_reference

SNV0 = 300  # 0-based SNV position; VCF pos 301


@pytest.fixture()
def reference(tmp_path):
    return write_reference(tmp_path / "ref.fa", length=1000)


def _alt(reference):
    return "A" if reference[SNV0] != "A" else "C"


def _count(bam_path, reference, umi_tag=None, **extra):
    sites = pd.DataFrame(
        [("chr17", SNV0 + 1, reference[SNV0], _alt(reference), "snv")],
        columns=["chrom", "pos", "ref", "alt", "variant_type"],
    )
    counts = counting.count_sites(
        bam_path, sites, counting.ReadFilter(min_mapq=20, min_baseq=20, umi_tag=umi_tag, **extra)
    )
    return counts.iloc[0].to_dict()


def test_each_fragment_counted_once_with_mate_rules(tmp_path, reference):
    alt = ("snv", SNV0, _alt(reference))
    reads = (
        pair("both_alt_overlap", 250, 280, alt, alt)  # alt (once)
        + pair("one_alt_no_overlap", 250, 400, alt, None)  # alt
        + pair("mates_disagree", 250, 290, alt, None)  # discordant
        + pair("ref_overlap", 260, 270)  # ref
        + pair("lowq_mate_alt", 250, 280, alt, None, low_qual2=SNV0)  # alt (ref mate low q)
        + pair("both_lowq", 250, 280, alt, alt, low_qual1=SNV0, low_qual2=SNV0)  # lowqual
        + pair("duplicate", 250, 280, alt, alt, extra_flag=0x400)  # excluded
        + pair("supplementary", 250, 280, alt, alt, extra_flag=0x800)  # excluded
        + pair("secondary", 250, 280, alt, alt, extra_flag=0x100)  # excluded
        + pair("qcfail", 250, 280, alt, alt, extra_flag=0x200)  # excluded
        + pair("low_mapq", 250, 280, alt, alt, mapq=10)
    )  # excluded
    bam = write_bam(tmp_path / "mates.bam", reference, reads)
    counts = _count(bam, reference)
    assert (
        counts["alt_fragments"],
        counts["ref_fragments"],
        counts["other_fragments"],
        counts["discordant_fragments"],
        counts["lowqual_fragments"],
        counts["depth_fragments"],
    ) == (3, 1, 0, 1, 1, 4)
    assert counts["reads"] == 11  # kept reads at the site: 2 + 1 (mate 2 at 400) + 2 + 2 + 2 + 2


def test_deleted_position_is_other_and_third_base_is_other(tmp_path, reference):
    third = next(b for b in "ACGT" if b not in (reference[SNV0], _alt(reference)))
    reads = pair("spanning_deletion", 250, 500, ("del", SNV0 - 1, 3)) + pair(
        "third_base", 250, 500, ("snv", SNV0, third)
    )
    counts = _count(write_bam(tmp_path / "other.bam", reference, reads), reference)
    assert (counts["other_fragments"], counts["depth_fragments"]) == (2, 2)


def test_umi_mi_family_collapse_keeps_duplicates(tmp_path, reference):
    alt = ("snv", SNV0, _alt(reference))
    reads = (
        pair("a1", 250, 400, alt, tags=[("MI", "7/A")])
        + pair("a2", 250, 400, alt, extra_flag=0x400, tags=[("MI", "7/B")])  # same molecule
        + pair("b1", 260, 400, None, tags=[("MI", "8")])
        + pair("b2", 260, 400, alt, tags=[("MI", "8")])  # family 8 disagrees
        + pair("c1", 270, 400, None, tags=[("MI", "9")])
    )
    counts = _count(write_bam(tmp_path / "umi.bam", reference, reads), reference, umi_tag="MI")
    assert (counts["alt_fragments"], counts["ref_fragments"], counts["discordant_fragments"]) == (
        1,
        1,
        1,
    )
    plain = _count(write_bam(tmp_path / "umi2.bam", reference, reads), reference)
    # without UMI: a2 is a duplicate (excluded); a1, b2 alt; b1, c1 ref
    assert (plain["alt_fragments"], plain["ref_fragments"]) == (2, 2)


def test_umi_rx_groups_by_sequence_and_fragment_position(tmp_path, reference):
    alt = ("snv", SNV0, _alt(reference))
    reads = (
        pair("x1", 250, 400, alt, tags=[("RX", "ACGT")])
        + pair("x2", 250, 400, alt, tags=[("RX", "ACGT")])  # same family as x1
        + pair("y1", 251, 400, alt, tags=[("RX", "ACGT")])  # other start: own family
        + pair("z1", 250, 400, None, tags=[("RX", "TTTT")])
    )  # other UMI
    counts = _count(write_bam(tmp_path / "rx.bam", reference, reads), reference, umi_tag="RX")
    assert (counts["alt_fragments"], counts["ref_fragments"]) == (2, 1)


def test_indel_sites_from_cigar(tmp_path, reference):
    anchor = 600
    deletion = ("del", anchor, 2)
    insertion = ("ins", anchor, "GT")
    reads = (
        pair("del_a", 550, 700, deletion)
        + pair("del_b", 560, 590, deletion, deletion)
        + pair("del_1bp", 550, 700, ("del", anchor, 1))
        + pair("ins_a", 550, 700, insertion)
        + pair("ins_other", 550, 700, ("ins", anchor, "GA"))
        + pair("ref_a", 550, 700)
        + pair("anchor_lowq", 550, 700, deletion, low_qual1=anchor)
    )
    bam = write_bam(tmp_path / "indel.bam", reference, reads)
    sites = pd.DataFrame(
        [
            ("chr17", anchor + 1, reference[anchor : anchor + 3], reference[anchor], "deletion"),
            ("chr17", anchor + 1, reference[anchor], reference[anchor] + "GT", "insertion"),
        ],
        columns=["chrom", "pos", "ref", "alt", "variant_type"],
    )
    counts = counting.count_sites(bam, sites, counting.ReadFilter(min_mapq=20, min_baseq=20))
    deletion_row, insertion_row = counts.iloc[0], counts.iloc[1]
    # deletion site: del_a, del_b alt; del_1bp, ins_a, ins_other other; ref_a ref; anchor_lowq none
    assert (
        deletion_row.alt_fragments,
        deletion_row.other_fragments,
        deletion_row.ref_fragments,
        deletion_row.lowqual_fragments,
    ) == (2, 3, 1, 1)
    # insertion site: ins_a alt; del_a, del_b, del_1bp, ins_other other; ref_a ref
    assert (
        insertion_row.alt_fragments,
        insertion_row.other_fragments,
        insertion_row.ref_fragments,
    ) == (1, 4, 1)


def _observed(molecules, observations, tokens):
    as_bytes = lambda values: np.array(values, dtype=np.int32).tobytes()  # noqa: E731
    return len(molecules), as_bytes(molecules), as_bytes(observations), tokens


def test_tally_molecule_consensus_by_hand():
    # molecule 0: C, C -> ref; 1: C, A -> discordant; 2: low quality; 3: two low-quality
    # reads; 4: a deletion over the SNV -> other
    observed = _observed([0, 0, 1, 1, 2, 3, 3, 4], [0, 0, 0, 1, -1, -1, -1, 2], ["C", "A", "*"])
    counts = counting.tally(observed, "C", "A", "snv")
    assert counts == {
        "ref_fragments": 1,
        "alt_fragments": 0,
        "other_fragments": 1,
        "discordant_fragments": 1,
        "lowqual_fragments": 2,
        "depth_fragments": 2,
        "reads": 8,
    }
    assert counting.tally(_observed([], [], []), "C", "A", "snv")["depth_fragments"] == 0


def test_tokens_and_indel_alleles():
    assert counting.parse_token("A+2GT") == ("A", 2, "GT")
    assert counting.parse_token("G-3") == ("G", -3, "")
    assert counting.parse_token("*") == counting.DELETED
    insertion = [
        counting.allele_of(counting.parse_token(t), "C", "CGT", "insertion")
        for t in ("C+2GT", "C+2GA", "C", "C-1", "*")
    ]
    assert insertion == ["alt", "other", "ref", "other", "other"]
    deletion = [
        counting.allele_of(counting.parse_token(t), "CTA", "C", "deletion")
        for t in ("C-2", "C-1", "C", "C+1T")
    ]
    assert deletion == ["alt", "other", "ref", "other"]
    assert counting.excluded_flags(None) == 0xF04
    assert counting.excluded_flags("MI") == 0xB04
