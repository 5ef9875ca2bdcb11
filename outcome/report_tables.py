"""Tables of the report built from the result tables (pure: DataFrames in, DataFrames out);
outcome.report renders them.

- ``primary_tables(primary)``: from primary_endpoint.tsv, the primary analysis block (ITT,
  the primary censoring rule: per-arm KM rates, the tested difference, the binary version,
  follow-up) and the sensitivity table (the tested KM-rate difference per population and
  censoring rule).
- ``primary_display(rows)``: primary_endpoint.tsv rows in words and fixed precision
  (percent, percentage points, months) for the report.
- ``prognostic_predictive(associations)``: one row per biomarker Cox analysis, adjusted,
  per-arm and ratio of HRs with a reading.
- ``missingness_by_group(missingness)``: missingness.tsv (outcome.missing_data) as one row
  per variable and one column per group ("missing/n (percent)"), with the arm Fisher p.
"""

from __future__ import annotations

import pandas as pd

from outcome.report_format import ARM_LABELS, months_ci, p_text, percent_ci, ratio_ci
from stereosarc import protocol
from stereosarc.schemas import table_columns

PRIMARY_SHOWN = [
    c
    for c in table_columns("primary_endpoint")
    if c not in ("estimate_type", "ci_method", "primary")
]  # primary_endpoint.tsv columns shown in the report


