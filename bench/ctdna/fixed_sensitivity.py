"""Tumour-naive fixed-site test (ctdna.fixed): detection by TF bin and false-positive rate.

Uses the simulator of tests/unit/test_ctdna_fixed_spikein.py (10 fixed sites, error rates
lognormal with median 2e-4; PoN of 20 donors; ~3,000 fragments per site; one mutated site per
sample) and prints the markdown tables pasted in docs/ctdna.md.
Usage: .venv/bin/python bench/ctdna/fixed_sensitivity.py [--replicates 20] [--seed 20240603]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.unit.test_ctdna_fixed_spikein import N_FIXED, simulate  # noqa: E402

TF_GRID = [0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05]


def _row(label: str, cell) -> str:
    detected = (cell["fixed_detected"] == True).mean()  # noqa: E712
    if label in ("0", "PoN (leave-one-out)"):
        site = ratio = "–"
    else:
        site = f"{cell['mutated_called'].mean():.3f}"
        vaf = cell["fixed_max_vaf"].dropna().astype(float)
        ratio = f"{np.median(vaf) / (float(label) / 2):.3f}" if len(vaf) else "–"
    evaluable = cell["fixed_evaluable"].mean()
    return f"| {label} | {len(cell)} | {detected:.3f} | {site} | {evaluable:.2f} | {ratio} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--replicates", type=int, default=20, help="PoN draws (x 10 samples per TF)"
    )
    parser.add_argument("--seed", type=int, default=20240603)
    parser.add_argument(
        "--null-replicates", type=int, default=100, help="PoN draws (x 20 TF = 0 samples)"
    )
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"seed {args.seed}, {N_FIXED} fixed sites, one mutated, ~3,000 fragments per site\n")
    print("| TF | n | detected | mutated site called | evaluable | median max VAF / (TF/2) |")
    print("|---|---|---|---|---|---|")
    table = simulate(rng, TF_GRID, args.replicates, samples_per_tf=10, loo=True)
    for tf, cell in table.groupby(table["tf"].astype(str), sort=False):
        print(_row("PoN (leave-one-out)" if tf == "pon" else f"{float(tf):g}", cell))
    null = simulate(
        np.random.default_rng(args.seed + 1), [0.0], args.null_replicates, samples_per_tf=20
    )
    corrected = (null["fixed_detected"] == True).mean()  # noqa: E712
    uncorrected = (null["fixed_p_value"] / N_FIXED < 0.01).mean()  # smallest per-site p
    print(
        f"\nTF = 0 only, {len(null)} samples (seed {args.seed + 1}): detected {corrected:.4f} "
        f"(Bonferroni, alpha / {N_FIXED} per site); smallest per-site p < 0.01 without "
        f"correction: {uncorrected:.4f}"
    )


if __name__ == "__main__":
    main()
