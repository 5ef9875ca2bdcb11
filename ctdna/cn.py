"""Copy number in plasma: normalised target depth, log2 ratio against the panel of normals
(PoN), gene-level z-score and amplification call, and tumour fraction from copy number.

Quantities (all per sample; ``depth`` is the deduplicated mean fragment depth of a target,
column ``mean_fragment_depth`` of ``*.target_depth.tsv``, in fragments per base):

- first-pass normalised depth of target t: ``d_t / median(d_r over reference targets r)``
  (unitless). Reference targets are those whose gene is neither a copy-number gene
  (``cn_genes``) nor excluded (``cn_exclude``); they are assumed diploid in the tumour
  (CNVkit's "reference").
- scaling to a reference P (CNVkit ``fix`` re-centring): the sample's normalised depths are
  divided by ``median(n_r / P_r over reference targets r with P_r > 0)``, so that its
  reference targets have median ratio 1 to P. The first pass alone divides by the depth of
  the one or two reference targets of median capture efficiency, so its noise is that of a
  single target; the median of ratios averages over all reference targets.
- PoN reference P of target t (two passes): median over PoN samples of the first-pass
  normalised depth; then each PoN sample is scaled to it and P is the median of the scaled
  depths.
- normalised depth ``norm_depth``: the sample scaled to P; target log2 ratio:
  ``log2(norm_t / P_t)``.
- gene log2 ratio: ``log2(sum_t norm_t / sum_t P_t)`` over the gene's targets.
- gene statistic ``z`` (predictive t): with mean and sd (ddof 1) of the n PoN samples' gene
  log2 ratios, each PoN sample computed leave-one-out (its reference P built from the other
  PoN samples only), ``z = (log2R - mean) / (sd sqrt(1 + 1/n))``, which follows Student t
  with n - 1 df for a new sample drawn from the PoN's normal law (predictive distribution:
  the PoN mean and sd are estimates, docs/ctdna_null_model.md); ``p_value = P(T_{n-1} >= z)``
  one-sided. A PoN sample is scored against the other n - 1 PoN samples. (MRDetect-CNA's
  z-score against control plasmas used a normal tail, whose P(z >= 3) is 0.06 at n = 3.)
- amplified: ``log2R >= amp_log2`` and ``p_value <= Phi(-amp_z)`` (the level of z >= 3 when
  the PoN mean and sd are known: 1.35e-3 at the default amp_z = 3).
- tumour fraction from copy number (ichorCNA/CNVkit purity maths, cnvlib/call.py): with
  tumour copy number C and a diploid normal, the plasma ratio is ``R = 1 + f (C - 2) / 2``,
  so ``f = 2 (R - 1) / (C - 2)``, clipped to [0, 1]. Its interval maps
  ``log2R -/+ t_((1+level)/2, n - 1) * sd * sqrt(1 + 1/n)`` through the same formula (the
  predictive spread of the sample's log2R around the PoN mean, n PoN values). Without C
  (or C <= 2) f is NA.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

TARGET_KEY = ["chrom", "start", "end", "gene"]
AMP_LOG2 = 0.2  # CNVkit `call` default gain threshold (cnvlib/call.py: -1.1,-0.25,0.2,0.7)
# z >= 3 against control plasmas (MRDetect-CNA; NIPT z-score convention), applied as the level
# Phi(-3)
AMP_Z = 3.0
MIN_PON = 3  # at least 3 PoN samples so that a leave-one-out spread (n-1 >= 2) exists
CI_LEVEL = 0.95  # two-sided interval level, as the SNV tumour-fraction interval


def target_roles(genes: pd.Series, cn_genes: list[str], cn_exclude: list[str]) -> pd.Series:
    """'cn' for copy-number genes, 'excluded', else 'reference' (used for normalisation)."""
    roles = pd.Series("reference", index=genes.index, dtype=object)
    roles[genes.isin(cn_exclude)] = "excluded"
    roles[genes.isin(cn_genes)] = "cn"
    return roles


def normalise_depth(
    depth: pd.DataFrame, cn_genes: list[str], cn_exclude: list[str]
) -> pd.DataFrame:
    """Add ``role`` and ``norm_depth`` = depth / median depth of the sample's reference targets.

    ``depth`` has columns sample, chrom, start, end, gene, mean_fragment_depth (float).
    A sample with no reference target or a zero reference median gets NA norm_depth.
    """
    out = depth.copy()
    out["role"] = target_roles(out["gene"], cn_genes, cn_exclude)
    reference = out[out["role"] == "reference"]
    medians = reference.groupby("sample")["mean_fragment_depth"].median()
    medians = medians[medians > 0]
    out["norm_depth"] = out["mean_fragment_depth"] / out["sample"].map(medians)
    return out


def _median_by_target(norm: pd.DataFrame) -> pd.Series:
    """Median norm_depth per target over the samples of ``norm`` (index: TARGET_KEY)."""
    return norm.groupby(TARGET_KEY)["norm_depth"].median().rename("pon_norm_depth")


def _with_reference(norm: pd.DataFrame, reference: pd.Series) -> pd.DataFrame:
    """``norm`` with the reference's ``pon_norm_depth`` of each target (NA when absent)."""
    return norm.drop(columns=["pon_norm_depth"], errors="ignore").merge(
        reference.reset_index(), on=TARGET_KEY, how="left"
    )


