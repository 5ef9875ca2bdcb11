"""What the ctDNA bench scripts share: their command line and the header of their Markdown
table (each script runs as ``python bench/ctdna/<script>.py``, this folder on sys.path)."""

from __future__ import annotations

import argparse


def bench_arguments(doc: str, replicates: int, seed: int, **extra: int) -> argparse.Namespace:
    """The parsed ``--replicates``, ``--seed`` and one integer option per ``extra`` name
    (``null_replicates=2000`` is ``--null-replicates``, default 2000); the description is the
    first line of ``doc`` (the script's docstring)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=replicates)
    for name, default in extra.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    parser.add_argument("--seed", type=int, default=seed)
    return parser.parse_args()


def print_table_header(*columns: str) -> None:
    """The first two lines of a Markdown table with these column titles."""
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
