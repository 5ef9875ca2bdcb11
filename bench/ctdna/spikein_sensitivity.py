"""Sensitivity, specificity and TF accuracy of the SNV model by TF bin (seeded simulation).

Uses the spike-in simulator of tests/unit/test_ctdna_snv_spikein.py (error rates lognormal,
median 2e-4; PoN of 20 donors; ~3,000 fragments per site) and prints the markdown table
pasted in docs/ctdna_counting.md.
Usage: .venv/bin/python bench/ctdna/spikein_sensitivity.py [--replicates 200] [--seed 20240601]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from benchlib import bench_arguments, print_table_header

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.unit.test_ctdna_snv_spikein import simulate  # noqa: E402

TF_GRID = [0.0, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]


def main() -> None:
    args = bench_arguments(__doc__, 200, 20240601, null_replicates=2000)
    rng = np.random.default_rng(args.seed)
    print(f"seed {args.seed}, {args.replicates} samples per cell, ~3,000 fragments per site\n")
    print_table_header(
        "sites",
        "TF",
        "n",
        "detected",
        "evaluable",
        "median TF / true",
        "within ±25 %",
        "95 % CI covers",
    )
    for n_sites in (1, 3):
        table = simulate(rng, TF_GRID, n_sites, args.replicates)
        for tf, cell in table.groupby(table["tf"].astype(str), sort=False):
            detected = (cell["detected"] == True).mean()  # noqa: E712
            evaluable = cell["evaluable"].mean()
            if tf in ("pon", "0.0"):
                ratio = within = covers = "–"
            else:
                truth = float(tf)
                estimate = cell["tumour_fraction"].astype(float) / truth
                ratio = f"{np.median(estimate):.3f}"
                within = f"{np.mean(np.abs(estimate - 1) <= 0.25):.2f}"
                covers = (
                    f"{np.mean((cell['tf_ci_low'] <= truth) & (truth <= cell['tf_ci_high'])):.2f}"
                )
            label = "PoN (leave-one-out)" if tf == "pon" else f"{float(tf):g}"
            print(
                f"| {n_sites} | {label} | {len(cell)} | {detected:.3f} | {evaluable:.2f} | "
                f"{ratio} | {within} | {covers} |"
            )
    null_rate(args.seed, args.null_replicates)


def null_rate(seed: int, replicates: int) -> None:
    """False-positive rate at TF = 0 on many samples (specificity at alpha = 0.01)."""
    rng = np.random.default_rng(seed + 1)
    print(f"\nTF = 0 only, {replicates} samples per row (seed {seed + 1}):\n")
    print("| sites | n | detected (false positive rate) |")
    print("|---|---|---|")
    for n_sites in (1, 3):
        table = simulate(rng, [0.0], n_sites, replicates)
        cell = table[table["tf"] == 0.0]
        print(f"| {n_sites} | {len(cell)} | {(cell['detected'] == True).mean():.4f} |")  # noqa: E712


if __name__ == "__main__":
    main()
