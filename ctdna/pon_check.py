"""Leave-one-donor-out check of the panel of normals (PoN) under the overdispersed null.

Each PoN donor is a sample without ctDNA: it is tested against the background fitted on the other
donors (``snv_background.background_from_pon`` without it), on its own counts at the sites that
background does not black-list, once per site set, the way plasma samples are tested: the sites of
one tumour VCF (``tumour_sample`` of the site counts; all sites form one set when the column is
absent). Per donor and site set: ``p_value`` of the pooled test (``snv.pooled_test`` with the
background's null, ``snv.null_parameters``) and ``detected`` = p_value < alpha and at least
``snv.MIN_ALT_FRAGMENTS`` alt fragments (the rule of ``snv.call_sample``).

Under a calibrated null the share of detected tests (``summary``: false_positive_rate, with
the upper end of its exact Clopper-Pearson 95 % interval) is at most alpha, up to sampling
error; tests of one donor share its sample-level factor, so they are not independent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ctdna import snv, snv_background

PON_CHECK_COLUMNS = [
    "sample",
    "site_set",
    "n_pon_donors",
    "n_sites",
    "alt_fragments",
    "total_fragments",
    "p_value",
    "detected",
]
ALL_SITES = "all"  # site_set when the counts carry no tumour_sample column


def _set_row(own: pd.DataFrame, background: pd.DataFrame, alpha: float) -> dict:
    """n_sites, alt/total fragments, p_value and detected of one donor's site set."""
    used = own.drop(columns=["variant_type"], errors="ignore").merge(
        background[~background["blacklisted"].astype(bool)], on=snv.SITE_KEY, how="inner"
    )
    used = used[used["depth_fragments"] > 0]
    if used.empty:
        return {
            "n_sites": 0,
            "alt_fragments": 0,
            "total_fragments": 0,
            "p_value": np.nan,
            "detected": None,
        }
    alt = used["alt_fragments"].to_numpy(dtype=np.int64)
    depth = used["depth_fragments"].to_numpy(dtype=np.int64)
    error = np.clip(used["error_rate"].to_numpy(dtype=float), snv.ERROR_FLOOR, 1 - snv.ERROR_FLOOR)
    p_value, _ = snv.pooled_test(alt, depth, error, alpha, **snv.null_parameters(used))
    return {
        "n_sites": len(used),
        "alt_fragments": int(alt.sum()),
        "total_fragments": int(depth.sum()),
        "p_value": p_value,
        "detected": bool(p_value < alpha and alt.sum() >= snv.MIN_ALT_FRAGMENTS),
    }


def leave_one_donor_out(
    pon_counts: pd.DataFrame, alpha: float = snv.ALPHA, **background_options
) -> pd.DataFrame:
    """One row per PoN donor and site set (PON_CHECK_COLUMNS), tested against the others.

    ``pon_counts``: site_counts rows of the PoN samples, as for
    ``snv_background.background_from_pon`` (which receives ``background_options``), with
    ``tumour_sample`` naming the site set; ``n_pon_donors`` is the size of the PoN the donor was
    tested against.
    """
    counts = pon_counts.copy()
    if "tumour_sample" not in counts.columns:
        counts["tumour_sample"] = ALL_SITES
    rows = []
    for donor in sorted(counts["sample"].unique()):
        others = snv_background.background_from_pon(
            counts[counts["sample"] != donor], **background_options
        )
        n_donors = int(others["n_pon_donors"].max()) if len(others) else 0
        own = counts[counts["sample"] == donor]
        for site_set, rows_of_set in own.groupby("tumour_sample", sort=True):
            unique = rows_of_set.drop_duplicates(subset=snv.SITE_KEY)
            rows.append(
                {
                    "sample": donor,
                    "site_set": site_set,
                    "n_pon_donors": n_donors,
                    **_set_row(unique, others, alpha),
                }
            )
    return pd.DataFrame(rows, columns=PON_CHECK_COLUMNS)


def summary(check: pd.DataFrame, level: float = 0.95) -> dict:
    """n tested donors, false positives, false_positive_rate and the upper end of its
    two-sided Clopper-Pearson interval at ``level`` (NA without a tested donor)."""
    tested = check[check["detected"].notna()]
    n, k = len(tested), int(tested["detected"].astype(bool).sum())
    return {
        "n_tested": n,
        "false_positives": k,
        "false_positive_rate": k / n if n else np.nan,
        "fpr_upper": clopper_pearson_upper(k, n, level),
    }


def clopper_pearson_upper(k: int, n: int, level: float = 0.95) -> float:
    """Upper end of the two-sided exact (Clopper-Pearson) interval of k / n at ``level``:
    the (1 + level)/2 quantile of Beta(k + 1, n - k); 1 when k = n, NA when n = 0."""
    if n == 0:
        return float("nan")
    return 1.0 if k >= n else float(stats.beta.ppf((1 + level) / 2, k + 1, n - k))
