"""Inputs of the low-pass WGS method (ctdna/lowpass_io.py, ctdna/bin_command.py): HMMcopy
readCounter / gcCounter / mapCounter fixed-step WIGs, GC per bin from a FASTA (values derived
by hand), and the one-line refusals of mismatched inputs."""

from __future__ import annotations

import math

import numpy as np
import pysam
import pytest

from ctdna import lowpass_io
from ctdna.bin_cli import bin_main
from ctdna.bin_command import BinRunOptions, bin_sample
from ctdna.exceptions import ContigMismatchError, CtdnaInputError, ReferenceMismatchError
from tests.unit.test_ctdna_lowpass_bins import BIN, CONTIGS, write_case_bam


def _wig(path, blocks, step=10):
    """A fixed-step WIG: ``blocks`` = {chrom: values}, bins of ``step`` bp from position 1."""
    lines = ['track type=wiggle_0 name="readCounter"']
    for chrom, values in blocks.items():
        lines.append(f"fixedStep chrom={chrom} start=1 step={step} span={step}")
        lines += [str(v) for v in values]
    path.write_text("\n".join(lines) + "\n")
    return path


def _one_line_error(capsys, argv):
    status = bin_main(["--log-level", "ERROR", *argv])
    error = capsys.readouterr().err.strip()
    assert status == 2 and len(error.splitlines()) == 1, error
    return error


def test_readcounter_wig_gives_bins_with_gc_and_mappability(tmp_path):
    reads = _wig(tmp_path / "s.wig", {"1": [5, 0, 7], "2": [3, 4]})
    gc = _wig(tmp_path / "gc.wig", {"1": [0.4, -1, 0.5], "2": [0.45, 0.55]})
    mappability = _wig(tmp_path / "map.wig", {"1": [1.0, 0.2, 0.95], "2": [0.9, 1]})
    table = bin_sample(BinRunOptions("S1", wig=reads, gc_wig=gc, map_wig=mappability))
    assert list(table["chrom"]) == ["1", "1", "1", "2", "2"]
    assert list(table["start"]) == [0, 10, 20, 0, 10] and list(table["end"]) == [
        10,
        20,
        30,
        10,
        20,
    ]
    assert list(table["fragments"]) == [5, 0, 7, 3, 4]
    assert math.isnan(table["gc"].iloc[1])  # gcCounter's -1: no data
    assert table["mappability"].iloc[1] == 0.2 and set(table["source"]) == {"wig"}
    assert table["short"].isna().all() and table["long"].isna().all()


def test_gc_wig_with_another_bin_size_is_refused_naming_the_file(tmp_path, capsys):
    reads = _wig(tmp_path / "s.wig", {"chr1": [5, 6]}, step=1_000_000)
    gc = _wig(tmp_path / "gc_500kb.wig", {"chr1": [0.4, 0.41, 0.42, 0.43]}, step=500_000)
    error = _one_line_error(
        capsys,
        [
            "--wig",
            str(reads),
            "--gc-wig",
            str(gc),
            "--sample",
            "S1",
            "--out",
            str(tmp_path / "o.tsv"),
        ],  # fmt: skip
    )
    assert "gc_500kb.wig: bin size 500000 bp differs from" in error and "s.wig" in error


@pytest.mark.parametrize(
    "gc_blocks, message",
    [
        ({"chr1": [0.4, 0.4]}, "contigs differ"),
        ({"chr1": [0.4, 0.4], "chr2": [0.5]}, "1 bins on chr2"),
    ],
)
def test_gc_wig_with_other_contigs_or_bin_counts_is_refused(tmp_path, gc_blocks, message):
    reads = _wig(tmp_path / "s.wig", {"chr1": [5, 6], "chr2": [1, 2]})
    gc = _wig(tmp_path / "gc.wig", gc_blocks)
    with pytest.raises(ContigMismatchError, match=message):
        bin_sample(BinRunOptions("S1", wig=reads, gc_wig=gc))


