"""Multiplicity adjustment.

Benjamini–Hochberg (1995) q-values: for the m non-missing p-values sorted ascending,
q_(i) = min_{j >= i} min(1, m p_(j) / j) (R ``p.adjust(method = "BH")``). Missing p-values
stay missing and do not count in m.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def benjamini_hochberg(p_values) -> np.ndarray:
    """BH-adjusted q-values, same order as the input; NaN where the p-value is NaN."""
    p = np.asarray(p_values, float)
    q = np.full(p.shape, np.nan)
    present = np.nonzero(~np.isnan(p))[0]
    m = len(present)
    if m == 0:
        return q
    order = present[np.argsort(p[present], kind="mergesort")]
    ranked = p[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    return q


def adjust_by_family(
    frame: pd.DataFrame, family_column: str = "family", adjusted: tuple[str, ...] = ("biomarker",)
) -> pd.Series:
    """q-values within each family named in ``adjusted``; NA for the other families."""
    q = pd.Series(np.nan, index=frame.index)
    for family in adjusted:
        rows = frame[family_column] == family
        q[rows] = benjamini_hochberg(frame.loc[rows, "p_value"].to_numpy(float))
    return q
