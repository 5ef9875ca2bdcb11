"""ctdna-count's read statistics (ctdna.read_stats) on a tiny BAM counted by hand.

Targets [1000,1100) + [1100,1200) (touching), [1250,1300), [1500,1600) + [1550,1650)
(overlapping): territory [1000,1200), [1250,1300), [1500,1650) = 400 bp. Reads are 100 bp.

| name | records (start, flag) | over territory | reads | dups | kept | fragment, length |
|---|---|---|---|---|---|---|
| ov   | 1000/99, 1040/147 (mates overlap) | both | 2 | 0 | 2 | 1, 140 |
| dup  | 1000/99+0x400, 1040/147+0x400 (copy of ov) | both | 2 | 2 | 0 | - |
| imp  | 1520/97, 1600/145 (improper pair, TLEN 180) | both | 2 | 0 | 2 | 1, none |
| span | 1180/99 (over 2 intervals), 1400/147 (off) | first | 1 | 0 | 1 | 1, 320 |
| lowq | 1600, 1620 MAPQ 10 | both | 2 | 0 | 0 | - |
| sec, sup | 1030 flag 256; 1030 flag 2048 | both | 0 | 0 | 0 | - |
| qcf  | 1060, 1100 QC-fail 0x200 | both | 2 | 0 | 0 | - |
| orph | 1520/73 (mate unmapped), 1520/133 (unmapped) | both | 1 | 0 | 1 | 1, none |
| m1, m2 | 1500 + 1530 (TLEN 130); 1540 + 1600 (TLEN 160) | all | 4 | 0 | 4 | 2, 130 / 160 |
| off  | 2500, 2600 | none | 0 | 0 | 0 | - |

reads 16, duplicates 2, kept 10, fragments 6, lengths [130, 140, 160, 320]: median 150;
R type 7 quartiles 137.5 (130 + 0.75 x 10) and 200 (160 + 0.25 x 160); short fraction:
90-150 bp {130, 140} over 90-220 bp {130, 140, 160} = 2/3 (320 is in neither class).
Index: 21 mapped records (all but the unmapped one), 1 unmapped.
"""

from __future__ import annotations

import array
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from ctdna import read_stats
from ctdna.count_cli import count_main
from ctdna.counting import ReadFilter
from stereosarc.demo import io as demo_io
from stereosarc.demo import reads as demo_reads
from stereosarc.demo.reads import quality_pool, sample_reads
from stereosarc.demo.reference import ctdna_targets
from stereosarc.tables import read_output_table
from tests.unit.test_ctdna_count_fixtures import (
    CONTIG,
    Read,
    pair,
    write_bam,
    write_reference,
    write_targets,
)

TARGETS = [
    (CONTIG, 1000, 1100, "A"),
    (CONTIG, 1100, 1200, "B"),
    (CONTIG, 1250, 1300, "E"),
    (CONTIG, 1550, 1650, "D"),
    (CONTIG, 1500, 1600, "C"),
]  # unsorted on purpose
UMI = [("RX", "ACGTAC")]


def _reads() -> list[Read]:
    return [
        *pair("ov", 1000, 1040, tags=UMI),
        *pair("dup", 1000, 1040, extra_flag=0x400, tags=UMI),
        Read("imp", 1520, 97, 1600, 180),
        Read("imp", 1600, 145, 1520, -180),
        *pair("span", 1180, 1400),
        *pair("lowq", 1600, 1620, mapq=10),
        Read("sec", 1030, 256, -1, 0),
        Read("sup", 1030, 2048, -1, 0),
        *pair("qcf", 1060, 1100, extra_flag=0x200),
        Read("orph", 1520, 73, 1520, 0),
        Read("orph", 1520, 133, 1520, 0),
        *pair("m1", 1500, 1530),
        *pair("m2", 1540, 1600),
        *pair("off", 2500, 2600),
    ]


@pytest.fixture()
def tiny(tmp_path):
    reference = write_reference(tmp_path / "ref.fa")
    bam = write_bam(tmp_path / "S1.bam", reference, _reads())
    bed = write_targets(tmp_path / "targets.bed", TARGETS)
    targets = pd.DataFrame(TARGETS, columns=["chrom", "start", "end", "gene"])
    return {"dir": tmp_path, "bam": bam, "bed": bed, "targets": targets}