@pytest.mark.parametrize(
    "text, message",
    [
        ("5\nfixedStep chrom=1 start=1 step=10 span=10\n3\n", "value before any fixedStep"),
        ("fixedStep chrom=1 start=1 step=10 span=10\n2.5\n", "non-negative integers"),
        ("fixedStep chrom=1 start=1 step=10 span=5\n2\n", "span 5 != step 10"),
        ("variableStep chrom=1\n1 2\n", "variableStep WIG"),
        ("fixedStep chrom=1 start=1 step=10 span=10\nx\n", "is not a number"),
        ("track name=x\n", "no fixedStep bins"),
    ],
)
def test_malformed_readcounter_wigs_are_refused(tmp_path, text, message):
    wig = tmp_path / "bad.wig"
    wig.write_text(text)
    with pytest.raises(CtdnaInputError, match=message):
        bin_sample(BinRunOptions("S1", wig=wig))


def test_gc_from_fasta_excludes_n_and_is_na_without_bases(tmp_path):
    fasta = tmp_path / "ref.fa"
    # bin 0: GGCCA ATTTN -> G+C 4 of 9 A/C/G/T; bin 1: all N; bin 2: gcgcgcATAT (lower case)
    fasta.write_text(">1\nGGCCAATTTN\nNNNNNNNNNN\ngcgcgcATAT\n")
    pysam.faidx(str(fasta))
    reads = _wig(tmp_path / "s.wig", {"1": [5, 0, 7]})
    table = bin_sample(BinRunOptions("S1", wig=reads, fasta=fasta))
    np.testing.assert_allclose(table["gc"], [4 / 9, np.nan, 6 / 10])
    assert lowpass_io.gc_fraction(b"NNNN") != lowpass_io.gc_fraction(b"NNNN")  # NaN


def test_bam_contig_lengths_that_disagree_with_the_fasta_are_refused(tmp_path, capsys):
    bam = write_case_bam(tmp_path / "cases.bam")
    fasta = tmp_path / "other_build.fa"
    fasta.write_text("".join(f">{c}\n{'ACGT' * (n // 4 + 25)}\n" for c, n in CONTIGS.items()))
    pysam.faidx(str(fasta))
    error = _one_line_error(
        capsys,
        [
            "--bam",
            str(bam),
            "--fasta",
            str(fasta),
            "--sample",
            "S1",
            "--contigs",
            "chr1",
            "--bin-size",
            str(BIN),
            "--out",
            str(tmp_path / "o.tsv"),
        ],  # fmt: skip
    )
    assert "other_build.fa: contig chr1 is 10,600 bp but 10,500 bp in" in error
    with pytest.raises(ReferenceMismatchError):
        bin_sample(BinRunOptions("S1", bam=bam, fasta=fasta, bin_size=BIN, contigs=("chr1",)))


def test_wig_bins_beyond_the_fasta_contig_are_refused(tmp_path):
    fasta = tmp_path / "short.fa"
    fasta.write_text(">1\nACGTACGTAC\n")
    pysam.faidx(str(fasta))
    reads = _wig(tmp_path / "s.wig", {"1": [5, 0, 7]})
    with pytest.raises(ReferenceMismatchError, match="beyond the contig"):
        bin_sample(BinRunOptions("S1", wig=reads, fasta=fasta))


def test_bam_with_a_mappability_wig_of_its_bins(tmp_path):
    bam = write_case_bam(tmp_path / "cases.bam")
    blocks = {"chr1": [1.0] * 11, "chr2": [0.5] * 3}
    mappability = _wig(tmp_path / "map.wig", blocks, step=BIN)
    table = bin_sample(BinRunOptions("S1", bam=bam, map_wig=mappability, bin_size=BIN,
                                     contigs=("chr1", "chr2")))  # fmt: skip
    assert list(table["mappability"]) == [1.0] * 11 + [0.5] * 3


@pytest.mark.parametrize(
    "options",
    [
        dict(sample="S 1", wig="s.wig"),
        dict(sample="S1"),
        dict(sample="S1", wig="s.wig", bam="b.bam"),
        dict(sample="S1", bam="b.bam", bin_size=0),
    ],
)
def test_options_refuse_bad_values_before_any_file(options):
    with pytest.raises(CtdnaInputError):
        BinRunOptions(**options)
