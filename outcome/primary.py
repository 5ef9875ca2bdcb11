"""The protocol's primary endpoint: PFS rate at 6 months, SBRT+atezolizumab vs SBRT.

Quantities (one row each of primary_endpoint.tsv; h = ``horizon`` = 182.625 days):

- ``km_rate``: per arm, the Kaplan–Meier S(h) (outcome.survival.km_table); its Greenwood
  standard error se(S) = S · sqrt(Σ d_i / (n_i (n_i − d_i))); 95 % CI on the log-log
  scale, S^exp(± z se(log S) / log S) (R ``survfit(conf.type = "log-log")``): (1, 1) when
  S(h) = 1, NA when S(h) = 0 (then the SE is NA too). NA when an arm's follow-up ends
  before h without S reaching 0.
- ``km_rate_difference``: D = S_E(h) − S_C(h), se(D) = sqrt(se_E² + se_C²) (independent
  arms); CI D ± z se(D); test Z = D / se(D) against the normal distribution (Klein, Logan,
  Harhoff & Andersen, Stat Med 2007, "naive" test of survival at a fixed time). One-sided
  (H1: D > 0, the experimental arm better) or two-sided, at ``alpha`` (PrimarySettings).
  Two rows: the CI matching the test (level 1 − 2α one-sided, 1 − α two-sided) with the
  p-value, and the conventional 95 % CI without test.
- ``binary_rate`` / ``binary_difference``: among patients evaluable at h (PFS > h, or an event
  at ≤ h; censored at ≤ h are not evaluable), the proportion progression-free beyond h per
  arm (Wilson score 95 % CI, R ``prop.test(correct = FALSE)``), the difference with the
  Newcombe hybrid score CI (Newcombe, Stat Med 1998, method 10) and the pooled two-sample
  Z test (R ``prop.test(correct = FALSE)``, one-sided ``alternative = "greater"``).
- ``follow_up``: median potential follow-up by reverse Kaplan–Meier (Schemper & Smith,
  Control Clin Trials 1996): KM of the PFS time with censoring as the event, per arm and
  overall, with its 95 % CI (R ``survfit(Surv(time, 1 - status) ~ 1)``, log scale).

Populations: ``itt`` = every randomised patient (every row of biomarkers.tsv);
``per_protocol`` = rows with per_protocol = 1 (not analysed when the column is absent).
Censoring rules: outcome.censoring (``standard`` is the protocol definition); the
sensitivity table repeats the rate analyses under every rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

from outcome import censoring, survival
from outcome.family import ARM_EXPERIMENTAL, ARM_REFERENCE, PFS_HORIZON_DAYS
from stereosarc.schemas import table_columns

ALPHA = 0.10  # one-sided 10 %: randomised phase II screening design (Rubinstein et al., JCO
# 2005); a choice to be confirmed against the STEREOSARC statistical analysis plan
SIDED = "one"  # H1: SBRT+atezolizumab better (screening design); "two" for a two-sided test
CONVENTIONAL_LEVEL = 0.95  # descriptive intervals
SIDES = ("one", "two")
POPULATIONS = ("itt", "per_protocol")
DIFFERENCE = f"{ARM_EXPERIMENTAL} - {ARM_REFERENCE}"
COLUMNS = table_columns("primary_endpoint")  # primary_endpoint.tsv, in schema order


@dataclass
class PrimarySettings:
    """Design of the primary test (defaults: module constants, to confirm against the SAP)."""

    alpha: float = ALPHA
    sided: str = SIDED
    censoring: str = "standard"
    horizon: float = PFS_HORIZON_DAYS

    @property
    def design_level(self) -> float:
        """Two-sided level of the CI whose bound matches the test (1 − 2α one-sided)."""
        return 1 - 2 * self.alpha if self.sided == "one" else 1 - self.alpha


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


def _p(z: float, sided: str) -> float:
    return float(stats.norm.sf(z) if sided == "one" else 2 * stats.norm.sf(abs(z)))


def km_rate(time, event, horizon: float, level: float = CONVENTIONAL_LEVEL) -> dict:
    """S(horizon), its Greenwood SE and log-log CI; NA (with note) past the follow-up."""
    table = survival.km_table(time, event, level)
    if len(table) and table["surv"].iloc[-1] == 0 and horizon > table["time"].max():
        return {
            "estimate": 0.0,
            "se": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "note": "S = 0 before the horizon (Greenwood SE undefined)",
        }
    if table.empty or horizon > table["time"].max():
        return {
            "estimate": np.nan,
            "se": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "note": "follow-up ends before the horizon",
        }
    before = table[table["time"] <= horizon]
    surv = float(before["surv"].iloc[-1]) if len(before) else 1.0
    se_log = float(before["std_err"].iloc[-1]) if len(before) else 0.0
    low = high = 1.0 if surv == 1 else np.nan  # R survfit: CI (1, 1) where S = 1
    if 0 < surv < 1:
        spread = _z(level) * se_log / np.log(surv)
        low, high = surv ** np.exp(-spread), surv ** np.exp(spread)
    return {"estimate": surv, "se": surv * se_log, "ci_low": low, "ci_high": high, "note": ""}


def difference_test(diff: float, se: float, settings: PrimarySettings) -> dict:
    """Z = diff / se with the design's sidedness, and the reject decision at alpha."""
    if not np.isfinite(diff) or not se > 0:
        return {"statistic": np.nan, "p_value": np.nan, "reject_null": pd.NA}
    z = diff / se
    p = _p(z, settings.sided)
    return {"statistic": z, "p_value": p, "reject_null": int(p < settings.alpha)}


