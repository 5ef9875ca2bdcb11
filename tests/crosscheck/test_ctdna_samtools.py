"""ctdna-count against Debian samtools on a generated BAM (seed printed), with the counting
core bound to each htslib (pysam's bundled one and the system libhts).

- site fragment counts == `samtools mpileup -B -x -A -d 0 -q MQ -Q BQ --ff 0xF04
  --output-QNAME`, its per-read calls merged into fragments by read name here (mates
  agreeing -> that allele, disagreeing -> discordant), at an SNV with > 8,000 reads, a
  second ALT at that position, a deletion and an insertion; the BAM has duplicates,
  secondary/supplementary/QC-fail records, low MAPQ, low base quality (also on the base
  after a deletion that spans the SNV: mpileup's -Q looks there), overlapping mates and
  discordant mates;
- background molecule counts (A/C/G/T, insertion and deletion events per position) ==
  the same mpileup calls at every target position merged by read name (a fragment counts
  when all its reads agree);
- mean_fragment_depth == `samtools depth -a -s -Q MQ -G 0x800` summed over the target /
  length (-s: overlapping mates once), away from the deletion (see the test); fragments ==
  distinct names of `samtools view -q MQ -F 0xF04` over the target;
- on pairs that do not overlap, covered_bases == `samtools bedcov -Q MQ -G 0x800 -j`.
"""

from __future__ import annotations

import random
import subprocess
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from ctdna import counting, fragcore
from tests.conftest import require_tool
from tests.unit.test_ctdna_count_fixtures import (
    READ_LENGTH,
    Read,
    pair,
    write_bam,
    write_reference,
    write_targets,
)

SEED = 20240601
REFSKIP = "<>"  # mpileup's base column for a reference skip (N) on either strand
MQ, BQ = 20, 20
SNV0, DEL0, INS0 = 1000, 1500, 2000  # 0-based SNV base / indel anchors
DEEP_PAIRS = 11000  # > 8,000 reads at the SNV: beyond samtools' and pysam's default cap
SHAPES = [
    "10S90M",
    "90M10S",
    "3I97M",
    "2S40M3I50M5S",
    "20M1I79M",
    "45M5D55M",
    "30M300N70M",
    "50M2D48M2S",
]  # soft clips, leading insertion, indels, a reference skip (N)


def _other_base(base: str, not_this: str = "") -> str:
    return next(b for b in "ACGT" if b != base and b != not_this)


def _variants(reference: str) -> dict:
    alt = _other_base(reference[SNV0])
    return {
        "snv": ("snv", SNV0, alt),
        "snv2": ("snv", SNV0, _other_base(reference[SNV0], alt)),
        "span": ("del", SNV0 - 2, 3),  # deletes SNV0 - 1 .. SNV0 + 1: '*' at the SNV
        "del": ("del", DEL0, 2),
        "ins": ("ins", INS0, "GT"),
        "del1": ("del", DEL0, 1),
    }


def _covers(start: int, where: int) -> bool:
    return start + 5 <= where <= start + READ_LENGTH - 12


def _fragment_reads(rng: random.Random, name: str, site: int, variants: list) -> list:
    """One read pair around ``site`` with random truth, flags, MAPQ, base quality, overlap."""
    start1 = rng.randint(site - READ_LENGTH + 13, site - 5)
    start2 = start1 + rng.choice([rng.randint(10, 95), rng.randint(101, 300)])
    truth = rng.choices([None] + variants, weights=[70] + [30 / len(variants)] * len(variants))[0]
    second = truth if rng.random() > 0.05 else None  # 5 % of pairs: mates disagree
    flag = rng.choices([0, 0x400, 0x100, 0x200, 0x800], weights=[85, 6, 3, 3, 3])[0]
    # a spanning deletion's mpileup quality is that of the base after it (query index of
    # reference SNV0 - 1 in the fixture's arithmetic)
    low = site - 1 if truth is not None and truth[1] == site - 2 else site
    reads = pair(
        name,
        start1,
        start2,
        truth if _covers(start1, site) else None,
        second if _covers(start2, site) else None,
        extra_flag=flag,
        mapq=rng.choice([60] * 9 + [10]),
        low_qual1=low if rng.random() < 0.08 and _covers(start1, site) else None,
        low_qual2=low if rng.random() < 0.08 and _covers(start2, site) else None,
    )
    if rng.random() < 0.02:
        reads = reads[:1]  # an orphan (mate absent)
    return reads


