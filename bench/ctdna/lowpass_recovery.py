"""Recovery of the low-pass WGS tumour fraction (ctdna.lowpass_model) in a seeded simulation.

Binned-count equivalents from stereosarc.demo.lowpass (no BAM: ctdna-bin is checked against
samtools separately): a reduced genome of 8 autosomes x 4 Mb + chrX 2 Mb + chrY 1 Mb in
100 kb bins (~310 modelled bins, i.e. 10x fewer than the 1 Mb bins of a real genome); PoN of
6 donors (3 female, 3 male) at the sample's depth, whose leave-one-out LRs floor the
detection threshold; tumour profile: an arm-level gain
(chr1 p), a whole-chromosome loss (chr2), a focal 5-copy gain (0.5 Mb) and a 2 Mb gain, in a
female; TF in {0, 0.01, 0.03, 0.05, 0.1, 0.2, 0.5}; depth 0.1x and 0.5x.
Prints a markdown table: per (depth, TF), the share detected, the median TF estimate, the
share within +/-25 % of the truth, the share of 95 % intervals covering it, the median LoD
and the mean fit time.
Usage: .venv/bin/python bench/ctdna/lowpass_recovery.py [--replicates 10] [--seed 20240601]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from benchlib import bench_arguments, print_table_header

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from ctdna import lowpass_model, lowpass_norm, lowpass_pon  # noqa: E402
from stereosarc.demo import lowpass  # noqa: E402
from tests.unit.test_ctdna_lowpass_model import GENOME, PROFILE  # noqa: E402

FRACTIONS = [0.0, 0.01, 0.03, 0.05, 0.1, 0.2, 0.5]
DEPTHS = [0.1, 0.5]
BIN = 100_000


def run_depth(rng, sequences, depth: float, replicates: int) -> list[str]:
    """One markdown row per TF at this depth."""

    def sample(sex, tumour_fraction=0.0):
        blocks = lowpass.block_table(sequences, PROFILE, sex)
        fragments = lowpass.draw_fragments(blocks, tumour_fraction, depth, rng)
        return lowpass.binned_fragments(fragments, sequences, BIN)

    pon = lowpass_pon.build_pon({f"N{i}": sample(("female", "male")[i % 2]) for i in range(6)})
    donors = lowpass_model.donor_lr(lowpass_pon.leave_one_out_ratios(pon))
    rows = []
    for truth in FRACTIONS:
        fits, seconds = [], []
        for _ in range(replicates):
            ratios = lowpass_pon.log2_ratios(
                lowpass_norm.normalise_sample(sample("female", truth)), pon, "T"
            )
            start = time.perf_counter()
            fits.append(lowpass_model.fit_sample(ratios, donors=donors))
            seconds.append(time.perf_counter() - start)
        estimate = np.array([f.tumour_fraction for f in fits])
        within = np.abs(estimate - truth) <= 0.25 * truth if truth else estimate == 0
        covered = [f.ci_low <= truth <= f.ci_high for f in fits]
        rows.append(
            f"| {depth} | {truth} | {np.mean([bool(f.detected) for f in fits]):.2f} | "
            f"{np.median(estimate):.3f} | {np.mean(within):.2f} | {np.mean(covered):.2f} | "
            f"{np.median([f.lod for f in fits]):.3f} | {np.mean(seconds):.2f} |"
        )
    return rows


def main() -> None:
    args = bench_arguments(__doc__, replicates=10, seed=20240601)
    rng = np.random.default_rng(args.seed)
    sequences = lowpass.reference_genome(args.seed, GENOME)
    print_table_header(
        "depth", "TF", "detected", "median TF", "within 25 %", "CI covers", "median LoD", "fit s"
    )
    for depth in DEPTHS:
        print("\n".join(run_depth(rng, sequences, depth, args.replicates)), flush=True)


if __name__ == "__main__":
    main()
