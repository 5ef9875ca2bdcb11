"""stereosarc-rejects: gather every stage's rejects into cohort/rejects.tsv."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

import pandas as pd

from stereosarc import tables
from stereosarc.clikit import make_parser, run_cli

log = logging.getLogger("stereosarc")


def _rejects(args: argparse.Namespace) -> None:
    frames = [tables.read_output_table(path) for path in args.files]
    combined = pd.concat([tables.reject_frame(), *frames], ignore_index=True)
    order = [c for c in ("stage", "file", "row", "column", "patient", "reason") if c in combined]
    combined = combined.drop_duplicates().sort_values(order, kind="mergesort", na_position="first")
    tables.write_table(
        combined[order + [c for c in combined.columns if c not in order]], args.out, "rejects"
    )
    log.info("%d rejected rows from %d stage files", len(combined), len(args.files))


def rejects_main(argv: Sequence[str] | None = None) -> int:
    """stereosarc-rejects: gather every stage's rejects into cohort/rejects.tsv."""
    parser = make_parser(
        "stereosarc-rejects",
        rejects_main.__doc__ or "",
        "stereosarc-rejects --out rejects.tsv rejects_labs.tsv rejects_ihc.tsv",
    )
    parser.add_argument("--out", required=True)
    parser.add_argument("files", nargs="*")
    return run_cli(parser, _rejects, argv)
