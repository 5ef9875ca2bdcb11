"""ctdna-count's per-target fragment depth against mosdepth and samtools bedcov (Debian).

The BAM (generated, seed printed) has duplicates, secondary/supplementary/QC-fail records,
MAPQ 0/19/20/60 (20 is kept, 19 is not), flags or MAPQ differing between mates, orphans,
overlapping mates (partly and completely: same start), mates with a deletion or an insertion
in the overlap, and targets of 60-500 bp, adjacent targets and an empty target.

What each tool computes (all per base, summed over the target's bases):

- fragment depth (ours: ``covered_bases``): ``mosdepth -Q 20 -F 3844`` per-base output;
  overlapping mates once (proper pairs only, flag 0x2); deletions (D) not covered;
- read depth: ``samtools bedcov -Q 20 -G 0x800 -j``; overlapping mates twice (no overlap
  removal); deletions not covered (``-j``);
- read span depth: ``samtools bedcov -Q 20 -G 0x800`` == ``mosdepth -x``; overlapping mates
  twice; deletions covered.

-F 3844 = 0xF04 = mosdepth's default 1796 (0x704: unmapped, secondary, QC fail, duplicate)
plus 0x800 supplementary; bedcov's default exclusion is 0x704, ``-G 0x800`` adds 0x800.
``-Q 20`` drops MAPQ < 20 in both tools, as ``--min-mapq 20``.

Exact comparisons (integers, no tolerance):
- covered_bases == mosdepth per-base depth summed over the target;
- covered_bases of the same BAM with every read renamed apart from its mate (so each read is
  its own "fragment") == bedcov -j: the filters agree read by read, and the difference
  bedcov -j - covered_bases on the original BAM is exactly the overlap of mates;
- mean_fragment_depth == that sum / target length, to the 10 significant digits the TSV
  keeps; mosdepth's region mean == mean_fragment_depth within 0.005, mosdepth printing the
  mean with 2 decimals (the only tolerances, both from printing);
- mosdepth corrects overlaps of proper pairs only (its source: ``rec.flag.proper_pair``):
  on the same pairs without flag 0x2 it counts the overlap twice; ctdna-count does not look
  at 0x2 (a fragment is a read name), which the last test shows.
"""

from __future__ import annotations

import gzip
import random
import subprocess

import pandas as pd
import pysam
import pytest

from ctdna.count_cli import count_main
from tests.conftest import require_tool
from tests.unit.test_ctdna_count_fixtures import (
    READ_LENGTH,
    pair,
    write_bam,
    write_reference,
    write_targets,
)

pytestmark = pytest.mark.crosscheck

SEED = 20240601  # project default seed (docs/development.md)
MQ = 20  # ctdna-count --min-mapq default (docs/parameters.md)
MOSDEPTH_EXCLUDE = 0xF04  # mosdepth default 0x704 + 0x800 supplementary = ctdna-count's flags
GENOME = 6000  # bases of the generated contig
TARGETS = [
    ("chr17", 200, 260, "T60"),
    ("chr17", 600, 800, "T200"),
    ("chr17", 800, 950, "ADJ150"),
    ("chr17", 1500, 2000, "T500"),
    ("chr17", 2600, 2750, "INDELS"),
    ("chr17", 3400, 3600, "T200B"),
    ("chr17", 4500, 4700, "EMPTY"),
    ("chr17", 5700, 5990, "END"),
]
EMPTY = (3950, 4750)  # no fragment starts here: reads reach < 4,407, so EMPTY has none


def _flag_and_mapq(rng: random.Random) -> tuple[int, int]:
    flag = rng.choices([0, 0x400, 0x100, 0x200, 0x800], weights=[80, 8, 4, 4, 4])[0]
    return flag, rng.choice([60] * 12 + [20, 20, 19, 0])


def _indel(rng: random.Random, start: int) -> tuple | None:
    """A deletion or insertion inside a read at ``start`` (in the overlap region often)."""
    anchor = start + rng.randint(40, READ_LENGTH - 10)
    return rng.choice([("del", anchor, rng.randint(1, 6)), ("ins", anchor, "GTA")])


