"""Benchmark: ctdna-count site counting vs samtools mpileup and samtools view -c, same run.

Generates (seeded) a deep BAM with N_SITES sites, each covered by FRAGMENTS read pairs
(overlapping mates, 5 % duplicates), then times on the same sites:
  1. ctdna.counting.count_sites (the code ctdna-count runs), pysam in-process;
  2. samtools mpileup -B -x -A -d 0 -q 20 -Q 20 --ff 0xF04 -l sites.bed (same filters);
  2b. the same mpileup with -r, one process per site (uses the index instead of streaming);
  3. samtools view -c -q 20 -F 0xF04 over the site positions (reads overlapping them).
Off-site read pairs (default 200,000) stand for the rest of the panel: mpileup -l streams
through them, the indexed tools jump over them.
Usage: .venv/bin/python bench/ctdna/bench_count.py [--sites 20] [--fragments 5000]
       [--off-site-pairs 200000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pysam

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from ctdna import counting  # noqa: E402
from tests.unit.test_ctdna_count_fixtures import READ_LENGTH, pair, write_bam, write_reference  # noqa: E402

SEED = 20240601


OFF_SITE_SPAN = 500_000  # bp of other panel targets / off-target reads after the sites


def make_inputs(folder: Path, n_sites: int, fragments: int, off_site_pairs: int):
    rng = random.Random(SEED)
    site_span = n_sites * 1000 + 1000
    reference = write_reference(folder / "ref.fa", length=site_span + OFF_SITE_SPAN)
    reads, sites = [], []
    for s in range(n_sites):
        where = 500 + s * 1000
        alt = "A" if reference[where] != "A" else "C"
        sites.append(("chr17", where + 1, reference[where], alt, "snv"))
        for i in range(fragments):
            start = rng.randint(where - READ_LENGTH + 13, where - 5)
            variant = ("snv", where, alt) if rng.random() < 0.01 else None
            mate = start + rng.randint(20, 200)
            mate_variant = variant if mate + 5 <= where <= mate + READ_LENGTH - 12 else None
            reads += pair(f"s{s}f{i}", start, mate, variant, mate_variant,
                          extra_flag=0x400 if rng.random() < 0.05 else 0)
    for i in range(off_site_pairs):  # reads elsewhere in the panel: never at a site
        start = rng.randint(site_span, site_span + OFF_SITE_SPAN - 400)
        reads += pair(f"o{i}", start, start + rng.randint(20, 200))
    bam = write_bam(folder / "deep.bam", reference, reads)
    frame = pd.DataFrame(sites, columns=["chrom", "pos", "ref", "alt", "variant_type"])
    bed = folder / "sites.bed"
    bed.write_text("".join(f"chr17\t{p - 1}\t{p}\n" for p in frame["pos"]))
    return bam, frame, bed


def timed(action, repeats: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--fragments", type=int, default=5000)
    parser.add_argument("--off-site-pairs", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bam, sites, bed = make_inputs(Path(tmp), args.sites, args.fragments, args.off_site_pairs)

        def ours():
            with pysam.AlignmentFile(str(bam)) as handle:
                return counting.count_sites(handle, sites, min_mapq=20, min_baseq=20)

        mpileup = ["samtools", "mpileup", "-B", "-x", "-A", "-d", "0", "-q", "20", "-Q", "20",
                   "--ff", "0xF04", "-l", str(bed), str(bam)]
        regions = [f"chr17:{p}-{p}" for p in sites["pos"]]
        per_site = [mpileup[:-3] + ["-r", region, str(bam)] for region in regions]
        view = ["samtools", "view", "-c", "-q", "20", "-F", "0xF04", str(bam), *regions]
        t_ours, counts = timed(ours, args.repeats)
        t_mpileup, out = timed(lambda: subprocess.run(mpileup, check=True, capture_output=True,
                                                      text=True).stdout, args.repeats)
        t_indexed, _ = timed(lambda: [subprocess.run(c, check=True, capture_output=True)
                                      for c in per_site], args.repeats)
        t_view, reads = timed(lambda: subprocess.run(view, check=True, capture_output=True,
                                                     text=True).stdout, args.repeats)
        mpileup_depth = sum(int(line.split("\t")[3]) for line in out.splitlines())
    print(f"sites={args.sites} fragments/site={args.fragments} reads at sites "
          f"(view -c)={int(reads)} mpileup depth sum={mpileup_depth} "
          f"ctdna reads sum={int(counts['reads'].sum())}")
    print(f"ctdna count_sites  {t_ours:.3f} s")
    print(f"samtools mpileup -l sites.bed (streams the BAM)  {t_mpileup:.3f} s   "
          f"ratio ctdna/mpileup = {t_ours / t_mpileup:.2f}")
    print(f"samtools mpileup -r, one call per site (index)   {t_indexed:.3f} s   "
          f"ratio ctdna/mpileup = {t_ours / t_indexed:.2f}")
    print(f"samtools view -c   {t_view:.3f} s   ratio ctdna/view = {t_ours / t_view:.2f}")


if __name__ == "__main__":
    main()
