"""Low-pass WGS tumour fraction: segment, then fit tumour fraction, reference copy number and
a subclonal fraction by likelihood on the segment means, with a profile-likelihood
interval, a detection test calibrated on no-tumour data and a per-sample LoD.

Data: the unmasked autosomal bins of one sample's log2 ratios (``lowpass_pon.log2_ratios``;
chrX is not modelled). Steps:

1. Noise: sigma = bin-to-bin noise (``lowpass_fit_segments.noise_sd``), tau = segment-level noise
   (``lowpass_fit_segments.segment_noise``).
2. Segments by circular binary segmentation (``lowpass_fit_segments``; no tumour fraction
   involved).
3. l(p, phi, s) on the grid of ``lowpass_fit_mixture`` (segment means, their variances
   sigma^2 / n_j + tau^2, state priors, the phi prior) over the segments of at least
   FIT_MIN_BINS bins (shorter ones, often residual GC artefacts, would set p alone);
   (p_hat, phi_hat, s_hat) = argmax; every segment's state is its maximum a posteriori state
   there. Ploidy = the
   bin-weighted mean tumour copy number of those states.
4. Interval: profile l_prof(p) = max over phi, s; 95 % = {p : 2 (l_prof(p_hat) - l_prof(p))
   <= 3.841} (chi-square 1 df; ichorCNA reports none).
5. Detection: LR = 2 (l_prof(p_hat) - l(0)), after dividing l - l(0) by the dispersion c of
   the fitted segments (``lowpass_fit_mixture.dispersion``; quasi-likelihood, also used for
   the interval). Its null law is not chi-square (boundary, segmentation, state choice): it
   is simulated, NULL_REPLICATES white-noise ratio sets with the sample's chromosomes and
   bin counts, bin noise NULL_SIGMA and a per-chromosome offset of sd NULL_SIGMA x tau / sigma
   (the law depends on sigma and tau through their ratio; rounded to 0.01 so samples share
   one law; seeded), each segmented and fitted like the sample. Threshold: the 1 - ALPHA
   quantile of a law with the simulated share q of positive LRs and a scaled chi-square
   a chi2_d on them (a, d by moments, Satterthwaite), i.e. a chi2_d's 1 - ALPHA / q
   quantile; at least CHI2_1DF_ALPHA (the chi-square 1-df quantile: one free parameter);
   then raised to the largest LR of the PoN donors each against the other donors
   (``donor_lr``: real no-tumour ratios keep structure white noise lacks).
   detected = LR > threshold.
6. LoD (95 %): the p at which the reference tumour, one-copy gains over a share
   REFERENCE_ALTERED_SHARE of the bins in segments of REFERENCE_SEGMENT_BINS bins, is
   detected with probability 0.95: the LR of its noise-free segment means is the
   noncentrality lambda(p) and detection needs sqrt(lambda) >= sqrt(threshold) + 1.645
   (bisection). A sample not detected, or with p_hat < LoD, is reported NA with a reason
   (``reported``); its estimate and interval are still given.
What it cannot see: a copy-neutral tumour (every segment at ratio 0: l is flat in p, the
interval reaches the grid top), TF below the LoD, and a tumour whose only changes are
subclonal (indistinguishable from clonal changes at p x s).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.stats import chi2

from ctdna import lowpass_fit_mixture as mixture
from ctdna import lowpass_fit_segments as segmentation
from ctdna.lowpass_norm import contig_kind

ALPHA = 0.001  # per-sample false-positive rate of the detection test (100 nulls: ~0.1 expected)
CHI2_1DF_ALPHA = float(chi2.ppf(1 - ALPHA, 1))  # 10.83: least threshold (one free parameter)
NULL_REPLICATES = 200  # white-noise ratio sets per null law
NULL_SIGMA = 0.05  # bin noise of the null ratio sets (the law depends on tau / sigma only)
NULL_GRID = mixture.PURITY_GRID[::4]  # purities tried in the null fits (speed)
REFERENCE_ALTERED_SHARE = 0.2  # LoD reference: 20 % of the bins one copy up (assumption)
REFERENCE_SEGMENT_BINS = 50  # ... in arm-sized segments of 50 bins (assumption)
Z_95 = 1.644854  # standard normal 0.95 quantile (95 % detection at the LoD)
LOD_BISECTIONS = 12  # bisection steps on [0, 0.95]: LoD to within 0.0003
FIT_MIN_BINS = 8  # segments of fewer bins get a state but do not inform p (focal artefacts)
MIN_MODEL_BINS = 30  # fewer usable bins: no fit (NA with a reason)
SEED = 20240601  # docs/development.md conventions: fixed default seed
SEGMENT_COLUMNS = ["chrom", "start", "end", "n_bins", "mean_log2", "copy_number", "subclonal"]
BIN_COLUMNS = ["chrom", "start", "end", "log2_ratio", "copy_number", "expected_log2"]


@dataclass
class LowpassFit:
    """One sample's fit; NA fields (NaN/None) with ``reason`` when there was no fit.
    ``tumour_fraction`` is the estimate p_hat; ``reported`` says whether it may be reported."""

    tumour_fraction: float
    ci_low: float
    ci_high: float
    reference_cn: float
    ploidy: float
    lr_statistic: float
    threshold: float
    detected: bool | None
    lod: float
    noise_sd: float
    n_bins: int
    reason: str | None
    segments: pd.DataFrame
    subclonal_fraction: float = float("nan")
    bins: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BIN_COLUMNS))


def _significant(value: float) -> float:
    return float(f"{value:.2g}")


@dataclass
class Evidence:
    """The likelihood of one sample's fitted segments: ``surface`` l(p, phi, s) on the grid
    (quasi-likelihood: l(0) + (l - l(0)) / c), ``lr`` = 2 (max - l(0)), ``dispersion`` c,
    ``fitted`` the segments with at least FIT_MIN_BINS bins, ``variance`` of every segment."""

    lr: float
    surface: np.ndarray
    dispersion: float
    fitted: np.ndarray
    variance: np.ndarray


def evidence(means, n_bins, sigma: float, tau: float, grid=mixture.PURITY_GRID) -> Evidence:
    """Segments -> Evidence (module docstring steps 3 and 5)."""
    means, n_bins = np.asarray(means, float), np.asarray(n_bins)
    variance = mixture.segment_variance(n_bins, sigma, tau)
    fitted = n_bins >= FIT_MIN_BINS
    m, v = means[fitted], variance[fitted]
    surface = mixture.loglik_surface(m, v, grid)
    null = mixture.null_loglik(m, v)
    p, a, b = np.unravel_index(int(np.argmax(surface)), surface.shape)
    reference, subclonal = int(mixture.REFERENCE_CNS[a]), float(mixture.SUBCLONAL_GRID[b])
    mu = mixture.map_states(m, v, float(grid[p]), reference, subclonal)[2]
    scatter = mixture.dispersion(m, v, mu)
    surface = null + (surface - null) / scatter
    return Evidence(max(float(2 * (surface.max() - null)), 0.0), surface, scatter, fitted,
                    variance)  # fmt: skip


@lru_cache(maxsize=256)
def _null_law(sizes: tuple[int, ...], tau_per_sigma: float, seed: int) -> float:
    rng = np.random.default_rng(seed)
    chromosome = np.repeat(np.arange(len(sizes)), sizes)
    sigma, tau = NULL_SIGMA, NULL_SIGMA * tau_per_sigma
    statistics = np.empty(NULL_REPLICATES)
    for replicate in range(NULL_REPLICATES):
        ratios = rng.normal(0.0, sigma, chromosome.size)
        ratios += np.repeat(rng.normal(0.0, tau, len(sizes)), sizes)
        cuts = segmentation.segment_runs(ratios, chromosome, sigma, tau)
        sums = np.concatenate([[0.0], np.cumsum(ratios)])
        n_bins = np.diff(cuts)
        means = (sums[cuts[1:]] - sums[cuts[:-1]]) / n_bins
        statistics[replicate] = evidence(means, n_bins, sigma, tau, NULL_GRID).lr
    return max(scaled_chi2_quantile(statistics, ALPHA), CHI2_1DF_ALPHA)


def scaled_chi2_quantile(statistics: np.ndarray, alpha: float) -> float:
    """The 1 - alpha quantile of a law with mass 1 - q at 0 and q a chi2_d on the rest
    (a, d by moments of the positive values; q their share)."""
    positive = statistics[statistics > 1e-9]
    share = positive.size / statistics.size
    if positive.size < 5 or share <= alpha:
        return float(np.max(statistics, initial=0.0))
    mean, variance = positive.mean(), positive.var(ddof=1)
    scale, df = variance / (2 * mean), 2 * mean**2 / variance
    return float(scale * chi2.ppf(1 - alpha / share, df))


def null_threshold(chromosome: np.ndarray, sigma: float, tau: float, seed: int = SEED) -> float:
    """The detection threshold from white noise (module docstring step 5)."""
    sizes = tuple(int(n) for n in pd.Series(chromosome).groupby(chromosome, sort=False).size())
    return _null_law(sizes, round(tau / sigma, 2), seed)


def limit_of_detection(n_bins: int, sigma: float, tau: float, threshold: float) -> float:
    """The 95 % LoD of the module docstring (NaN when even p = 0.95 is not enough)."""
    altered = max(1, round(REFERENCE_ALTERED_SHARE * n_bins / REFERENCE_SEGMENT_BINS))
    sizes = np.array(
        [REFERENCE_SEGMENT_BINS] * altered + [n_bins - altered * REFERENCE_SEGMENT_BINS]
    )
    target = (np.sqrt(threshold) + Z_95) ** 2

    def noncentrality(p: float) -> float:
        gain = mixture.expected_log2(np.array([p]), 2, np.array([3.0]))[0, 0]
        means = np.r_[np.full(altered, gain), 0.0]
        return evidence(means, sizes, sigma, tau, NULL_GRID).lr

    low, high = 0.0, float(mixture.PURITY_GRID[-1])
    if noncentrality(high) < target:
        return float("nan")
    for _ in range(LOD_BISECTIONS):
        middle = (low + high) / 2
        low, high = (middle, high) if noncentrality(middle) < target else (low, middle)
    return high


def _no_fit(reason: str, n_bins: int, sigma: float = float("nan")) -> LowpassFit:
    nan = float("nan")
    return LowpassFit(nan, nan, nan, nan, nan, nan, nan, None, nan, sigma, n_bins, reason,
                      pd.DataFrame(columns=SEGMENT_COLUMNS))  # fmt: skip


def usable_bins(ratios: pd.DataFrame) -> pd.DataFrame:
    """The modelled bins: autosomal, with a log2 ratio."""
    autosomal = contig_kind(ratios["chrom"]) == "autosome"
    return ratios[autosomal & ratios["log2_ratio"].notna()].reset_index(drop=True)


def donor_lr(donor_ratios: dict[str, pd.DataFrame]) -> float:
    """The largest LR of the PoN donors' leave-one-out ratios (0 without donors)."""
    statistics = [0.0]
    for ratios in donor_ratios.values():
        fit = fit_sample(ratios, donors=np.inf)
        if np.isfinite(fit.lr_statistic):
            statistics.append(fit.lr_statistic)
    return max(statistics)


