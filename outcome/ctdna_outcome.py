"""ctDNA against radiology (rows of associations.tsv; method: docs/statistics.md).

- Agreement of ctDNA molecular response at month 6 (``ctdna_month6_molecular_response``,
  rules of ctdna.dynamics) with RECIST 1.1 objective response (CR/PR): population = patients
  with both assessed and the month-6 sample drawn before progression (no value after the
  radiological answer is known). Cohen's kappa = (p_o − p_e) / (1 − p_e), p_o the observed
  and p_e the chance agreement of the 2 × 2 table, with the large-sample standard error of
  Fleiss, Cohen & Everitt (Psychol Bull 1969) for the Wald interval and the null SE for the
  z-test; overall agreement p_o with its Clopper–Pearson interval.
- Lead time of ctDNA before radiological progression: population = patients with a RECIST
  progression date and at least one evaluable post-baseline sample (month 6, relapse)
  drawn strictly before it. Lead time (days) = progression_date − collection date of the
  first detected such sample. Reported: the share of that population detected before
  progression (Clopper–Pearson) and, over those detected, the median lead time with the
  exact distribution-free order-statistic interval (binomial(n, ½); coverage ≥ level, the
  achieved coverage in note; NA when n is too small for the level). No seed: no resampling.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from outcome import response
from outcome.family import row
from stereosarc import protocol

POST_BASELINE = protocol.POST_BASELINE  # samples that can anticipate progression


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    """ISO dates of ``column`` as timestamps (NaT when absent or not a date)."""
    values = frame[column] if column in frame else pd.Series(None, index=frame.index)
    return pd.to_datetime(values, errors="coerce", format="%Y-%m-%d")


def _numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    values = frame[column] if column in frame else pd.Series(None, index=frame.index)
    return pd.to_numeric(values, errors="coerce")


def cohen_kappa(a: int, b: int, c: int, d: int, level: float = response.CI_LEVEL) -> dict:
    """Kappa of the table [[a, b], [c, d]] (rows rater 1 = 1/0, columns rater 2 = 1/0) with
    the Fleiss–Cohen–Everitt SE (Wald CI) and the null-SE z-test p (two-sided)."""
    n = a + b + c + d
    p = np.array([[a, b], [c, d]], float) / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    observed, chance = np.trace(p), float(rows @ cols)
    if chance == 1:
        return {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan}
    kappa = (observed - chance) / (1 - chance)
    diagonal = sum(p[i, i] * (1 - (rows[i] + cols[i]) * (1 - kappa)) ** 2 for i in range(2))
    off = (1 - kappa) ** 2 * sum(
        p[i, j] * (cols[i] + rows[j]) ** 2 for i in range(2) for j in range(2) if i != j
    )
    extra = (kappa - chance * (1 - kappa)) ** 2
    se = np.sqrt(max(diagonal + off - extra, 0.0) / n) / (1 - chance)
    se0 = np.sqrt(chance + chance**2 - float((rows * cols * (rows + cols)).sum())) / (
        (1 - chance) * np.sqrt(n)
    )
    z = stats.norm.ppf(0.5 + level / 2)
    return {
        "estimate": kappa,
        "ci_low": kappa - z * se,
        "ci_high": kappa + z * se,
        "p_value": float(2 * stats.norm.sf(abs(kappa / se0))) if se0 > 0 else np.nan,
    }


def median_exact_ci(values, level: float = response.CI_LEVEL) -> tuple[float, float, float, float]:
    """(median, low, high, coverage): order statistics x_(l), x_(n-l+1) with l − 1 the largest
    k such that P(Bin(n, ½) ≤ k) ≤ (1 − level) / 2; coverage = 1 − 2 P(Bin(n, ½) ≤ l − 1).
    Interval NA when no such l exists (n too small)."""
    x = np.sort(np.asarray(values, float))
    n = len(x)
    if n == 0:
        return np.nan, np.nan, np.nan, np.nan
    tail = stats.binom.cdf(np.arange(n + 1), n, 0.5)
    l_index = int((tail <= (1 - level) / 2).sum())  # = l: 1-based order statistic
    if l_index == 0:
        return float(np.median(x)), np.nan, np.nan, np.nan
    coverage = 1 - 2 * float(tail[l_index - 1])
    return float(np.median(x)), float(x[l_index - 1]), float(x[n - l_index]), coverage


def agreement_rows(frame: pd.DataFrame, settings) -> list[dict]:
    """Kappa and overall agreement of month-6 molecular response with RECIST response."""
    column = "ctdna_month6_molecular_response"
    base = dict(
        family="exploratory",
        biomarker=column,
        endpoint="objective_response",
        transform="none",
        ci_level=settings.level,
    )
    if column not in frame or "objective_response" not in frame:
        return [
            row(
                **base,
                method="cohen_kappa",
                estimate_type="kappa",
                note="skipped: no molecular response or objective response column",
            )
        ]
    drawn, progression = _dates(frame, "ctdna_month6_date"), _dates(frame, "progression_date")
    after = drawn.notna() & progression.notna() & (drawn >= progression)
    pair = pd.DataFrame(
        {"ctdna": _numbers(frame, column), "recist": _numbers(frame, "objective_response")}
    )[~after].dropna()
    note = f"{int(after.sum())} month-6 samples drawn at or after progression not used"
    if len(pair) < settings.min_n:
        return [
            row(
                **base,
                method="cohen_kappa",
                estimate_type="kappa",
                n=len(pair),
                note=f"not tested: n = {len(pair)} < {settings.min_n}; {note}",
            )
        ]
    cells = [int(((pair.ctdna == i) & (pair.recist == j)).sum()) for i in (1, 0) for j in (1, 0)]
    table = (
        f"table [[{cells[0]}, {cells[1]}], [{cells[2]}, {cells[3]}]] (rows molecular "
        f"response 1/0, columns RECIST CR/PR 1/0); {note}"
    )
    agree = response.clopper_pearson(cells[0] + cells[3], len(pair), settings.level)
    return [
        row(
            **base,
            method="cohen_kappa",
            estimate_type="kappa",
            n=len(pair),
            events=int(pair["recist"].sum()),
            **cohen_kappa(cells[0], cells[1], cells[2], cells[3], settings.level),
            note=f"p: z-test of kappa = 0; {table}",
        ),
        row(
            **base | {"family": "descriptive"},
            method="clopper_pearson",
            estimate_type="percent_agreement",
            n=len(pair),
            events=cells[0] + cells[3],
            estimate=agree[0],
            ci_low=agree[1],
            ci_high=agree[2],
            note=table,
        ),
    ]


def lead_times(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(evaluable, lead_days) per patient: evaluable = progression date and >= 1 evaluable
    post-baseline sample drawn strictly before it; lead_days = progression − first detected
    such sample (NA when none detected)."""
    progression = _dates(frame, "progression_date")
    evaluable = pd.Series(False, index=frame.index)
    first = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for timepoint in POST_BASELINE:
        drawn = _dates(frame, f"ctdna_{timepoint}_date")
        detected = _numbers(frame, f"ctdna_{timepoint}_detected")
        before = drawn.notna() & progression.notna() & (drawn < progression)
        evaluable |= before & detected.notna()
        hit = before & (detected == 1)
        first = first.where(~hit | (first.notna() & (first <= drawn)), drawn)
    return evaluable, (progression - first).dt.days.astype(float)


