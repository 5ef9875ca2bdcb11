"""Benchmark: CPU per ctdna-count task on the demo cohort, ungrouped and grouped (issue 18).

Counts the first --samples plasma samples of the demo samplesheet and every PoN sample with
the command line of the Nextflow module (conf/modules.config defaults: MAPQ 20, base quality
20, --sites, versions.yml written): first one process per sample (today's CTDNA_COUNT
tasks), then one process per --group-size samples (--manifest, CTDNA_COUNT_GROUP). CPU is
user + system time of the process and its children (os.wait4), as the Nextflow trace counts
it; the median per task and per sample are printed. Every output of the grouped run is
compared byte for byte with the ungrouped one. --compare DIR also compares the ungrouped
outputs with those of an earlier run of this script (e.g. the code before a change, run with
PYTHONPATH pointing at its checkout). --ab-before DIR: instead, the first sample counted
--rounds times by the code in DIR (as PYTHONPATH) and by this checkout, in turn (interleaved,
so load changes on a shared machine hit both alike); median and minimum CPU of each.

Usage: .venv/bin/python bench/ctdna/bench_count_startup.py --demo DEMO_DIR --work DIR
       [--samples 20] [--plasma-only] [--group-size 10] [--compare EARLIER_WORK_DIR/ungrouped]
       [--no-grouped] | --ab-before CHECKOUT_DIR [--rounds 15]
(DEMO_DIR from stereosarc-demo --outdir DEMO_DIR).
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import os
import statistics
import subprocess
import sys
from pathlib import Path

COUNT_ARGS = ["--min-mapq", "20", "--min-baseq", "20"]  # conf/modules.config defaults


def _samples(
    demo: Path, n_plasma: int, pon: bool = True
) -> list[tuple[str, Path, list[tuple[str, Path]]]]:
    """(sample, BAM, tumours) as the CTDNA subworkflow pairs them (PoN: every tumour)."""
    with (demo / "samplesheet.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    tumours = sorted((r["sample"], r["patient"], demo / r["vcf"]) for r in rows if r["vcf"])
    plasma = [r for r in rows if r["type"] == "plasma"][:n_plasma]
    plasma += [r for r in rows if r["type"] == "pon" and pon]
    return [
        (
            r["sample"],
            demo / r["bam"],
            [(t, v) for t, p, v in tumours if r["type"] == "pon" or p == r["patient"]],
        )
        for r in plasma
    ]


def _run(argv: list[str], env: dict[str, str] | None = None) -> float:
    """CPU seconds (user + system, with children) of one ctdna-count process, run from the
    root folder: ``python -c`` puts the current folder first on sys.path, which would
    otherwise shadow a PYTHONPATH checkout when run from the repository."""
    process = subprocess.Popen(argv, stderr=subprocess.DEVNULL, env=env, cwd="/")
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"failed ({status}): {' '.join(argv)}")
    return usage.ru_utime + usage.ru_stime


def _shared(demo: Path, out: Path) -> list[str]:
    targets = ["--targets", str(demo / "ctdna_targets.bed")]
    sites = ["--sites", str(demo / "ctdna_sites.tsv")]
    return [*targets, *sites, *COUNT_ARGS, "--versions-out", "CTDNA_COUNT", str(out)]


def ungrouped(demo: Path, samples, out: Path, command: list[str]) -> list[float]:
    out.mkdir(parents=True, exist_ok=True)
    cpu = []
    for sample, bam, tumours in samples:
        argv = [*command, "--bam", str(bam), "--sample", sample]
        argv += [f"--tumour={t}={v}" for t, v in tumours]
        argv += _shared(demo, out / f"{sample}.versions.yml")
        for flag, suffix in (("sites", "site_counts"), ("targets", "target_depth")):
            argv += [f"--out-{flag}", str(out / f"{sample}.{suffix}.tsv")]
        cpu.append(_run(argv))
    return cpu


def grouped(demo: Path, samples, out: Path, command: list[str], size: int) -> list[float]:
    out.mkdir(parents=True, exist_ok=True)
    cpu = []
    for start in range(0, len(samples), size):
        manifest = out / f"group{start // size + 1}.manifest.tsv"
        lines = ["sample\tbam\ttumours"]
        for sample, bam, tumours in samples[start : start + size]:
            lines.append(f"{sample}\t{bam}\t" + ";".join(f"{t}={v}" for t, v in tumours))
        manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
        argv = [*command, "--manifest", str(manifest), "--out-dir", str(out)]
        cpu.append(_run(argv + _shared(demo, out / f"group{start // size + 1}.versions.yml")))
    return cpu


def same_tables(left: Path, right: Path) -> tuple[int, list[str]]:
    """(tables compared, names differing or missing on the right), byte for byte."""
    names = sorted(p.name for p in left.glob("*.tsv") if not p.name.startswith("group"))
    differ = [
        n
        for n in names
        if not (right / n).exists() or not filecmp.cmp(left / n, right / n, shallow=False)
    ]
    return len(names), differ


def interleaved(demo: Path, sample, work: Path, command: list[str], before: Path, rounds: int):
    """Median and minimum CPU of one sample's task, code in ``before`` vs this checkout."""
    now = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    envs = {"before": {**now, "PYTHONPATH": str(before)}, "after": now}
    cpu: dict[str, list[float]] = {"before": [], "after": []}
    for name, env in envs.items():
        print(f"{name}: code in {code_used(env)}")
    for _ in range(rounds):
        for name, env in envs.items():
            out = work / name
            out.mkdir(parents=True, exist_ok=True)
            argv = [*command, "--bam", str(sample[1]), "--sample", sample[0]]
            argv += [f"--tumour={t}={v}" for t, v in sample[2]] + _shared(demo, out / "v.yml")
            argv += ["--out-sites", str(out / "s.tsv"), "--out-targets", str(out / "t.tsv")]
            cpu[name].append(_run(argv, env))
    for name, values in cpu.items():
        print(f"{sample[0]} {name}: {rounds} runs, median {statistics.median(values):.3f}, "
              f"min {min(values):.3f} CPU s")  # fmt: skip
    n, differ = same_tables(work / "before", work / "after")
    print(f"after vs before: {n} tables compared, differing: {differ or 'none'}")