def _states(usable, segments, variance, best):
    """(segments table, bins table, subclonal fraction or NaN, ploidy) at the argmax
    ``best``. copy_number is an integer: a subclonal segment shows the copy number its
    subclone carries (phi +- 1, subclonal True); ploidy uses phi +- s."""
    p, phi, s = best
    index, copies, mu = mixture.map_states(segments["mean_log2"].to_numpy(), variance, p, phi, s)
    subclonal = index >= mixture.CLONAL_STATES.size
    shown = np.where(subclonal, phi + np.sign(copies - phi), copies).astype(int)
    table = segments.assign(copy_number=shown, subclonal=subclonal)
    per_bin = np.repeat(np.arange(len(segments)), segments["n_bins"].to_numpy())
    bins = usable[["chrom", "start", "end", "log2_ratio"]].assign(
        copy_number=shown[per_bin], expected_log2=mu[per_bin]
    )
    fraction = float(s) if subclonal.any() and p > 0 else float("nan")
    ploidy = float(copies[per_bin].mean()) if p > 0 else float("nan")
    return table[SEGMENT_COLUMNS], bins[BIN_COLUMNS], fraction, ploidy


def reported(fit: LowpassFit) -> tuple[float, str | None, str | None]:
    """(tumour fraction to report or NaN, reason_code, reason): NA when there was no fit
    (``no_fit``), when not detected (``not_detected``: a copy-neutral tumour or TF below LoD)
    or when the estimate is below the sample's LoD or the LoD is unknown (``below_lod``)."""
    if fit.detected is None:
        return float("nan"), "no_fit", fit.reason or "no model fit"
    if not fit.detected:
        return (
            float("nan"),
            "not_detected",
            (
                f"not detected (LR {fit.lr_statistic:.3g} <= threshold {fit.threshold:.3g}): "
                "copy-neutral tumour or TF below LoD"
            ),
        )
    if not fit.tumour_fraction >= fit.lod:
        return (
            float("nan"),
            "below_lod",
            (f"below LoD (estimate {fit.tumour_fraction:.3g} < lod95_tf {fit.lod:.3g})"),
        )
    return float(fit.tumour_fraction), None, None


