"""Full-genome binned-count simulator of low-pass WGS plasma (pure; no BAM, no reads).

Produces per-bin tables with the columns of ``ctdna-bin`` (chrom, start, end, fragments,
short, long, gc, mappability) for the real normalisation (``lowpass_norm``, ``lowpass_pon``).

Genome (``genome_layout``): GRCh38 contigs 1-22, X, Y (``CONTIGS``: lengths and approximate
centromeres) in ``bin_size`` bins (2,875 autosomal bins at 1 Mb). Fixed per layout (seeded):
bin GC, a smooth AR(1) walk around ``GC_MEAN``; mappability (most bins 0.95-1, a share
below the 0.9 mask); gap bins (centromere +-``GAP_HALF`` bp, acrocentric p arms) with no GC
and no fragments; a per-bin bias ``b_i`` shared by every sample (log-normal, sd
``SHARED_BIAS_SD``, plus rare strong outliers): the GC/mappability residue a PoN removes.

One sample (``simulate_sample``): the expected fragments of bin i are

    lambda_i = F x (L_i / 1 Mb) x m_i / 2 x map_i x b_i x g_s(gc_i) x w_s,i

with F = ``FRAGMENTS_PER_MB_PER_X`` x depth (fragments of 167 bp per 1 Mb bin per 1x),
m_i = 2 (1 - TF) + TF c_i the mixture copy number (tumour copy number c_i, normal cells
diploid; chrX/chrY by sex), g_s the sample's GC-efficiency curve exp(a1 (gc - 0.42) +
a2 (gc - 0.42)^2) with a1, a2 drawn per sample, and w_s,i a smooth per-sample wave (AR(1)
along the genome, log sd drawn per sample). Counts are negative binomial with mean lambda_i
and a per-sample extra coefficient of variation drawn in ``EXTRA_CV`` (var = lambda +
cv^2 lambda^2). Of a bin's fragments, tumour ones are a share t_i = TF c_i / m_i; ``short``
(90-150 bp) ~ Binomial with probability (1 - t_i) q_n + t_i q_t, ``long`` (151-220 bp) of
the rest likewise, q from the fragment-length laws of ``stereosarc.demo.lowpass``.
PoN donors are samples at TF 0 drawn the same way; ``noisy`` donors have a larger dispersion
and wave (a CHIP-free but noisy profile).

Tumours (``random_tumour``): ploidy 2 (arm-level and whole-chromosome gains to 3-4 and losses
to 1, focal 5-6-copy amplifications and 1-copy deletions) or whole-genome-doubled (base 4,
arm losses to 3 and 2, gains to 5-6); an optional subclonal event (one copy over an arm in a
share of the tumour cells), so the tumour copy number per bin is a float.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from stereosarc.demo.lowpass import NORMAL_LENGTH, TUMOUR_LENGTH

# GRCh38 contig lengths (bp) and centromere midpoints (Mb; UCSC hg38 cytoBand acen, rounded)
CONTIGS = {
    "chr1": (248_956_422, 123.4), "chr2": (242_193_529, 93.9), "chr3": (198_295_559, 90.9),
    "chr4": (190_214_555, 50.0), "chr5": (181_538_259, 48.8), "chr6": (170_805_979, 59.8),
    "chr7": (159_345_973, 60.1), "chr8": (145_138_636, 45.2), "chr9": (138_394_717, 43.0),
    "chr10": (133_797_422, 39.8), "chr11": (135_086_622, 53.4), "chr12": (133_275_309, 35.5),
    "chr13": (114_364_328, 17.7), "chr14": (107_043_718, 17.2), "chr15": (101_991_189, 19.0),
    "chr16": (90_338_345, 36.8), "chr17": (83_257_441, 25.1), "chr18": (80_373_285, 18.5),
    "chr19": (58_617_616, 26.2), "chr20": (64_444_167, 28.1), "chr21": (46_709_983, 12.0),
    "chr22": (50_818_468, 15.0), "chrX": (156_040_895, 60.6), "chrY": (57_227_415, 10.4),
}  # fmt: skip
ACROCENTRIC = {"chr13", "chr14", "chr15", "chr21", "chr22"}  # p arms: no unique sequence
GAP_HALF = 1_500_000  # bp either side of a centromere without assembled unique sequence
FRAGMENTS_PER_MB_PER_X = 6_000  # 1x of 2 x 100 bp reads, 167 bp fragments: ~6,000 per Mb
GC_MEAN, GC_SD, GC_AR = 0.41, 0.035, 0.8  # 1 Mb GC: human mean ~0.41, isochores correlated
LOW_MAP_SHARE = 0.03  # bins below the 0.9 mappability mask (repeats, segmental duplications)
SHARED_BIAS_SD = 0.06  # log sd of the per-bin bias every sample shares (assumption)
OUTLIER_BIAS = (0.01, 0.5)  # share of bins with a strong shared bias, its log sd
GC_SLOPE, GC_CURVE = (-3.0, 3.0), (-40.0, 0.0)  # per-sample a1, a2 ranges (assumption)
WAVE_SD, WAVE_AR = (0.0, 0.02), 0.9  # per-sample wave: log sd range, AR(1) along bins
EXTRA_CV = (0.01, 0.03)  # per-sample extra-Poisson coefficient of variation (assumption)
NOISY_DONOR = (0.05, 0.04)  # noisy PoN donors: extra CV, wave log sd
SHORT_RANGE, LONG_RANGE = (90, 150), (151, 220)  # ctdna-bin's short and long classes (bp)
MAX_CN = 6  # highest tumour copy number drawn (the model's top state)


@dataclass(frozen=True)
class Genome:
    """Bins (chrom, start, end, gc, mappability, arm, gap) and the shared log bias per bin."""

    bins: pd.DataFrame
    shared_log_bias: np.ndarray


def _ar1(rng: np.random.Generator, n: int, sd: float, ar: float) -> np.ndarray:
    """A stationary AR(1) series of marginal sd ``sd``."""
    noise = rng.normal(0.0, sd * np.sqrt(1 - ar**2), n)
    series = np.empty(n)
    series[0] = rng.normal(0.0, sd) if n else 0.0
    for i in range(1, n):
        series[i] = ar * series[i - 1] + noise[i]
    return series


def genome_layout(bin_size: int = 1_000_000, seed: int = 1) -> Genome:
    """The fixed genome of the module docstring in ``bin_size`` bins."""
    rng = np.random.default_rng(seed)
    frames = []
    for chrom, (length, centromere_mb) in CONTIGS.items():
        starts = np.arange(0, length, bin_size)
        ends = np.minimum(starts + bin_size, length)
        centre = centromere_mb * 1e6
        gap = (ends > centre - GAP_HALF) & (starts < centre + GAP_HALF)
        if chrom in ACROCENTRIC:
            gap |= starts < centre
        arm = np.where(starts < centre, "p", "q")
        frames.append(
            pd.DataFrame({"chrom": chrom, "start": starts, "end": ends, "arm": arm, "gap": gap})
        )
    bins = pd.concat(frames, ignore_index=True)
    n = len(bins)
    gc = np.clip(GC_MEAN + _ar1(rng, n, GC_SD, GC_AR), 0.3, 0.65)
    mappability = np.clip(1 - rng.exponential(0.02, n), 0.9, 1.0)
    low = rng.random(n) < LOW_MAP_SHARE
    mappability[low] = rng.uniform(0.3, 0.9, low.sum())
    bias = rng.normal(0.0, SHARED_BIAS_SD, n)
    strong = rng.random(n) < OUTLIER_BIAS[0]
    bias[strong] = rng.normal(0.0, OUTLIER_BIAS[1], strong.sum())
    gap = bins["gap"].to_numpy()
    bins = bins.assign(gc=np.where(gap, np.nan, np.round(gc, 4)),
                       mappability=np.round(mappability, 4))  # fmt: skip
    return Genome(bins, bias)


def length_shares() -> tuple[float, float, float, float]:
    """(normal short, normal long | not short, tumour short, tumour long | not short)."""

    def shares(mean_sd):
        law = norm(*mean_sd)
        short = law.cdf(SHORT_RANGE[1] + 0.5) - law.cdf(SHORT_RANGE[0] - 0.5)
        long = law.cdf(LONG_RANGE[1] + 0.5) - law.cdf(LONG_RANGE[0] - 0.5)
        return short, long / (1 - short)

    return (*shares(NORMAL_LENGTH), *shares(TUMOUR_LENGTH))


def normal_copies(chrom: pd.Series, sex: str) -> np.ndarray:
    """Germline copies per bin: 2 on autosomes, chrX 2/1 and chrY 0/1 (female/male)."""
    bare = chrom.str.removeprefix("chr")
    x, y = (2, 0) if sex == "female" else (1, 1)
    return np.where(bare == "X", x, np.where(bare == "Y", y, 2)).astype(float)


def simulate_sample(genome: Genome, rng: np.random.Generator, depth: float,
                    tumour_fraction: float = 0.0, tumour_cn: np.ndarray | None = None,
                    sex: str = "female", noisy: bool = False) -> pd.DataFrame:  # fmt: skip
    """One sample's binned counts (module docstring); ``tumour_cn`` per bin (NaN or None:
    the normal copies)."""
    bins = genome.bins
    normal = normal_copies(bins["chrom"], sex)
    tumour = normal if tumour_cn is None else np.where(np.isnan(tumour_cn), normal, tumour_cn)
    mixture = (1 - tumour_fraction) * normal + tumour_fraction * tumour
    gc = bins["gc"].fillna(GC_MEAN).to_numpy()
    a1, a2 = rng.uniform(*GC_SLOPE), rng.uniform(*GC_CURVE)
    extra_cv = NOISY_DONOR[0] if noisy else rng.uniform(*EXTRA_CV)
    wave_sd = NOISY_DONOR[1] if noisy else rng.uniform(*WAVE_SD)
    log_rate = (a1 * (gc - 0.42) + a2 * (gc - 0.42) ** 2 + genome.shared_log_bias
                + _ar1(rng, len(bins), wave_sd, WAVE_AR))  # fmt: skip
    length_mb = (bins["end"] - bins["start"]).to_numpy() / 1e6
    expected = (FRAGMENTS_PER_MB_PER_X * depth * length_mb * mixture / 2
                * bins["mappability"].to_numpy() * np.exp(log_rate))  # fmt: skip
    expected = np.where(bins["gap"].to_numpy(), 0.0, expected)
    shape = 1 / extra_cv**2
    fragments = rng.negative_binomial(shape, shape / (shape + np.maximum(expected, 1e-12)))
    fragments = np.where(expected > 0, fragments, 0)
    tumour_share = np.divide(tumour_fraction * tumour, mixture, out=np.zeros(len(bins)),
                             where=mixture > 0)  # fmt: skip
    normal_short, normal_long, tumour_short, tumour_long = length_shares()
    short = rng.binomial(
        fragments, (1 - tumour_share) * normal_short + tumour_share * tumour_short
    )
    long = rng.binomial(
        fragments - short, (1 - tumour_share) * normal_long + tumour_share * tumour_long
    )
    return bins[["chrom", "start", "end"]].assign(
        fragments=fragments, short=short, long=long, gc=bins["gc"], mappability=bins["mappability"]
    )


def _arm_keys(genome: Genome) -> list[tuple[str, str]]:
    bins = genome.bins
    autosome = ~bins["chrom"].isin(["chrX", "chrY"]) & ~bins["gap"]
    return sorted(set(zip(bins.loc[autosome, "chrom"], bins.loc[autosome, "arm"])))


def random_tumour(genome: Genome, rng: np.random.Generator, ploidy: int = 2,
                  subclonal_share: float = 0.0) -> np.ndarray:  # fmt: skip
    """Tumour copy number per bin (autosomes; NaN elsewhere) of a random profile (module
    docstring): ``ploidy`` 2 or 4 (whole-genome doubled), a subclonal arm event present in
    ``subclonal_share`` of the tumour cells when > 0."""
    bins = genome.bins
    base = 2.0 if ploidy == 2 else 4.0
    autosome = ~bins["chrom"].isin(["chrX", "chrY"]).to_numpy()
    copies = np.where(autosome, base, np.nan)
    arms = _arm_keys(genome)
    chosen = rng.choice(len(arms), size=12, replace=False)
    levels = [1.0, 3.0, 3.0, 4.0] if ploidy == 2 else [2.0, 3.0, 3.0, 5.0, 6.0]
    for index in chosen[:10]:
        chrom, arm = arms[index]
        where = ((bins["chrom"] == chrom) & (bins["arm"] == arm)).to_numpy()
        copies[where] = rng.choice(levels)
    for _ in range(3):  # focal events of 3-8 bins
        start = rng.integers(0, len(bins) - 10)
        where = np.arange(len(bins))
        where = (where >= start) & (where < start + rng.integers(3, 9)) & autosome
        copies[where] = rng.choice([1.0, MAX_CN - 1.0, MAX_CN])
    if subclonal_share > 0:
        chrom, arm = arms[chosen[10]]
        where = ((bins["chrom"] == chrom) & (bins["arm"] == arm)).to_numpy()
        copies[where] = base + subclonal_share
    return copies