def scale_to_reference(norm: pd.DataFrame, reference: pd.Series) -> pd.DataFrame:
    """norm_depth divided, per sample, by the median of norm_depth / pon_norm_depth over its
    reference targets with pon_norm_depth > 0 (NA when there is none or the median is 0)."""
    rows = _with_reference(norm[norm["role"] == "reference"], reference)
    rows = rows[rows["pon_norm_depth"] > 0]
    ratio = (rows["norm_depth"] / rows["pon_norm_depth"]).groupby(rows["sample"]).median()
    out = norm.copy()
    out["norm_depth"] = out["norm_depth"] / out["sample"].map(ratio[ratio > 0])
    return out


def pon_reference(norm: pd.DataFrame, pon_samples: list[str]) -> pd.Series:
    """PoN reference per target (index: TARGET_KEY): median over ``pon_samples`` of their
    norm_depth, each PoN sample first scaled to the plain median (two passes)."""
    pon = norm[norm["sample"].isin(pon_samples)]
    return _median_by_target(scale_to_reference(pon, _median_by_target(pon)))


def target_log2(norm: pd.DataFrame, reference: pd.Series) -> pd.DataFrame:
    """Scale each sample to ``reference``; add ``pon_norm_depth`` and
    ``log2_ratio = log2(norm_depth / pon_norm_depth)``."""
    out = _with_reference(scale_to_reference(norm, reference), reference)
    ratio = out["norm_depth"] / out["pon_norm_depth"]
    out["log2_ratio"] = np.log2(ratio.where(ratio > 0))
    return out


def gene_log2(norm: pd.DataFrame, reference: pd.Series, gene: str) -> pd.Series:
    """Per sample: ``log2(sum norm_depth / sum pon_norm_depth)`` over the targets of ``gene``
    (each sample scaled to ``reference`` first)."""
    rows = target_log2(norm, reference)
    rows = rows[rows["gene"] == gene]
    rows = rows.dropna(subset=["norm_depth", "pon_norm_depth"])
    sums = rows.groupby("sample")[["norm_depth", "pon_norm_depth"]].sum()
    ratio = sums["norm_depth"] / sums["pon_norm_depth"]
    return np.log2(ratio.where(ratio > 0)).rename("log2_ratio")


def pon_leave_one_out(norm: pd.DataFrame, pon_samples: list[str], gene: str) -> pd.Series:
    """Gene log2 ratio of each PoN sample against the reference of the other PoN samples."""
    values = {}
    for sample in pon_samples:
        others = [s for s in pon_samples if s != sample]
        reference = pon_reference(norm, others)
        values[sample] = gene_log2(norm[norm["sample"] == sample], reference, gene).get(
            sample, np.nan
        )
    return pd.Series(values, dtype=float, name="log2_ratio")


