"""Benchmark: ctdna-count site counting vs samtools mpileup and samtools view -c, same run.

Generates (seeded) a deep capture-panel-like BAM on one 2-Mb contig:
  - SITE_TARGETS targets of 200 bp holding the patient's sites (1 or 2 sites each; a second
    site 37 bp after the first), each covered by --site-pairs read pairs (> 8,000 kept reads
    at every site: beyond samtools' and pysam's default depth cap);
  - --other-targets panel targets of 200 bp elsewhere, --pairs read pairs each (the rest of
    the panel: reads near, not at, the sites);
  - --off-target-pairs read pairs scattered over the contig (capture off-target reads).
Fragments 150-300 bp (mates overlap below 200 bp), --duplicates fraction flagged 0x400,
3 % MAPQ 10, 1 % of fragments mutant at each site.

Timed on the same sites with the same filters (MAPQ >= 20, base quality >= 20, flags
0xF04 excluded, no depth cap), in rounds (each round runs tools 1-3 once each, in turn,
the order reversed every other round, so load changes on a shared machine hit all tools
alike); best of --repeats rounds:
  1. ctdna.counting.count_sites (what ctdna-count runs), core bound to the system libhts;
  1b. the same, core bound to pysam's bundled htslib;
  2. samtools mpileup -B -x -A -d 0 -q 20 -Q 20 --ff 0xF04 -l sites.bed;
  2b. the same mpileup with -r, one process per site;
  3. samtools view -c -q 20 -F 0xF04 BAM <one region per site position>;
  4. the whole ctdna-count command (a new Python process: imports, VCF, site targets, target
     depth and background too), for information, best of 3 runs after the rounds.
Usage: .venv/bin/python bench/ctdna/bench_count.py [--site-pairs 50000] [--pairs 20000]
       [--other-targets 40] [--off-target-pairs 200000] [--duplicates 0.4] [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pysam

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# imports after the sys.path insertion above: the bench runs as a script from any folder
from ctdna import counting, fragcore  # noqa: E402
from tests.unit.test_ctdna_count_fixtures import (  # noqa: E402
    READ_LENGTH,
    pair,
    write_bam,
    write_reference,
    write_targets,
    write_tumour_vcf,
)

SEED = 20240601
CONTIG_LENGTH = 2_000_000  # one contig standing for the panel's chromosomes
TARGET_LENGTH = 200  # bp, a typical capture target (TP53 exons are 100-300 bp)
SITE_TARGETS = 6  # targets holding the patient's sites: 6 sites + 4 second sites = 10
SECOND_SITE_OFFSET = 37  # bp between two sites of one target
TARGET_SPACING = 25_000  # bp between panel targets
FILTERS = ["-q", "20", "-F", "0xF04"]
# samtools mpileup: -B no BAQ, -x no overlap removal, -A anomalous pairs kept, -d 0 no cap
MPILEUP = ["samtools", "mpileup", "-B", "-x", "-A", "-d", "0"]
MPILEUP += ["-q", "20", "-Q", "20", "--ff", "0xF04"]


def _fragment(
    rng: random.Random, name: str, start: int, end: int, duplicates: float, variants: list[tuple]
) -> list:
    """One read pair with its first base in [start - 150, end - 50)."""
    first = rng.randint(start - 150, end - 50)
    length = rng.randint(150, 300)
    second = first + length - READ_LENGTH
    flag = 0x400 if rng.random() < duplicates else 0
    mapq = 10 if rng.random() < 0.03 else 60
    carried = [v for v in variants if rng.random() < 0.01]
    one = next((v for v in carried if first + 5 <= v[1] <= first + READ_LENGTH - 12), None)
    two = next((v for v in carried if second + 5 <= v[1] <= second + READ_LENGTH - 12), None)
    return pair(name, first, second, one, two, extra_flag=flag, mapq=mapq)


def make_inputs(
    folder: Path,
    site_pairs: int,
    pairs: int,
    other_targets: int,
    off_target_pairs: int,
    duplicates: float,
):
    """(BAM, sites frame, sites BED, targets BED, tumour VCF) of the benchmark."""
    rng = random.Random(SEED)
    reference = write_reference(folder / "ref.fa", length=CONTIG_LENGTH)
    reads, sites, targets = [], [], []
    for t in range(SITE_TARGETS + other_targets):
        start = 50_000 + t * TARGET_SPACING
        end = start + TARGET_LENGTH
        targets.append(("chr17", start, end, "TP53" if t < SITE_TARGETS else f"G{t}"))
        variants = []
        for offset in (
            ((60, 60 + SECOND_SITE_OFFSET) if t % 3 else (80,)) if t < SITE_TARGETS else ()
        ):
            where = start + offset
            alt = "A" if reference[where] != "A" else "C"
            sites.append(("chr17", where + 1, reference[where], alt, "snv"))
            variants.append(("snv", where, alt))
        for i in range(site_pairs if t < SITE_TARGETS else pairs):
            reads += _fragment(rng, f"t{t}f{i}", start, end, duplicates, variants)
    for i in range(off_target_pairs):
        start = rng.randint(1000, CONTIG_LENGTH - 1000)
        reads += _fragment(rng, f"o{i}", start, start + 1, duplicates, [])
    bam = write_bam(folder / "deep.bam", reference, reads)
    frame = pd.DataFrame(sites, columns=["chrom", "pos", "ref", "alt", "variant_type"])
    bed = folder / "sites.bed"
    bed.write_text("".join(f"chr17\t{p - 1}\t{p}\n" for p in frame["pos"]))
    site_targets = write_targets(folder / "site_targets.bed", targets[:SITE_TARGETS])
    vcf = write_tumour_vcf(
        folder / "T.vcf.gz",
        [(p, r, a, "PASS", 0.3) for _, p, r, a, _ in sites],
        length=CONTIG_LENGTH,
    )
    return bam, frame, bed, site_targets, vcf


def _run(command: list[str], env=None) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout


WHOLE_COMMAND = "ctdna-count, whole command (new process)"


def tools(bam: Path, sites: pd.DataFrame, bed: Path, targets: Path, vcf: Path, folder: Path):
    """name -> zero-argument action returning something to check (the whole command last)."""
    regions = [f"chr17:{p}-{p}" for p in sites["pos"]]

    def ours(library: str):
        def action():
            os.environ[fragcore.ENVIRONMENT] = library
            return counting.count_sites(bam, sites, counting.ReadFilter(min_mapq=20, min_baseq=20))

        return action

    command = [
        str(ROOT / ".venv/bin/ctdna-count"),
        "--bam",
        str(bam),
        "--sample",
        "S",
        "--tumour",
        f"T={vcf}",
        "--targets",
        str(targets),
        "--out-sites",
        str(folder / "S.site_counts.tsv"),
        "--out-targets",
        str(folder / "S.depth.tsv"),
    ]
    return {
        "ctdna count_sites (core, system libhts)": ours("system"),
        "ctdna count_sites (core, pysam's htslib)": ours("pysam"),
        "samtools mpileup -l sites.bed": lambda: _run(MPILEUP + ["-l", str(bed), str(bam)]),
        "samtools mpileup -r, one call per site": lambda: [
            _run(MPILEUP + ["-r", region, str(bam)]) for region in regions
        ],
        "samtools view -c (same regions)": lambda: _run(
            ["samtools", "view", "-c", *FILTERS, str(bam), *regions]
        ),
        WHOLE_COMMAND: lambda: _run(command),
    }


def timed_rounds(actions: dict, repeats: int) -> tuple[dict, dict]:
    """Best wall time per action over ``repeats`` rounds (order reversed every other round;
    the whole command 3 times after the rounds), and each action's last result."""
    best = {name: float("inf") for name in actions}
    results = {}
    fast = [name for name in actions if name != WHOLE_COMMAND]
    rounds = [fast[::-1] if r % 2 else fast for r in range(repeats)] + [[WHOLE_COMMAND]] * 3
    for names in rounds:
        for name in names:
            start = time.perf_counter()
            results[name] = actions[name]()
            best[name] = min(best[name], time.perf_counter() - start)
    return best, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--site-pairs", type=int, default=50_000, help="read pairs per target holding sites"
    )
    parser.add_argument("--pairs", type=int, default=20_000, help="read pairs per other target")
    parser.add_argument("--other-targets", type=int, default=40)
    parser.add_argument("--off-target-pairs", type=int, default=200_000)
    parser.add_argument("--duplicates", type=float, default=0.4)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        made = time.perf_counter()
        bam, sites, bed, targets, vcf = make_inputs(
            folder,
            args.site_pairs,
            args.pairs,
            args.other_targets,
            args.off_target_pairs,
            args.duplicates,
        )
        made = time.perf_counter() - made
        total_reads = int(pysam.idxstats(str(bam)).split("\t")[2])
        best, results = timed_rounds(tools(bam, sites, bed, targets, vcf, folder), args.repeats)
    report(args, sites, total_reads, made, best, results)


