"""Low-pass WGS binning: ctdna-bin against samtools and mosdepth over the same 1 Mb bins, same run.

Inputs (seeded, cached in --work; bench/ctdna/lowpass_bams.py): a reduced genome of 3 contigs,
299.9 Mb, 302 bins of 1 Mb (the last of each contig partial), and one paired-end plasma BAM
per --depths (0.1x and 1x: depth x genome / 200 bp pairs of 2 x 100 bp reads) with the
simulator's noise records.

Tools, one process each, single-threaded, same filters (MAPQ >= 20; flags 0x4, 0x100, 0x200,
0x400, 0x800 out, i.e. 0xF04 = 3844), each run under GNU time (`/usr/bin/time -v`: wall,
user + system CPU of the process and the children it waited for, peak RSS of the largest):
  1. `ctdna-bin --bam B --sample S1 --bin-size 1000000 --out S1.tsv` (whole command: Python
     start-up, counting, table schema check and write);
  1b. the same with `--fasta genome.fa` (GC per bin too: what the pipeline runs; information);
  1c. `ctdna-bin --version` (Python start-up and imports alone; information);
  2. `samtools view -c -F 0xF04 -q 20 -e 'pos>=S && pos<=E && (mpos>pos || (mpos==pos &&
     flag.read1))' B chrom:S-E`, one call per bin (the documented fragment rule, docs/ctdna.md);
  3. `samtools view -F 0xF04 -q 20 -e '(mpos>pos || (mpos==pos && flag.read1))' B | awk ...`,
     one stream for all bins, awk counting fragments, short (90 <= |TLEN| <= 150) and long
     (151-220) per bin;
  4. `mosdepth -n --fast-mode -Q 20 -F 3844 --by bins.bed P B` (mean read depth per bin).
--repeats rounds; within a round every tool runs once per BAM, the order reversed every other
round (load drifts on a shared machine hit every tool alike); medians are reported.
Checks (the bench stops if one fails): per bin, fragments of 1 == 2 == 3 and short and long of
1 == 3. mosdepth counts read bases, not fragments (reads crossing a bin edge are split, mates
overlap below 200 bp) and writes the mean depth per bin with 2 decimals (+/- 0.005 x 1 Mb /
200 bp = +/- 25 fragments), so its mean depth x bin length / (2 x 100 bp) is compared with our
fragments: Pearson r, the median ratio and the largest difference per bin (close, not equal).
Usage: nice -n 10 .venv/bin/python bench/ctdna/lowpass_binning.py [--depths 0.1,1]
       [--repeats 3] [--seed 20240601] [--work /tmp/lowpass_binning]
       [--out bench/ctdna/lowpass_binning.out.md]
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from lowpass_bams import GENOME, SimulatedBam, simulated_bams

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BIN_SIZE = 1_000_000  # ctdna-bin's default bin (ichorCNA's 1 Mb)
READ_LENGTH = 100  # bp, stereosarc.demo.lowpass.READ_LENGTH
FILTER = "-F 0xF04 -q 20"  # samtools: ctdna-bin's flags and MAPQ (counting.EXCLUDED_FLAGS)
REPRESENTATIVE = "(mpos>pos || (mpos==pos && flag.read1))"  # the fragment rule, pairs on 1 contig
AWK = r"""{ k = $3 "\t" int(($4 - 1) / B); f[k]++; t = $9 < 0 ? -$9 : $9
  if (t >= 90 && t <= 150) s[k]++; else if (t >= 151 && t <= 220) l[k]++ }
END { for (k in f) print k "\t" f[k] "\t" s[k] + 0 "\t" l[k] + 0 }"""
OURS = "ctdna-bin"
TOOLS = [OURS, "ctdna-bin --fasta (counts + GC)", "ctdna-bin --version (start-up alone)",
         "samtools view -c, one call per bin", "samtools view | awk, one stream",
         "mosdepth -n --fast-mode --by"]  # fmt: skip
TIME_FIELDS = {
    "wall": r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)",
    "user": r"User time \(seconds\): (\S+)",
    "system": r"System time \(seconds\): (\S+)",
    "rss_kb": r"Maximum resident set size \(kbytes\): (\S+)",
}


def bins_of(genome: dict[str, int]) -> pd.DataFrame:
    """chrom, start, end of ctdna-bin's bins (the last bin of a contig ends at its length)."""
    frames = []
    for chrom, length in genome.items():
        starts = np.arange(0, length, BIN_SIZE)
        ends = np.minimum(starts + BIN_SIZE, length)
        frames.append(pd.DataFrame({"chrom": chrom, "start": starts, "end": ends}))
    return pd.concat(frames, ignore_index=True)