def _fragment(rng: random.Random, name: str) -> list:
    """One read pair: random insert (a third overlapping), flags, MAPQ, indels, orphans."""
    while True:
        start1 = rng.randint(100, GENOME - 500)
        if not EMPTY[0] <= start1 <= EMPTY[1]:
            break
    kind = rng.choices(["same_start", "overlap", "apart"], weights=[5, 45, 50])[0]
    gap = {"same_start": 0, "overlap": rng.randint(1, 99), "apart": rng.randint(100, 350)}[kind]
    start2 = start1 + gap
    variants = [None, None]
    if 2500 <= start1 <= 2750 or rng.random() < 0.1:
        which = rng.choice([0, 1, 2])  # mate 1, mate 2 or both carry an indel
        variants = [
            _indel(rng, start1) if which in (0, 2) else None,
            _indel(rng, start2) if which in (1, 2) else None,
        ]
    flag, mapq = _flag_and_mapq(rng)
    reads = pair(name, start1, start2, variants[0], variants[1], extra_flag=flag, mapq=mapq)
    if rng.random() < 0.05:  # mates differ: one mate duplicate/QC-fail or low MAPQ
        mate = rng.choice(reads)
        mate.flag |= rng.choice([0x400, 0x200])
        mate.mapq = rng.choice([mate.mapq, 10])
    if rng.random() < 0.03:
        reads = [rng.choice(reads)]  # orphan: the mate is absent
    return reads


@pytest.fixture(scope="module")
def depth_bam(tmp_path_factory):
    print(f"seed {SEED}")
    rng = random.Random(SEED)
    folder = tmp_path_factory.mktemp("ctdna_depth_tools")
    reference = write_reference(folder / "ref.fa", length=GENOME)
    reads = [read for i in range(4000) for read in _fragment(rng, f"f{i}")]
    bam = write_bam(folder / "depth.bam", reference, reads)
    bed = write_targets(folder / "targets.bed", TARGETS)
    return folder, reference, reads, bam, bed


def _ctdna_count(bam, bed, folder) -> pd.DataFrame:
    """target_depth.tsv of ctdna-count (the command the pipeline runs) on ``bam``."""
    out = folder / f"{bam.stem}.target_depth.tsv"
    code = count_main(
        [
            "--bam",
            str(bam),
            "--sample",
            bam.stem,
            "--targets",
            str(bed),
            "--min-mapq",
            str(MQ),
            "--no-background",
            "--out-sites",
            str(folder / f"{bam.stem}.site_counts.tsv"),
            "--out-targets",
            str(out),
        ]
    )
    assert code == 0
    return pd.read_csv(out, sep="\t")


def _run(*args) -> str:
    return subprocess.run(
        [str(a) for a in args], check=True, capture_output=True, text=True
    ).stdout


def _mosdepth(bam, bed, folder, *options) -> tuple[list[int], list[float]]:
    """(per-base depth summed over each target, region mean as printed) from mosdepth."""
    mosdepth = require_tool("mosdepth")
    prefix = folder / (bam.stem + "".join(options).replace("-", "_"))
    _run(mosdepth, "-Q", MQ, "-F", MOSDEPTH_EXCLUDE, "-b", bed, *options, prefix, bam)
    runs = []
    with gzip.open(f"{prefix}.per-base.bed.gz", "rt") as handle:
        for line in handle:
            chrom, start, end, depth = line.split("\t")
            runs.append((int(start), int(end), int(depth)))
    sums = [
        sum(d * max(0, min(e, end) - max(s, start)) for s, e, d in runs)
        for _, start, end, _ in TARGETS
    ]
    with gzip.open(f"{prefix}.regions.bed.gz", "rt") as handle:
        means = [float(line.split("\t")[4]) for line in handle]
    return sums, means


def _bedcov(bam, bed, *options) -> list[int]:
    out = _run(require_tool("samtools"), "bedcov", "-Q", MQ, "-G", "0x800", *options, bed, bam)
    return [int(line.split("\t")[4]) for line in out.splitlines()]


