"""Maximally selected log-rank cut-point of a continuous marker (R ``maxstat``, Lausen &
Schumacher 1992), for the exploratory rows of associations.tsv."""

from __future__ import annotations

import numpy as np
from scipy import stats

from outcome.survival import _logrank_stratum

MAXSTAT_QUANTILES = (0.1, 0.9)  # candidate cut-points within the 10-90 % quantiles (issue 7)


def lausen_schumacher_p(
    statistic: float, low: float = MAXSTAT_QUANTILES[0], high: float = MAXSTAT_QUANTILES[1]
) -> float:
    """Adjusted p of a maximally selected standardised statistic b (Lausen & Schumacher,
    Biometrics 1992): phi(b)(b − 1/b) log(high(1 − low) / ((1 − high) low)) + 4 phi(b)/b,
    capped at 1 (R maxstat ``pLausen92``). The bound is an upper-tail approximation: for
    b <= 1 (no evidence at all) it is not valid and 1 is returned."""
    if not np.isfinite(statistic):
        return np.nan
    if statistic <= 1:
        return 1.0
    density = stats.norm.pdf(statistic)
    p = (
        density * (statistic - 1 / statistic) * np.log(high * (1 - low) / ((1 - high) * low))
        + 4 * density / statistic
    )
    return float(min(1.0, max(0.0, p)))


def maxstat_cutpoint(time, event, marker, quantiles=MAXSTAT_QUANTILES) -> dict:
    """Cut-point c maximising the standardised log-rank statistic |Z| of marker > c vs <= c.

    Candidates: distinct marker values c with q_low <= c < q_high (numpy linear quantiles,
    R type 7). Z = (O − E) / sqrt(V) of the group above c. Returns cutpoint, statistic
    (max |Z|), p_value (Lausen–Schumacher adjusted), n_cuts.
    """
    time, event = np.asarray(time, float), np.asarray(event, int)
    marker = np.asarray(marker, float)
    low, high = np.quantile(marker, quantiles)
    cuts = [c for c in np.unique(marker) if low <= c < high]
    best = (np.nan, -np.inf)
    for cut in cuts:
        above = (marker > cut).astype(str)
        o_minus_e, _, var = _logrank_stratum(time, event, above, ["False", "True"])
        if var[1, 1] > 0:
            z = abs(o_minus_e[1]) / np.sqrt(var[1, 1])
            best = max(best, (cut, z), key=lambda pair: pair[1])
    if not cuts or not np.isfinite(best[1]):
        return {"cutpoint": np.nan, "statistic": np.nan, "p_value": np.nan, "n_cuts": len(cuts)}
    return {
        "cutpoint": float(best[0]),
        "statistic": float(best[1]),
        "p_value": lausen_schumacher_p(best[1], *quantiles),
        "n_cuts": len(cuts),
    }
