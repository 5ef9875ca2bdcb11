"""Time per sample of the low-pass WGS model at full-genome 1 Mb bins (issue 13: well under
ichorCNA's ~75 s per sample on this machine kind).

Bins: GRCh38 chr1-22, X and Y (lengths of the primary assembly, ``GRCH38``) cut into 1 Mb bins,
3,102 bins of which 2,887 autosomal; GC per bin drawn once, uniform in the simulator's range
(stereosarc.demo.lowpass.GC_RANGE), mappability NA (no mapCounter WIG). Fragments per bin:
Poisson with mean depth x bin length / 200 bp x gc_bias(gc) x [(1 - TF) n + TF t] / 2 (n the
germline copies: 2, chrX/chrY by sex; t the tumour's, ``PROFILE`` on a female), short and long
binomial shares of them. PoN: 10 donors (5 female, 5 male), TF 0, at the same depth.

Timed in-process (time.perf_counter for wall, time.process_time for CPU of all threads), after
one untimed warm-up sample, on --replicates tumour samples (new Poisson draws each):
- model: ``ctdna.lowpass_model.fit_sample(ratios, donors=...)`` (the per-sample model time,
  the number compared with ichorCNA);
- normalisation: ``lowpass_norm.normalise_sample`` + ``lowpass_pon.log2_ratios``;
- once per cohort: ``lowpass_pon.build_pon`` of the 10 donors and the donors' leave-one-out
  likelihood ratios (``lowpass_model.donor_lr``, when the model has it).
Only the public entry (fit_sample(ratios, seed=..., donors=...) -> LowpassFit) is used, so the
bench runs on any model behind it. ichorCNA itself is not timed: it is not installable here
(docs/benchmarks.md, "Low-pass WGS").
Usage: nice -n 10 .venv/bin/python bench/ctdna/lowpass_model_time.py [--replicates 5]
       [--depth 0.1] [--tumour-fraction 0.1] [--seed 20240601]
       [--out bench/ctdna/lowpass_model_time.out.md]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from ctdna import lowpass_model, lowpass_norm, lowpass_pon  # noqa: E402
from stereosarc.demo import lowpass  # noqa: E402

# GRCh38 primary assembly chromosome lengths (bp), chr1-chr22, chrX, chrY (GRCh38.p14 report)
GRCH38 = dict(zip(
    [f"chr{i}" for i in range(1, 23)] + ["chrX", "chrY"],
    [248_956_422, 242_193_529, 198_295_559, 190_214_555, 181_538_259, 170_805_979, 159_345_973,
     145_138_636, 138_394_717, 133_797_422, 135_086_622, 133_275_309, 114_364_328, 107_043_718,
     101_991_189, 90_338_345, 83_257_441, 80_373_285, 58_617_616, 64_444_167, 46_709_983,
     50_818_468, 156_040_895, 57_227_415],
))  # fmt: skip
BIN_SIZE = 1_000_000  # ichorCNA's and ctdna-bin's default bin
ICHORCNA_SECONDS = 75.0  # ichorCNA per sample at 1 Mb bins on this machine kind (issue 13)
PON_SIZE = 10  # donors in the panel of normals
SHORT_SHARE, LONG_SHARE = 0.25, 0.55  # shares of fragments 90-150 / 151-220 bp (assumption)
PROFILE = [  # the tumour: arm-level gain and losses, a whole-chromosome gain, a focal gain
    lowpass.Segment("chr1", 125_000_000, 249_000_000, 3),
    lowpass.Segment("chr8", 0, 146_000_000, 3),
    lowpass.Segment("chr13", 0, 115_000_000, 1),
    lowpass.Segment("chr17", 0, 25_000_000, 1),
    lowpass.Segment("chr12", 68_000_000, 70_000_000, 5),  # MDM2 (chr12:68.8 Mb)
]


def genome_bins(rng: np.random.Generator) -> pd.DataFrame:
    """chrom, start, end and gc of the 1 Mb bins of GRCH38."""
    frames = []
    for chrom, length in GRCH38.items():
        starts = np.arange(0, length, BIN_SIZE)
        frames.append(pd.DataFrame({"chrom": chrom, "start": starts,
                                    "end": np.minimum(starts + BIN_SIZE, length)}))  # fmt: skip
    bins = pd.concat(frames, ignore_index=True)
    return bins.assign(gc=rng.uniform(*lowpass.GC_RANGE, len(bins)))


def sample_bins(bins, sex: str, tumour_fraction: float, depth: float, rng) -> pd.DataFrame:
    """ctdna-bin's columns for one sample drawn under PROFILE (module docstring)."""
    normal = bins["chrom"].map(lambda chrom: lowpass.normal_copy_number(chrom, sex)).to_numpy()
    tumour = normal.copy()
    for segment in PROFILE:
        inside = (bins["chrom"] == segment.chrom) & (bins["start"] >= segment.start)
        tumour[(inside & (bins["start"] < segment.end)).to_numpy()] = segment.copy_number
    mixture = (1 - tumour_fraction) * normal + tumour_fraction * tumour
    length = (bins["end"] - bins["start"]).to_numpy()
    mean = depth * length / 200 * lowpass.gc_bias(bins["gc"].to_numpy()) * mixture / 2
    fragments = rng.poisson(mean)
    return bins.assign(
        fragments=fragments,
        short=rng.binomial(fragments, SHORT_SHARE),
        long=rng.binomial(fragments, LONG_SHARE),
        mappability=np.nan,
    )[["chrom", "start", "end", "fragments", "short", "long", "gc", "mappability"]]