def _rewritten(bam, path, rename=False, clear_proper=False):
    """A copy of ``bam`` with mates renamed apart (``name/1``, ``name/2``) or flag 0x2 cleared."""
    with (
        pysam.AlignmentFile(str(bam)) as source,
        pysam.AlignmentFile(str(path), "wb", template=source) as target,
    ):
        for read in source:
            if rename:
                read.query_name = f"{read.query_name}/{1 if read.is_read1 else 2}"
            if clear_proper:
                read.flag &= ~0x2
            target.write(read)
    pysam.index(str(path))
    return path


def test_the_generated_bam_has_what_the_filters_must_handle(depth_bam):
    _, _, reads, _, _ = depth_bam
    assert sum(r.flag & 0x400 != 0 for r in reads) > 300
    assert {0, 19, 20, 60} <= {r.mapq for r in reads}
    assert sum(r.variant is not None and r.variant[0] == "del" for r in reads) > 100
    by_name = {}
    for read in reads:
        by_name.setdefault(read.name, []).append(read)
    overlapping = [
        m for m in by_name.values() if len(m) == 2 and abs(m[0].start - m[1].start) < READ_LENGTH
    ]
    assert len(overlapping) > 1000
    assert sum(m[0].start == m[1].start for m in overlapping) > 100
    assert sum(len(m) == 1 for m in by_name.values()) > 50


def test_covered_bases_equal_mosdepth_per_base_sum(depth_bam):
    folder, _, _, bam, bed = depth_bam
    ours = _ctdna_count(bam, bed, folder)
    sums, means = _mosdepth(bam, bed, folder)
    assert ours["covered_bases"].tolist() == sums
    assert (ours["covered_bases"] > 0).sum() == len(TARGETS) - 1  # all but EMPTY
    assert ours["mean_fragment_depth"].tolist() == pytest.approx(
        [s / (end - start) for s, (_, start, end, _) in zip(sums, TARGETS)], rel=1e-9
    )  # the TSV writes 10 significant digits
    assert ours["mean_fragment_depth"].tolist() == pytest.approx(means, abs=0.005)


def test_read_level_depth_equals_bedcov_and_the_difference_is_the_mate_overlap(depth_bam):
    folder, _, _, bam, bed = depth_bam
    renamed = _rewritten(bam, folder / "renamed.bam", rename=True)
    per_read = _ctdna_count(renamed, bed, folder)
    bedcov_j = _bedcov(bam, bed, "-j")
    assert per_read["covered_bases"].tolist() == bedcov_j
    ours = _ctdna_count(bam, bed, folder)
    overlap = [b - c for b, c in zip(bedcov_j, ours["covered_bases"])]
    assert all(o >= 0 for o in overlap) and sum(overlap) > 0.1 * sum(bedcov_j)


def test_bedcov_without_j_is_mosdepth_fast_mode(depth_bam):
    """Both count a read over its whole reference span (deletions included), mates twice."""
    folder, _, _, bam, bed = depth_bam
    fast, _ = _mosdepth(bam, bed, folder, "-x")
    span = _bedcov(bam, bed)
    assert span == fast
    assert span != _bedcov(bam, bed, "-j")  # the BAM's deletions make -j matter


def test_fragments_equal_distinct_names_of_samtools_view(depth_bam):
    folder, _, _, bam, bed = depth_bam
    ours = _ctdna_count(bam, bed, folder)
    for row, (chrom, start, end, _) in zip(ours.itertuples(), TARGETS):
        names = _run(
            require_tool("samtools"),
            "view",
            "-q",
            MQ,
            "-F",
            "0xF04",
            bam,
            f"{chrom}:{start + 1}-{end}",
        )
        assert row.fragments == len({line.split("\t")[0] for line in names.splitlines()})


def test_mosdepth_corrects_overlaps_of_proper_pairs_only(depth_bam):
    folder, _, _, bam, bed = depth_bam
    improper = _rewritten(bam, folder / "improper.bam", clear_proper=True)
    ours = _ctdna_count(improper, bed, folder)["covered_bases"].tolist()
    proper_sums, _ = _mosdepth(bam, bed, folder)
    improper_sums, _ = _mosdepth(improper, bed, folder)
    assert ours == proper_sums  # ctdna-count: a fragment is a read name, flag 0x2 or not
    assert improper_sums == _bedcov(improper, bed, "-j")  # no correction: read depth
