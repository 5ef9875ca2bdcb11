"""ctdna-count's read statistics (ctdna/read_stats.py) against Debian samtools and awk on a
generated BAM (seed printed), the counting core bound to each htslib.

The targets BED overlaps, touches and nearly touches itself (reads spanning two targets);
the BAM has duplicates, QC-fail, secondary and supplementary records, MAPQ 10 reads (also
on one mate only), improper pairs, orphans, unmapped mates placed beside their mapped
mate, unpaired reads, and cfDNA-like fragment
lengths (a 167 bp mode, a short shoulder, a uniform tail). Expected values come from
samtools over the original BED (`-M -L`: each record once, samtools' own region logic):

- reads = `samtools view -c -F 0x904 -M -L`; duplicate_reads adds `-f 0x400`;
- kept_reads = `samtools view -c -q 20 -F 0xF04 -M -L`; fragments = its distinct names;
- fragment lengths = `samtools view -q 20 -f 0x2 -F 0xF04 -M -L | awk` keeping |TLEN| of
  the first record of each name with TLEN != 0; median and quartiles by Python's
  ``statistics`` (``quantiles(method='inclusive')`` = R type 7), the short fraction counted;
- bam_mapped_records / bam_unmapped_records = `samtools idxstats` columns 3 / 4 summed.
"""

from __future__ import annotations

import random
import statistics
import subprocess

import pandas as pd
import pytest

from ctdna import io, read_stats
from ctdna.counting import ReadFilter
from tests.conftest import require_tool
from tests.crosscheck.test_ctdna_samtools import htslib  # noqa: F401  (fixture: both htslibs)
from tests.unit.test_ctdna_count_fixtures import (
    CONTIG,
    READ_LENGTH,
    Read,
    pair,
    write_bam,
    write_reference,
    write_targets,
)

SEED = 20261207
MQ = 20
FRAGMENTS = 3000
TARGETS = [
    (CONTIG, 2000, 2300, "C"),
    (CONTIG, 500, 700, "A"),
    (CONTIG, 650, 800, "A"),  # overlaps the previous one
    (CONTIG, 800, 900, "A"),  # touches it
    (CONTIG, 1000, 1100, "B"),
    (CONTIG, 1150, 1200, "B"),  # 50 bp after: reads span both
    (CONTIG, 3000, 3050, "REF"),
]
AWK_FIRST_LENGTH = "$9 != 0 && !seen[$1]++ { print ($9 < 0 ? -$9 : $9) }"


def _length(rng: random.Random) -> int:
    """cfDNA-like: mono-nucleosome mode, a short (ctDNA-like) shoulder, a uniform tail."""
    kind = rng.random()
    if kind < 0.65:
        return max(100, round(rng.gauss(167, 12)))
    if kind < 0.9:
        return max(100, round(rng.gauss(138, 15)))
    return rng.randint(100, 450)


def _fragment(rng: random.Random, name: str) -> list[Read]:
    start = rng.randint(300, 3400)
    reads = pair(
        name,
        start,
        start + _length(rng) - READ_LENGTH,
        extra_flag=rng.choices([0, 0x400, 0x200, 0x100, 0x800], weights=[84, 8, 3, 2, 3])[0],
        mapq=rng.choice([60] * 9 + [10]),
    )
    if rng.random() < 0.05:  # improper pair (0x2 unset)
        for read in reads:
            read.flag &= ~0x2
    if rng.random() < 0.05:  # one mate below the MAPQ floor
        reads[1].mapq = 5
    if rng.random() < 0.03:  # orphan (mate absent)
        reads = reads[:1]
    return reads


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    print(f"seed {SEED}")
    rng = random.Random(SEED)
    folder = tmp_path_factory.mktemp("read_stats")
    reference = write_reference(folder / "ref.fa")
    reads = [r for i in range(FRAGMENTS) for r in _fragment(rng, f"f{i}")]
    reads += [Read(f"u{i}", rng.randint(400, 3300), 0, -1, 0) for i in range(200)]  # unpaired
    for i, start in enumerate(rng.randint(400, 3300) for _ in range(40)):  # mate unmapped
        reads += [Read(f"m{i}", start, 73, start, 0), Read(f"m{i}", start, 133, start, 0)]
    bam = write_bam(folder / "plasma.bam", reference, reads)
    bed = write_targets(folder / "targets.bed", TARGETS)
    return bam, bed


def _samtools(*args) -> str:
    return subprocess.run(
        [require_tool("samtools"), *map(str, args)], check=True, capture_output=True, text=True
    ).stdout


def _awk_lengths(bam, bed) -> list[int]:
    records = _samtools("view", "-q", MQ, "-f", "0x2", "-F", "0xF04", "-M", "-L", bed, bam)
    awk = subprocess.run(
        [require_tool("awk"), "-F", "\t", AWK_FIRST_LENGTH],
        input=records,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [int(line) for line in awk.split()]


def _counted(bam) -> dict:
    targets = pd.DataFrame(TARGETS, columns=["chrom", "start", "end", "gene"])
    merged = read_stats.territory(targets)
    counted = read_stats.territory_reads(bam, merged, ReadFilter(min_mapq=MQ))
    with io.open_alignments(bam) as opened:
        return read_stats.read_stats_row("S", merged, counted, io.index_counts(opened))


def test_read_counts_equal_samtools_view(generated, htslib):  # noqa: F811
    bam, bed = generated
    row = _counted(bam)
    region = ["-M", "-L", bed, bam]
    assert row["reads"] == int(_samtools("view", "-c", "-F", "0x904", *region))
    assert row["duplicate_reads"] == int(
        _samtools("view", "-c", "-f", "0x400", "-F", "0x904", *region)
    )
    assert row["kept_reads"] == int(_samtools("view", "-c", "-q", MQ, "-F", "0xF04", *region))
    names = _samtools("view", "-q", MQ, "-F", "0xF04", *region)
    assert row["fragments"] == len({line.split("\t")[0] for line in names.splitlines()})
    assert 0 < row["duplicate_reads"] < row["reads"] and row["kept_reads"] > row["fragments"]


def test_fragment_lengths_equal_samtools_view_and_awk(generated, htslib):  # noqa: F811
    bam, bed = generated
    row = _counted(bam)
    lengths = _awk_lengths(bam, bed)
    q25, median, q75 = statistics.quantiles(lengths, n=4, method="inclusive")
    short = sum(90 <= n <= 150 for n in lengths)
    long = sum(151 <= n <= 220 for n in lengths)
    assert row["sized_fragments"] == len(lengths) < row["fragments"]
    assert row["fragment_length_median"] == pytest.approx(statistics.median(lengths))
    assert row["fragment_length_median"] == pytest.approx(median)
    assert (row["fragment_length_q25"], row["fragment_length_q75"]) == pytest.approx((q25, q75))
    assert row["short_fragment_fraction"] == pytest.approx(short / (short + long))
    assert 0.2 < row["short_fragment_fraction"] < 0.6  # both classes are populated


def test_index_totals_equal_samtools_idxstats(generated):
    bam, _ = generated
    lines = [line.split("\t") for line in _samtools("idxstats", bam).splitlines()]
    row = _counted(bam)
    assert row["bam_mapped_records"] == sum(int(fields[2]) for fields in lines)
    assert row["bam_unmapped_records"] == sum(int(fields[3]) for fields in lines)
