"""Cell-by-cell comparison of two folders of result TSVs (before/after a speed change).

For each table present in both folders: identical bytes, or the largest relative change of a
numeric cell |a - b| / max(|a|, |b|), the cell where it occurs, and every non-numeric cell
that differs (NA on one side only counts as such).

    python bench/outcome/compare_tables.py BEFORE_DIR AFTER_DIR associations.tsv km.tsv ...
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def compare(before: Path, after: Path) -> str:
    """One line: 'identical', or the largest relative change and any non-numeric change."""
    if before.read_bytes() == after.read_bytes():
        return "identical bytes"
    old = pd.read_csv(before, sep="\t", dtype=str, keep_default_na=False)
    new = pd.read_csv(after, sep="\t", dtype=str, keep_default_na=False)
    if old.shape != new.shape or list(old.columns) != list(new.columns):
        return f"shape or columns differ: {old.shape} vs {new.shape}"
    worst, where, other = 0.0, "", []
    for column in old.columns:
        a = pd.to_numeric(old[column], errors="coerce").to_numpy(float)
        b = pd.to_numeric(new[column], errors="coerce").to_numpy(float)
        text_changed = (old[column] != new[column]).to_numpy()
        numeric = ~np.isnan(a) & ~np.isnan(b)
        other += [f"{column}[{i}]" for i in np.flatnonzero(text_changed & ~numeric)]
        scale = np.maximum(np.abs(a), np.abs(b))
        with np.errstate(invalid="ignore", divide="ignore"):
            relative = np.where(numeric & (scale > 0), np.abs(a - b) / scale, 0.0)
        if relative.max(initial=0.0) > worst:
            i = int(relative.argmax())
            worst, where = (
                float(relative[i]),
                f"{column}[row {i}]: {old[column][i]} -> {new[column][i]}",
            )
    changed = int((old != new).to_numpy().sum())
    return f"{changed} cells differ; largest relative change {worst:.3g} at {where}" + (
        f"; non-numeric changes: {', '.join(other[:10])}" if other else ""
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("tables", nargs="+")
    args = parser.parse_args(argv)
    for table in args.tables:
        print(f"{table}: {compare(args.before / table, args.after / table)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
