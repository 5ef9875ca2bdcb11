"""ctdna-bin's binning (ctdna/lowpass_bins.py, compiled core ctdna/_bincore.c) on hand-made
BAMs whose expected bins are derived by hand from the fragment rule: each pair once at its
leftmost mate (read 1 when both start together), filters, DELFI short/long limits, the last
bin ending at the contig length; and the contig selection and the refusals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pysam
import pytest

from ctdna import lowpass_bins
from ctdna.bin_cli import bin_main
from ctdna.exceptions import BamIndexError, ContigMismatchError
from stereosarc.tables import read_output_table

BIN = 1000
CONTIGS = {"chr1": 10_500, "chr2": 3_000}
PAIRED, PROPER, MUNMAP, REVERSE, MREVERSE, READ1, READ2 = 0x1, 0x2, 0x8, 0x10, 0x20, 0x40, 0x80
SECONDARY, QCFAIL, DUPLICATE, SUPPLEMENTARY = 0x100, 0x200, 0x400, 0x800


def _pair(name, left, length, left_is_read1=True, mapq=(60, 60), extra=0, contig=0):
    """Two records of a pair on one contig: left mate at ``left``, fragment ``length`` bp."""
    right = left + max(length - 50, 0)
    first, second = (READ1, READ2) if left_is_read1 else (READ2, READ1)
    flags = PAIRED | PROPER | extra
    return [
        (name, contig, left, flags | MREVERSE | first, mapq[0], contig, right, length),
        (name, contig, right, flags | REVERSE | second, mapq[1], contig, left, -length),
    ]


def _records():
    """The cases; comments give the bin (chr1 unless said) and short/long class expected."""
    records = []
    records += _pair("a", 100, 250)  # bin 0, neither
    records += _pair("b", 1000, 120, left_is_read1=False)  # bin 1, short (read 2 on the left)
    records += _pair("c", 2000, 40)  # both mates at 2000: read 1 counts; bin 2, neither (< 90)
    records += _pair("d", 3000, 160, extra=DUPLICATE)  # not counted
    records += _pair("e", 3100, 160, mapq=(10, 60))  # left mate low MAPQ: not counted
    records += _pair("f", 3200, 160, mapq=(60, 10))  # right mate low MAPQ: bin 3, long
    records += _pair("g", 3300, 160, extra=QCFAIL)  # not counted
    records.append(("h", 0, 5000, 0, 60, -1, -1, 0))  # unpaired: bin 5, neither
    records.append(("i", 0, 6000, PAIRED | MUNMAP | READ1, 60, 0, 6000, 0))  # bin 6, neither
    for k, length in enumerate((89, 90, 150, 151, 220, 221)):  # bin 7: short 2, long 2
        records += _pair(f"len{length}", 7000 + 10 * k, length)
    records.append(("a", 0, 100, PAIRED | READ1 | SECONDARY, 60, 0, 300, 250))  # extra records
    records.append(("a", 0, 120, PAIRED | READ1 | SUPPLEMENTARY, 60, 0, 300, 250))
    records.append(("x", 0, 10_400, PAIRED | READ1, 60, 1, 500, 0))  # mate on chr2: chr1 bin 10
    records.append(("x", 1, 500, PAIRED | READ2 | REVERSE, 60, 0, 10_400, 0))  # not on chr2
    records += _pair("y", 1500, 180, contig=1)  # chr2 bin 1, long
    records.append(("u", 0, 9000, 0x4, 0, -1, -1, 0))  # unmapped (placed): not counted
    return records


def write_case_bam(path: Path, contigs: dict[str, int] = CONTIGS, index: bool = True) -> Path:
    header = {"HD": {"VN": "1.6", "SO": "coordinate"},
              "SQ": [{"SN": n, "LN": length} for n, length in contigs.items()]}  # fmt: skip
    records = sorted(_records(), key=lambda r: (r[1], r[2]))
    with pysam.AlignmentFile(str(path), "wb", header=header) as bam:
        for name, tid, pos, flag, mapq, mtid, mpos, tlen in records:
            segment = pysam.AlignedSegment(bam.header)
            segment.query_name, segment.flag = name, flag
            segment.reference_id, segment.reference_start = tid, pos
            segment.mapping_quality, segment.cigarstring = mapq, "50M"
            segment.next_reference_id, segment.next_reference_start = mtid, mpos
            segment.template_length = tlen
            segment.query_sequence = "A" * 50
            segment.query_qualities = pysam.qualitystring_to_array("I" * 50)
            bam.write(segment)
    if index:
        pysam.index(str(path))
    return path


def _expected() -> pd.DataFrame:
    fragments = {("chr1", b): n for b, n in [(0, 1), (1, 1), (2, 1), (3, 1), (5, 1), (6, 1),
                                             (7, 6), (10, 1)]}  # fmt: skip
    fragments[("chr2", 1)] = 1
    short = {("chr1", 1): 1, ("chr1", 7): 2}
    long = {("chr1", 3): 1, ("chr1", 7): 2, ("chr2", 1): 1}
    rows = []
    for chrom, length in CONTIGS.items():
        for b, start in enumerate(range(0, length, BIN)):
            key = (chrom, b)
            rows.append((chrom, start, min(start + BIN, length), fragments.get(key, 0),
                         short.get(key, 0), long.get(key, 0)))  # fmt: skip
    return pd.DataFrame(rows, columns=lowpass_bins.BIN_COLUMNS)


@pytest.mark.parametrize("library", ["pysam", "system"])
def test_bins_follow_the_fragment_rule(tmp_path, monkeypatch, library):
    monkeypatch.setenv("CTDNA_HTSLIB", library)
    if library == "system" and lowpass_bins.bincore.fragcore.system_htslib() is None:
        pytest.skip("no system htslib")
    bam = write_case_bam(tmp_path / "cases.bam")
    options = lowpass_bins.BinOptions(bin_size=BIN, contigs=("chr1", "chr2"))
    got = lowpass_bins.bin_fragments(bam, options)
    pd.testing.assert_frame_equal(got, _expected(), check_dtype=False)
    assert got["end"].iloc[10] == 10_500  # the last bin ends at the header's contig length


def test_primary_contigs_in_either_naming_and_explicit_lists():
    header = [("1", 10), ("chr2", 10), ("chrM", 10), ("chr1_KI270706v1_random", 10), ("X", 5)]
    assert [c for c, _ in lowpass_bins.select_contigs(header, (), "b.bam")] == ["1", "chr2", "X"]
    assert lowpass_bins.select_contigs(header, ("chrM",), "b.bam") == [("chrM", 10)]
    with pytest.raises(ContigMismatchError, match="b.bam: contig"):
        lowpass_bins.select_contigs(header, ("chr3",), "b.bam")
    with pytest.raises(ContigMismatchError, match="list the contigs"):
        lowpass_bins.select_contigs([("scaffold_1", 10)], (), "b.bam")


def test_bam_without_index_is_refused_in_one_line(tmp_path, capsys):
    bam = write_case_bam(tmp_path / "noindex.bam", index=False)
    argv = ["--log-level", "ERROR", "--bam", str(bam), "--sample", "S1", "--out", "o.tsv"]
    status = bin_main(argv)
    error = capsys.readouterr().err.strip()
    assert status == 2 and len(error.splitlines()) == 1
    assert "samtools index" in error and "noindex.bam" in error
    with pytest.raises(BamIndexError):
        lowpass_bins.bin_fragments(bam, lowpass_bins.BinOptions(bin_size=BIN))


def test_cli_writes_the_schema_table(tmp_path):
    bam = write_case_bam(tmp_path / "cases.bam")
    out = tmp_path / "S1.lowpass_bins.tsv"
    argv = ["--bam", str(bam), "--sample", "S1", "--bin-size", str(BIN), "--out", str(out)]
    assert bin_main(argv) == 0
    table = read_output_table(out)
    assert list(table["fragments"]) == list(_expected()["fragments"])
    assert set(table["source"]) == {"bam"} and table["gc"].isna().all()
