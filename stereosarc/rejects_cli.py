"""stereosarc-rejects: gather every stage's rejects into cohort/rejects.tsv (the one collector,
stereosarc.rejects.reject_table: one order, one dedupe rule)."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from stereosarc import tables
from stereosarc.clikit import make_parser, run_cli
from stereosarc.rejects import reject_table

log = logging.getLogger("stereosarc")


def _rejects(args: argparse.Namespace) -> None:
    combined = reject_table([tables.read_output_table(path) for path in args.files])
    tables.write_table(combined, args.out, "rejects")
    log.info("%d rejected rows from %d stage files", len(combined), len(args.files))


def rejects_main(argv: Sequence[str] | None = None) -> int:
    """stereosarc-rejects: gather every stage's rejects into cohort/rejects.tsv."""
    parser = make_parser(
        "stereosarc-rejects",
        rejects_main.__doc__,
        "stereosarc-rejects --out rejects.tsv rejects_labs.tsv rejects_ihc.tsv",
    )
    parser.add_argument("--out", required=True)
    parser.add_argument("files", nargs="*")
    return run_cli(parser, _rejects, argv)
