"""Tumour-informed ctDNA model at SNV/indel sites: background error, detection, tumour fraction.

Quantities (one plasma sample, its own patient's sites, counts in deduplicated fragments from
``ctdna-count``; a = alt_fragments, d = depth_fragments = ref + alt + other):

- error rate e_s of site s (per fragment, probability that a fragment without the mutation
  reads as the site's ALT): posterior mean of a Beta prior updated by the pooled PoN counts,
  ``e_s = (A_s + a0) / (D_s + a0 + b0)`` with A_s, D_s the alt and depth fragments summed
  over PoN samples (``ctdna.snv_background``), or the sample's own mismatch rate of the same
  substitution class at the other target positions (the same module).
- detection: under H0 (no ctDNA) the pooled alt count X = sum_s a_s follows the
  overdispersed predictive law of ctdna.overdispersion (PoN background: per-site
  beta-binomial spread between donors, a sample-level factor shared by the sites,
  estimation uncertainty of the means; docs/ctdna_null_model.md); without its columns
  (sample background) the sites are independent Beta-Binomial(d_s, beta_a, beta_b)
  (Binomial(d_s, e_s) without Beta parameters). p-value = P(X >= x_obs | H0), computed by
  exact convolution (the null that ctDNAtools samples by Monte Carlo). ``detected`` =
  p < alpha and at least ``min_alt_fragments`` (2) alt fragments in total.
- tumour fraction (TF, fraction of cfDNA fragments from the tumour) and its profile
  interval: ``ctdna.tumour_fraction`` (mutant fraction mu_s = TF m_s / (TF C_s + 2 (1 - TF))
  with the site's tissue copy state, heterozygous diploid mu_s = TF / 2 by default; the
  likelihood averaged over the background's Beta law). ``alt_probability`` below is the
  heterozygous diploid form that the fixed-site LoD check uses.
- mean VAF: unweighted mean over used sites of a_s / d_s.
- hGE/mL = cfDNA ng/mL x 1000 / 3.3 (3.3 pg per haploid genome); mutant molecules per mL =
  hGE/mL x mean VAF (Signatera MTM/mL convention).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ctdna import lod as lod_model
from ctdna import overdispersion
from ctdna import tumour_fraction as tf_estimation

SITE_KEY = ["chrom", "pos", "ref", "alt"]
ALPHA = 0.01  # detection level, issue 4 / docs/parameters.md --ctdna_alpha default
CI_LEVEL = 0.95  # two-sided profile-likelihood interval level (issue 4)
# detection needs >= 2 mutant fragments in total: one fragment cannot be told from one
# PCR/sequencing artefact (MRD practice; choice)
MIN_ALT_FRAGMENTS = 2
# TF a fixed site must be able to see for its negative to count (issue 4 accuracy range lower
# bound)
EVAL_TF = 0.01
HAPLOID_GENOME_PG = 3.3  # mass of one haploid human genome, pg (issue 4; Signatera hGE convention)
# clip of the tissue-VAF multiplicity: 2 = LOH/duplicated site (choice)
MULTIPLICITY_RANGE = (0.25, 2.0)


@dataclass
class SnvCall:
    """Result of ``call_sample`` for one plasma sample (fields documented in the module)."""

    n_sites: int
    alt_fragments: int | None
    total_fragments: int | None
    mean_vaf: float | None
    tumour_fraction: float | None
    tf_ci_low: float | None
    tf_ci_high: float | None
    p_value: float | None
    detected: bool | None
    evaluable: bool
    reason: str | None
    per_site: pd.DataFrame = field(default_factory=pd.DataFrame)
    lod95_tf: float | None = None
    tf_model: str | None = None

    def to_dict(self) -> dict:
        """The scalar fields (everything except per_site), for one row of ctdna.tsv."""
        return {k: v for k, v in self.__dict__.items() if k != "per_site"}


def call_sample(
    site_counts: pd.DataFrame,
    background: pd.DataFrame,
    *,
    alpha: float = ALPHA,
    ci_level: float = CI_LEVEL,
    max_lod: float = lod_model.MAX_LOD_TF,
    min_alt_fragments: int = MIN_ALT_FRAGMENTS,
    multiplicity: str = "auto",
    multiplicity_range: tuple[float, float] = MULTIPLICITY_RANGE,
) -> SnvCall:
    """Detection test, tumour fraction, limit of detection and mean VAF of one plasma sample.

    ``site_counts``: the sample's rows restricted to its own patient's sites (duplicates of a
    site listed by several tumour VCFs are counted once); optional columns
    ``tissue_copy_number`` (C_s) and ``tissue_purity`` (p) carry the tissue copy state.
    ``background``: output of ``background_from_pon`` or ``background_from_sample``. Sites
    used: not black-listed, depth_fragments > 0, with an error rate. ``multiplicity``:
    'auto' (C_s and m_s from the tissue where given, ``ctdna.tumour_fraction``; else
    heterozygous diploid), 'het' (C_s = 2, m_s = 1 everywhere) or 'tissue_vaf' (C_s = 2,
    m_s = tissue_vaf_s / median tissue_vaf of the used sites, clipped to
    ``multiplicity_range``; the median site is taken as heterozygous clonal).

    n_sites, alt_fragments, total_fragments (sum of depth_fragments) count used sites only.
    ``detected``: p < alpha and at least ``min_alt_fragments`` alt fragments in total.
    ``lod95_tf``: the TF detected with 95 % probability at this level (``ctdna.lod``).
    ``evaluable``: detected, or lod95_tf <= ``max_lod`` (a negative could have seen the
    tumour); otherwise ``detected`` is None and ``reason`` says why. ``tf_model`` names the
    copy-state model of the used sites. ``per_site``: one row per site with vaf,
    error_rate, blacklisted, blacklist_reason, copies, multiplicity, multiplicity_source,
    used, not_used_reason.
    """
    per_site = site_table(site_counts, background, multiplicity, multiplicity_range)
    used = per_site[per_site["used"]]
    if used.empty:
        empty = "no usable site" if len(per_site) else "no site in the targets"
        return SnvCall(0, None, None, None, None, None, None, None, None, False, empty, per_site)
    alt = used["alt_fragments"].to_numpy(dtype=np.int64)
    depth = used["depth_fragments"].to_numpy(dtype=np.int64)
    error = np.clip(used["error_rate"].to_numpy(dtype=float), ERROR_FLOOR, 1 - ERROR_FLOOR)
    mult, copies = (used[c].to_numpy(dtype=float) for c in ("multiplicity", "copies"))
    p_value, k_min = pooled_test(alt, depth, error, alpha, **null_parameters(used))
    tf, low, high = tf_estimation.estimate(
        alt, depth, error, mult, copies, ci_level, predictive_beta(used)
    )
    if k_min is not None:
        k_min = max(k_min, min_alt_fragments)
    lod = lod_model.snv_lod(depth, error, mult, copies, k_min)
    detected = p_value < alpha and alt.sum() >= min_alt_fragments
    evaluable = bool(detected or lod <= max_lod)
    reason = (
        None
        if evaluable
        else (
            f"LoD95 {lod:.3g} TF > {max_lod:g} at p<{alpha:g}"
            if np.isfinite(lod)
            else f"TF = 1 not detectable with 95 % power at p<{alpha:g}"
        )
    )
    return SnvCall(
        n_sites=len(used),
        alt_fragments=int(alt.sum()),
        total_fragments=int(depth.sum()),
        mean_vaf=float(np.mean(alt / depth)),
        tumour_fraction=tf,
        tf_ci_low=low,
        tf_ci_high=high,
        p_value=p_value,
        detected=bool(detected) if evaluable else None,
        evaluable=evaluable,
        reason=reason,
        per_site=per_site,
        lod95_tf=lod,
        tf_model=tf_estimation.tf_model(used["multiplicity_source"]),
    )


ERROR_FLOOR = 1e-12  # keeps log-likelihoods finite when a rate is exactly 0 or 1 (numerical)


def site_table(
    site_counts: pd.DataFrame,
    background: pd.DataFrame,
    multiplicity: str,
    multiplicity_range: tuple[float, float],
) -> pd.DataFrame:
    """Sites joined to their background, with vaf, multiplicity, used and not_used_reason."""
    keep = [c for c in background.columns if c not in ("variant_type",)]
    sites = site_counts.drop_duplicates(subset=SITE_KEY).merge(
        background[keep], on=SITE_KEY, how="left"
    )
    sites["blacklisted"] = sites["blacklisted"].astype("boolean").fillna(False).astype(bool)
    depth = pd.to_numeric(sites["depth_fragments"], errors="coerce")
    sites["vaf"] = (sites["alt_fragments"] / depth).where(depth > 0)
    reasons = np.where(
        sites["blacklisted"],
        "blacklisted",
        np.where(
            ~(depth > 0),
            "no fragments",
            np.where(sites["error_rate"].isna(), "no background error rate", ""),
        ),
    )
    sites["not_used_reason"] = [r or None for r in reasons]
    sites["used"] = sites["not_used_reason"].isna()
    _add_copy_state(sites, multiplicity, multiplicity_range)
    return sites.reset_index(drop=True)


def _tissue_column(sites: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric tissue column of the site rows (NA when absent)."""
    if column not in sites.columns:
        return np.full(len(sites), np.nan)
    return pd.to_numeric(sites[column], errors="coerce").to_numpy(dtype=float)


