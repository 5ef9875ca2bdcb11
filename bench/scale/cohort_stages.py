"""Time and peak memory of every cohort-level stage at 100, 1,000 and 10,000 patients.

Each stage is the console command its Nextflow module runs (modules/local/*/main.nf), on the
tiled cohort of bench/scale/make_cohort.py, timed as a whole process by GNU time (wall s, CPU
s, peak RSS). The per-patient columns show whether a stage grows linearly: a linear stage has
a flat CPU ms per patient from 1,000 to 10,000.

    python bench/scale/cohort_stages.py --demo demo_data --results results \
        --sizes 100 1000 10000 --out bench/scale/cohort_stages.out.md
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_cohort import make_cohort  # noqa: E402  (a bench script beside its generator)

VENV_BIN = Path(sys.executable).parent


def stage_commands(c: Path, out: Path) -> dict[str, list[str]]:
    """The cohort stages in pipeline order, each as the command line of its module."""
    counts = {
        k: [str(c / f"patients.{k}.tsv"), str(c / f"pon.{k}.tsv")]
        for k in ("site_counts", "target_depth", "background")
    }
    return {
        "validate": [
            "stereosarc-validate",
            "--input",
            str(c / "samplesheet.csv"),
            "--clinical",
            str(c / "clinical.csv"),
            "--labs",
            str(c / "labs.csv"),
            "--ihc",
            str(c / "ihc.csv"),
            "--tissue-cn",
            str(c / "tissue_cn.tsv"),
            "--out",
            str(out / "samplesheet.valid.csv"),
        ],
        "clinical": [
            "outcome-clinical",
            "--clinical",
            str(c / "clinical.csv"),
            "--out",
            str(out / "clinical_endpoints.tsv"),
            "--rejects",
            str(out / "rejects_clinical.tsv"),
        ],
        "ihc": [
            "ihc-markers",
            "--ihc",
            str(c / "ihc.csv"),
            "--clinical",
            str(c / "clinical.csv"),
            "--out",
            str(out / "ihc_patient.tsv"),
            "--rejects",
            str(out / "rejects_ihc.tsv"),
        ],
        "labs": [
            "labs-markers",
            "--labs",
            str(c / "labs.csv"),
            "--clinical",
            str(c / "clinical.csv"),
            "--out",
            str(out / "labs_patient.tsv"),
            "--rejects",
            str(out / "rejects_labs.tsv"),
        ],
        "ctdna_call": [
            "ctdna-call",
            "--samplesheet",
            str(out / "samplesheet.valid.csv"),
            "--site-counts",
            *counts["site_counts"],
            "--target-depth",
            *counts["target_depth"],
            "--background",
            *counts["background"],
            "--tissue-cn",
            str(c / "tissue_cn.tsv"),
            "--clinical",
            str(c / "clinical.csv"),
            "--outdir",
            str(out),
        ],
        "merge": [
            "outcome-merge",
            "--clinical-endpoints",
            str(out / "clinical_endpoints.tsv"),
            "--tmb",
            str(c / "tmb.tsv"),
            "--ctdna",
            str(out / "ctdna.tsv"),
            "--ihc",
            str(out / "ihc_patient.tsv"),
            "--labs",
            str(out / "labs_patient.tsv"),
            "--out",
            str(out / "biomarkers.tsv"),
            "--out-rejects",
            str(out / "rejects_merge.tsv"),
        ],
        "associate": [
            "outcome-associate",
            "--biomarkers",
            str(out / "biomarkers.tsv"),
            "--ctdna",
            str(out / "ctdna.tsv"),
            "--out",
            str(out / "associations.tsv"),
            "--out-km",
            str(out / "km.tsv"),
            "--out-primary",
            str(out / "primary_endpoint.tsv"),
        ],
        "rejects": [
            "stereosarc-rejects",
            "--out",
            str(out / "rejects.tsv"),
            *sorted(str(p) for p in out.glob("rejects_*.tsv")),
        ],
    }


def timed(command: list[str], log: Path) -> tuple[float, float, int]:
    """(wall s, user + system CPU s, peak RSS MB) of one run of ``command``."""
    argv = [str(VENV_BIN / command[0]), *command[1:]]
    fmt = "%e %U %S %M"
    with log.open("w") as err:
        done = subprocess.run(
            ["/usr/bin/time", "-f", fmt, "-o", str(log) + ".time", *argv], stdout=err, stderr=err
        )
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({done.returncode}); see {log}")
    wall, user, system, rss_kb = log.with_suffix(log.suffix + ".time").read_text().split()[-4:]
    return float(wall), float(user) + float(system), int(rss_kb) // 1024


def bench(demo: Path, results: Path, sizes: list[int], work: Path) -> list[dict]:
    rows = []
    for size in sizes:
        cohort, out = work / f"cohort{size}", work / f"out{size}"
        make_cohort(demo, results, size, cohort)
        out.mkdir(parents=True, exist_ok=True)
        names = list(stage_commands(cohort, out))
        for name in names:
            command = stage_commands(cohort, out)[name]  # rejects globs files written so far
            wall, cpu, rss = timed(command, out / f"{name}.log")
            rows.append(
                dict(
                    patients=size,
                    stage=name,
                    wall_s=wall,
                    cpu_s=cpu,
                    peak_rss_mb=rss,
                    cpu_ms_per_patient=1000 * cpu / size,
                )
            )
            print(rows[-1], flush=True)
    return rows


def markdown(rows: list[dict]) -> str:
    head = "| patients | stage | wall s | CPU s | peak RSS MB | CPU ms / patient |\n"
    line = "|---:|---|---:|---:|---:|---:|\n"
    body = "".join(
        f"| {r['patients']} | {r['stage']} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | "
        f"{r['peak_rss_mb']} | {r['cpu_ms_per_patient']:.2f} |\n"
        for r in rows
    )
    return head + line + body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, required=True)
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--out", type=Path, required=True, help="markdown table written here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scale_") as work:
        rows = bench(args.demo.resolve(), args.results.resolve(), args.sizes, Path(work))
    args.out.write_text(markdown(rows))


if __name__ == "__main__":
    main()
