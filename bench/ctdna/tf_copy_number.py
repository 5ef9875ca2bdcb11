"""Tumour fraction from tumour-informed sites with and without the tissue copy state.

Seeded simulation of the SNV tumour-fraction model (ctdna.tumour_fraction): 3 sites of
``--depth`` fragments each, background error 1e-4 with Beta uncertainty worth 30,000 PoN
fragments; the tumour has copy number C at the sites and m mutant copies, so the plasma
mutant fraction is mu = TF m / (TF C + 2 (1 - TF)); alt counts ~ Binomial(d, mu (1 - e) +
(1 - mu) e) with e drawn from the background's Beta for each sample. Each replicate is
estimated twice: with the tissue copy state (C, m) and with the heterozygous diploid default
(C = 2, m = 1). Prints the markdown table of docs/ctdna.md: median estimate / truth, share of
replicates within +/-25 %, and 95 % interval coverage of the tissue-aware estimate.
Usage: .venv/bin/python bench/ctdna/tf_copy_number.py [--replicates 200] [--depth 3000]
"""

from __future__ import annotations

import numpy as np
from benchlib import bench_arguments, print_table_header

from ctdna import tumour_fraction as tfm

STATES = [(1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (4, 1), (4, 2)]  # (C, m) cells of issue 12
TRUE_TF = [0.01, 0.03, 0.1, 0.3]  # TF >= 1 % (issue 12 accuracy range)
ERROR, PON_FRAGMENTS = 1e-4, 30000.0  # deduplicated error rate and PoN weight of the simulation


def _cell(
    copies: int, mult: int, truth: float, depth: int, replicates: int, rng: np.random.Generator
) -> dict:
    """One (C, m, TF) cell: ratios estimate / truth with and without tissue data."""
    sites = np.full(3, depth)
    beta = np.tile([ERROR * PON_FRAGMENTS, (1 - ERROR) * PON_FRAGMENTS], (3, 1))
    c, m = np.full(3, float(copies)), np.full(3, float(mult))
    informed, default, covered = [], [], 0
    for _ in range(replicates):
        error = rng.beta(beta[:, 0], beta[:, 1])
        alt = rng.binomial(sites, tfm.alt_probability(truth, error, m, c))
        tf, low, high = tfm.estimate(alt, sites, np.full(3, ERROR), m, c, 0.95, beta)
        informed.append(tf / truth)
        covered += low <= truth <= high
        plain = tfm.estimate(
            alt, sites, np.full(3, ERROR), np.ones(3), np.full(3, 2.0), 0.95, beta
        )[0]
        default.append(plain / truth)
    informed, default = np.array(informed), np.array(default)
    return {
        "C": copies,
        "m": mult,
        "tf": truth,
        "median_informed": float(np.median(informed)),
        "within25_informed": float(np.mean(np.abs(informed - 1) <= 0.25)),
        "coverage": covered / replicates,
        "median_default": float(np.median(default)),
        "within25_default": float(np.mean(np.abs(default - 1) <= 0.25)),
    }


def main() -> None:
    args = bench_arguments(__doc__, 200, 20261207, depth=3000)
    rng = np.random.default_rng(args.seed)
    print(
        f"{args.replicates} replicates per cell, 3 sites x {args.depth} fragments, "
        f"error {ERROR:g} (Beta, {PON_FRAGMENTS:g} PoN fragments), seed {args.seed}\n"
    )
    print_table_header(
        "C",
        "m",
        "TF",
        "median TF/truth (tissue)",
        "within ±25 % (tissue)",
        "95 % CI coverage",
        "median TF/truth (het diploid default)",
        "within ±25 % (default)",
    )
    for copies, mult in STATES:
        for truth in TRUE_TF:
            r = _cell(copies, mult, truth, args.depth, args.replicates, rng)
            print(
                f"| {copies} | {mult} | {truth:.0%} | {r['median_informed']:.3f} | "
                f"{r['within25_informed']:.0%} | {r['coverage']:.0%} | "
                f"{r['median_default']:.3f} | {r['within25_default']:.0%} |"
            )


if __name__ == "__main__":
    main()