def test_territory_merges_touching_and_overlapping_targets():
    merged = read_stats.territory(pd.DataFrame(TARGETS, columns=["chrom", "start", "end", "gene"]))
    assert merged.values.tolist() == [
        [CONTIG, 1000, 1200],
        [CONTIG, 1250, 1300],
        [CONTIG, 1500, 1650],
    ]
    nested = pd.DataFrame(
        [("chr2", 50, 60), ("chr1", 10, 100), ("chr1", 20, 30), ("chr1", 101, 110)],
        columns=["chrom", "start", "end"],
    )
    assert read_stats.territory(nested).values.tolist() == [
        ["chr2", 50, 60],
        ["chr1", 10, 100],
        ["chr1", 101, 110],
    ]  # contained target absorbed; 100 and 101 do not touch (half-open)


def test_reads_duplicates_fragments_and_lengths_by_hand(tiny):
    merged = read_stats.territory(tiny["targets"])
    counted = read_stats.territory_reads(tiny["bam"], merged)
    assert (counted.reads, counted.duplicate_reads, counted.kept_reads, counted.fragments) == (
        16,
        2,
        10,
        6,
    )
    assert sorted(counted.lengths.tolist()) == [130, 140, 160, 320]
    row = read_stats.read_stats_row("S1", merged, counted, (21, 1))
    assert row["territory_bp"] == 400 and row["duplicate_fraction"] == pytest.approx(2 / 16)
    assert (row["fragment_length_median"], row["fragment_length_q25"]) == (150.0, 137.5)
    assert row["fragment_length_q75"] == 200.0 and row["sized_fragments"] == 4
    assert row["short_fragment_fraction"] == pytest.approx(2 / 3)


def test_umi_families_keep_duplicates_and_size_a_family_once(tiny):
    merged = read_stats.territory(tiny["targets"])
    counted = read_stats.territory_reads(tiny["bam"], merged, ReadFilter(umi_tag="RX"))
    # dup's reads are kept (UMI families deduplicate) but join ov's family: same RX,
    # contig, leftmost start and |TLEN|
    assert (counted.reads, counted.duplicate_reads, counted.kept_reads) == (16, 2, 12)
    assert counted.fragments == 6 and sorted(counted.lengths.tolist()) == [130, 140, 160, 320]


def test_mapq_filter_moves_reads_out_of_kept_only(tiny):
    merged = read_stats.territory(tiny["targets"])
    counted = read_stats.territory_reads(tiny["bam"], merged, ReadFilter(min_mapq=5))
    assert (counted.reads, counted.kept_reads, counted.fragments) == (16, 12, 7)
    assert sorted(counted.lengths.tolist()) == [120, 130, 140, 160, 320]  # lowq: TLEN 120


def test_length_summary_without_lengths_is_na_not_zero():
    summary = read_stats.length_summary(np.array([], dtype=np.int32))
    assert summary["sized_fragments"] == 0
    assert np.isnan(summary["fragment_length_median"]) and np.isnan(
        summary["short_fragment_fraction"]
    )
    only_long = read_stats.length_summary(np.array([151, 220, 400]))
    assert only_long["short_fragment_fraction"] == 0.0
    bounds = read_stats.length_summary(np.array([89, 90, 150, 221]))
    assert bounds["short_fragment_fraction"] == 1.0  # 90 and 150 short; 89, 221 outside


def _count(tiny, *extra) -> int:
    return count_main(
        [
            "--bam",
            str(tiny["bam"]),
            "--sample",
            "S1",
            "--targets",
            str(tiny["bed"]),
            "--out-sites",
            str(tiny["dir"] / "out" / "S1.site_counts.tsv"),
            "--out-targets",
            str(tiny["dir"] / "out" / "S1.target_depth.tsv"),
            *extra,
        ]
    )