def fit_sample(ratios: pd.DataFrame, seed: int = SEED, donors: float = 0.0) -> LowpassFit:
    """Tumour fraction, interval, ploidy, subclonal fraction, detection and LoD of one sample
    (module docstring); ``donors``: ``donor_lr`` of the PoN, the floor of the threshold."""
    usable = usable_bins(ratios)
    if len(usable) < MIN_MODEL_BINS:
        return _no_fit(f"{len(usable)} usable autosomal bins (< {MIN_MODEL_BINS})", len(usable))
    r, chromosome = usable["log2_ratio"].to_numpy(float), usable["chrom"].to_numpy()
    sigma = segmentation.noise_sd(r, chromosome)
    if not sigma > 0:
        return _no_fit("no bin-to-bin noise estimate", len(usable), sigma)
    tau = segmentation.segment_noise(r, chromosome, sigma)
    segments = segmentation.segment(usable, sigma, tau)
    fit = evidence(segments["mean_log2"], segments["n_bins"], sigma, tau)
    p_hat, low, high = mixture.profile_interval(fit.surface.max(axis=(1, 2)))
    _, a, b = np.unravel_index(int(np.argmax(fit.surface)), fit.surface.shape)
    best = (p_hat, int(mixture.REFERENCE_CNS[a]), float(mixture.SUBCLONAL_GRID[b]))
    table, bins, subclonal, ploidy = _states(usable, segments, fit.variance, best)
    if np.isinf(donors):  # a donor's own LR (donor_lr): no threshold, no LoD
        threshold, lod = float("nan"), float("nan")
    else:
        threshold = max(null_threshold(chromosome, sigma, tau, seed), donors)
        lod = limit_of_detection(len(usable), sigma, tau, threshold)
    return LowpassFit(
        tumour_fraction=p_hat, ci_low=low, ci_high=high,
        reference_cn=float(best[1]) if p_hat > 0 else float("nan"),
        ploidy=ploidy,
        lr_statistic=fit.lr, threshold=threshold, detected=bool(fit.lr > threshold), lod=lod,
        noise_sd=sigma, n_bins=len(usable), reason=None, segments=table,
        subclonal_fraction=subclonal, bins=bins,
    )  # fmt: skip
