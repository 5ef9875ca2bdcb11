"""The PASS / region / VAF / depth / alt-read part of the TMB filter against bcftools.

A seeded random VCF (printed seed) is filtered twice: by bcftools view (Debian) with
``-f PASS,. -T panel.bed -i 'FMT/DP>=50 && FMT/AF>=0.05 && FMT/AF<=0.9 && FMT/AD[0:1]>=3'``
and by tmb-calc; the positions passing those filters must be identical. The BED has
overlapping and unsorted intervals; indels start just before interval edges (only POS counts).
"""

from __future__ import annotations

import random
import subprocess

from stereosarc.tables import read_output_table
from tests.conftest import require_tool
from tests.unit.test_tmb_fixtures import csq, write_bed, write_vcf
from tmb.cli import main

SEED = 20240601  # project default seed (docs/development.md)
N_RECORDS = 600
BED = [("chr1", 5_000, 20_000), ("chr1", 0, 8_000), ("chr2", 30_000, 31_000),
       ("chr1", 19_999, 25_000), ("chr2", 10_000, 12_000)]
EDGES = [0, 5_000, 8_000, 25_000, 30_000, 31_000, 10_000, 12_000]


def random_records(rng: random.Random) -> list[str]:
    positions = set()
    while len(positions) < N_RECORDS:
        chrom = rng.choice(["chr1", "chr2"])
        pos = rng.choice([rng.randint(1, 40_000), rng.choice(EDGES) + rng.randint(-1, 2)])
        positions.add((chrom, max(pos, 1)))
    lines = []
    for chrom, pos in sorted(positions, key=lambda p: (p[0], p[1])):
        depth = rng.choice([rng.randint(20, 300), 49, 50, 51])
        alt_reads = rng.choice([rng.randint(0, depth // 4), rng.randint(0, depth), 2, 3])
        af = rng.choice([round(alt_reads / depth, 3)] * 3 + [0.05, 0.9, 0.049, 0.901])
        ref, alt = rng.choice([("A", "C"), ("AT", "A"), ("G", "GTT")])
        filt = rng.choice(["PASS", ".", "LowQual"])
        info = "CSQ=" + csq(alt[1:] or "-" if len(ref) > 1 or len(alt) > 1 else alt, "missense_variant")
        lines.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\t{filt}\t{info}\tGT:AD:DP:AF\t"
                     f"0/1:{depth - alt_reads},{alt_reads}:{depth}:{af}")
    return lines


def test_pass_region_vaf_depth_match_bcftools(tmp_path):
    bcftools = require_tool("bcftools")
    print(f"seed {SEED}")
    vcf = write_vcf(tmp_path / "random.vcf", random_records(random.Random(SEED)))
    bed = write_bed(tmp_path / "panel.bed", BED)
    expression = "FMT/DP>=50 && FMT/AF>=0.05 && FMT/AF<=0.9 && FMT/AD[0:1]>=3"
    out = subprocess.run([bcftools, "view", "-H", "-f", "PASS,.", "-T", str(bed), "-i", expression,
                          str(vcf)], check=True, capture_output=True, text=True).stdout
    expected = {(f[0], int(f[1])) for f in (line.split("\t") for line in out.splitlines())}
    trace_path = tmp_path / "trace.tsv"
    assert main(["--vcf", str(vcf), "--sample", "T1", "--patient", "P1", "--panel-bed", str(bed),
                 "--force-small-panel", "--chunk-records", "97", "--out-summary",
                 str(tmp_path / "summary.tsv"), "--out-trace", str(trace_path)]) == 0
    trace = read_output_table(trace_path)
    passing = trace[["pass_filter", "in_panel", "vaf_ok", "depth_ok", "alt_reads_ok"]].eq(1).all(axis=1)
    found = set(zip(trace.loc[passing, "chrom"], trace.loc[passing, "pos"]))
    assert len(trace) == N_RECORDS
    assert 30 < len(expected) < N_RECORDS  # the case mix really exercises both sides
    assert found == expected