def test_cli_writes_the_read_stats_table_beside_the_counts(tiny):
    assert _count(tiny) == 0
    table = read_output_table(tiny["dir"] / "out" / "S1.read_stats.tsv")
    row = table.iloc[0]
    assert len(table) == 1 and row["sample"] == "S1"
    assert (row["reads"], row["duplicate_reads"], row["kept_reads"], row["fragments"]) == (
        16,
        2,
        10,
        6,
    )
    assert (row["bam_mapped_records"], row["bam_unmapped_records"]) == (21, 1)
    assert row["fragment_length_median"] == 150.0


def test_cli_read_stats_path_option_and_cram_has_na_index_counts(tiny):
    samtools = shutil.which("samtools")
    if not samtools:
        pytest.skip("samtools not installed")
    cram = tiny["dir"] / "S1.cram"
    fasta = str(tiny["dir"] / "ref.fa")
    subprocess.run([samtools, "view", "-C", "-T", fasta, "-o", cram, tiny["bam"]], check=True)
    subprocess.run([samtools, "index", cram], check=True)
    out = tiny["dir"] / "stats.tsv"
    assert _count({**tiny, "bam": cram}, "--fasta", fasta, "--out-read-stats", str(out)) == 0
    row = read_output_table(out).iloc[0]
    assert (row["reads"], row["kept_reads"], row["fragments"]) == (16, 10, 6)
    assert pd.isna(row["bam_mapped_records"]) and pd.isna(row["bam_unmapped_records"])


def test_single_end_reads_have_fragments_but_no_length(tmp_path, capsys):
    reference = write_reference(tmp_path / "ref.fa")
    reads = [Read(f"r{i}", 1000 + i, 0, -1, 0) for i in range(3)]
    bam = write_bam(tmp_path / "S1.bam", reference, reads)
    bed = write_targets(tmp_path / "t.bed", [(CONTIG, 1000, 1200, "A")])
    tiny = {"dir": tmp_path, "bam": bam, "bed": bed}
    assert _count(tiny) == 0
    row = read_output_table(tmp_path / "out" / "S1.read_stats.tsv").iloc[0]
    assert (row["fragments"], row["sized_fragments"]) == (3, 0)
    assert pd.isna(row["fragment_length_median"]) and pd.isna(row["short_fragment_fraction"])
    assert "fragment lengths are NA" in capsys.readouterr().err


def test_demo_plasma_bam_matches_the_generator_truth(tmp_path):
    """A demo plasma BAM (stereosarc.demo.reads, seed 11): fragment lengths are drawn from
    N(FRAGMENT_MEAN, FRAGMENT_SD) rounded and clipped to FRAGMENT_RANGE, and a share
    DUPLICATE_P of fragments is sequenced twice (the copy flagged 0x400)."""
    reads = sample_reads(
        "S1",
        0.0,
        2,
        1e-4,
        11,
        ctdna_targets(),
        pd.DataFrame(columns=["chrom", "pos", "ref", "alt"]),
    )
    bam = tmp_path / "S1.bam"
    pool = [array.array("B", q.tolist()) for q in quality_pool()]
    demo_io.write_bam(reads, bam, "S1", "test", pool)
    merged = read_stats.territory(ctdna_targets())
    row = read_stats.read_stats_row(
        "S1", merged, read_stats.territory_reads(bam, merged, ReadFilter(min_mapq=0)), (0, 0)
    )
    truth = norm(demo_reads.FRAGMENT_MEAN, demo_reads.FRAGMENT_SD)
    assert row["duplicate_fraction"] == pytest.approx(
        demo_reads.DUPLICATE_P / (1 + demo_reads.DUPLICATE_P), abs=0.006
    )  # copies / (fragments + copies): about 4 binomial SD at ~15,000 pairs
    assert row["fragment_length_median"] == pytest.approx(demo_reads.FRAGMENT_MEAN, abs=1.5)
    assert row["fragment_length_q25"] == pytest.approx(truth.ppf(0.25), abs=1.5)
    assert row["fragment_length_q75"] == pytest.approx(truth.ppf(0.75), abs=1.5)
    short = truth.cdf(150.5)  # lengths below 100 are clipped to 100: short
    long = truth.cdf(220.5) - truth.cdf(150.5)
    assert row["short_fragment_fraction"] == pytest.approx(short / (short + long), abs=0.015)
    assert row["sized_fragments"] == row["fragments"]  # every demo fragment is a proper pair
