"""Calibration of the ctDNA null models (issue 12): SNV overdispersed null and MDM2 t-test.

SNV: per cell (donor-level SD, sample-level SD, sites per sample, fragments per site), R PoN
replicates. Each PoN: 25 donors x 40 panel sites (C>T), site error rates e_s = 2e-4 x lognormal(SD
1) (site to site), donor rate p_js = e_s W_j V_js with W_j (shared by a sample's sites) and V_js
lognormal with mean 1 and log-SD sd_sample, sd_donor; alt ~ Binomial(depth, p_js), depth fixed per
cell. The background is ``snv_background.background_from_pon``; the test sites are the first 1 or 3
panel sites it does not black-list. New null samples draw their own W and V; a sample is detected
when its pooled alt count reaches max(k_min, 2) (k_min from ``snv.pooled_test`` on the fitted null:
the same decision as ``call_sample``, depths being fixed). Beside the new null: the previous null
(Beta posterior of the pooled rate, independent sites; ``beta`` columns). Sensitivity: heterozygous
clonal mutation, alt probability TF/2 (1 - p) + (1 - TF/2) p. Leave-one-donor-out check
(``ctdna.pon_check``) on a few PoNs per (SD, SD, depth).

MDM2: gene log2 ratios of n PoN samples and of new samples ~ Normal(0, 0.05) (null); an
amplified sample adds log2(1 + TF (C - 2)/2) with C = 10 copies. Called by
``cn.predictive_test`` + ``cn.amplification_call`` (log2 floor 0.2, level Phi(-3)).

Usage: .venv/bin/python bench/ctdna/null_calibration.py [--replicates 100] [--out FILE]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from ctdna import cn, pon_check, snv, snv_background  # noqa: E402

N_DONORS, N_PANEL = 25, 40  # PoN size (realistic 20-30 donors) and cohort site panel
FALLBACK_DONORS = 5  # a PoN below ctdna.overdispersion.MIN_PON_DONORS
ERROR_MEDIAN = 2e-4  # deduplicated cfDNA substitution error ~1e-4..1e-3 (Newman 2016 iDES)
SDS = [0.0, 0.5, 1.0]
TF_BINS = [0.002, 0.005, 0.01, 0.02, 0.05]
ALPHA = 0.01
MDM2_SD, MDM2_COPIES = 0.05, 10.0  # gene log2 SD of the PoN (choice); tumour copies at MDM2
MDM2_TF = [0.05, 0.1, 0.2, 0.3]


def lognormal(rng, sd, size):
    """Factor with mean 1 and log-SD ``sd``."""
    return np.exp(rng.normal(-sd * sd / 2, sd, size)) if sd > 0 else np.ones(size)


def pon_frame(alt: np.ndarray, depth: int) -> pd.DataFrame:
    """PoN count rows of an (donors x sites) alt-count matrix: one C>T site per column on
    chr1, every donor at ``depth``, three sites per tumour."""
    n, sites = alt.shape
    donors = np.repeat([f"N{i:02d}" for i in range(n)], sites)
    frame = pd.DataFrame({"sample": donors, "pos": np.tile(np.arange(1, sites + 1), n)})
    frame = frame.assign(chrom="chr1", ref="C", alt="T", variant_type="snv")
    frame = frame.assign(alt_fragments=alt.ravel(), depth_fragments=depth)
    return frame.assign(tumour_sample=[f"T{(i % sites) // 3:02d}" for i in range(n * sites)])


def simulate_pon(rng, sd_donor, sd_sample, depth, n_donors=N_DONORS):
    rates = ERROR_MEDIAN * np.exp(rng.normal(0, 1, N_PANEL))
    donor_rates = (
        rates
        * lognormal(rng, sd_sample, (n_donors, 1))
        * lognormal(rng, sd_donor, (n_donors, N_PANEL))
    )
    alt = rng.binomial(depth, np.minimum(donor_rates, 1))
    return rates, pon_frame(alt, depth)


def thresholds(background: pd.DataFrame, n_sites: int, depth: int):
    """(site indices, k_min of the new null, k_min of the previous null)."""
    used = background[~background["blacklisted"]].sort_values("pos").head(n_sites)
    index = used["pos"].to_numpy() - 1
    depths = np.full(len(used), depth)
    error = used["error_rate"].to_numpy(dtype=float)
    zero = np.zeros(len(used), dtype=np.int64)
    _, k_new = snv.pooled_test(zero, depths, error, ALPHA, **snv.null_parameters(used))
    _, k_old = snv.pooled_test(zero, depths, error, ALPHA, beta=snv.beta_parameters(used))
    floor = snv.MIN_ALT_FRAGMENTS
    return (
        index,
        max(k_new or depth * n_sites + 1, floor),
        max(k_old or depth * n_sites + 1, floor),
    )


def sample_counts(rng, rates, sd_donor, sd_sample, depth, n, tf=0.0):
    p = rates * lognormal(rng, sd_sample, (n, 1)) * lognormal(rng, sd_donor, (n, len(rates)))
    p = np.minimum(p, 1)
    p = tf / 2 * (1 - p) + (1 - tf / 2) * p
    return rng.binomial(depth, p).sum(axis=1)


def snv_cell(
    rng, sd_donor, sd_sample, n_sites, depth, replicates, per_replicate, n_donors=N_DONORS
):
    hits = {"new": 0, "old": 0}
    sens = {tf: 0 for tf in TF_BINS}
    n_null = n_sens = 0
    for _ in range(replicates):
        rates, pon = simulate_pon(rng, sd_donor, sd_sample, depth, n_donors)
        background = snv_background.background_from_pon(pon)
        index, k_new, k_old = thresholds(background, n_sites, depth)
        if len(index) < n_sites:
            continue
        null = sample_counts(rng, rates[index], sd_donor, sd_sample, depth, per_replicate)
        hits["new"] += int((null >= k_new).sum())
        hits["old"] += int((null >= k_old).sum())
        n_null += per_replicate
        for tf in TF_BINS:
            sens[tf] += int(
                (
                    sample_counts(
                        rng, rates[index], sd_donor, sd_sample, depth, per_replicate // 2, tf
                    )
                    >= k_new
                ).sum()
            )
        n_sens += per_replicate // 2
    return n_null, hits, {tf: v / n_sens for tf, v in sens.items()}


def loo_cell(rng, sd_donor, sd_sample, depth, replicates):
    checks = []
    for _ in range(replicates):
        _, pon = simulate_pon(rng, sd_donor, sd_sample, depth)
        checks.append(pon_check.leave_one_donor_out(pon))
    return pon_check.summary(pd.concat(checks))


def mdm2_cell(rng, n_pon, replicates, per_replicate):
    """Null hit counts of the predictive test at 0.01 and at Phi(-3), of the full call, and
    of the former normal-tail rule (z >= 3, no floor); sensitivity of the full call by TF."""
    level = cn.amplification_level(cn.AMP_Z)
    hits = {"p<0.01": 0, "p<=Phi(-3)": 0, "call": 0, "normal z>=3": 0}
    sens = {tf: 0 for tf in MDM2_TF}
    for _ in range(replicates):
        pon = rng.normal(0, MDM2_SD, n_pon)
        mean, sd = pon.mean(), pon.std(ddof=1)
        for x in rng.normal(0, MDM2_SD, per_replicate):
            _, _, p = cn.predictive_test(x, pon)
            hits["p<0.01"] += p < 0.01
            hits["p<=Phi(-3)"] += p <= level
            hits["call"] += bool(cn.amplification_call(x, p, p_level=level))
            hits["normal z>=3"] += (x - mean) / sd >= cn.AMP_Z
            for tf in MDM2_TF:
                y = x + np.log2(1 + tf * (MDM2_COPIES - 2) / 2)
                sens[tf] += bool(
                    cn.amplification_call(y, cn.predictive_test(y, pon)[2], p_level=level)
                )
    total = replicates * per_replicate
    return total, hits, {tf: v / total for tf, v in sens.items()}


def fmt(k, n):
    return f"{k / n:.4f} | {pon_check.clopper_pearson_upper(k, n):.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=80, help="PoN draws per SNV cell")
    parser.add_argument("--per-replicate", type=int, default=30, help="null samples per PoN")
    parser.add_argument("--loo-replicates", type=int, default=1, help="PoNs checked per cell")
    parser.add_argument(
        "--mdm2-replicates",
        type=int,
        default=4000,
        help="PoN draws per n (one null sample each: calls are independent)",
    )
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--out", default="bench/ctdna/null_calibration.out.md")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    start = time.time()
    mdm2_rng = np.random.default_rng(args.seed + 1)  # own stream: section reproducible alone
    lines = [
        f"seed {args.seed}; {args.replicates} PoN x {args.per_replicate} null samples per "
        f"cell; PoN {N_DONORS} donors x {N_PANEL} sites; alpha = {ALPHA}; upper = "
        "Clopper-Pearson 95 % (two-sided) upper bound",
        "",
        "| donor SD | sample SD | sites | fragments/site | n null | FPR | upper | "
        "previous null FPR | upper | " + " | ".join(f"sens TF {t:g}" for t in TF_BINS) + " |",
        "|---" * (9 + len(TF_BINS)) + "|",
    ]
    worst = (0.0, "")
    for sd_d, sd_s, n_sites, depth in itertools.product(SDS, SDS, (1, 3), (1000, 10000)):
        n, hits, sens = snv_cell(
            rng, sd_d, sd_s, n_sites, depth, args.replicates, args.per_replicate
        )
        upper = pon_check.clopper_pearson_upper(hits["new"], n)
        worst = max(worst, (upper, f"donor {sd_d} sample {sd_s} sites {n_sites} depth {depth}"))
        lines.append(
            f"| {sd_d} | {sd_s} | {n_sites} | {depth} | {n} | {fmt(hits['new'], n)} | "
            f"{fmt(hits['old'], n)} | " + " | ".join(f"{sens[t]:.3f}" for t in TF_BINS) + " |"
        )
        print(lines[-1], flush=True)
    lines += [
        "",
        f"worst upper bound: {worst[0]:.4f} ({worst[1]})",
        "",
        f"Small-PoN fallback (PoN of {FALLBACK_DONORS} donors < MIN_PON_DONORS: default "
        "dispersions), 3 sites, 3,000 fragments per site",
        "",
        "| donor SD | sample SD | n null | FPR | upper | previous null FPR | upper | "
        + " | ".join(f"sens TF {t:g}" for t in TF_BINS)
        + " |",
        "|---" * (7 + len(TF_BINS)) + "|",
    ]
    for sd_d, sd_s in ((0.0, 0.0), (0.5, 0.5), (1.0, 0.5), (1.0, 1.0)):
        n, hits, sens = snv_cell(
            rng, sd_d, sd_s, 3, 3000, args.replicates, args.per_replicate, FALLBACK_DONORS
        )
        lines.append(
            f"| {sd_d} | {sd_s} | {n} | {fmt(hits['new'], n)} | {fmt(hits['old'], n)} | "
            + " | ".join(f"{sens[t]:.3f}" for t in TF_BINS)
            + " |"
        )
        print(lines[-1], flush=True)
    lines += [
        "",
        "Leave-one-donor-out check (ctdna.pon_check; each donor against the other 24, "
        f"pooled test per site set of 3 sites (14 sets of {N_PANEL} sites); "
        f"{args.loo_replicates} PoNs per row)",
        "",
        "| donor SD | sample SD | fragments/site | donor x set tests | false positives | FPR "
        "| upper |",
        "|---|---|---|---|---|---|---|",
    ]
    for sd_d, sd_s, depth in itertools.product(SDS, SDS, (1000, 10000)):
        s = loo_cell(rng, sd_d, sd_s, depth, args.loo_replicates)
        lines.append(
            f"| {sd_d} | {sd_s} | {depth} | {s['n_tested']} | {s['false_positives']} | "
            f"{s['false_positive_rate']:.4f} | {s['fpr_upper']:.4f} |"
        )
        print(lines[-1], flush=True)
    lines += [
        "",
        f"MDM2 predictive t test (PoN and null log2 ratios Normal(0, {MDM2_SD}); "
        f"amplified: +log2(1 + TF (C - 2)/2), C = {MDM2_COPIES:g}; call = log2R >= "
        f"{cn.AMP_LOG2} and p <= Phi(-3) = {cn.amplification_level(cn.AMP_Z):.5f})",
        "",
        "| PoN n | n null | FPR p<0.01 | upper | FPR p<=Phi(-3) | upper | FPR call | upper "
        "| former normal z>=3 FPR | " + " | ".join(f"call sens TF {t:g}" for t in MDM2_TF) + " |",
        "|---" * (9 + len(MDM2_TF)) + "|",
    ]
    for n_pon in (3, 5, 8):
        total, hits, sens = mdm2_cell(mdm2_rng, n_pon, args.mdm2_replicates, 1)
        lines.append(
            f"| {n_pon} | {total} | "
            + " | ".join(fmt(hits[k], total) for k in ("p<0.01", "p<=Phi(-3)", "call"))
            + f" | {hits['normal z>=3'] / total:.4f} | "
            + " | ".join(f"{sens[t]:.3f}" for t in MDM2_TF)
            + " |"
        )
        print(lines[-1], flush=True)
    lines += ["", f"runtime {time.time() - start:.0f} s"]
    Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