def _row(**values) -> dict:
    out = dict.fromkeys(COLUMNS, np.nan)
    out.update(primary=0, **values)
    return out


def _arms(frame: pd.DataFrame):
    return (
        (ARM_EXPERIMENTAL, frame[frame["arm"] == ARM_EXPERIMENTAL]),
        (ARM_REFERENCE, frame[frame["arm"] == ARM_REFERENCE]),
    )


def km_rows(frame, days: str, event: str, settings: PrimarySettings, common: dict) -> list:
    """Per-arm S(h) and their difference (design-level CI with test; 95 % CI)."""
    rows, rates = [], []
    for arm, data in _arms(frame):
        data = data[[days, event]].dropna()
        rate = km_rate(data[days], data[event], settings.horizon)
        rates.append(rate)
        rows.append(
            _row(
                **common,
                analysis="km_rate",
                group=arm,
                estimate_type=f"surv_{settings.horizon:g}d",
                n=len(data),
                events=int(data[event].sum()),
                ci_level=CONVENTIONAL_LEVEL,
                ci_method="log-log (Greenwood)",
                **rate,
            )
        )
    diff = rates[0]["estimate"] - rates[1]["estimate"]
    se = float(np.hypot(rates[0]["se"], rates[1]["se"]))
    note = (
        "not estimable: an arm's follow-up ends before h"
        if not np.isfinite(diff)
        else ""
        if np.isfinite(se)
        else "no test: SE undefined (S(h) = 0 in an arm)"
    )
    for level, tested in ((settings.design_level, True), (CONVENTIONAL_LEVEL, False)):
        half = _z(level) * se
        test = difference_test(diff, se, settings) if tested else {}
        rows.append(
            _row(
                **common,
                analysis="km_rate_difference",
                group=DIFFERENCE,
                estimate_type="difference",
                n=rows[0]["n"] + rows[1]["n"],
                events=rows[0]["events"] + rows[1]["events"],
                estimate=diff,
                se=se,
                ci_low=diff - half,
                ci_high=diff + half,
                ci_level=level,
                ci_method="normal, Greenwood SE",
                note=note,
                **test,
                sided=settings.sided if tested else np.nan,
                alpha=settings.alpha if tested else np.nan,
            )
        )
    return rows


def evaluable_at(days: pd.Series, event: pd.Series, horizon: float) -> pd.Series:
    """1 PFS beyond h, 0 event by h, NA censored by h (DESIGN.md pfs_6m rule)."""
    out = pd.Series(pd.NA, index=days.index, dtype="Int64")
    out[days > horizon] = 1
    out[(days <= horizon) & (event == 1)] = 0
    return out


def binary_rows(frame, days: str, event: str, settings: PrimarySettings, common: dict) -> list:
    """Proportion progression-free at h among the evaluable, per arm, and the difference."""
    rows, counts = [], []
    for arm, data in _arms(frame):
        status = evaluable_at(data[days], data[event], settings.horizon).dropna()
        x, n = int(status.sum()), len(status)
        counts.append((x, n))
        low, high = (
            proportion_confint(x, n, 1 - CONVENTIONAL_LEVEL, "wilson") if n else (np.nan, np.nan)
        )
        rows.append(
            _row(
                **common,
                analysis="binary_rate",
                group=arm,
                estimate_type=f"pfs_gt_{settings.horizon:g}d",
                n=n,
                events=n - x,
                estimate=x / n if n else np.nan,
                ci_low=low,
                ci_high=high,
                ci_level=CONVENTIONAL_LEVEL,
                ci_method="Wilson score",
                note=f"{len(data) - n} censored before h: not evaluable",
            )
        )
    (x1, n1), (x0, n0) = counts
    if min(n1, n0) == 0:
        return rows + [
            _row(
                **common,
                analysis="binary_difference",
                group=DIFFERENCE,
                estimate_type="difference",
                n=n1 + n0,
                note="not estimable: an arm has no evaluable patient",
            )
        ]
    diff = x1 / n1 - x0 / n0
    if 0 < x1 + x0 < n1 + n0:
        z, _ = proportions_ztest([x1, x0], [n1, n0], alternative="two-sided")
        p_value = _p(float(z), settings.sided)
        test: dict[str, float | str] = {"statistic": float(z), "p_value": p_value}
        test["reject_null"] = int(p_value < settings.alpha)
    else:
        test = {"note": "no test: every evaluable patient has the same status"}
    for level, tested in ((settings.design_level, True), (CONVENTIONAL_LEVEL, False)):
        low, high = confint_proportions_2indep(
            x1, n1, x0, n0, method="newcomb", compare="diff", alpha=1 - level
        )
        rows.append(
            _row(
                **common,
                analysis="binary_difference",
                group=DIFFERENCE,
                estimate_type="difference",
                n=n1 + n0,
                events=n1 + n0 - x1 - x0,
                estimate=diff,
                ci_low=float(low),
                ci_high=float(high),
                ci_level=level,
                ci_method="Newcombe hybrid score",
                **(test if tested else {}),
                sided=settings.sided if tested else np.nan,
                alpha=settings.alpha if tested else np.nan,
            )
        )
    return rows