def commands(bam: Path, fasta: Path, bins: pd.DataFrame, folder: Path) -> dict[str, str]:
    """Tool name -> one shell command writing its output into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    quoted, q = shlex.quote(str(bam)), shlex.quote
    per_bin = folder / "per_bin.sh"
    per_bin.write_text(
        "".join(
            f"samtools view -c {FILTER} -e "
            f"'pos>={b.start + 1} && pos<={b.end} && {REPRESENTATIVE}' {quoted} "
            f"{b.chrom}:{b.start + 1}-{b.end}\n"
            for b in bins.itertuples(index=False)
        )
    )
    (folder / "bins.bed").write_text(bins.to_csv(sep="\t", header=False, index=False))
    ours = f"{q(str(REPO / '.venv/bin/ctdna-bin'))} --bam {quoted} --sample S1 --bin-size "
    ours += f"{BIN_SIZE} --log-level ERROR --out "
    return {
        TOOLS[0]: ours + q(str(folder / "ours.tsv")),
        TOOLS[1]: ours + f"{q(str(folder / 'ours_gc.tsv'))} --fasta {q(str(fasta))}",
        TOOLS[2]: f"{q(str(REPO / '.venv/bin/ctdna-bin'))} --version > /dev/null",
        TOOLS[3]: f"sh {q(str(per_bin))} > {q(str(folder / 'per_bin.txt'))}",
        TOOLS[4]: f"samtools view {FILTER} -e '{REPRESENTATIVE}' {quoted} | awk -v B={BIN_SIZE} "
        f"{q(AWK)} > {q(str(folder / 'stream.tsv'))}",
        TOOLS[5]: f"mosdepth -n --fast-mode -Q 20 -F 3844 --by {q(str(folder / 'bins.bed'))} "
        f"{q(str(folder / 'mosdepth'))} {quoted}",
    }


def gnu_time(command: str, log: Path) -> dict[str, float]:
    """wall s, cpu s (user + system) and rss_mb of ``sh -c command`` under /usr/bin/time -v."""
    subprocess.run(["/usr/bin/time", "-v", "-o", str(log), "sh", "-c", command], check=True)
    text = log.read_text()
    found = {}
    for key, pattern in TIME_FIELDS.items():
        match = re.search(pattern, text)
        if match is None:
            raise RuntimeError(f"{log}: no '{pattern}' in the output of /usr/bin/time -v")
        found[key] = match.group(1)
    wall = sum(float(part) * 60**i for i, part in enumerate(reversed(found["wall"].split(":"))))
    cpu = float(found["user"]) + float(found["system"])
    return {"wall": wall, "cpu": cpu, "rss_mb": float(found["rss_kb"]) / 1024}


def timed_rounds(runs: dict[float, dict[str, str]], folder: Path, repeats: int) -> dict:
    """(depth, tool) -> list of gnu_time results over ``repeats`` rounds (module docstring)."""
    measured: dict = {(depth, tool): [] for depth in runs for tool in TOOLS}
    for round_number in range(repeats):
        order = TOOLS[::-1] if round_number % 2 else TOOLS
        for depth, tool_commands in runs.items():
            for tool in order:
                log = folder / f"time_{depth:g}x_{TOOLS.index(tool)}.txt"
                measured[depth, tool].append(gnu_time(tool_commands[tool], log))
        print(f"round {round_number + 1}/{repeats} done", file=sys.stderr, flush=True)
    return measured


def check_counts(folder: Path, bins: pd.DataFrame) -> dict[str, float]:
    """Assert ctdna-bin == samtools per bin; mosdepth's agreement (module docstring)."""
    ours = pd.read_csv(folder / "ours.tsv", sep="\t")
    assert ours[["chrom", "start", "end"]].equals(bins), "ctdna-bin bins differ from the BED"
    per_bin = [int(line) for line in (folder / "per_bin.txt").read_text().split()]
    assert ours["fragments"].tolist() == per_bin, "fragments differ from samtools view -c"
    stream = pd.read_csv(folder / "stream.tsv", sep="\t", names=["chrom", "bin", "f", "s", "l"])
    keyed = stream.set_index(["chrom", "bin"])
    index = pd.MultiIndex.from_arrays([bins["chrom"], bins["start"] // BIN_SIZE])
    keyed = keyed.reindex(index, fill_value=0)
    for column, name in (("f", "fragments"), ("s", "short"), ("l", "long")):
        assert ours[name].tolist() == keyed[column].tolist(), f"{name} differ from the stream"
    with gzip.open(folder / "mosdepth.regions.bed.gz", "rt") as handle:
        depth = pd.read_csv(handle, sep="\t", names=["chrom", "start", "end", "mean"])
    assert depth[["chrom", "start", "end"]].equals(bins), "mosdepth bins differ"
    estimate = depth["mean"] * (depth["end"] - depth["start"]) / (2 * READ_LENGTH)
    counted = ours["fragments"] > 0
    ratio = estimate[counted] / ours.loc[counted, "fragments"]
    difference = (estimate - ours["fragments"]).abs()
    return {
        "fragments": int(ours["fragments"].sum()),
        "short": int(ours["short"].sum()),
        "long": int(ours["long"].sum()),
        "bins": len(bins),
        "pearson": float(np.corrcoef(estimate, ours["fragments"])[0, 1]),
        "median_ratio": float(ratio.median()),
        "max_difference": float(difference.max()),
        "rounding": 0.005 * BIN_SIZE / (2 * READ_LENGTH),
    }


def version(command: list[str]) -> str:
    run = subprocess.run(command, capture_output=True, check=True)
    return (run.stdout or run.stderr).decode(errors="replace").splitlines()[0].strip()


def timing_rows(measured: dict, bams: list[SimulatedBam]) -> list[str]:
    """Markdown rows: medians per (BAM, tool) and the peer / ctdna-bin ratios."""
    rows = []
    for bam in bams:
        median = {
            tool: {k: statistics.median(r[k] for r in measured[bam.depth, tool]) for k in
                   ("wall", "cpu", "rss_mb")}
            for tool in TOOLS
        }  # fmt: skip
        for tool in TOOLS:
            walls = [r["wall"] for r in measured[bam.depth, tool]]
            escaped = tool.replace("|", "\\|")  # a pipe inside a Markdown table cell
            m, ours = median[tool], median[OURS]
            ratios = ("" if tool == OURS else f"{m['wall'] / ours['wall']:.1f}",
                      "" if tool == OURS else f"{m['cpu'] / ours['cpu']:.1f}")  # fmt: skip
            spread = f"{min(walls):.2f}-{max(walls):.2f}"
            rows.append(
                f"| {bam.depth:g}x | {escaped} | {m['wall']:.2f} | {spread} | {m['cpu']:.2f} | "
                f"{m['rss_mb']:.0f} | {ratios[0]} | {ratios[1]} |"
            )
    return rows


def report(args, bams: list[SimulatedBam], measured, checks, loads) -> str:
    """The Markdown of the run (what ran, the inputs, the checks, the timing table)."""
    genome = sum(GENOME.values())
    lines = [
        f"Output of `nice -n 10 .venv/bin/python bench/ctdna/lowpass_binning.py --depths "
        f"{args.depths} --repeats {args.repeats} --seed {args.seed}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {os.cpu_count()} cores shared "
        f"with other sessions, load average (1 min) {loads[0]} at the start, {loads[1]} at the "
        f"end; {version(['samtools', '--version'])}, {version(['mosdepth', '--version'])}.",
        "",
        f"Reduced genome: {len(GENOME)} contigs, {genome / 1e6:.1f} Mb, {checks[0]['bins']} bins "
        f"of {BIN_SIZE:,} bp. Medians of {args.repeats} rounds; ratio = the peer's median / "
        "ctdna-bin's (above 1: ctdna-bin takes less).",
        "",
        "| BAM | records | BAM MB | fragments counted | short | long | ctdna-bin == samtools "
        "view -c per bin | == samtools view \\| awk (fragments, short, long) | mosdepth "
        "depth-derived fragments: Pearson r | median ratio | largest difference per bin "
        "(mosdepth's rounding) |",
        "|---|---:|---:|---:|---:|---:|---|---|---:|---:|---|",
    ]
    for bam, check in zip(bams, checks):
        lines.append(
            f"| {bam.depth:g}x | {bam.records:,} | {bam.path.stat().st_size / 1e6:.0f} | "
            f"{check['fragments']:,} | {check['short']:,} | {check['long']:,} | "
            f"yes, {check['bins']} of {check['bins']} bins | yes, all bins | "
            f"{check['pearson']:.4f} | {check['median_ratio']:.3f} | "
            f"{check['max_difference']:.0f} (+/- {check['rounding']:.0f}) |"
        )
    lines += [
        "",
        "| BAM | tool | wall s | wall s min-max | CPU s | peak RSS MB | peer / ctdna-bin wall "
        "| peer / ctdna-bin CPU |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
        *timing_rows(measured, bams),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", default="0.1,1", help="BAM depths (x), comma-separated")
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--work", type=Path, default=Path("/tmp/lowpass_binning"))
    parser.add_argument("--out", type=Path, default=HERE / "lowpass_binning.out.md")
    args = parser.parse_args()
    fasta, bams = simulated_bams(args.work, args.seed, [float(d) for d in args.depths.split(",")])
    # bytecode of the project, as an installed package has it (PYTHONDONTWRITEBYTECODE shells)
    packages = [str(REPO / name) for name in ("ctdna", "stereosarc")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], check=True)
    bins = bins_of(GENOME)
    runs = {b.depth: commands(b.path, fasta, bins, args.work / f"out_{b.depth:g}x") for b in bams}
    loads = [f"{os.getloadavg()[0]:.1f}"]
    measured = timed_rounds(runs, args.work, args.repeats)
    loads.append(f"{os.getloadavg()[0]:.1f}")
    checks = [check_counts(args.work / f"out_{b.depth:g}x", bins) for b in bams]
    text = report(args, bams, measured, checks, loads)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
