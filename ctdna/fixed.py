"""Tumour-naive evaluation of a fixed site list (e.g. TP53 hot spots) in one plasma sample.

Sites: the sample's rows of ``ctdna-count --sites`` (tumour_sample = fixed_sites), minus
those that are also tumour-informed sites of its patient (evaluated once, there). Background
as for tumour-informed sites (ctdna.snv: PoN posterior error rate and black list, else the
sample's own class rate); used = not black-listed, depth_fragments > 0, with an error rate.

Which fixed site the tumour carries, if any, is unknown, so the sites are tested one by one
and not pooled (a pooled count over n hot spots adds the noise of the n - 1 sites the tumour
does not carry):

- per-site p-value ``p_s = P(X_s >= a_s | H0)``, X_s the overdispersed predictive null of
  the PoN background (ctdna.overdispersion; docs/ctdna_null_model.md), or the
  Beta-Binomial(d_s, beta_a, beta_b) of the sample background (Binomial(d_s, e_s) without
  Beta parameters): the one-site case of ``ctdna.snv.pooled_test``;
- a site is called when ``p_s < alpha / n`` (Bonferroni over the n used fixed sites of the
  sample: family-wise false-positive rate <= alpha per sample) and ``a_s >= 2``;
- sample: ``detected`` = any site called; ``p_value = min(1, n min_s p_s)`` (the
  Bonferroni-adjusted smallest p-value); ``max_vaf`` = largest a_s / d_s over the called
  sites (maximum mutant allele fraction, the level tumour-naive panels report; NA when no
  site is called);
- ``evaluable``: detected, or every fixed site that is not black-listed is informative,
  i.e. its expected alt fragments at TF = 1 % of a heterozygous clonal mutation,
  ``d_s p_s(0.01)`` with ``p_s = 0.005 (1 - e_s) + 0.995 e_s``, reach k_s, the smallest
  count >= 2 with ``P(X_s >= k) < alpha / n``. A negative then means "no mutation at TF >= 1 %
  at any listed site"; a site without fragments or error rate is not informative.
- no tumour fraction: with the tumour's sites unknown, the n - 1 sites it does not carry would
  pull a pooled TF towards 0, and a TF from the called sites alone is selected on its own
  noise; ``max_vaf`` is reported instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ctdna import snv

SITE_SET = "fixed"  # ctdna_sites.site_set of fixed-list rows


@dataclass
class FixedCall:
    """Result of ``call_fixed`` for one plasma sample (fields defined in the module)."""

    n_sites: int
    n_called: int
    p_value: float | None
    detected: bool | None
    max_vaf: float | None
    evaluable: bool
    reason: str | None
    per_site: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_dict(self) -> dict:
        """The scalar fields with the fixed_ prefix of ctdna.tsv (per_site left out)."""
        return {f"fixed_{k}": v for k, v in self.__dict__.items() if k != "per_site"}


def no_fixed_call(reason: str | None) -> FixedCall:
    """A fixed-site result with nothing assessed (no fixed site, or no background)."""
    return FixedCall(0, 0, None, None, None, False, reason)


def _site_test(site: pd.DataFrame, level: float) -> tuple[float, int | None]:
    """(p_s, k_s) of one used site (a one-row frame) at level ``level``: snv.pooled_test on
    one site with the background's null (snv.null_parameters)."""
    error = np.clip(site["error_rate"].to_numpy(dtype=float), snv.ERROR_FLOOR, 1 - snv.ERROR_FLOOR)
    return snv.pooled_test(
        site["alt_fragments"].to_numpy(dtype=np.int64),
        site["depth_fragments"].to_numpy(dtype=np.int64),
        error,
        level,
        **snv.null_parameters(site),
    )


