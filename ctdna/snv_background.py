"""Background error of tumour-informed SNV/indel sites, the null of ``ctdna.snv``.

error rate e_s of site s (per fragment, probability that a fragment without the mutation reads
as the site's ALT): posterior mean of a Beta prior updated by the pooled PoN counts,
``e_s = (A_s + a0) / (D_s + a0 + b0)`` with A_s, D_s the alt and depth fragments summed over
PoN samples (``background_from_pon``, which also black-lists germline/CHIP/recurrent sites and
fits the overdispersion of ctdna.overdispersion), or the sample's own mismatch rate of the same
substitution class at the other target positions (``background_from_sample``, no PoN).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctdna import overdispersion
from ctdna.snv import SITE_KEY

# a PoN VAF >= 5 % at a tumour site is germline/CHIP, not noise (ctDNAtools black list idea;
# CHIP VAF range, Razavi 2019)
MAX_PON_VAF = 0.05
# a donor VAF >= 1 % is ~100x the deduplicated error (1e-4): artefact hot spot/CHIP (ctDNAtools
# black list idea) ...
RECURRENT_VAF = 0.01
# ... carried by >= 2 alt fragments, so one stray fragment at low depth is not a carrier (choice)
RECURRENT_MIN_ALT = 2
# black-listed when >= 2 donors carry it: one donor is not a pattern (ctDNAtools min_samples idea)
MIN_PON_SAMPLES_WITH_ALT = 2
# posterior error >= 1 % makes a 1 % TF site uninformative (choice, docs/ctdna_counting.md)
MAX_PON_ERROR_RATE = 0.01
# Beta prior worth 1,000 fragments, below one PoN sample's typical deduplicated depth so site
# data dominate (choice)
PRIOR_WEIGHT = 1000.0
# floor of the prior mean: Illumina per-base substitution error after dedup is ~1e-4..1e-5
# (Newman 2016, iDES), never 0
MIN_PRIOR_RATE = 1e-6


def background_from_pon(
    pon_counts: pd.DataFrame,
    *,
    max_pon_vaf: float = MAX_PON_VAF,
    recurrent_vaf: float = RECURRENT_VAF,
    recurrent_min_alt: int = RECURRENT_MIN_ALT,
    min_pon_samples_with_alt: int = MIN_PON_SAMPLES_WITH_ALT,
    max_error_rate: float = MAX_PON_ERROR_RATE,
    prior_weight: float = PRIOR_WEIGHT,
    min_prior_rate: float = MIN_PRIOR_RATE,
) -> pd.DataFrame:
    """Per-site, per-ALT background error rate and black list from PoN plasma site counts.

    ``pon_counts``: concatenated site_counts rows of the PoN samples (columns sample, chrom,
    pos, ref, alt, variant_type, alt_fragments, depth_fragments; a site listed by several
    tumour VCFs is counted once per PoN sample).

    Prior: Beta(a0, b0) with mean r_c = (sum alt + 0.5) / (sum depth + 1) pooled over all
    PoN rows of the same variant_type c that are not black-listed by the PoN VAF or
    recurrence rules (Jeffreys-smoothed, floored at ``min_prior_rate``) and weight
    a0 + b0 = ``prior_weight`` fragments. Posterior mean
    ``error_rate = (A_s + a0) / (D_s + a0 + b0)``, A_s and D_s summed over PoN samples.

    Black list (reasons joined by ';'): any PoN sample VAF >= ``max_pon_vaf`` ('pon_vaf');
    at least ``min_pon_samples_with_alt`` PoN samples carrying the ALT, i.e. with VAF >=
    ``recurrent_vaf`` and >= ``recurrent_min_alt`` alt fragments ('recurrent_in_pon');
    error_rate >= ``max_error_rate`` ('high_error'). Stray single fragments at the
    expected error rate are not black-listed: they raise error_rate instead.

    Overdispersion (ctdna.overdispersion.fit_dispersion, docs/ctdna_null_model.md): the
    between-donor spread of each site (method of moments, shrunk towards its class), the
    sample-level factor shared by a donor's sites, and the predictive spread of a new sample.

    Returns one row per (chrom, pos, ref, alt): variant_type, error_rate, prior_rate,
    pon_alt_fragments, pon_depth_fragments, n_pon_samples (samples with depth > 0),
    n_pon_samples_with_alt (alt > 0), n_pon_samples_carrying (the recurrence rule),
    max_pon_vaf, blacklisted (bool), blacklist_reason (str or None), background_source='pon',
    beta_a, beta_b (Beta posterior of the pooled rate), site_dispersion, within_dispersion,
    sample_dispersion, n_pon_donors, dispersion_source (ctdna.overdispersion).
    """
    counts = pon_counts.drop_duplicates(subset=["sample"] + SITE_KEY).copy()
    counts = counts[counts["depth_fragments"].fillna(0) > 0]
    if counts.empty:
        return pd.DataFrame(columns=BACKGROUND_COLUMNS)
    counts["vaf"] = counts["alt_fragments"] / counts["depth_fragments"]
    counts["carrier"] = (counts["vaf"] >= recurrent_vaf) & (
        counts["alt_fragments"] >= recurrent_min_alt
    )
    site = (
        counts.groupby(SITE_KEY, sort=True)
        .agg(
            variant_type=("variant_type", "first"),
            pon_alt_fragments=("alt_fragments", "sum"),
            pon_depth_fragments=("depth_fragments", "sum"),
            n_pon_samples=("sample", "nunique"),
            n_pon_samples_with_alt=("alt_fragments", lambda a: int((a > 0).sum())),
            n_pon_samples_carrying=("carrier", "sum"),
            max_pon_vaf=("vaf", "max"),
        )
        .reset_index()
    )
    reasons = _pon_reasons(site, max_pon_vaf, min_pon_samples_with_alt)
    clean = site[reasons.map(len) == 0]
    site["prior_rate"] = site["variant_type"].map(_pooled_rates(clean, min_prior_rate))
    site["prior_rate"] = site["prior_rate"].fillna(_pooled_rate(clean, min_prior_rate))
    a0 = site["prior_rate"] * prior_weight
    site["error_rate"] = (site["pon_alt_fragments"] + a0) / (
        site["pon_depth_fragments"] + prior_weight
    )
    site["beta_a"] = site["pon_alt_fragments"] + a0
    site["beta_b"] = site["pon_depth_fragments"] - site["pon_alt_fragments"] + prior_weight - a0
    site = overdispersion.fit_dispersion(
        counts, site, reasons.map(len) == 0, SITE_KEY, prior_weight
    )
    for i in site.index[site["error_rate"] >= max_error_rate]:
        reasons[i] = reasons[i] + ["high_error"]
    site["blacklisted"] = reasons.map(len) > 0
    site["blacklist_reason"] = reasons.map(lambda r: ";".join(r) if r else None)
    site["background_source"] = "pon"
    return site[BACKGROUND_COLUMNS]


PON_SUMMARY_COLUMNS = [
    "pon_alt_fragments",
    "pon_depth_fragments",
    "n_pon_samples",
    "n_pon_samples_with_alt",
    "n_pon_samples_carrying",
    "max_pon_vaf",
]  # what the PoN says about a site (NA in a sample background)
BACKGROUND_COLUMNS = (
    SITE_KEY
    + ["variant_type", "error_rate", "beta_a", "beta_b", "prior_rate"]
    + PON_SUMMARY_COLUMNS
    + ["blacklisted", "blacklist_reason", "background_source"]
    + overdispersion.DISPERSION_COLUMNS
)


def _pon_reasons(site: pd.DataFrame, max_pon_vaf: float, min_samples: int) -> pd.Series:
    """Per site, the list of PoN black-list reasons ('pon_vaf', 'recurrent_in_pon')."""
    high_vaf = site["max_pon_vaf"] >= max_pon_vaf
    recurrent = site["n_pon_samples_carrying"] >= min_samples
    return pd.Series(
        [
            (["pon_vaf"] if v else []) + (["recurrent_in_pon"] if r else [])
            for v, r in zip(high_vaf, recurrent)
        ],
        index=site.index,
        dtype=object,
    )


def _pooled_rate(rows: pd.DataFrame, floor: float) -> float:
    """Jeffreys-smoothed pooled rate (sum alt + 0.5) / (sum depth + 1), floored at ``floor``."""
    rate = (rows["pon_alt_fragments"].sum() + 0.5) / (rows["pon_depth_fragments"].sum() + 1.0)
    return max(float(rate), floor)


def _pooled_rates(rows: pd.DataFrame, floor: float) -> dict:
    """``_pooled_rate`` per variant_type."""
    return {vt: _pooled_rate(group, floor) for vt, group in rows.groupby("variant_type")}


def substitution_class(ref: str, alt: str, variant_type: str) -> str | None:
    """'C>T'-style class on the pyrimidine strand for an SNV; 'insertion'/'deletion' for indels."""
    if variant_type in ("insertion", "deletion"):
        return variant_type
    if len(ref) != 1 or len(alt) != 1 or ref not in "ACGT" or alt not in "ACGT":
        return None
    if ref in "GA":
        ref, alt = COMPLEMENT[ref], COMPLEMENT[alt]
    return f"{ref}>{alt}"


COMPLEMENT = {"A": "T", "C": "G", "G": "C", "T": "A"}


def background_from_sample(
    site_counts: pd.DataFrame,
    sample_background: pd.DataFrame,
    *,
    min_prior_rate: float = MIN_PRIOR_RATE,
) -> pd.DataFrame:
    """Fallback background (no PoN): the sample's own error at its other target positions.

    ``sample_background``: the sample's ``*.background.tsv`` from ctdna-count (schema
    ctdna_background: sample, error_class, error_count, opportunity_count), where error_class
    is a substitution class on the pyrimidine strand ('C>A', 'C>G', 'C>T', 'T>A', 'T>C',
    'T>G') or 'insertion'/'deletion', error_count the mismatching bases (indel events) and
    opportunity_count the bases of that reference class (all aligned bases for indels) at
    target positions that are not sites and not variant in the sample.
    The error rate of a site is the Jeffreys-smoothed rate of its class,
    (error_count + 0.5) / (opportunity_count + 1), floored at ``min_prior_rate``; the class
    rate is already per specific ALT base. Nothing is black-listed (no PoN to learn from).
    A site whose class is absent from ``sample_background`` gets NA (not used, reason given).

    Returns the same columns as ``background_from_pon`` (PoN columns NA,
    background_source='sample').
    """
    sites = site_counts.drop_duplicates(subset=SITE_KEY)[SITE_KEY + ["variant_type"]].copy()
    totals = sample_background.groupby("error_class")[["error_count", "opportunity_count"]].sum()
    rates = ((totals["error_count"] + 0.5) / (totals["opportunity_count"] + 1.0)).clip(
        lower=min_prior_rate
    )
    classes = [
        substitution_class(r, a, t)
        for r, a, t in zip(sites["ref"], sites["alt"], sites["variant_type"])
    ]
    sites["error_rate"] = [rates.get(c, np.nan) if c else np.nan for c in classes]
    sites["prior_rate"] = sites["error_rate"]
    by_class = {
        c: (
            totals.loc[c, "error_count"] + 0.5,
            totals.loc[c, "opportunity_count"] - totals.loc[c, "error_count"] + 0.5,
        )
        for c in totals.index
    }
    sites["beta_a"] = [by_class[c][0] if c in by_class else np.nan for c in classes]
    sites["beta_b"] = [by_class[c][1] if c in by_class else np.nan for c in classes]
    for column in PON_SUMMARY_COLUMNS:
        sites[column] = np.nan
    sites["blacklisted"] = False
    sites["blacklist_reason"] = None
    sites["background_source"] = "sample"
    sites = sites.assign(**{column: np.nan for column in overdispersion.DISPERSION_COLUMNS})
    return sites.reset_index(drop=True)[BACKGROUND_COLUMNS]