def _add_copy_state(sites: pd.DataFrame, mode: str, bounds: tuple[float, float]) -> None:
    """Add copies (C_s), multiplicity (m_s) and multiplicity_source in place, by ``mode``."""
    if mode not in ("auto", "het", "tissue_vaf"):
        raise ValueError(f"multiplicity must be 'auto', 'het' or 'tissue_vaf', not {mode!r}")
    vaf = _tissue_column(sites, "tissue_vaf")
    if mode == "auto":
        copies = _tissue_column(sites, "tissue_copy_number")
        mult, source = tf_estimation.site_multiplicity(
            vaf, _tissue_column(sites, "tissue_purity"), copies
        )
        sites["copies"], sites["multiplicity"] = tf_estimation.site_copies(copies), mult
        sites["multiplicity_source"] = source
        return
    sites["copies"] = tf_estimation.DIPLOID
    sites["multiplicity_source"] = "default" if mode == "het" else tf_estimation.RELATIVE
    median = pd.Series(vaf)[sites["used"].to_numpy()].median()
    if mode == "het" or not median > 0:
        sites["multiplicity"] = 1.0
        return
    sites["multiplicity"] = pd.Series(vaf / median, index=sites.index).clip(*bounds).fillna(1.0)


def alt_probability(tf: float, error: np.ndarray, mult: np.ndarray) -> np.ndarray:
    """p_s = mu_s (1 - e_s) + (1 - mu_s) e_s with mu_s = min(1, TF m_s / 2)."""
    mu = np.minimum(1.0, tf * mult / 2.0)
    return mu * (1.0 - error) + (1.0 - mu) * error