def timed(action):
    """(result, wall s, CPU s) of ``action()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def cohort(bins, depth: float, rng):
    """(PoN, donors argument of fit_sample, [(step, wall, cpu)]) of PON_SIZE donors."""
    normals = {
        f"N{i}": sample_bins(bins, ("female", "male")[i % 2], 0.0, depth, rng)
        for i in range(PON_SIZE)
    }
    pon, wall, cpu = timed(lambda: lowpass_pon.build_pon(normals))
    steps = [(f"build_pon, {PON_SIZE} donors", wall, cpu)]
    donors = 0.0
    if hasattr(lowpass_model, "donor_lr"):
        donors, wall, cpu = timed(
            lambda: lowpass_model.donor_lr(lowpass_pon.leave_one_out_ratios(pon))
        )
        steps.append((f"donor_lr, {PON_SIZE} leave-one-out donors", wall, cpu))
    return pon, donors, steps


def per_sample(bins, pon, donors, args, rng):
    """(fit, normalisation wall and CPU s, model wall and CPU s) of one tumour sample."""
    drawn = sample_bins(bins, "female", args.tumour_fraction, args.depth, rng)
    ratios, norm_wall, norm_cpu = timed(
        lambda: lowpass_pon.log2_ratios(lowpass_norm.normalise_sample(drawn), pon, "T")
    )
    fit, wall, cpu = timed(lambda: lowpass_model.fit_sample(ratios, donors=donors))
    return fit, (norm_wall, norm_cpu, wall, cpu)


def summary_row(step: str, times: list[tuple], index: int) -> str:
    """Markdown row of the wall (times[i][index]) and CPU (times[i][index + 1]) seconds."""
    walls, cpus = [t[index] for t in times], [t[index + 1] for t in times]
    return (
        f"| {step} | {statistics.median(walls):.2f} | {min(walls):.2f}-{max(walls):.2f} | "
        f"{statistics.median(cpus):.2f} |"
    )


def report(args, bins, fits, times, steps, loads) -> str:
    """The Markdown of the run."""
    autosomal = int((lowpass_norm.contig_kind(bins["chrom"]) == "autosome").sum())
    model_wall = statistics.median(t[2] for t in times)
    model_cpu = statistics.median(t[3] for t in times)
    lines = [
        f"Output of `nice -n 10 .venv/bin/python bench/ctdna/lowpass_model_time.py --replicates "
        f"{args.replicates} --depth {args.depth:g} --tumour-fraction {args.tumour_fraction:g} "
        f"--seed {args.seed}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"{os.cpu_count()} cores shared with other sessions, load average (1 min) {loads[0]} at "
        f"the start, {loads[1]} at the end; model `{lowpass_model.__name__}`.",
        "",
        f"{len(bins):,} bins of 1 Mb (GRCh38 chr1-22, X, Y), {autosomal:,} autosomal; PoN of "
        f"{PON_SIZE}; tumour sample at {args.depth:g}x, TF {args.tumour_fraction:g}. Medians of "
        f"{args.replicates} samples.",
        "",
        "| step | wall s | wall s min-max | CPU s |",
        "|---|---:|---:|---:|",
        summary_row("per sample: model (fit_sample)", times, 2),
        summary_row("per sample: normalise_sample + log2_ratios", times, 0),
        *(f"| per cohort, once: {step} | {wall:.2f} | | {cpu:.2f} |" for step, wall, cpu in steps),
        "",
        f"ichorCNA: about {ICHORCNA_SECONDS:.0f} s per sample (issue 13, this machine kind). "
        f"Model: median CPU {model_cpu:.2f} s, **{ICHORCNA_SECONDS / model_cpu:.1f}x less**; "
        f"median wall {model_wall:.2f} s ({ICHORCNA_SECONDS / model_wall:.1f}x less), the "
        f"process getting {model_cpu / model_wall:.0%} of a core on the shared machine.",
        "",
        "| sample | modelled bins | TF | 95 % interval | detected | LoD | noise sd |",
        "|---|---:|---:|---|---|---:|---:|",
    ]
    for number, fit in enumerate(fits, start=1):
        lines.append(
            f"| {number} | {fit.n_bins} | {fit.tumour_fraction:.3f} | {fit.ci_low:.3f}-"
            f"{fit.ci_high:.3f} | {fit.detected} | {fit.lod:.3f} | {fit.noise_sd:.3f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=5, help="timed tumour samples")
    parser.add_argument("--depth", type=float, default=0.1, help="coverage (x)")
    parser.add_argument("--tumour-fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--out", type=Path, default=HERE / "lowpass_model_time.out.md")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    loads = [f"{os.getloadavg()[0]:.1f}"]
    bins = genome_bins(rng)
    pon, donors, steps = cohort(bins, args.depth, rng)
    per_sample(bins, pon, donors, args, rng)  # warm-up, not timed
    fits, times = [], []
    for number in range(args.replicates):
        fit, seconds = per_sample(bins, pon, donors, args, rng)
        fits.append(fit)
        times.append(seconds)
        print(f"sample {number + 1}: model {seconds[2]:.2f} s", file=sys.stderr, flush=True)
    loads.append(f"{os.getloadavg()[0]:.1f}")
    text = report(args, bins, fits, times, steps, loads)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
