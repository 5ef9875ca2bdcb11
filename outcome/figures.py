"""Report figures of the outcome stage (matplotlib, Agg backend); each returns a Figure
(outcome.report_html.svg embeds it as inline SVG).

- ``outcome.figures_km.km_figure``: Kaplan-Meier curves with numbers at risk.
- ``forest_figure(associations, cuts)``: hazard ratios with 95 % CI of the stratified, landmark
  and time-varying Cox rows (log axis), with the columns HR (95% CI), n, events, p and q drawn
  beside the points; refused models omitted (listed in the report's model status table).
- ``forest_per_arm_figure(associations)``: the same HRs fitted within each arm (per_arm
  rows), one colour per arm, for reading effect modification beside the ratio of HRs.
- ``missingness_figure(biomarkers, columns)``: share of patients with each biomarker missing.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (backend set first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator  # noqa: E402

from outcome.report_format import ARM_LABELS, marker_label, p_text, ratio_ci  # noqa: E402
from stereosarc import protocol  # noqa: E402

FOREST_METHODS = ("cox_stratified", "cox_landmark", "cox_time_varying")  # HR rows plotted
ARM_COLOURS = dict(zip(protocol.ARMS, ("tab:blue", "tab:orange"), strict=True))  # forest plot
PER_ARM_METHODS = ("cox_stratified_per_arm", "cox_landmark_per_arm")  # per-arm HR rows
FOREST_SUFFIX = {"cox_landmark": " (6-month landmark)", "cox_time_varying": " (time-varying)"}


def ci_offsets(estimate: np.ndarray, rows: pd.DataFrame) -> list[np.ndarray]:
    """Error-bar lengths (below, above) of ``estimate`` to its rows' ci_low and ci_high."""
    return [estimate - rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float) - estimate]


FOREST_COLUMNS = ("HR (95% CI)", "n", "events", "p", "q")  # text columns beside the points
FOREST_COLUMN_X = (0.0, 0.42, 0.55, 0.72, 0.87)  # their left edges, in the text panel's width


def forest_label(biomarker: object, transform: object, method: object) -> str:
    """A forest row in words: the biomarker, its scale and the analysis (landmark...)."""
    scale = str(transform)
    suffix = " (log2)" if scale.startswith("log2") else " (per SD)" if "SD" in scale else ""
    return marker_label(str(biomarker)) + suffix + FOREST_SUFFIX.get(str(method), "")


def forest_figure(associations: pd.DataFrame) -> Figure:
    """Forest plot of the Cox HRs (FOREST_METHODS rows of every family) with, beside each
    point, HR (95% CI), n, events, p and q (BH across the biomarker family)."""
    rows = associations[
        associations["method"].isin(FOREST_METHODS) & associations["estimate"].notna()
    ].iloc[::-1]
    figure = plt.figure(figsize=(10, 0.28 * max(len(rows), 3) + 1.3))
    grid = figure.add_gridspec(1, 2, width_ratios=[1.1, 1], wspace=0.02)
    axis, text = figure.add_subplot(grid[0]), figure.add_subplot(grid[1], sharey=None)
    y = np.arange(len(rows))
    estimate = rows["estimate"].to_numpy(float)
    axis.errorbar(
        estimate,
        y,
        xerr=ci_offsets(estimate, rows),
        fmt="s",
        color="black",
        ecolor="grey",
        capsize=2,
        ms=4,
    )
    labels = [
        forest_label(b, t, m)
        for b, t, m in zip(rows["biomarker"], rows["transform"], rows["method"], strict=True)
    ]
    axis.set_yticks(y, labels, fontsize="small")
    axis.set_ylim(-0.7, len(rows) - 0.3)
    axis.axvline(1.0, color="red", lw=0.8)
    axis.set_xscale("log")
    _log_ticks(axis)
    axis.set_xlabel("hazard ratio for PFS (95 % CI), log scale")
    text.set_ylim(axis.get_ylim())
    text.axis("off")
    for x, name in zip(FOREST_COLUMN_X, FOREST_COLUMNS, strict=True):
        text.text(x, len(rows) - 0.3, name, fontsize="small", fontweight="bold", va="bottom")
    for i, row in enumerate(rows.itertuples(index=False)):
        cells = (
            ratio_ci(row.estimate, row.ci_low, row.ci_high),
            f"{row.n:g}",
            "" if pd.isna(row.events) else f"{row.events:g}",
            p_text(row.p_value),
            p_text(getattr(row, "q_value", None)),
        )
        for x, cell in zip(FOREST_COLUMN_X, cells, strict=True):
            text.text(x, i, cell, fontsize="small", va="center")
    figure.subplots_adjust(left=0.26, right=0.99, top=0.95, bottom=0.12 if len(rows) > 8 else 0.2)
    return figure


def _log_ticks(axis) -> None:
    """Plain-number ticks at powers of 2 on a log HR axis (no 3x10^-1 crowding)."""
    low, high = axis.get_xlim()
    ticks = [2.0**k for k in range(-8, 9) if low <= 2.0**k <= high]
    axis.xaxis.set_major_locator(FixedLocator(ticks))
    axis.xaxis.set_major_formatter(FixedFormatter([f"{t:g}" for t in ticks]))
    axis.xaxis.set_minor_locator(NullLocator())


def forest_per_arm_figure(associations: pd.DataFrame) -> Figure:
    """Forest plot of the HR of each biomarker within each arm (per_arm Cox rows)."""
    rows = associations[
        associations["method"].isin(PER_ARM_METHODS) & associations["estimate"].notna()
    ]
    rows = rows.assign(method=rows["method"].str.removesuffix("_per_arm"))
    labels = list(
        dict.fromkeys(
            forest_label(b, "", m) for b, m in zip(rows["biomarker"], rows["method"], strict=False)
        )
    )
    figure, axis = plt.subplots(figsize=(7, 0.45 * max(len(labels), 3) + 1.2))
    for shift, (arm, colour) in zip((-0.15, 0.15), ARM_COLOURS.items(), strict=False):
        part = rows[rows["group"] == arm]
        y = [
            len(labels) - 1 - labels.index(forest_label(b, "", m)) + shift
            for b, m in zip(part["biomarker"], part["method"], strict=False)
        ]
        estimate = part["estimate"].to_numpy(float)
        axis.errorbar(
            estimate,
            y,
            xerr=ci_offsets(estimate, part),
            fmt="s",
            color=colour,
            ecolor=colour,
            capsize=2,
            label=ARM_LABELS.get(arm, arm),
        )
    axis.set_yticks(range(len(labels)), labels[::-1], fontsize="small")
    axis.axvline(1.0, color="red", lw=0.8)
    axis.set_xscale("log")
    _log_ticks(axis)
    axis.set_xlabel("hazard ratio for PFS within each arm (95 % CI), stratified Cox")
    axis.legend(fontsize="small")
    figure.tight_layout()
    return figure


def missingness_figure(biomarkers: pd.DataFrame, columns: list[str]) -> Figure:
    """Horizontal bars: % of patients with each column missing."""
    share = biomarkers[columns].isna().mean() * 100 if columns else pd.Series(dtype=float)
    figure, axis = plt.subplots(figsize=(6, 0.3 * max(len(columns), 3) + 1))
    axis.barh(np.arange(len(share)), share.to_numpy(), color="steelblue")
    axis.set_yticks(
        np.arange(len(share)), [marker_label(c) for c in share.index], fontsize="small"
    )
    axis.set_xlim(0, 100)
    axis.set_xlabel("% of patients missing")
    figure.tight_layout()
    return figure
