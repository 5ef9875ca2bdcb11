"""stereosarc-batches: pre-flight of --previous_batches, the cohort inputs of a batch rerun.

Thin: parse, build stereosarc.batches_command.BatchOptions, call combine (docs/usage.md,
"Batch reruns").
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from stereosarc.batches import BatchError
from stereosarc.clikit import make_parser, run_cli

EXAMPLE = (
    "stereosarc-batches --samplesheet samplesheet.valid.csv --params params.json "
    "--batch results_A=results_A --panel-bed panel.bed --ctdna-targets targets.bed --out-dir ."
)
REFERENCES = {  # option of this command -> (stage, option of that stage)
    "panel_bed": ("tmb-calc", "panel_bed"),
    "coding_bed": ("tmb-calc", "coding_bed"),
    "ctdna_targets": ("ctdna-count", "targets"),
    "ctdna_sites": ("ctdna-count", "sites"),
    "fasta": ("ctdna-count", "fasta"),
}


def _batch(text: str) -> tuple[str, Path]:
    name, sep, folder = text.partition("=")
    if not sep or not name or not folder:
        raise argparse.ArgumentTypeError(f"expected NAME=FOLDER, got {text!r}")
    return name, Path(folder)


def batches_parser() -> argparse.ArgumentParser:
    """Arguments of stereosarc-batches."""
    parser = make_parser("stereosarc-batches", __doc__.splitlines()[0], EXAMPLE)
    parser.add_argument("--samplesheet", required=True, help="this run's samplesheet.valid.csv")
    parser.add_argument("--params", required=True, help="this run's params.json")
    parser.add_argument(
        "--batch",
        type=_batch,
        action="append",
        default=[],
        metavar="NAME=FOLDER",
        help="an earlier run's --outdir (NAME: as the user gave it, for messages); repeatable",
    )
    for option in REFERENCES:
        parser.add_argument(f"--{option.replace('_', '-')}", help="this run's file, if any")
    parser.add_argument("--out-dir", default=".", help="folder of the outputs (default: .)")
    return parser


def _parse_stage_args(stage: str, argv: list[str]) -> argparse.Namespace:
    """A stage's command line parsed by that stage's own CLI parser (as its process would)."""
    if stage == "tmb-calc":
        from tmb.cli import build_parser

        return build_parser().parse_args(argv)
    from ctdna.count_cli import count_parser

    return count_parser().parse_args(argv)


def _combine(args: argparse.Namespace) -> None:
    from stereosarc.batches_command import BatchOptions, combine

    references: dict[str, dict[str, str]] = {"tmb-calc": {}, "ctdna-count": {}}
    for option, (stage, stage_option) in REFERENCES.items():
        if getattr(args, option):
            references[stage][stage_option] = getattr(args, option)
    try:
        params = json.loads(Path(args.params).read_text(encoding="utf-8"))
    except ValueError as err:
        raise BatchError(f"{args.params}: not JSON: {err}") from err
    options = BatchOptions(
        Path(args.samplesheet),
        params,
        args.batch,
        references,
        Path(args.out_dir),
        _parse_stage_args,
    )
    combine(options)


def batches_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of stereosarc-batches."""
    return run_cli(batches_parser(), _combine, argv)
