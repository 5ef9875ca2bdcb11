"""Throughput and peak memory of tmb-calc against pyTMB (pytmb-curie) in the same run.

Creates its own venv for pyTMB (never the project .venv), generates seeded VEP-annotated VCFs
of several sizes (make_vcf.py), runs both tools one after the other on each (never in parallel:
the machine is shared) under /usr/bin/time, and writes a Markdown table.
Usage (from the repository root):
    .venv/bin/python bench/tmb/bench_tmb.py [--sizes 2000,250000,1000000] [--repeats 3] \
        [--workdir DIR] [--out bench/tmb/results.md]
Each tool runs ``--repeats`` times per size, alternating with the other; the fastest run of
each (least CPU time, least wall time) is reported, which damps the noise of a shared
machine, and the ratios of the median runs beside it. The project's modules are compiled to
bytecode first (``compileall``), as pip does when it installs a package (pyTMB's venv): a
development shell with PYTHONDONTWRITEBYTECODE would otherwise recompile them at every run.
The load average at the start and end of the run is written beside the table. tmb-calc
writes into an empty output folder each time (its outputs of the previous repeat are deleted
before the timed run), as a Nextflow task does: replacing a 166 MB trace left by the previous
repeat would add the kernel's work of dropping it.
Equivalent settings: VAF >= 0.05, depth >= 50, alt reads >= 3, gnomAD AF <= 0.001, PASS only,
non-synonymous coding. pyTMB cannot restrict to the BED nor read gnomAD from CSQ, has no upper
VAF bound and stops at the first failing filter without a trace; tmb-calc does all of these,
so it does strictly more work per record.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PYTMB_VERSION = "1.6.0"  # pytmb-curie release benchmarked (PyPI)
PANEL_BASES = 22 * 100 * 2_000  # make_vcf.py panel: 22 contigs x 100 targets x 2 kb


def ensure_pytmb(workdir: Path) -> Path:
    venv = workdir / "venv-pytmb"
    exe = venv / "bin" / "pyTMB"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", f"pytmb-curie=={PYTMB_VERSION}"],
            check=True,
        )
    return exe


def timed(command: list[str], log: Path) -> tuple[float, float, float]:
    """Wall seconds, user+sys CPU seconds and peak RSS (MB) of ``command``."""
    fmt = "BENCH %e %U %S %M"
    with open(log, "w") as handle:
        subprocess.run(
            ["/usr/bin/time", "-f", fmt, *command],
            check=True,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    line = [row for row in log.read_text().splitlines() if row.startswith("BENCH ")][-1]
    wall, user, system, rss_kb = (float(v) for v in line.split()[1:])
    return wall, user + system, rss_kb / 1024


def compile_project() -> None:
    """Bytecode of the project's packages (__pycache__, git-ignored), as an installed copy has."""
    packages = [str(REPO / name) for name in ("tmb", "stereosarc", "ctdna")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], check=True)