def code_used(env: dict[str, str] | None = None) -> str:
    """The folder of the ctdna package a child process imports (which checkout is timed)."""
    argv = [sys.executable, "-c", "import ctdna; print(ctdna.__file__)"]
    found = subprocess.run(argv, env=env, cwd="/", capture_output=True, text=True, check=True)
    return str(Path(found.stdout.strip()).parent.parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--samples", type=int, default=20, help="plasma samples (+ every PoN)")
    parser.add_argument("--group-size", type=int, default=10)
    parser.add_argument("--compare", type=Path, help="ungrouped outputs of an earlier run")
    parser.add_argument("--plasma-only", action="store_true", help="leave the PoN out")
    parser.add_argument("--ab-before", type=Path, help="checkout of the code before")
    parser.add_argument("--rounds", type=int, default=15, help="with --ab-before")
    parser.add_argument("--no-grouped", action="store_true", help="ungrouped run only")
    args = parser.parse_args()
    command = [sys.executable, "-c", "import sys; from ctdna.count_cli import count_main; "
               "sys.exit(count_main())"]  # fmt: skip
    args.work = args.work.resolve()
    samples = _samples(args.demo.resolve(), args.samples, pon=not args.plasma_only)
    if args.ab_before:
        demo, before = args.demo.resolve(), args.ab_before.resolve()
        interleaved(demo, samples[0], args.work, command, before, args.rounds)
        return
    print(f"code in {code_used()}")
    single = ungrouped(args.demo.resolve(), samples, args.work / "ungrouped", command)
    pon = "" if args.plasma_only else " + PoN"
    print(f"{len(samples)} samples ({args.samples} plasma{pon}), python {sys.version.split()[0]}")
    print(f"ungrouped: {len(single)} tasks, median {statistics.median(single):.3f} CPU s per "
          f"task, {sum(single):.2f} CPU s in all")  # fmt: skip
    if args.compare:
        n, differ = same_tables(args.compare, args.work / "ungrouped")
        print(f"ungrouped vs {args.compare}: {n} tables compared, differing: {differ or 'none'}")
    if args.no_grouped:
        return
    groups = grouped(args.demo.resolve(), samples, args.work / "grouped", command, args.group_size)
    print(f"grouped by {args.group_size}: {len(groups)} tasks, median "
          f"{statistics.median(groups):.3f} CPU s per task, {sum(groups):.2f} CPU s in all, "
          f"{sum(groups) / len(samples):.3f} CPU s per sample")  # fmt: skip
    n, differ = same_tables(args.work / "ungrouped", args.work / "grouped")
    print(f"grouped vs ungrouped: {n} tables compared, differing: {differ or 'none'}")


if __name__ == "__main__":
    main()