def beta_parameters(used: pd.DataFrame) -> np.ndarray | None:
    """(n_sites, 2) posterior Beta parameters of the error rates, or None when any is missing."""
    if not {"beta_a", "beta_b"} <= set(used.columns):
        return None
    beta = used[["beta_a", "beta_b"]].to_numpy(dtype=float)
    return beta if np.all(np.isfinite(beta)) and np.all(beta > 0) else None


def predictive_beta(used: pd.DataFrame) -> np.ndarray | None:
    """(n_sites, 2) Beta law of a new sample's error rate at each used site, for the
    tumour-fraction likelihood: mean e_s and relative variance
    r_s = (1 + c_s^2)(1 + 1 / beta_a_s) - 1 (between-donor spread c_s^2 = site_dispersion,
    which includes the sample factor, and the uncertainty of the mean), so that
    beta_a + beta_b = (1 - e_s) / (e_s r_s) - 1; the posterior of the pooled rate
    (``beta_parameters``) when the dispersion columns are absent or r_s is too large for a
    Beta law with that mean."""
    beta = beta_parameters(used)
    if beta is None or "site_dispersion" not in used.columns:
        return beta
    spread = pd.to_numeric(used["site_dispersion"], errors="coerce").to_numpy(dtype=float)
    mean = used["error_rate"].to_numpy(dtype=float)
    relative = (1 + spread) * (1 + 1 / beta[:, 0]) - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = (1 - mean) / (mean * relative) - 1
    if not np.all(np.isfinite(weight) & (weight > 0)):
        return beta
    return np.column_stack([mean * weight, (1 - mean) * weight])