def run_size(records: int, workdir: Path, pytmb: Path, repeats: int) -> list[dict]:
    vcf, bed = workdir / f"bench_{records}.vcf.gz", workdir / "panel.bed"
    if not vcf.exists():
        subprocess.run(
            [
                sys.executable,
                str(HERE / "make_vcf.py"),
                "--records",
                str(records),
                "--out",
                str(vcf),
                "--bed",
                str(bed),
            ],
            check=True,
        )
    ours = [
        str(REPO / ".venv" / "bin" / "tmb-calc"),
        "--vcf",
        str(vcf),
        "--sample",
        "TUMOUR",
        "--patient",
        "P1",
        "--panel-bed",
        str(bed),
        "--panel-is-coding",
        "--pop-af-fields",
        "gnomADe_AF",
        "--out-summary",
        str(workdir / "s.tsv"),
        "--out-trace",
        str(workdir / "trace.tsv"),
    ]
    theirs = [
        str(pytmb),
        "-i",
        str(vcf),
        "--dbConfig",
        str(HERE / "pytmb_vep_csq.yml"),
        "--varConfig",
        str(HERE / "pytmb_caller.yml"),
        "--effGenomeSize",
        str(PANEL_BASES),
        "--vaf",
        "0.05",
        "--maf",
        "0.001",
        "--minDepth",
        "50",
        "--minAltDepth",
        "3",
        "--filterLowQual",
        "--filterNonCoding",
        "--filterSyn",
        "--filterPolym",
        "--polymDb",
        "gnomad",
    ]
    runs: dict[str, list] = {"tmb-calc": [], f"pyTMB {PYTMB_VERSION}": []}
    for repeat in range(repeats):
        for tool, command in (("tmb-calc", ours), (f"pyTMB {PYTMB_VERSION}", theirs)):
            for output in (workdir / "s.tsv", workdir / "trace.tsv"):
                output.unlink(missing_ok=True)  # an empty output folder, as a Nextflow task
            log = workdir / f"{tool.split()[0]}_{records}_{repeat}.log"
            runs[tool].append(timed(command, log))
    rows = []
    for tool, measured in runs.items():
        wall, cpu = min(run[0] for run in measured), min(run[1] for run in measured)
        rows.append(
            {
                "tool": tool,
                "records": records,
                "wall_s": wall,
                "cpu_s": cpu,
                "records_per_cpu_s": records / cpu,
                "records_per_s": records / wall,
                "median_cpu_s": statistics.median(run[1] for run in measured),
                "median_wall_s": statistics.median(run[0] for run in measured),
                "peak_rss_mb": max(run[2] for run in measured),
            }
        )
    return rows


def ratios(rows: list[dict]) -> list[str]:
    """tmb-calc / pyTMB throughput per size, per CPU second and per wall second."""
    lines = []
    for records in sorted({r["records"] for r in rows}):
        ours, theirs = (
            next(r for r in rows if r["records"] == records and r["tool"] == name)
            for name in ("tmb-calc", f"pyTMB {PYTMB_VERSION}")
        )
        lines.append(
            f"- {records:,} records: tmb-calc / pyTMB = "
            f"{ours['records_per_cpu_s'] / theirs['records_per_cpu_s']:.1f}x per CPU "
            f"second, {ours['records_per_s'] / theirs['records_per_s']:.1f}x per wall "
            f"second (median runs: {theirs['median_cpu_s'] / ours['median_cpu_s']:.1f}x "
            f"per CPU second, {theirs['median_wall_s'] / ours['median_wall_s']:.1f}x per wall "
            "second)"
        )
    return lines


def markdown(rows: list[dict], command: str, loads: tuple[str, str]) -> str:
    lines = [
        f"Command: `{command}`",
        "",
        "| tool | records | wall s | CPU s | records / CPU s | records / wall s | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['tool']} | {r['records']:,} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | "
        f"{r['records_per_cpu_s']:,.0f} | {r['records_per_s']:,.0f} | "
        f"{r['peak_rss_mb']:.0f} |"
        for r in rows
    ]
    lines += [
        "",
        *ratios(rows),
        "",
        f"Load average (1, 5, 15 min) at start: {loads[0]}; at end: {loads[1]} "
        f"({os.cpu_count()} CPUs).",
    ]
    return "\n".join(lines) + "\n"


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,250000,1000000")  # panel-sized VCF first
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", default="/tmp/stereosarc-bench-tmb")
    parser.add_argument("--out", default=str(HERE / "results.md"))
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    pytmb = ensure_pytmb(workdir)
    compile_project()
    start = load_average()
    rows = [
        row
        for size in args.sizes.split(",")
        for row in run_size(int(size), workdir, pytmb, args.repeats)
    ]
    text = markdown(
        rows, " ".join(["python bench/tmb/bench_tmb.py", *sys.argv[1:]]), (start, load_average())
    )
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
