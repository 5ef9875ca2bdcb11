"""Report figures of the outcome stage (matplotlib, Agg backend); each returns a Figure.

- ``km_figure(km, curve)``: Kaplan–Meier step curves with their 95 % bands (km.tsv) and
  censoring ticks, one panel.
- ``forest_figure(associations)``: hazard ratios with 95 % CI of the stratified, landmark
  and time-varying Cox rows (log axis), refused models omitted (listed in the report's table).
- ``forest_per_arm_figure(associations)``: the same HRs fitted within each arm (per_arm
  rows), one colour per arm, for reading effect modification beside the ratio of HRs.
- ``missingness_figure(biomarkers, columns)``: share of patients with each biomarker missing.
- ``to_base64_png(figure)``: PNG bytes, base64-encoded, for embedding in HTML.
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (backend set first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from stereosarc import protocol  # noqa: E402

DPI = 100  # PNG resolution: legible on screen, keeps the HTML small
FOREST_METHODS = ("cox_stratified", "cox_landmark", "cox_time_varying")  # HR rows plotted
ARM_COLOURS = dict(zip(protocol.ARMS, ("tab:blue", "tab:orange"), strict=True))  # forest plot
PER_ARM_METHODS = ("cox_stratified_per_arm", "cox_landmark_per_arm")  # per-arm HR rows
FOREST_SUFFIX = {"cox_landmark": " (6-month landmark)", "cox_time_varying": " (time-varying)"}


def to_base64_png(figure: Figure) -> str:
    """The figure as a base64 PNG string (figure closed afterwards)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def km_figure(km: pd.DataFrame, curve: str) -> Figure:
    """KM curves of ``curve`` (one line per group), CI bands, censoring ticks."""
    figure, axis = plt.subplots(figsize=(6, 4))
    for group, rows in km[km["curve"] == curve].groupby("group", sort=True):
        rows = rows.sort_values("time")
        (line,) = axis.step(rows["time"], rows["surv"], where="post", label=f"{group}")
        axis.fill_between(
            rows["time"],
            rows["ci_low"].fillna(0),
            rows["ci_high"].fillna(0),
            step="post",
            alpha=0.15,
            color=line.get_color(),
        )
        censored = rows[rows["n_censor"] > 0]
        axis.plot(censored["time"], censored["surv"], "|", color=line.get_color(), ms=8)
    axis.set_ylim(0, 1.02)
    axis.set_xlabel("days" + (" since landmark" if "landmark" in curve else " since start"))
    axis.set_ylabel("progression-free survival")
    axis.set_title(f"PFS by {curve} (Kaplan-Meier, 95 % CI)")
    axis.legend(fontsize="small")
    figure.tight_layout()
    return figure


def ci_offsets(estimate: np.ndarray, rows: pd.DataFrame) -> list[np.ndarray]:
    """Error-bar lengths (below, above) of ``estimate`` to its rows' ci_low and ci_high."""
    return [estimate - rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float) - estimate]


def forest_figure(associations: pd.DataFrame) -> Figure:
    """Forest plot of the Cox HRs (FOREST_METHODS rows of every family)."""
    rows = associations[
        associations["method"].isin(FOREST_METHODS) & associations["estimate"].notna()
    ].iloc[::-1]
    figure, axis = plt.subplots(figsize=(7, 0.35 * max(len(rows), 3) + 1.2))
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
    )
    labels = [
        (f"{b} [{t}]" if isinstance(t, str) and t != "none" else str(b)) + FOREST_SUFFIX.get(m, "")
        for b, t, m in zip(rows["biomarker"], rows["transform"], rows["method"], strict=False)
    ]
    axis.set_yticks(y, labels, fontsize="small")
    axis.axvline(1.0, color="red", lw=0.8)
    axis.set_xscale("log")
    axis.set_xlabel("hazard ratio for PFS (95 % CI), stratified Cox")
    figure.tight_layout()
    return figure


def forest_per_arm_figure(associations: pd.DataFrame) -> Figure:
    """Forest plot of the HR of each biomarker within each arm (per_arm Cox rows)."""
    rows = associations[
        associations["method"].isin(PER_ARM_METHODS) & associations["estimate"].notna()
    ]
    rows = rows.assign(method=rows["method"].str.removesuffix("_per_arm"))
    labels = list(
        dict.fromkeys(
            f"{b}" + FOREST_SUFFIX.get(m, "")
            for b, m in zip(rows["biomarker"], rows["method"], strict=False)
        )
    )
    figure, axis = plt.subplots(figsize=(7, 0.45 * max(len(labels), 3) + 1.2))
    for shift, (arm, colour) in zip((-0.15, 0.15), ARM_COLOURS.items(), strict=False):
        part = rows[rows["group"] == arm]
        y = [
            len(labels) - 1 - labels.index(f"{b}" + FOREST_SUFFIX.get(m, "")) + shift
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
            label=arm,
        )
    axis.set_yticks(range(len(labels)), labels[::-1], fontsize="small")
    axis.axvline(1.0, color="red", lw=0.8)
    axis.set_xscale("log")
    axis.set_xlabel("hazard ratio for PFS within each arm (95 % CI), stratified Cox")
    axis.legend(fontsize="small")
    figure.tight_layout()
    return figure


def missingness_figure(biomarkers: pd.DataFrame, columns: list[str]) -> Figure:
    """Horizontal bars: % of patients with each column missing."""
    share = biomarkers[columns].isna().mean() * 100 if columns else pd.Series(dtype=float)
    figure, axis = plt.subplots(figsize=(6, 0.3 * max(len(columns), 3) + 1))
    axis.barh(np.arange(len(share)), share.to_numpy(), color="steelblue")
    axis.set_yticks(np.arange(len(share)), list(share.index), fontsize="small")
    axis.set_xlim(0, 100)
    axis.set_xlabel("% of patients missing")
    figure.tight_layout()
    return figure
