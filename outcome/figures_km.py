"""Kaplan-Meier figure of the report (matplotlib): one curve per group of a km.tsv ``curve``,
95 % bands, censoring ticks, time in months (days / 30.4375), the numbers at risk under the
axis, n per group in the legend and the hazard ratio (95 % CI) and p in the panel.

Number at risk at time t (a tick of the axis) = the ``n_risk`` of the first km.tsv row of the
group at or after t (patients still followed just before t); after the last row, that row's
n_risk minus its events and censorings.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (backend set first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from outcome.report_format import DAYS_PER_MONTH, group_label  # noqa: E402

TICK_MONTHS = 6  # x-axis ticks and at-risk columns every 6 months (the protocol's 6-month horizon)


def at_risk(rows: pd.DataFrame, days: float) -> int:
    """Patients at risk just before ``days`` in one group's km.tsv rows (module doc)."""
    rows = rows.sort_values("time")
    later = rows[rows["time"] >= days]
    if len(later):
        return int(later["n_risk"].iloc[0])
    last = rows.iloc[-1]
    return int(last["n_risk"] - last["n_event"] - last["n_censor"])


def group_size(rows: pd.DataFrame) -> int:
    """Patients in one group: n at risk at its first time."""
    return int(rows.sort_values("time")["n_risk"].iloc[0])


def km_figure(
    km: pd.DataFrame,
    curve: str,
    cuts: dict[str, float] | None = None,
    effect: str = "",
    title: str = "",
) -> Figure:
    """KM curves of ``curve``; ``effect`` ("HR 0.61 (0.37-1.02), p = 0.062") drawn in the
    panel; groups labelled in words (outcome.report_format.group_label with ``cuts``)."""
    rows = km[km["curve"] == curve]
    groups = list(rows.groupby("group", sort=True))
    landmark = "landmark" in curve
    horizon = float(rows["time"].max()) / DAYS_PER_MONTH if len(rows) else 0.0
    ticks = np.arange(0, horizon + TICK_MONTHS, TICK_MONTHS)
    figure = plt.figure(figsize=(8, 4.2 + 0.25 * len(groups)))
    grid = figure.add_gridspec(2, 1, height_ratios=[4, 0.5 + 0.3 * len(groups)], hspace=0.45)
    axis, table = figure.add_subplot(grid[0]), figure.add_subplot(grid[1])
    names = []
    for group, part in groups:
        part = part.sort_values("time")
        months = part["time"] / DAYS_PER_MONTH
        name = group_label(group, cuts or {})
        names.append(name)
        (line,) = axis.step(
            months, part["surv"], where="post", label=f"{name} (n = {group_size(part)})"
        )
        axis.fill_between(
            months,
            part["ci_low"].fillna(0),
            part["ci_high"].fillna(0),
            step="post",
            alpha=0.15,
            color=line.get_color(),
        )
        censored = part[part["n_censor"] > 0]
        axis.plot(censored["time"] / DAYS_PER_MONTH, censored["surv"], "|", color=line.get_color())
    axis.set_ylim(0, 1.02)
    axis.set_xlim(0, ticks[-1])
    axis.set_xticks(ticks)
    axis.set_xlabel("months" + (" since the 6-month landmark" if landmark else " since start"))
    axis.set_ylabel("progression-free survival")
    axis.set_title(title or "PFS (Kaplan-Meier, 95 % CI)", fontsize="medium", wrap=True)
    axis.legend(fontsize="small", loc="upper right")
    if effect:
        axis.text(0.02, 0.04, effect, transform=axis.transAxes, fontsize="small")
    _risk_table(table, groups, names, ticks)
    figure.subplots_adjust(left=0.3, right=0.97, top=0.92, bottom=0.06)
    return figure


def _risk_table(axis, groups, names: list[str], ticks: np.ndarray) -> None:
    """Numbers at risk under the plot, one row per group, one column per tick."""
    axis.set_xlim(0, ticks[-1])
    axis.set_ylim(-0.5, len(groups) - 0.5)
    axis.axis("off")
    axis.set_title("Number at risk", fontsize="small", loc="left")
    for row, ((_, part), name) in enumerate(zip(groups, names, strict=True)):
        y = len(groups) - 1 - row
        axis.text(-0.07, y, name, ha="right", va="center", fontsize="small",
                  transform=axis.get_yaxis_transform())  # fmt: skip
        for tick in ticks:
            count = at_risk(part, tick * DAYS_PER_MONTH)
            axis.text(tick, y, str(count), ha="center", va="center", fontsize="small")