def follow_up_rows(frame, days: str, event: str, common: dict) -> list:
    """Median follow-up by reverse KM, per arm and overall."""
    rows = []
    for group, data in (*_arms(frame), ("all", frame)):
        data = data[[days, event]].dropna()
        table = survival.km_table(data[days], 1 - data[event].astype(int))
        median = survival.km_median(table) if len(data) else (np.nan,) * 3
        rows.append(
            _row(
                **common,
                analysis="follow_up",
                group=group,
                estimate_type="median_follow_up_days",
                n=len(data),
                events=int((data[event] == 0).sum()),
                estimate=median[0],
                ci_low=median[1],
                ci_high=median[2],
                ci_level=CONVENTIONAL_LEVEL,
                ci_method="reverse Kaplan-Meier, log scale",
                note="events = censored patients (reverse KM)",
            )
        )
    return rows


def rule_columns(rule: str) -> tuple[str, str]:
    """PFS days and event columns of a censoring rule."""
    return (
        ("pfs_days", "pfs_event")
        if rule == "standard"
        else (f"pfs_days_{rule}", f"pfs_event_{rule}")
    )


def population(frame: pd.DataFrame, name: str) -> tuple[pd.DataFrame | None, str]:
    """Patients of a population, or None with the reason it cannot be formed."""
    if name == "itt":
        return frame, ""
    flag = (
        pd.to_numeric(frame.get("per_protocol"), errors="coerce")
        if "per_protocol" in frame
        else None
    )
    if flag is None or flag.isna().all():
        return None, "not analysed: no per_protocol values in the clinical table"
    unknown = int(flag.isna().sum())
    return frame[flag == 1], (
        f"{unknown} patients with per_protocol NA excluded" if unknown else ""
    )


def analyse(biomarkers: pd.DataFrame, settings: PrimarySettings | None = None) -> pd.DataFrame:
    """Every primary-endpoint row: populations × censoring rules (rates), follow-up."""
    settings = settings or PrimarySettings()
    if settings.sided not in SIDES or not 0 < settings.alpha < 0.5:
        raise ValueError("sided must be 'one' or 'two' and 0 < alpha < 0.5")
    frame = biomarkers.copy()
    for column in ("pfs_days", "pfs_event", *censoring.RULE_COLUMNS):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    rows = []
    for name in POPULATIONS:
        members, why = population(frame, name)
        for rule in censoring.RULES:
            common = {"population": name, "censoring": rule}
            days, event = rule_columns(rule)
            undetermined = (
                int((members["pfs_days"].notna() & members[days].isna()).sum())
                if members is not None and days in frame
                else -1
            )
            if members is None or undetermined:
                reason = (
                    why
                    if members is None
                    else (
                        f"not analysed: PFS under the {rule} rule undetermined for "
                        f"{undetermined if undetermined > 0 else 'all'} patients (optional "
                        "clinical column absent; pfs_censoring_notes)"
                    )
                )
                rows.append(_row(**common, analysis="km_rate_difference", note=reason))
                continue
            block = km_rows(members, days, event, settings, common)
            block += binary_rows(members, days, event, settings, common)
            if rule == settings.censoring:
                block += follow_up_rows(members, days, event, common)
            rows += [
                r
                | {
                    "note": "; ".join(
                        filter(None, [why, r["note"] if isinstance(r["note"], str) else ""])
                    )
                }
                for r in block
            ]
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["primary"] = (
        (table["population"] == "itt")
        & (table["censoring"] == settings.censoring)
        & (table["analysis"] == "km_rate_difference")
        & table["p_value"].notna()
    ).astype(int)
    table["note"] = table["note"].replace("", np.nan)
    return table