@pytest.fixture(scope="module")
def deep_bam(tmp_path_factory):
    print(f"seed {SEED}")
    rng = random.Random(SEED)
    folder = tmp_path_factory.mktemp("ctdna_samtools")
    reference = write_reference(folder / "ref.fa")
    variants = _variants(reference)
    reads = []
    for i in range(DEEP_PAIRS):
        reads += _fragment_reads(
            rng, f"s{i}", SNV0, [variants["snv"], variants["snv2"], variants["span"]]
        )
    for i in range(300):
        reads += _fragment_reads(rng, f"d{i}", DEL0, [variants["del"], variants["del1"]])
        reads += _fragment_reads(rng, f"i{i}", INS0, [variants["ins"]])
    for i in range(600):  # unpaired reads of various CIGAR shapes around the SNV
        start = rng.randint(SNV0 - 95, SNV0 - 3)
        reads.append(
            Read(
                f"c{i}",
                start,
                0,
                -1,
                0,
                variant=variants["snv"] if i % 3 == 0 else None,
                low_qual_at=start + rng.randint(0, 99) if i % 4 == 0 else None,
                cigar=rng.choice(SHAPES),
            )
        )
    bam = write_bam(folder / "deep.bam", reference, reads)
    return folder, reference, bam


def _mpileup_lines(
    bam, region: str, min_baseq: int = BQ
) -> dict[int, list[tuple[str, str, int, str]]]:
    """{1-based position: [(read name, base, '*' or '<'/'>' (reference skip), indel length,
    inserted bases)]} from samtools mpileup over ``region``."""
    samtools = require_tool("samtools")
    out = subprocess.run(
        [
            samtools,
            "mpileup",
            "-B",
            "-x",
            "-A",
            "-d",
            "0",
            "-q",
            str(MQ),
            "-Q",
            str(min_baseq),
            "--ff",
            "0xF04",
            "--output-QNAME",
            "-r",
            region,
            str(bam),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = {}
    for line in out.splitlines():
        fields = line.split("\t")
        calls = _parse_bases(fields[4]) if int(fields[3]) else []
        names = fields[6].split(",") if int(fields[3]) else []
        assert len(calls) == len(names) == int(fields[3])
        lines[int(fields[1])] = [(n, c[0], c[1], c[2]) for n, c in zip(names, calls)]
    return lines


def _mpileup_reads(bam, position: int) -> list[tuple[str, str, int, str]]:
    """Per-read calls of samtools mpileup at one 1-based position."""
    return _mpileup_lines(bam, f"chr17:{position}-{position}")[position]


def _parse_bases(bases: str) -> list[tuple[str, int, str]]:
    """mpileup base column -> [(base or '*', indel length (+ins/-del), inserted bases)]."""
    calls, i = [], 0
    while i < len(bases):
        char = bases[i]
        if char == "^":
            i += 2
            continue
        if char == "$":
            i += 1
            continue
        if char in "+-":
            j = i + 1
            while bases[j].isdigit():
                j += 1
            length = int(bases[i + 1 : j])
            base, _, _ = calls[-1]
            calls[-1] = (base, length if char == "+" else -length, bases[j : j + length].upper())
            i = j + length
            continue
        calls.append(("*" if char in "*#" else char.upper(), 0, ""))
        i += 1
    return calls


def _expected(reads, ref: str, alt: str, kind: str) -> dict:
    """Fragment counts from mpileup's per-read calls (mates merged by name)."""
    by_name = defaultdict(set)
    for name, base, indel, inserted in reads:
        if base in REFSKIP:
            continue  # ctdna-count: a reference skip is no observation
        if base == "*":
            allele = "other"
        elif kind == "snv":
            allele = "alt" if base == alt else "ref" if base == ref else "other"
        elif indel == 0:
            allele = "ref"
        elif kind == "deletion":
            allele = "alt" if indel == -(len(ref) - 1) else "other"
        else:
            allele = "alt" if indel == len(alt) - 1 and inserted == alt[1:] else "other"
        by_name[name].add(allele)
    alleles = [next(iter(a)) if len(a) == 1 else "discordant" for a in by_name.values()]
    counts = {f"{k}_fragments": alleles.count(k) for k in ("ref", "alt", "other", "discordant")}
    return counts


@pytest.fixture(params=["pysam", "system"])
def htslib(request, monkeypatch):
    """Bind the counting core to pysam's htslib, then to the system libhts (when installed)."""
    if request.param == "system" and fragcore.system_htslib() is None:
        pytest.skip("no system libhts installed (Debian: libhts3)")
    monkeypatch.setenv(fragcore.ENVIRONMENT, request.param)
    return fragcore.core().version


def _sites(reference) -> pd.DataFrame:
    variants = _variants(reference)
    return pd.DataFrame(
        [
            ("chr17", SNV0 + 1, reference[SNV0], variants["snv"][2], "snv"),
            ("chr17", SNV0 + 1, reference[SNV0], variants["snv2"][2], "snv"),
            ("chr17", DEL0 + 1, reference[DEL0 : DEL0 + 3], reference[DEL0], "deletion"),
            ("chr17", INS0 + 1, reference[INS0], reference[INS0] + "GT", "insertion"),
        ],
        columns=["chrom", "pos", "ref", "alt", "variant_type"],
    )


def test_site_counts_equal_samtools_mpileup(deep_bam, htslib):
    folder, reference, bam = deep_bam
    counts = counting.count_sites(
        bam, _sites(reference), counting.ReadFilter(min_mapq=MQ, min_baseq=BQ)
    )
    reads_at = {}
    for site in counts.itertuples(index=False):
        reads = reads_at[site.pos] = _mpileup_reads(bam, site.pos)
        expected = _expected(reads, site.ref, site.alt, site.variant_type)
        got = {k: getattr(site, k) for k in expected}
        assert got == expected, (site.pos, site.alt)
        assert site.reads == _kept_reads(bam, site.pos)
    assert len(reads_at[SNV0 + 1]) > 8000  # identical beyond the default 8,000-read cap
    assert counts["discordant_fragments"].iloc[0] > 0 and (counts["alt_fragments"] > 0).all()
    spanning = [r for r in reads_at[SNV0 + 1] if r[1] == "*"]
    assert spanning and counts["other_fragments"].iloc[0] > 0  # '*' reads are there and 'other'


def _kept_reads(bam, position: int) -> int:
    """Reads mpileup shows at the position without base-quality filter, reference skips aside."""
    return sum(
        base not in REFSKIP
        for _, base, _, _ in _mpileup_lines(bam, f"chr17:{position}-{position}", min_baseq=0)[
            position
        ]
    )


def _mpileup_molecules(bam, target) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(A/C/G/T x position, insertions, deletions) from mpileup calls merged by read name: a
    fragment counts where all its reads show one base; an indel event where they also all
    show an insertion (deletion) after it."""
    length = target[2] - target[1]
    acgt, ins, dels = np.zeros((4, length), int), np.zeros(length, int), np.zeros(length, int)
    for pos, reads in _mpileup_lines(bam, f"{target[0]}:{target[1] + 1}-{target[2]}").items():
        bases, indels = defaultdict(set), defaultdict(set)
        for name, base, indel, _ in reads:
            if base in REFSKIP:
                continue
            bases[name].add(base if base in "ACGT" else "other")
            if base != "*":
                indels[name].add("ins" if indel > 0 else "del" if indel < 0 else "none")
        for name, seen in bases.items():
            if len(seen) == 1 and (base := next(iter(seen))) in "ACGT":
                acgt["ACGT".index(base), pos - 1 - target[1]] += 1
                ins[pos - 1 - target[1]] += indels[name] == {"ins"}
                dels[pos - 1 - target[1]] += indels[name] == {"del"}
    return acgt, ins, dels


def test_background_molecules_equal_samtools_mpileup(deep_bam, htslib):
    folder, reference, bam = deep_bam
    rows = [
        ("chr17", SNV0 - 15, SNV0 + 15, "TP53"),
        ("chr17", DEL0 - 10, DEL0 + 10, "TP53"),
        ("chr17", INS0 - 10, INS0 + 10, "TP53"),
    ]
    targets = pd.DataFrame(rows, columns=["chrom", "start", "end", "gene"])
    counts = counting.target_counts(bam, targets, counting.ReadFilter(min_mapq=MQ, min_baseq=BQ))
    for target, got in zip(rows, counts):
        acgt, ins, dels = _mpileup_molecules(bam, target)
        assert got.acgt.tolist() == acgt.tolist(), target
        assert (got.insertions.tolist(), got.deletions.tolist()) == (ins.tolist(), dels.tolist())
    assert counts[1].deletions.sum() > 0 and counts[2].insertions.sum() > 0


def _samtools(*args) -> str:
    return subprocess.run(
        [require_tool("samtools"), *map(str, args)], check=True, capture_output=True, text=True
    ).stdout


def _depth(bam, targets: pd.DataFrame) -> pd.DataFrame:
    return counting.target_depth(
        targets, counting.target_counts(bam, targets, counting.ReadFilter(min_mapq=MQ))
    )


def test_target_depth_equals_samtools_depth_and_view(deep_bam, htslib):
    folder, reference, bam = deep_bam
    # Deleted bases are left out on purpose (the DEL site, and SNV0 - 1 .. SNV0 + 1 of the
    # spanning deletions): where one mate deletes a base that the other mate aligns,
    # `samtools depth -s` drops the fragment at that base (htslib overlap removal keeps the
    # deleted mate); ctdna-count counts it (an aligned base exists). That case is
    # hand-checked in tests/unit/test_ctdna_count_depth.py.
    targets = pd.DataFrame(
        [
            ("chr17", 950, SNV0 - 1, "TP53"),
            ("chr17", SNV0 + 2, 1060, "TP53"),
            ("chr17", 1900, 2100, "TP53"),
            ("chr17", 3000, 3100, "REF"),
        ],
        columns=["chrom", "start", "end", "gene"],
    )
    depth = _depth(bam, targets)
    for target in depth.itertuples(index=False):
        region = f"chr17:{target.start + 1}-{target.end}"
        per_base = _samtools("depth", "-a", "-s", "-Q", MQ, "-G", "0x800", "-r", region, bam)
        total = sum(int(line.split("\t")[2]) for line in per_base.splitlines())
        assert target.covered_bases == total, region
        assert target.mean_fragment_depth == pytest.approx(total / (target.end - target.start))
        names = _samtools("view", "-q", MQ, "-F", "0xF04", bam, region)
        assert target.fragments == len({line.split("\t")[0] for line in names.splitlines()})


def test_covered_bases_equal_samtools_bedcov_without_overlaps(tmp_path):
    rng = random.Random(SEED)
    reference = write_reference(tmp_path / "ref.fa")
    reads = []
    for i in range(200):
        start = rng.randint(500, 1500)
        reads += pair(
            f"p{i}",
            start,
            start + rng.randint(120, 400),
            ("del", start + 50, 3) if i % 10 == 0 else None,
            extra_flag=rng.choice([0] * 8 + [0x400, 0x800]),
            mapq=rng.choice([60, 60, 5]),
        )
    bam = write_bam(tmp_path / "nooverlap.bam", reference, reads)
    bed = write_targets(tmp_path / "t.bed", [("chr17", 600, 900, "A"), ("chr17", 1200, 1900, "B")])
    targets = pd.DataFrame(
        [("chr17", 600, 900, "A"), ("chr17", 1200, 1900, "B")],
        columns=["chrom", "start", "end", "gene"],
    )
    bedcov = _samtools("bedcov", "-Q", MQ, "-G", "0x800", "-j", bed, bam)
    expected = [int(line.split("\t")[4]) for line in bedcov.splitlines()]
    assert _depth(bam, targets)["covered_bases"].tolist() == expected