def _tested(
    per_site: pd.DataFrame, alpha: float, eval_tf: float, min_alt: int
) -> tuple[pd.DataFrame, float]:
    """per_site with site_p_value, site_called, expected_at_eval_tf, site_k_min (used sites;
    NA elsewhere) and the per-site level alpha / n."""
    used = per_site["used"].to_numpy(dtype=bool)
    level = alpha / max(int(used.sum()), 1)
    p_values, k_mins = np.full(len(per_site), math.nan), np.full(len(per_site), math.nan)
    for i in range(len(per_site)):
        if used[i]:
            p_values[i], k_min = _site_test(per_site.iloc[[i]], level)
            k_mins[i] = max(k_min, min_alt) if k_min is not None else math.nan
    error = per_site["error_rate"].to_numpy(dtype=float)
    depth = pd.to_numeric(per_site["depth_fragments"]).to_numpy(dtype=float)
    expected = depth * snv.alt_probability(eval_tf, error, np.ones(len(per_site)))
    alt = pd.to_numeric(per_site["alt_fragments"]).to_numpy(dtype=float)
    called = pd.array(
        [bool(p < level and a >= min_alt) if u else pd.NA for p, a, u in zip(p_values, alt, used)],
        dtype="boolean",
    )
    return per_site.assign(
        site_p_value=p_values,
        site_called=called,
        expected_at_eval_tf=np.where(used, expected, math.nan),
        site_k_min=k_mins,
    ), level


def _not_evaluable_reason(candidates: pd.DataFrame, eval_tf: float, level: float) -> str | None:
    """Why a negative is not conclusive: the non-black-listed sites that cannot detect eval_tf."""
    weak = candidates[~(candidates["expected_at_eval_tf"] >= candidates["site_k_min"])]
    if weak.empty:
        return None
    first = weak.iloc[0]
    site = f"{first['chrom']}:{int(first['pos'])} {first['ref']}>{first['alt']}"
    why = (
        f"{first['not_used_reason']}"
        if not first["used"]
        else f"expected {first['expected_at_eval_tf']:.2f} alt fragments < "
        f"{first['site_k_min']:g} needed for p<{level:.3g}"
    )
    return (
        f"{len(weak)} of {len(candidates)} fixed sites cannot detect TF={eval_tf:g} "
        f"(e.g. {site}: {why})"
    )


def call_fixed(
    site_counts: pd.DataFrame,
    background: pd.DataFrame,
    *,
    alpha: float = snv.ALPHA,
    eval_tf: float = snv.EVAL_TF,
    min_alt_fragments: int = snv.MIN_ALT_FRAGMENTS,
) -> FixedCall:
    """Per-site tumour-naive test of one plasma sample's fixed sites (module docstring).

    ``site_counts``: the sample's fixed-site rows (already without the sites that are
    tumour-informed sites of its patient); ``background``: ``snv_background.background_from_pon``
    or ``snv_background.background_from_sample`` output. ``per_site`` adds site_set, site_p_value
    and site_called to the columns of ``snv.site_table``.
    """
    if site_counts.empty:
        return no_fixed_call(None)
    per_site = snv.site_table(site_counts, background, "het", snv.MULTIPLICITY_RANGE)
    tested, level = _tested(per_site.assign(site_set=SITE_SET), alpha, eval_tf, min_alt_fragments)
    per_site = tested.drop(columns=["expected_at_eval_tf", "site_k_min"])
    used = tested[tested["used"]]
    if used.empty:
        return FixedCall(0, 0, None, None, None, False, "no usable fixed site", per_site)
    called = used[used["site_called"].astype(bool)]
    p_value = float(min(1.0, len(used) * used["site_p_value"].min()))
    reason = (
        None
        if len(called)
        else _not_evaluable_reason(tested[~tested["blacklisted"]], eval_tf, level)
    )
    evaluable = reason is None
    return FixedCall(
        n_sites=len(used),
        n_called=len(called),
        p_value=p_value,
        detected=(len(called) > 0) if evaluable else None,
        max_vaf=float(called["vaf"].max()) if len(called) else None,
        evaluable=evaluable,
        reason=reason,
        per_site=per_site,
    )
