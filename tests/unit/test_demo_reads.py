"""Plasma read simulation: CIGARs, planted allele fractions (samtools mpileup), copy number,
errors."""

from __future__ import annotations

import array
import re
import subprocess

import numpy as np
import pandas as pd
import pytest

from stereosarc.demo import io
from stereosarc.demo.reads import cigar_of, quality_pool, sample_reads
from stereosarc.demo.reference import ctdna_targets, merged_length, panel_bed, pseudo_sequence
from tests.conftest import require_tool

SEED = 3


def test_cigar_of_hand_derived_cases():
    assert cigar_of([10, 11, 12, None, 13]) == (10, [(0, 3), (1, 1), (0, 1)])
    assert cigar_of([10, 11, 14, 15]) == (10, [(0, 2), (2, 2), (0, 2)])
    assert cigar_of([None, None, 5, 6]) == (5, [(4, 2), (0, 2)])
    assert cigar_of([5, 6, None]) == (5, [(0, 2), (4, 1)])


def test_pseudo_reference_is_a_fixed_function_of_position():
    whole = pseudo_sequence("chr17", 7_673_600, 7_673_700)
    assert whole[10:20] == pseudo_sequence("chr17", 7_673_610, 7_673_620)
    assert set(whole) <= set("ACGT") and len(whole) == 100
    assert pseudo_sequence("chr12", 7_673_600, 7_673_700) != whole


def test_panel_size_and_overlaps():
    targets = ctdna_targets()
    panel = panel_bed(targets)
    assert 1.05e6 <= merged_length(panel) <= 1.2e6
    assert merged_length(panel) < (panel["end"] - panel["start"]).sum()  # some intervals overlap
    assert (targets["end"] - targets["start"]).between(200, 250).all()
    assert targets["gene"].value_counts().to_dict()["TP53"] == 4
    assert sum(targets["gene"].str.startswith("BACKBONE")) == 16
    assert not set(targets.loc[targets["gene"].str.startswith("BACKBONE"), "chrom"]) & {
        "chr12",
        "chr17",
    }


def _normal_sites() -> pd.DataFrame:
    """An SNV, a 2-bp deletion and a 1-bp insertion in TP53 targets, left-normalised."""
    snv_pos = 7_673_760
    ref = pseudo_sequence("chr17", snv_pos - 1, snv_pos)
    rows = [("chr17", snv_pos, ref, "ACGT"[("ACGT".index(ref) + 1) % 4])]
    pos = 7_674_200
    while pseudo_sequence("chr17", pos - 1, pos + 2)[-1] == pseudo_sequence("chr17", pos - 1, pos):
        pos += 1
    rows.append(
        (
            "chr17",
            pos,
            pseudo_sequence("chr17", pos - 1, pos + 2),
            pseudo_sequence("chr17", pos - 1, pos),
        )
    )
    pos = 7_675_120
    anchor = pseudo_sequence("chr17", pos - 1, pos)
    rows.append(("chr17", pos, anchor, anchor + ("G" if anchor != "G" else "T")))
    return pd.DataFrame(rows, columns=["chrom", "pos", "ref", "alt"])


@pytest.fixture(scope="module")
def tumour_bam(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reads")
    sites = _normal_sites()
    reads = sample_reads("S1", 0.4, 2, 1e-4, SEED, ctdna_targets(), sites)
    bam = folder / "S1.bam"
    io.write_bam(reads, bam, "S1", "test", [array.array("B", q.tolist()) for q in quality_pool()])
    return bam, sites


def _pileup(bam, chrom: str, pos: int) -> tuple[list[str], list[str]]:
    """(bases, indel tokens like '-2' or '+1G') of samtools mpileup at one position, no overlap
    removal."""
    samtools = require_tool("samtools")
    out = subprocess.run(
        [
            samtools,
            "mpileup",
            "-B",
            "-Q",
            "0",
            "-q",
            "0",
            "-d",
            "0",
            "-x",
            "-r",
            f"{chrom}:{pos}-{pos}",
            str(bam),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    column, bases, indels, i = out.split("\t")[4].upper(), [], [], 0
    while i < len(column):
        char = column[i]
        if char == "^":
            i += 2
            continue
        if char in "+-":
            digits = re.match(r"\d+", column[i + 1 :]).group()
            length = int(digits)
            sequence = column[i + 1 + len(digits) : i + 1 + len(digits) + length]
            indels.append(f"{char}{length}" + (sequence if char == "+" else ""))
            i += 1 + len(digits) + length
            continue
        if char != "$":
            bases.append(char)
        i += 1
    return bases, indels


def test_alt_fraction_is_half_the_tumour_fraction_by_mpileup(tumour_bam):
    bam, sites = tumour_bam
    snv, deletion, insertion = sites.itertuples(index=False)
    bases, _ = _pileup(bam, "chr17", snv.pos)
    assert len(bases) > 300
    assert (
        abs(bases.count(snv.alt) / len(bases) - 0.2) < 0.08
    )  # TF 0.4 -> 0.2; ~3.5 SD at ~300 fragments
    for site, token in (
        (deletion, f"-{len(deletion.ref) - 1}"),
        (insertion, f"+{len(insertion.alt) - 1}{insertion.alt[1:]}"),
    ):
        bases, indels = _pileup(bam, "chr17", site.pos)
        assert set(indels) == {token}
        assert abs(len(indels) / len(bases) - 0.2) < 0.08, (site, token)


def test_mdm2_depth_scales_with_copy_number_and_tumour_fraction():
    targets = ctdna_targets()
    empty = pd.DataFrame(columns=["chrom", "pos", "ref", "alt"])

    def mdm2_share(tf: float, cn: int) -> float:
        reads = sample_reads("S2", tf, cn, 1e-4, SEED, targets, empty)
        tid = np.array(reads["tid"])
        pos = np.array(reads["pos"])
        mdm2 = (tid == 11) & (pos > 68_000_000)
        backbone = ~np.isin(tid, [11, 16])
        return mdm2.sum() / backbone.sum()

    ratio = mdm2_share(0.5, 22) / mdm2_share(0.0, 2)
    assert ratio == pytest.approx(1 + 0.5 * (22 - 2) / 2, rel=0.15)


def test_pon_mismatch_rate_matches_the_error_rate():
    targets = ctdna_targets()
    empty = pd.DataFrame(columns=["chrom", "pos", "ref", "alt"])
    reads = sample_reads("PON01", 0.0, 2, 1e-3, SEED, targets, empty)
    contigs = {
        i: c
        for i, c in enumerate(["chr" + str(n) for n in range(1, 23)] + ["chrX", "chrY", "chrM"])
    }
    mismatches = bases = 0
    for tid, pos, seq, cigar in zip(reads["tid"], reads["pos"], reads["seq"], reads["cigar"]):
        assert cigar is None  # no tumour sites: every read is 100M
        ref = pseudo_sequence(contigs[tid], pos, pos + len(seq))
        mismatches += sum(a != b for a, b in zip(seq, ref))
        bases += len(seq)
    assert mismatches / bases == pytest.approx(1e-3, rel=0.1)