def lead_time_rows(frame: pd.DataFrame, settings) -> list[dict]:
    """Share detected before progression and the median lead time with its exact CI."""
    base = dict(
        family="descriptive",
        biomarker="ctdna_post_baseline_detected",
        endpoint="pfs",
        transform="none",
        ci_level=settings.level,
    )
    needed = ["progression_date", "ctdna_month6_date", "ctdna_relapse_date"]
    if not any(c in frame for c in needed[1:]) or needed[0] not in frame:
        return [
            row(
                **base,
                method="lead_time",
                estimate_type="median_lead_days",
                note="skipped: biomarkers.tsv has no progression_date or ctDNA dates",
            )
        ]
    evaluable, lead = lead_times(frame)
    n, detected = int(evaluable.sum()), int(lead.notna().sum())
    share = response.clopper_pearson(detected, n, settings.level)
    median, low, high, coverage = median_exact_ci(lead.dropna(), settings.level)
    population = (
        f"patients with RECIST progression and an evaluable month-6/relapse sample "
        f"drawn before it: {n}; detected before progression: {detected}"
    )
    interval = (
        f"exact order-statistic CI, coverage {coverage:.4f}"
        if np.isfinite(coverage)
        else f"CI not available: {detected} patients too few for the level"
    )
    return [
        row(
            **base,
            method="clopper_pearson",
            estimate_type="detected_before_progression",
            n=n,
            events=detected,
            estimate=share[0],
            ci_low=share[1],
            ci_high=share[2],
            note=population,
        ),
        row(
            **base,
            method="lead_time",
            estimate_type="median_lead_days",
            n=detected,
            events=detected,
            estimate=median,
            ci_low=low,
            ci_high=high,
            note=f"lead time = progression_date - first detected sample date; "
            f"{interval}; {population}",
        ),
    ]


def ctdna_radiology_rows(frame: pd.DataFrame, settings) -> list[dict]:
    """All rows of this module."""
    return agreement_rows(frame, settings) + lead_time_rows(frame, settings)
