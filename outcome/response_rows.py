"""Objective-response rows of associations.tsv (method: docs/statistics.md).

- Fisher's exact test of a dichotomy against objective response, conditional MLE OR with
  its exact interval (outcome.response.fisher_exact).
- Continuous markers: logistic (Firth when separated) OR per transform unit, and the ROC
  AUC (responder vs not) with a percentile-bootstrap interval and the Wilcoxon p.
- ORR (responders / evaluable patients) per group, Clopper-Pearson interval.

Patients without a value of the marker or of the response are left out, and counted in
``n_missing``.
"""

from __future__ import annotations

import pandas as pd

from outcome import response
from outcome.family import INTERVAL, estimate_fields, row_fields
from outcome.family import row as _row


def _response_data(frame, x):
    data = pd.DataFrame({"x": x, "y": frame["objective_response"]}).dropna()
    return data, int(frame["objective_response"].notna().sum() - len(data))


def orr_rows(frame, x, biomarker, groups: dict, settings) -> list[dict]:
    """ORR (responders / evaluable) per group with Clopper–Pearson intervals."""
    data, _ = _response_data(frame, x)
    rows = []
    for value, label in groups.items():
        y = data.loc[data["x"] == value, "y"]
        rate = response.clopper_pearson(int(y.sum()), len(y), settings.level)
        fields = row_fields(
            "descriptive",
            biomarker,
            "objective_response",
            "clopper_pearson",
            "ORR",
            y.to_frame(),
            "y",
        )
        fields |= {"group": label, "ci_level": settings.level}
        rows.append(_row(**fields, **dict(zip(INTERVAL, rate))))
    return rows


def fisher_row(frame, x, biomarker, settings, family="biomarker") -> dict:
    """Fisher's exact test of a dichotomy vs response; conditional MLE odds ratio."""
    data, missing = _response_data(frame, x)
    base = row_fields(family, biomarker, "objective_response", "fisher_exact", "OR", data, "y")
    base |= {"n_missing": missing, "ci_level": settings.level}
    if len(data) < settings.min_n or data["x"].nunique() < 2 or data["y"].nunique() < 2:
        return _row(
            **base,
            note="not tested: fewer than min_n patients or a single "
            "value of biomarker or response",
        )
    a = int(((data.x == 1) & (data.y == 1)).sum())
    b = int(((data.x == 1) & (data.y == 0)).sum())
    c = int(((data.x == 0) & (data.y == 1)).sum())
    d = int(((data.x == 0) & (data.y == 0)).sum())
    result = response.fisher_exact(a, b, c, d, settings.level)
    return _row(
        **base,
        **result,
        note=f"table [[{a}, {b}], [{c}, {d}]] (rows marker 1/0, columns response 1/0)",
    )


def continuous_response_rows(
    frame, x, biomarker, label, settings, with_auc: bool = True
) -> list[dict]:
    """Logistic (or Firth) OR per transform unit, and ROC AUC with a bootstrap CI."""
    data, missing = _response_data(frame, x)
    base = dict(
        biomarker=biomarker,
        endpoint="objective_response",
        transform=label,
        n=len(data),
        n_missing=missing,
        events=int(data["y"].sum()),
        ci_level=settings.level,
    )
    minority = int(min(data["y"].sum(), len(data) - data["y"].sum())) if len(data) else 0
    if len(data) < settings.min_n or data["x"].nunique() < 2 or minority == 0:
        why = "not fitted: fewer than min_n patients or a single value of biomarker or response"
        return [
            _row(**base, family="biomarker", method="logistic", estimate_type="OR", note=why),
            _row(**base, family="exploratory", method="roc_auc", estimate_type="AUC", note=why),
        ]
    note = (
        ""
        if minority >= settings.min_events_per_variable
        else (f"events per variable {minority} < {settings.min_events_per_variable:g}: unstable")
    )
    fit = response.logistic(data["x"], data["y"], settings.level)
    logistic = _row(
        **base,
        family="biomarker",
        estimate_type="OR",
        events_per_variable=minority,
        note=note,
        **fit,
    )
    if not with_auc:
        return [logistic]
    roc = response.auc_bootstrap(
        data["x"], data["y"], settings.seed, settings.n_bootstrap, settings.level
    )
    return [
        logistic,
        _row(
            **base,
            family="exploratory",
            method="roc_auc",
            estimate_type="AUC",
            **estimate_fields(roc),
            note=f"p: Wilcoxon rank-sum; CI: percentile "
            f"bootstrap, {roc['n_boot_valid']} resamples, seed {settings.seed}",
        ),
    ]
