"""``stereosarc-demo``: write the synthetic demo cohort into a folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from stereosarc.clikit import make_parser, run_cli
from stereosarc.demo import DEFAULT_SEED
from stereosarc.demo.build import generate
from stereosarc.demo.exceptions import DemoInputError

DEFAULT_PATIENTS = 103  # STEREOSARC randomised patients (issue 2)
DEFAULT_PON = 8  # healthy-donor plasmas of the panel of normals (issue 2)
MAX_PATIENTS = 9998  # ids P001..P998, or P0001..P9998 above 998 (P999: planted, absent)


def build_parser() -> argparse.ArgumentParser:
    parser = make_parser(
        "stereosarc-demo",
        "Write the synthetic STEREOSARC demo cohort "
        "(samplesheet, clinical, IHC, labs, VCFs, plasma BAMs, truth tables).",
        "stereosarc-demo --outdir demo_data --seed 20240601 --patients 103 --pon 8",
    )
    parser.add_argument("--outdir", required=True, type=Path, help="folder to write (created)")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--patients",
        type=int,
        default=DEFAULT_PATIENTS,
        help=f"number of patients, 1-{MAX_PATIENTS} (default {DEFAULT_PATIENTS})",
    )
    parser.add_argument(
        "--pon",
        type=int,
        default=DEFAULT_PON,
        help=f"number of panel-of-normal plasmas, 0-99 (default {DEFAULT_PON})",
    )
    return parser


def _run(args: argparse.Namespace) -> None:
    if not 1 <= args.patients <= MAX_PATIENTS:
        raise DemoInputError(f"--patients {args.patients}: must be between 1 and {MAX_PATIENTS}")
    if not 0 <= args.pon <= 99:
        raise DemoInputError(f"--pon {args.pon}: must be between 0 and 99 (ids PON01..PON99)")
    if args.seed < 0:
        raise DemoInputError(f"--seed {args.seed}: must be a non-negative integer")
    if args.outdir.exists() and not args.outdir.is_dir():
        raise DemoInputError(f"--outdir {args.outdir}: exists and is not a folder")
    generate(args.outdir, args.seed, args.patients, args.pon)


def main(argv=None) -> int:
    return run_cli(build_parser(), _run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
