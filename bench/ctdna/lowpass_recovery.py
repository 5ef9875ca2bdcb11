"""Recovery and calibration of the low-pass WGS tumour fraction (ctdna.lowpass_model) on
full-genome simulated bins with between-sample heterogeneity.

Simulator: ctdna.lowpass_sim (GRCh38 autosomes in 1 Mb bins, ~2,750 modelled; per-bin biases
shared by all samples, per-sample GC curves, waves and negative-binomial dispersion), through
the real normalisation (lowpass_norm, lowpass_pon). Per depth (0.1x, 0.5x): a PoN of
``--donors`` donors (half female, half male; 2 of them noisy), each donor's leave-one-out LR
flooring the threshold; ``--null-replicates`` no-tumour samples (female and male
alternately); then for ploidy 2 and whole-genome-doubled (3-4) tumours, each TF in 1-50 %,
``--replicates`` samples with a new random profile each (10 arm-level events and 3 focal
ones; every second one with a subclonal arm in half of the tumour cells).
Rounds: each round adds one sample to every tumour cell and null_replicates / replicates
no-tumour samples per depth, and rewrites bench/ctdna/lowpass_recovery.out.md (so a run cut
short still leaves balanced cells). Tables: for the nulls and the donors, the count detected
and the count with a reported TF (detected and >= LoD), with Clopper-Pearson 95 %
intervals; per tumour cell the share detected, the share reported, the median estimate (all
fits), the share reported within +-25 % of the truth (a miss when not reported), the share
of 95 % intervals covering the truth, the median LoD, the share with the right reference
copy number and the mean fit time (a layout's first fit also simulates its null law).
Usage: nice -n 10 .venv/bin/python bench/ctdna/lowpass_recovery.py [--replicates 20]
[--null-replicates 100] [--donors 12] [--seed 20240601]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from benchlib import bench_arguments
from scipy.stats import beta

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from ctdna import lowpass_model, lowpass_norm, lowpass_pon, lowpass_sim  # noqa: E402

FRACTIONS = [0.01, 0.03, 0.05, 0.1, 0.2, 0.5]
DEPTHS = [0.1, 0.5]
PLOIDIES = [2, 4]
NOISY_DONORS = 2  # donors with a CHIP-free but noisy profile
OUT = Path(__file__).with_suffix(".out.md")


def clopper_pearson(k: int, n: int) -> tuple[float, float]:
    """Exact binomial 95 % interval of k successes in n."""
    low = 0.0 if k == 0 else float(beta.ppf(0.025, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(0.975, k + 1, n - k))
    return low, high


def fit(genome, pon, donors, rng, depth, truth=0.0, copies=None, sex="female"):
    """(fit, seconds) of one simulated sample."""
    bins = lowpass_sim.simulate_sample(genome, rng, depth, truth, copies, sex)
    ratios = lowpass_pon.log2_ratios(lowpass_norm.normalise_sample(bins), pon, "T")
    start = time.perf_counter()
    result = lowpass_model.fit_sample(ratios, donors=donors)
    return result, time.perf_counter() - start


def null_rows(depth, label, fits) -> str:
    detected = sum(bool(f.detected) for f in fits)
    reported = sum(np.isfinite(lowpass_model.reported(f)[0]) for f in fits)
    low, high = clopper_pearson(detected, len(fits))
    lod = np.nanmedian([f.lod for f in fits])
    return (f"| {depth} | {label} | {len(fits)} | {detected} ({low:.3f}-{high:.3f}) | "
            f"{reported} | {lod:.3f} |")  # fmt: skip


def tumour_row(depth, ploidy, truth, fits, seconds) -> str:
    estimate = np.array([f.tumour_fraction for f in fits])
    reported = np.array([lowpass_model.reported(f)[0] for f in fits])
    within = np.abs(reported - truth) <= 0.25 * truth  # NaN (not reported) is a miss
    covered = [f.ci_low <= truth <= f.ci_high for f in fits]
    reference = 2 if ploidy == 2 else 4
    right_phi = np.mean([f.reference_cn == reference for f in fits])
    detected = np.mean([bool(f.detected) for f in fits])
    lod = np.nanmedian([f.lod for f in fits])
    return (
        f"| {depth} | {ploidy} | {truth} | {len(fits)} | {detected:.2f} | "
        f"{np.mean(np.isfinite(reported)):.2f} | {np.median(estimate):.3f} | "
        f"{np.mean(within):.2f} | {np.mean(covered):.2f} | {lod:.3f} | {right_phi:.2f} | "
        f"{np.mean(seconds):.2f} |"
    )


def prepare(genome, rng, depth, args):
    """(PoN, donor LR floor, donor rows) of one depth."""
    sexes = ("female", "male")
    normals = {
        f"N{i:02d}": lowpass_sim.simulate_sample(
            genome, rng, depth, sex=sexes[i % 2], noisy=i < NOISY_DONORS
        )
        for i in range(args.donors)
    }
    pon = lowpass_pon.build_pon(normals)
    donor_ratios = lowpass_pon.leave_one_out_ratios(pon)
    floor = lowpass_model.donor_lr(donor_ratios)
    donor_fits = [lowpass_model.fit_sample(r, donors=0.0) for r in donor_ratios.values()]
    return pon, floor, null_rows(depth, "PoN donors (white-noise threshold only)", donor_fits)


def write_tables(path: Path, header: str, donor_rows, nulls, tumours) -> None:
    """The Markdown tables so far (rewritten after every round)."""
    lines = [header, ""]
    columns = ["depth", "samples", "n", "detected (95 % CI)", "TF reported", "median LoD"]
    lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for depth, row in donor_rows.items():
        lines += [row, null_rows(depth, "TF 0 samples", nulls[depth])]
    columns = ["depth", "ploidy", "TF", "n", "detected", "reported", "median TF",
               "within 25 %", "CI covers", "median LoD", "phi right", "fit s"]  # fmt: skip
    lines += ["", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for (depth, ploidy, truth), results in tumours.items():
        fits, seconds = zip(*results)
        lines.append(tumour_row(depth, ploidy, truth, fits, seconds))
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    args = bench_arguments(__doc__, replicates=20, seed=20240601, null_replicates=100,
                           donors=12)  # fmt: skip
    print(f"seed {args.seed}", file=sys.stderr)
    rng = np.random.default_rng(args.seed)
    genome = lowpass_sim.genome_layout(seed=args.seed)
    prepared = {depth: prepare(genome, rng, depth, args) for depth in DEPTHS}
    nulls: dict = {depth: [] for depth in DEPTHS}
    tumours: dict = {(d, k, t): [] for d in DEPTHS for k in PLOIDIES for t in FRACTIONS}
    per_round = -(-args.null_replicates // args.replicates)
    for replicate in range(args.replicates):  # round-robin: every cell grows together
        for depth, (pon, floor, _) in prepared.items():
            for _ in range(per_round):
                if len(nulls[depth]) < args.null_replicates:
                    sex = ("female", "male")[len(nulls[depth]) % 2]
                    nulls[depth].append(fit(genome, pon, floor, rng, depth, sex=sex)[0])
            for ploidy in PLOIDIES:
                for truth in FRACTIONS:
                    share = 0.5 if replicate % 2 else 0.0
                    copies = lowpass_sim.random_tumour(genome, rng, ploidy, share)
                    result = fit(genome, pon, floor, rng, depth, truth, copies)
                    tumours[(depth, ploidy, truth)].append(result)
        header = (f"Output of `nice -n 10 .venv/bin/python bench/ctdna/lowpass_recovery.py "
                  f"--replicates {args.replicates} --null-replicates {args.null_replicates} "
                  f"--donors {args.donors}` (seed {args.seed}); after round {replicate + 1} "
                  f"of {args.replicates}.")  # fmt: skip
        donor_rows = {depth: prepared[depth][2] for depth in DEPTHS}
        write_tables(OUT, header, donor_rows, nulls, tumours)
        print(f"round {replicate + 1} written", file=sys.stderr, flush=True)
    print(OUT.read_text())


if __name__ == "__main__":
    main()