def report(args, sites, total_reads, made, best, results) -> None:
    """Print the setting, the read totals (checked equal) and the wall-time table."""
    ours = results["ctdna count_sites (core, system libhts)"]
    same = ours.equals(results["ctdna count_sites (core, pysam's htslib)"])
    mpileup_reads = sum(
        int(line.split("\t")[3]) for line in results["samtools mpileup -l sites.bed"].splitlines()
    )
    view_reads = int(results["samtools view -c (same regions)"])
    libraries = {lib: fragcore.core(lib).version for lib in ("system", "pysam")}
    print(
        f"BAM: {total_reads:,} mapped reads (made in {made:.0f} s); {len(sites)} sites in "
        f"{SITE_TARGETS} targets ({args.site_pairs:,} pairs each) + {args.other_targets} other "
        f"targets ({args.pairs:,} pairs each), {args.off_target_pairs:,} off-target pairs, "
        f"{args.duplicates:.0%} duplicates"
    )
    print(
        f"kept reads per site {int(ours['reads'].min()):,}-{int(ours['reads'].max()):,}; "
        f"reads at the sites: ctdna {int(ours['reads'].sum()):,}, mpileup depth "
        f"{mpileup_reads:,}, view -c {view_reads:,}; "
        f"fragments counted: {int(ours['depth_fragments'].sum()):,}; "
        f"system and pysam htslib counts identical: {same}"
    )
    samtools = subprocess.run(["samtools", "--version"], capture_output=True).stdout
    print(
        f"samtools {samtools.split()[1].decode()}, htslib "
        f"system {libraries['system']} / pysam {libraries['pysam']}, pysam {pysam.__version__}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load "
        f"{os.getloadavg()[0]:.1f} at the end; best of {args.repeats} rounds"
    )
    reference = best["ctdna count_sites (core, system libhts)"]
    print(f"{'tool':45s} {'wall s':>8s} {'ctdna / tool':>13s}")
    for name, seconds in best.items():
        print(f"{name:45s} {seconds:8.3f} {reference / seconds:13.2f}")


if __name__ == "__main__":
    main()