def _spread(values: pd.Series) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1) of the finite values; NA if < 2."""
    finite = values[np.isfinite(values)]
    if len(finite) < 2:
        return math.nan, math.nan
    return float(finite.mean()), float(finite.std(ddof=1))


def predictive_test(value: float, reference: pd.Series | np.ndarray) -> tuple[float, int, float]:
    """(t, n, p): predictive t statistic of ``value`` against the n finite ``reference``
    values, t = (value - mean) / (sd sqrt(1 + 1/n)), and p = P(T_{n-1} >= t) (NA when n < 2,
    sd = 0 or value is NA)."""
    finite = np.asarray(reference, dtype=float)
    finite = finite[np.isfinite(finite)]
    n = len(finite)
    mean, sd = _spread(pd.Series(finite))
    if not (n >= 2 and sd > 0 and np.isfinite(value)):
        return math.nan, n, math.nan
    t = (value - mean) / (sd * math.sqrt(1.0 + 1.0 / n))
    return float(t), n, float(stats.t.sf(t, n - 1))


def z_scores(log2r: pd.Series, pon_loo: pd.Series) -> pd.DataFrame:
    """Predictive t of each sample's gene log2 ratio against the PoN leave-one-out values.

    A PoN sample is compared with the other PoN samples only. Columns: log2_ratio,
    pon_mean, pon_sd, pon_n (PoN values compared), z (predictive t), p_value (one-sided).
    """
    rows = []
    for sample, value in log2r.items():
        others = pon_loo.drop(index=sample, errors="ignore")
        mean, sd = _spread(others)
        t, n, p = predictive_test(value, others)
        rows.append(
            {
                "sample": sample,
                "log2_ratio": value,
                "pon_mean": mean,
                "pon_sd": sd,
                "pon_n": n,
                "z": t,
                "p_value": p,
            }
        )
    return pd.DataFrame(
        rows, columns=["sample", "log2_ratio", "pon_mean", "pon_sd", "pon_n", "z", "p_value"]
    )


def amplification_level(amp_z: float = AMP_Z) -> float:
    """Level of the predictive test equivalent to z >= amp_z with known PoN mean and sd:
    Phi(-amp_z) (1.35e-3 for 3)."""
    return float(stats.norm.sf(amp_z))


def amplification_call(
    log2r: float,
    p_value: float,
    amp_log2: float = AMP_LOG2,
    p_level: float = amplification_level(),
) -> bool | None:
    """True when log2R >= amp_log2 and the predictive p-value <= p_level; None when either
    is NA."""
    if not (np.isfinite(log2r) and np.isfinite(p_value)):
        return None
    return bool(log2r >= amp_log2 and p_value <= p_level)


def tf_from_ratio(log2r: float, copy_number: float) -> float:
    """f = 2 (R - 1) / (C - 2) with R = 2**log2R, clipped to [0, 1]; NA without C > 2."""
    if not (np.isfinite(log2r) and np.isfinite(copy_number)) or copy_number <= 2:
        return math.nan
    fraction = 2.0 * (2.0**log2r - 1.0) / (copy_number - 2.0)
    return float(min(max(fraction, 0.0), 1.0))


def tf_interval(
    log2r: float, sd: float, copy_number: float, level: float = CI_LEVEL, df: float = math.inf
) -> tuple[float, float]:
    """Interval of f from ``log2R -/+ t_(q, df) * sd`` (q = (1 + level) / 2; Student t with
    the PoN spread's degrees of freedom, normal when df is infinite) mapped through f(R)."""
    if not np.isfinite(sd):
        return math.nan, math.nan
    half = stats.t.ppf((1.0 + level) / 2.0, df) * sd
    return tf_from_ratio(log2r - half, copy_number), tf_from_ratio(log2r + half, copy_number)


def call_gene(
    norm: pd.DataFrame,
    pon_samples: list[str],
    gene: str,
    copy_numbers: pd.Series | None = None,
    amp_log2: float = AMP_LOG2,
    amp_z: float = AMP_Z,
    min_pon: int = MIN_PON,
    level: float = CI_LEVEL,
) -> pd.DataFrame:
    """Gene-level copy-number result per sample (plasma and PoN).

    ``copy_numbers``: tumour copy number C per sample (index sample; NA when unknown).
    Columns: sample, gene, log2_ratio, pon_mean, pon_sd, pon_n, z (predictive t), p_value
    (one-sided, P(T_{pon_n - 1} >= z)), amplified (``amplification_call`` at the level
    Phi(-amp_z)), tf_cn, tf_cn_low, tf_cn_high, copy_number, reason.
    """
    samples = sorted(norm["sample"].unique())
    pon = sorted(s for s in pon_samples if s in set(samples))
    reference = pon_reference(norm, pon)
    log2r = gene_log2(norm, reference, gene).reindex(samples)
    loo = pon_leave_one_out(norm, pon, gene)
    log2r.loc[loo.index] = loo  # PoN samples are reported leave-one-out (NA stays NA)
    result = z_scores(log2r, loo)
    enough = len(loo.dropna()) >= min_pon
    if not enough:
        result[["z", "p_value"]] = math.nan
    result["gene"] = gene
    result["amplified"] = [
        amplification_call(v, p, amp_log2, amplification_level(amp_z))
        for v, p in zip(result["log2_ratio"], result["p_value"])
    ]
    cn = copy_numbers if copy_numbers is not None else pd.Series(dtype=float)
    result["copy_number"] = result["sample"].map(cn).astype(float)
    _add_tumour_fraction(result, level)
    result["reason"] = [
        _cn_reason(row, enough, len(loo.dropna()), min_pon) for row in result.itertuples()
    ]
    return result


def _add_tumour_fraction(result: pd.DataFrame, level: float) -> None:
    """Fill tf_cn, tf_cn_low and tf_cn_high in place from log2_ratio, pon_sd, pon_n and
    copy_number (predictive spread sd sqrt(1 + 1/n), Student t with n - 1 df)."""
    result["tf_cn"] = [
        tf_from_ratio(v, c) for v, c in zip(result["log2_ratio"], result["copy_number"])
    ]
    bounds = [
        tf_interval(v, sd * math.sqrt(1 + 1 / n), c, level, n - 1)
        if n >= 2
        else (math.nan, math.nan)
        for v, sd, c, n in zip(
            result["log2_ratio"], result["pon_sd"], result["copy_number"], result["pon_n"]
        )
    ]
    result["tf_cn_low"] = [b[0] for b in bounds]
    result["tf_cn_high"] = [b[1] for b in bounds]


def _cn_reason(row, enough: bool, n_pon: int, min_pon: int) -> str | None:
    """Why the copy-number call or tumour fraction is NA (None when both exist)."""
    if n_pon == 0:
        return "no PoN sample with target depth: no copy-number reference"
    if not np.isfinite(row.log2_ratio):
        return "no depth over the gene or reference targets"
    if not enough:
        return f"only {n_pon} PoN sample(s) with depth; at least {min_pon} needed for a z-score"
    if not np.isfinite(row.copy_number):
        return "no tumour copy number (tissue_cn or --default-cn): tumour fraction not estimated"
    if row.copy_number <= 2:
        return f"tumour copy number {row.copy_number:g} <= 2: tumour fraction not estimated"
    return None


def target_table(norm: pd.DataFrame, pon_samples: list[str]) -> pd.DataFrame:
    """Per sample x target log2 ratios (ctdna_cn.tsv); PoN samples leave-one-out."""
    pon = [s for s in pon_samples if s in set(norm["sample"])]
    parts = [target_log2(norm[~norm["sample"].isin(pon)], pon_reference(norm, pon))]
    for sample in pon:
        others = [s for s in pon if s != sample]
        parts.append(target_log2(norm[norm["sample"] == sample], pon_reference(norm, others)))
    return pd.concat(parts, ignore_index=True).sort_values(["sample", "chrom", "start", "end"])


AMP_GENE = "MDM2"  # protocol: MDM2 amplification in plasma (liposarcoma)


def sample_copy_numbers(
    plasma: pd.DataFrame, tissue_cn: pd.DataFrame, gene: str, default_cn: float | None = None
) -> pd.Series:
    """Tumour copy number C of ``gene`` per plasma sample: tissue_cn of the patient, else
    ``default_cn`` (NA when neither)."""
    rows = tissue_cn[tissue_cn["gene"] == gene].set_index("patient")["copy_number"]
    fallback = math.nan if default_cn is None else float(default_cn)
    return pd.Series(
        {s: float(rows.get(p, fallback)) for p, s in zip(plasma["patient"], plasma["sample"])},
        dtype=float,
    )
