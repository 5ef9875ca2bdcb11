"""CPU time of outcome-associate with every table (as modules/local/associations runs it,
nextflow.config defaults) on the demo or a tiled cohort, for two revisions of the code.

The tiled cohort (bench/scale/make_cohort.py) goes through the stages before it (validate ...
merge, bench/scale/cohort_stages.py) once; then outcome-associate runs once per ``--source``
folder (a checkout of the project; '.' is this one), timed as a whole process by GNU time,
its tables written to OUT/<label>/. Compare them with bench/outcome/compare_tables.py.

    python bench/scale/associate_ab.py --demo demo_data --results results --patients 1000 \
        --work /tmp/ab1000 --source before=/tmp/base_src --source after=.
    python bench/scale/associate_ab.py --biomarkers results/cohort/biomarkers.tsv \
        --ctdna results/cohort/ctdna.tsv --work /tmp/abdemo --source after=.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cohort_stages import stage_commands, timed  # noqa: E402  (bench scripts side by side)
from make_cohort import make_cohort  # noqa: E402

PIPELINE_ARGS = [  # conf/modules.config ASSOCIATIONS ext.args with nextflow.config defaults
    *("--seed", "20240601", "--min-n", "10", "--min-events", "10"),
    *("--landmark-days", "182.625", "--landmark-window-days", "42"),
    *("--n-bootstrap", "2000", "--enet-repeats", "10"),
    *("--multivariable-covariates", "ctdna_baseline_detected,tmb,cps,nlr"),
    *("--validation-bootstraps", "200", "--mice-imputations", "20", "--mice-iterations", "10"),
    *("--primary-alpha", "0.1", "--primary-sided", "one", "--primary-censoring", "standard"),
]
TABLES = {
    "--out": "associations.tsv",
    "--out-km": "km.tsv",
    "--out-primary": "primary_endpoint.tsv",
    "--out-irecist": "irecist.tsv",
    "--out-multivariable": "multivariable.tsv",
    "--out-validation": "model_validation.tsv",
    "--out-missingness": "missingness.tsv",
}
# runs the CLI from ``source``: the editable install's finder would load this checkout
RUNNER = (
    "import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'ditable' not in repr(f)]; "
    "sys.path.insert(0, sys.argv.pop(1)); from outcome.associate_cli import associate_main; "
    "sys.exit(associate_main())"
)


def cohort_tables(demo: Path, results: Path, patients: int, work: Path) -> tuple[Path, Path]:
    """biomarkers.tsv and ctdna.tsv of a tiled cohort (stages before outcome-associate)."""
    cohort, out = work / "cohort", work / "stages"
    make_cohort(demo, results, patients, cohort)
    out.mkdir(parents=True, exist_ok=True)
    for name, command in stage_commands(cohort, out).items():
        if name == "associate":
            break
        timed(command, out / f"{name}.log")
    return out / "biomarkers.tsv", out / "ctdna.tsv"


def run(source: Path, biomarkers: Path, ctdna: Path, out: Path) -> str:
    """'wall s, CPU s, peak RSS MB' of one outcome-associate run of ``source``."""
    out.mkdir(parents=True, exist_ok=True)
    tables = [part for option, name in TABLES.items() for part in (option, str(out / name))]
    argv = [sys.executable, "-c", RUNNER, str(source.resolve()), "--biomarkers", str(biomarkers)]
    argv += ["--ctdna", str(ctdna), *PIPELINE_ARGS, *tables]
    with (out / "associate.log").open("w") as log:
        fmt = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", str(out / "time.txt")]
        subprocess.run([*fmt, *argv], stdout=log, stderr=log, check=True)
    wall, user, system, rss = (out / "time.txt").read_text().split()[-4:]
    return (
        f"wall {wall} s, CPU {float(user) + float(system):.2f} s, peak RSS {int(rss) // 1024} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path)
    parser.add_argument("--results", type=Path)
    parser.add_argument("--patients", type=int)
    parser.add_argument("--biomarkers", type=Path, help="instead of --demo/--results/--patients")
    parser.add_argument("--ctdna", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--source", action="append", required=True, help="LABEL=FOLDER")
    args = parser.parse_args()
    if args.biomarkers:
        biomarkers, ctdna = args.biomarkers, args.ctdna
    else:
        biomarkers, ctdna = cohort_tables(args.demo, args.results, args.patients, args.work)
    for spec in args.source:
        label, folder = spec.split("=", 1)
        print(label, run(Path(folder), biomarkers, ctdna, args.work / label), flush=True)


if __name__ == "__main__":
    main()
