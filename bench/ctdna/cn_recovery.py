"""Recovery of the copy-number tumour fraction (ctdna.cn) in a seeded simulation.

Cohorts from the simulator of tests/unit/test_ctdna_cn.py (PoN of 12; 16 reference
targets; ~3,000 fragments per target x log-normal capture efficiency (sd 0.4) x a
per-sample x target log-normal bias of sd ``noise``). Each cohort has one plasma sample per
(f, C) cell; ``--replicates`` cohorts per setting. Prints the markdown table of
docs/ctdna.md: share of replicates with tf_cn within +/-25 % of the true f, share called
amplified at f = 2 %, PoN spread, 95 % interval coverage (f >= 2 %) and PoN false calls.
Usage: .venv/bin/python bench/ctdna/cn_recovery.py [--replicates 20] [--seed 20240601]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from benchlib import bench_arguments, print_table_header

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from ctdna import cn  # noqa: E402
from tests.unit.test_ctdna_cn import simulate  # noqa: E402

FRACTIONS = [0.01, 0.02, 0.05, 0.1]
COPIES = [15.0, 20.0, 40.0]
SETTINGS = [(0.01, 10), (0.02, 10), (0.03, 10), (0.01, 6)]  # (noise sd, MDM2 targets)


def run_setting(rng, noise: float, n_mdm2: int, replicates: int) -> dict:
    """Per-cell shares within +/-25 % and called, mean PoN sd, coverage, PoN false calls."""
    rows, pon_calls, pon_n = [], 0, 0
    plasma = [(f"p_{f}_{c:g}", f, c) for f in FRACTIONS for c in COPIES]
    for _ in range(replicates):
        norm = cn.normalise_depth(
            simulate(rng, plasma=plasma, n_mdm2=n_mdm2, noise_sd=noise), ["MDM2"], []
        )
        pon = [s for s in norm["sample"].unique() if s.startswith("pon")]
        copies = pd.Series({name: c for name, _, c in plasma})
        result = cn.call_gene(norm, pon, "MDM2", copy_numbers=copies).set_index("sample")
        pon_calls += int(result.loc[pon, "amplified"].astype(bool).sum())
        pon_n += len(pon)
        for name, f, c in plasma:
            row = result.loc[name]
            rows.append(
                {
                    "f": f,
                    "C": c,
                    "within": abs(row["tf_cn"] / f - 1) <= 0.25,
                    "called": bool(row["amplified"]),
                    "sd": row["pon_sd"],
                    "covered": row["tf_cn_low"] <= f <= row["tf_cn_high"],
                }
            )
    table = pd.DataFrame(rows)
    cells = table.groupby(["f", "C"])[["within", "called"]].mean()
    covered = table[table["f"] >= 0.02]["covered"]
    return {
        "cells": cells,
        "sd": table["sd"].mean(),
        "coverage": covered.mean(),
        "n_covered": len(covered),
        "pon_calls": pon_calls,
        "pon_n": pon_n,
    }


def _cell(cells: pd.DataFrame, f: float, column: str) -> str:
    values = [cells.loc[(f, c), column] for c in COPIES]
    if all(v == 1.0 for v in values):
        return "1.00 all"
    return " / ".join(f"{v:.2f}" for v in values)


def main() -> None:
    args = bench_arguments(__doc__, 20, 20240601)
    rng = np.random.default_rng(args.seed)
    print(f"seed {args.seed}, {args.replicates} replicates per cell, C = 15 / 20 / 40\n")
    print_table_header(
        "noise",
        "MDM2 targets",
        "PoN sd (log2)",
        "f = 1 %",
        "f = 2 %",
        "f = 5 %",
        "f = 10 %",
        "called at f = 2 %",
        "95 % CI coverage (f >= 2 %)",
        "PoN calls",
    )
    for noise, n_mdm2 in SETTINGS:
        out = run_setting(rng, noise, n_mdm2, args.replicates)
        cells = out["cells"]
        within = " | ".join(_cell(cells, f, "within") for f in FRACTIONS)
        print(
            f"| {noise} | {n_mdm2} | {out['sd']:.3f} | {within} | "
            f"{_cell(cells, 0.02, 'called')} | {out['coverage']:.3f} ({out['n_covered']}) | "
            f"{out['pon_calls']} / {out['pon_n']} |"
        )


if __name__ == "__main__":
    main()