def null_parameters(used: pd.DataFrame) -> dict:
    """Keyword arguments of ``pooled_test`` for the used sites: the overdispersed null
    (``dispersion`` = within_dispersion, ``sample_dispersion``) when every site has them,
    else ``beta`` (``beta_parameters``)."""
    if "within_dispersion" in used.columns:
        within = used["within_dispersion"].to_numpy(dtype=float)
        omega = pd.to_numeric(used["sample_dispersion"], errors="coerce").to_numpy(dtype=float)
        if len(within) and np.all(np.isfinite(within)) and np.all(np.isfinite(omega)):
            return {"dispersion": within, "sample_dispersion": float(omega.max())}
    return {"beta": beta_parameters(used)}


def pooled_test(
    alt: np.ndarray,
    depth: np.ndarray,
    error: np.ndarray,
    alpha: float = ALPHA,
    beta: np.ndarray | None = None,
    *,
    dispersion: np.ndarray | None = None,
    sample_dispersion: float = 0.0,
) -> tuple[float, int | None]:
    """(p-value, k_min): P(sum a_s >= observed) under H0 (no ctDNA).

    With ``dispersion`` (per-site predictive relative variance given the sample factor) the
    null is ctdna.overdispersion's: sites Beta-Binomial(d_s) with mean e_s w, integrated over
    the shared factor W (relative variance ``sample_dispersion``) by quadrature. Else the
    sites are independent: Beta-Binomial(d_s, beta_a_s, beta_b_s) with ``beta``, otherwise
    Binomial(d_s, e_s) (``overdispersion.independent_test``). k_min: smallest k with
    P(X >= k) < alpha.
    """
    if dispersion is not None:
        return overdispersion.overdispersed_test(
            np.asarray(alt),
            np.asarray(depth),
            np.asarray(error, float),
            alpha,
            np.asarray(dispersion, float),
            sample_dispersion,
        )
    return overdispersion.independent_test(alt, depth, error, alpha, beta)


def hge_per_ml(
    cfdna_ng_per_ml: float | None, haploid_genome_pg: float = HAPLOID_GENOME_PG
) -> float | None:
    """Haploid genome equivalents per mL plasma = cfDNA ng/mL x 1000 / 3.3 pg (NA if NA)."""
    if cfdna_ng_per_ml is None or pd.isna(cfdna_ng_per_ml):
        return None
    return float(cfdna_ng_per_ml) * 1000.0 / haploid_genome_pg


def mutant_molecules_per_ml(hge: float | None, mean_vaf: float | None) -> float | None:
    """Mutant molecules per mL plasma = hGE/mL x mean VAF (Signatera MTM/mL); NA if NA."""
    if hge is None or mean_vaf is None or pd.isna(hge) or pd.isna(mean_vaf):
        return None
    return float(hge) * float(mean_vaf)
