"""stereosarc-collect: concatenate per-sample tables into one sorted, schema-checked table.

Thin: parse, read, stereosarc.collect.collect_tables, write.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from stereosarc import tables
from stereosarc.clikit import make_parser, run_cli
from stereosarc.collect import collect_tables

log = logging.getLogger("stereosarc")


def _collect(args: argparse.Namespace) -> None:
    frames = [tables.read_output_table(path) for path in args.files]
    combined = collect_tables(frames, args.schema, args.sort_by)
    tables.write_table(combined, args.out, args.schema, parquet=args.parquet)
    log.info("collected %d rows from %d files into %s", len(combined), len(args.files), args.out)


def collect_main(argv: Sequence[str] | None = None) -> int:
    """stereosarc-collect: concatenate per-sample tables into one sorted, schema-checked table."""
    parser = make_parser(
        "stereosarc-collect",
        collect_main.__doc__,
        "stereosarc-collect --schema tmb --out tmb.tsv S1.tmb.tsv S2.tmb.tsv",
    )
    parser.add_argument("--schema", required=True, help="schema name in assets/schemas")
    parser.add_argument("--out", required=True)
    parser.add_argument("--sort-by", nargs="+", default=["patient", "sample"])
    parser.add_argument("--parquet", action="store_true", help="also write a Parquet copy")
    parser.add_argument("files", nargs="*")
    return run_cli(parser, _collect, argv)
