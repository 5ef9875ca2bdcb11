"""Words and numbers of the report (pure): biomarker, group, method and scale labels for
readers, and the fixed precision of every number shown.

Precision (gtsummary defaults, Sjoberg et al. 2021): hazard and odds ratios with 2 decimals,
p and q values with 3 significant digits, "<0.001" below 0.001; rates as percentages with no
decimal; medians in months with 1 decimal. Raw codes (``cps_high = 1``, ``surv_182.625d``,
``log2(x + 0.03057)``) become words: the cut of a dichotomy is read from its ``<name>_cutoff``
column of biomarkers.tsv, never from the code.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from stereosarc import protocol

DAYS_PER_MONTH = protocol.DAYS_PER_YEAR / 12  # 30.4375: months of the axis and the medians
P_FLOOR = 0.001  # p and q below this are shown as "<0.001" (gtsummary style_pvalue)
ARM_LABELS = {
    protocol.ARM_REFERENCE: "SBRT",
    protocol.ARM_EXPERIMENTAL: "SBRT + atezolizumab",
}  # arm codes of the clinical table, as written for readers
MARKER_NAMES = {
    "tmb": "TMB",
    "cps": "PD-L1 CPS",
    "tps": "PD-L1 TPS",
    "nlr": "NLR",
    "plr": "PLR",
    "car": "CRP/albumin ratio",
    "mgps": "mGPS",
    "crp_mg_l": "CRP",
    "albumin_g_l": "albumin",
    "cd8_foxp3_ratio": "CD8/FOXP3 ratio",
    "ctdna_baseline_tf": "baseline ctDNA tumour fraction",
    "ctdna_month6_tf": "month-6 ctDNA tumour fraction",
    "arm": "arm (SBRT + atezolizumab vs SBRT)",
}  # biomarkers.tsv columns as written for readers; others: see marker_label
DICHOTOMY_UNITS = {"tmb": " mut/Mb", "cps": "", "nlr": "", "mgps": ""}  # unit after the cut
BINARY_WORDS = {
    "ctdna_baseline_detected": ("baseline ctDNA detected", "baseline ctDNA not detected"),
    "ctdna_month6_detected": ("month-6 ctDNA detected", "month-6 ctDNA not detected"),
    "ctdna_month6_clearance": ("ctDNA cleared at month 6", "ctDNA not cleared at month 6"),
    "ctdna_month6_molecular_response": ("molecular response", "no molecular response"),
    "objective_response": ("objective response", "no objective response"),
}  # (value 1, value 0) of the binary markers that are not cuts of a number
METHOD_LABELS = {
    "cox_stratified": "Cox, stratified",
    "cox_landmark": "Cox at the 6-month landmark",
    "cox_time_varying": "Cox, time-varying",
    "logrank_stratified": "log-rank, stratified",
    "fisher_exact": "Fisher exact",
    "logistic": "logistic regression",
    "km": "Kaplan-Meier",
    "clopper_pearson": "Clopper-Pearson",
}  # associations.tsv methods as written for readers; others keep their code


def p_text(value: object) -> str:
    """p or q value: 3 significant digits, "<0.001" below P_FLOOR, "" when NA."""
    if _missing(value):
        return ""
    value = float(value)  # type: ignore[arg-type]
    return "<0.001" if value < P_FLOOR else f"{value:.3g}"


def ratio_ci(estimate: object, low: object, high: object) -> str:
    """A ratio and its interval, "0.61 (0.37-1.02)": 2 decimals (2 significant digits outside
    RATIO_DECIMAL_RANGE, e.g. 0.0014 or 6.3e+13); "" when NA."""
    if _missing(estimate):
        return ""
    if _missing(low) or _missing(high):
        return _ratio(estimate)
    return f"{_ratio(estimate)} ({_ratio(low)}-{_ratio(high)})"


RATIO_DECIMAL_RANGE = (0.01, 1000.0)  # ratios shown with 2 decimals inside, 2 digits outside


def _ratio(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    low, high = RATIO_DECIMAL_RANGE
    return f"{number:.2f}" if number == 0 or low <= abs(number) < high else f"{number:.2g}"


def percent_ci(estimate: object, low: object, high: object) -> str:
    """A proportion as "59% (46-70)"; "" when NA."""
    if _missing(estimate):
        return ""
    text = f"{100 * float(estimate):.0f}%"  # type: ignore[arg-type]
    if _missing(low) or _missing(high):
        return text
    return f"{text} ({100 * float(low):.0f}-{100 * float(high):.0f})"  # type: ignore[arg-type]


def months_ci(estimate: object, low: object, high: object) -> str:
    """A time in days as months with 1 decimal and its interval ("NR" for an open bound)."""
    if _missing(estimate):
        return "not reached"

    def month(days: object) -> str:
        return "NR" if _missing(days) else f"{float(days) / DAYS_PER_MONTH:.1f}"  # type: ignore[arg-type]

    return f"{month(estimate)} ({month(low)}-{month(high)}) months"


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def cutoffs(biomarkers: pd.DataFrame | None) -> dict[str, float]:
    """{dichotomy column: cut} from the ``<name>_cutoff`` columns of biomarkers.tsv."""
    if biomarkers is None:
        return {}
    found = {}
    for column in biomarkers.columns:
        if column.endswith("_cutoff"):
            values = pd.to_numeric(biomarkers[column], errors="coerce").dropna()
            if len(values):
                found[column.removesuffix("_cutoff")] = float(values.iloc[0])
    return found


def marker_label(name: str) -> str:
    """A biomarker column in words: "CD8 density", "TMB", "NLR >= 5" needs group_label."""
    base = re.sub(r" \(landmark\)$", "", str(name))
    if base in MARKER_NAMES:
        return MARKER_NAMES[base]
    if base.endswith("_density"):
        return base.removesuffix("_density").upper() + " density"
    if base.endswith("_high") and base.removesuffix("_high") in DICHOTOMY_UNITS:
        return MARKER_NAMES[base.removesuffix("_high")] + " high"
    if base in BINARY_WORDS:
        return BINARY_WORDS[base][0]
    return base.replace("_", " ")


def group_label(group: object, cuts: dict[str, float]) -> str:
    """A KM or descriptive group in words: arm codes, ``cps_high = 1`` -> "CPS >= 1" (the cut of
    the run), ``ctdna_month6_clearance = 0`` -> "ctDNA not cleared at month 6"."""
    text = str(group)
    if text in ARM_LABELS:
        return ARM_LABELS[text]
    found = re.fullmatch(r"(\w+) = (\d)", text)
    if not found:
        return text
    column, value = found.group(1), found.group(2) == "1"
    prefix = column.removesuffix("_high")
    if column.endswith("_high") and prefix in DICHOTOMY_UNITS and column in cuts:
        name = MARKER_NAMES[prefix].removeprefix("PD-L1 ")
        sign = "≥" if value else "<"
        return f"{name} {sign} {cuts[column]:g}{DICHOTOMY_UNITS[prefix]}"
    if column in BINARY_WORDS:
        return BINARY_WORDS[column][0 if value else 1]
    return f"{marker_label(column)}: {'yes' if value else 'no'}"


def scale_label(transform: object) -> str:
    """The scale a continuous biomarker entered the model on, in words."""
    text = "" if _missing(transform) and not isinstance(transform, str) else str(transform)
    if text in ("", "none", "NA"):
        return ""
    if text.startswith("log2"):
        return "log2 scale (per doubling)"
    if text.startswith("per SD"):
        return "per SD" + text.removeprefix("per SD").replace("(", "(SD = ")
    return text


def estimate_label(estimate_type: object) -> str:
    """``surv_182.625d`` -> "6-month PFS"; ``median_days`` -> "median PFS"; else as is."""
    text = str(estimate_type)
    found = re.fullmatch(r"surv_([\d.]+)d", text)
    if found:
        return f"{float(found.group(1)) / DAYS_PER_MONTH:.0f}-month PFS"
    return {"median_days": "median PFS", "ORR": "objective response rate"}.get(text, text)


def method_label(method: object) -> str:
    """An associations.tsv method in words (METHOD_LABELS), else the code."""
    return METHOD_LABELS.get(str(method), str(method).replace("_", " "))


def fisher_counts(note: object) -> list[list[int]] | None:
    """The 2x2 counts [[a, b], [c, d]] written in a fisher_exact note ("table [[15, 54], [1,
    33]] (rows marker 1/0, columns response 1/0)"), None when the note has none."""
    found = re.search(r"\[\[(\d+), (\d+)\], \[(\d+), (\d+)\]\]", str(note))
    if not found:
        return None
    a, b, c, d = (int(v) for v in found.groups())
    return [[a, b], [c, d]]