def primary_tables(primary: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(primary analysis block, sensitivity table) of primary_endpoint.tsv."""
    shown = [c for c in PRIMARY_SHOWN if c in primary]
    flagged = primary[primary["primary"] == 1]
    rule = flagged["censoring"].iloc[0] if len(flagged) else "standard"
    main = primary[(primary["population"] == "itt") & (primary["censoring"] == rule)]
    tested = primary["analysis"].eq("km_rate_difference") & (
        primary["p_value"].notna() | primary["estimate"].isna()
    )
    return main[shown], primary[tested][shown]


ANALYSIS_LABELS = {
    "km_rate": "6-month PFS rate (Kaplan-Meier)",
    "km_rate_difference": "difference in 6-month PFS rate (Kaplan-Meier)",
    "binary_rate": "6-month PFS, patients evaluable at 6 months",
    "binary_difference": "difference, patients evaluable at 6 months",
    "follow_up": "median follow-up (reverse Kaplan-Meier)",
}  # primary_endpoint.tsv analyses in words


def primary_display(rows: pd.DataFrame) -> pd.DataFrame:
    """primary_endpoint.tsv rows in words: analysis, population, censoring, group, n, events,
    estimate with its interval (percent, percentage points or months) and level, p, note."""
    values = []
    for row in rows.itertuples(index=False):
        if row.analysis == "follow_up":
            values.append(months_ci(row.estimate, row.ci_low, row.ci_high))
        elif str(row.analysis).endswith("difference") and not pd.isna(row.estimate):
            values.append(
                f"{100 * row.estimate:+.1f} points "
                f"({100 * row.ci_low:+.1f} to {100 * row.ci_high:+.1f})"
            )
        else:
            values.append(percent_ci(row.estimate, row.ci_low, row.ci_high))
    sided = rows["sided"] if "sided" in rows else pd.Series("", index=rows.index)
    return pd.DataFrame(
        {
            "analysis": rows["analysis"].map(lambda a: ANALYSIS_LABELS.get(a, a)),
            "population": rows["population"],
            "censoring": rows["censoring"],
            "group": rows["group"].map(lambda g: _arm_words(g)),
            "n": rows["n"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}"),
            "events": rows["events"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}"),
            "estimate (CI)": values,
            "CI level": rows["ci_level"].map(lambda v: "" if pd.isna(v) else f"{v:.0%}"),
            "p": [
                "" if pd.isna(p) else f"{p_text(p)} ({s}-sided)"
                for p, s in zip(rows["p_value"], sided, strict=True)
            ],
            "note": rows["note"].fillna(""),
        }
    )


def _arm_words(group: object) -> str:
    """An arm code, or the "experimental - reference" difference, in words."""
    text = "" if pd.isna(group) else str(group)
    difference = f"{protocol.ARM_EXPERIMENTAL} - {protocol.ARM_REFERENCE}"
    if text == difference:
        return (
            f"{ARM_LABELS[protocol.ARM_EXPERIMENTAL]} minus {ARM_LABELS[protocol.ARM_REFERENCE]}"
        )
    return ARM_LABELS.get(text, text)


PREDICTIVE_P = 0.10  # interaction p below which a "possible predictive" reading is given:
# a screening level (interaction tests have little power in phase II); assumption, stated
PROGNOSTIC_Q = 0.10  # BH q of the arm-adjusted effect below which "prognostic" is read (FDR 10 %)
COX_METHODS = {"cox_stratified": "cox_interaction", "cox_landmark": "cox_landmark_interaction"}


def _interval(row) -> str:
    if row is None or pd.isna(row["estimate"]):
        return "not estimated"
    return ratio_ci(row["estimate"], row["ci_low"], row["ci_high"])


def _reading(adjusted, ratio) -> str:
    """Descriptive reading of one biomarker from its adjusted and interaction rows."""
    if adjusted is None or pd.isna(adjusted["estimate"]):
        return "not estimable (see notes)"
    if ratio is not None and ratio["p_value"] < PREDICTIVE_P:
        return f"possible predictive (interaction p < {PREDICTIVE_P:g})"
    if adjusted["q_value"] < PROGNOSTIC_Q:
        return f"prognostic (adjusted q < {PROGNOSTIC_Q:g}), no interaction signal"
    return "no effect shown (absence not shown either)"


def prognostic_predictive(associations: pd.DataFrame) -> pd.DataFrame:
    """One row per biomarker Cox analysis: arm-adjusted HR, HR per arm, ratio of HRs,
    interaction p and q, detectable HR and a reading (thresholds: PREDICTIVE_P, PROGNOSTIC_Q)."""
    a = associations
    rows = []
    main = a[(a["family"] == "biomarker") & a["method"].isin(list(COX_METHODS))]
    for item in main.itertuples(index=False):
        same = (a["biomarker"] == item.biomarker) & (a["endpoint"] == "pfs")
        pick = {}
        within = same & (a["method"] == f"{item.method}_per_arm")
        for key, mask in (
            ("SBRT", within & (a["group"] == protocol.ARM_REFERENCE)),
            ("atezo", within & (a["group"] == protocol.ARM_EXPERIMENTAL)),
            ("ratio", same & (a["method"] == COX_METHODS[item.method])),
        ):
            found = a[mask]
            pick[key] = found.iloc[0] if len(found) else None
        adjusted = pd.Series(item._asdict())
        rows.append(
            {
                "biomarker": item.biomarker,
                "method": item.method,
                "transform": item.transform,
                "n": item.n,
                "events": item.events,
                "HR adjusted for arm (95% CI)": _interval(adjusted),
                "q": p_text(item.q_value),
                "HR in SBRT": _interval(pick["SBRT"]),
                "HR in SBRT+atezolizumab": _interval(pick["atezo"]),
                "ratio of HRs": _interval(pick["ratio"]),
                "interaction p": "" if pick["ratio"] is None else p_text(pick["ratio"]["p_value"]),
                "interaction q": "" if pick["ratio"] is None else p_text(pick["ratio"]["q_value"]),
                "detectable HR (80 % power)": ratio_ci(
                    getattr(item, "detectable_hr", None), None, None
                ),
                "reading": _reading(adjusted, pick["ratio"]),
            }
        )
    return pd.DataFrame(rows)


MISSINGNESS_NOTE = (
    "Cells: patients with the value missing / patients in the group (percent). Fisher p: "
    "two-sided exact test of missing vs present between arms (descriptive). Biomarker analyses "
    "are complete case; multiple imputation by chained equations of the multivariable model is "
    "the sensitivity analysis, valid if data are missing at random (docs/statistics.md)."
)  # under the table


def missingness_by_group(missingness: pd.DataFrame) -> pd.DataFrame:
    """One row per variable; a column per group (all patients, each arm, each histology) with
    "n_missing/n (percent %)"; last column the Fisher p of missingness by arm."""
    cells = missingness.assign(
        cell=[
            f"{k}/{n} ({p:.0f} %)" if n else "0/0"
            for k, n, p in zip(
                missingness["n_missing"],
                missingness["n"],
                missingness["percent_missing"],
                strict=True,
            )
        ]
    )
    wide = cells.pivot(index="variable", columns="group", values="cell")
    wide = wide.reindex(
        index=list(dict.fromkeys(cells["variable"])), columns=list(dict.fromkeys(cells["group"]))
    ).reset_index()
    arm_p = missingness.groupby("variable", sort=False)["missing_by_arm_p"].first()
    return wide.assign(**{"missing differs by arm (Fisher p)": wide["variable"].map(arm_p)})
