"""Report figures of the ctDNA stage (matplotlib, Agg backend); each returns a Figure.

- ``trajectories_figure(ctdna, arms)``: per-patient tumour fraction at baseline, month 6 and
  relapse (ctdna.tsv), one panel per arm when arms are known, thin lines and no per-patient
  labels (readable at 100+ patients), filled markers when detected, hollow when not,
  crosses when not evaluable (plotted at the bottom of the axis); a sample assessed without a
  tumour fraction (tumour-naive fixed-site call, MDM2 without copy number) is a triangle at
  the bottom.
- ``mdm2_figure(ctdna, cn, amp_log2)``: MDM2 gene-level log2 ratio of the plasma samples
  (ctdna.tsv), a jittered strip per timepoint, against the panel-of-normal samples'
  leave-one-out ratios (from ctdna_cn.tsv), with the run's amplification threshold; no
  per-sample labels.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (backend set first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ctdna.cn import AMP_LOG2  # noqa: E402
from stereosarc import protocol  # noqa: E402

TF_FLOOR = 1e-4  # display floor of the log axis: 0.01 %, below any reported tumour fraction
ARM_UNKNOWN = "arm not known"  # panel of patients with plasma but no row in biomarkers.tsv
JITTER = 0.25  # horizontal spread of the MDM2 strips (x units: one timepoint = 1)
JITTER_SEED = 20240601  # fixed jitter: the same table gives the same figure (project seed)


def trajectories_figure(ctdna: pd.DataFrame, arms: dict | None = None) -> Figure:
    """Tumour fraction per patient across the protocol timepoints (log axis); one panel per
    arm when ``arms`` ({patient: arm label}) is given, else one panel. Thin lines, no
    per-patient labels: readable at 100+ patients."""
    panel = (
        ctdna["patient"].map(arms).fillna(ARM_UNKNOWN)
        if arms
        else pd.Series("all patients", index=ctdna.index)
    )
    groups = sorted(set(panel)) or ["all patients"]
    figure, axes = plt.subplots(
        1, len(groups), figsize=(max(4.2 * len(groups) + 1, 7), 4.3), sharey=True, squeeze=False
    )
    position = {tp: i for i, tp in enumerate(protocol.TIMEPOINTS)}
    for axis, group in zip(axes[0], groups, strict=True):
        patients = ctdna[panel == group]
        for _, rows in patients.sort_values("patient").groupby("patient"):
            _patient_line(axis, rows, position)
        axis.set_yscale("log")
        axis.set_xticks(range(len(protocol.TIMEPOINTS)), list(protocol.TIMEPOINTS))
        axis.set_xlim(-0.3, len(protocol.TIMEPOINTS) - 0.7)
        count = patients["patient"].nunique()
        axis.set_title(f"{group} ({count} patients)", fontsize="small")
    axes[0][0].set_ylabel(f"tumour fraction (< {TF_FLOOR:g} drawn at {TF_FLOOR:g})")
    figure.suptitle(
        "ctDNA trajectories. Filled: detected; hollow: not detected;\n"
        "x: not evaluable; triangle: detected without a tumour fraction",
        fontsize="small",
    )
    figure.tight_layout()
    return figure


def _patient_line(axis, rows: pd.DataFrame, position: dict) -> None:
    """One patient's tumour fractions joined by a thin line, a marker per sample."""
    rows = rows[rows["timepoint"].isin(protocol.TIMEPOINTS)].copy()
    rows["x"] = rows["timepoint"].map(position)
    rows = rows.sort_values("x")
    tf = pd.to_numeric(rows["tumour_fraction"], errors="coerce").clip(lower=TF_FLOOR)
    (line,) = axis.plot(rows["x"], tf, "-", alpha=0.5, lw=0.8)
    detected = pd.to_numeric(rows["detected"], errors="coerce")
    for x, y, flag in zip(rows["x"], tf, detected, strict=False):
        if np.isnan(flag):
            axis.plot(x, TF_FLOOR, "x", color=line.get_color(), ms=4)
        else:
            axis.plot(
                x,
                TF_FLOOR if np.isnan(y) else y,
                "^" if np.isnan(y) else "o",
                color=line.get_color(),
                markerfacecolor=line.get_color() if flag else "white",
                ms=4,
            )


def pon_gene_log2(cn: pd.DataFrame, gene: str = "MDM2") -> pd.Series:
    """Gene log2 ratio of each PoN sample from ctdna_cn rows: log2(sum norm / sum PoN)."""
    rows = cn[(cn["type"] == "pon") & (cn["gene"] == gene)].dropna(
        subset=["norm_depth", "pon_norm_depth"]
    )
    sums = rows.groupby("sample")[["norm_depth", "pon_norm_depth"]].sum()
    return np.log2(sums["norm_depth"] / sums["pon_norm_depth"])


def mdm2_figure(ctdna: pd.DataFrame, cn: pd.DataFrame, amp_log2: float = AMP_LOG2) -> Figure:
    """MDM2 log2 ratio per timepoint (plasma, red when amplified) beside the PoN samples
    (grey), jittered strips, the run's amplification threshold dashed; no sample labels."""
    figure, axis = plt.subplots(figsize=(7, 4))
    rng = np.random.default_rng(JITTER_SEED)
    pon = pon_gene_log2(cn)
    axis.scatter(
        rng.uniform(-JITTER, JITTER, len(pon)),
        pon,
        color="grey",
        s=12,
        label="PoN (leave-one-out)",
    )
    position = {tp: i + 1 for i, tp in enumerate(protocol.TIMEPOINTS)}
    plasma = ctdna.sort_values(["patient", "timepoint", "sample"]).reset_index(drop=True)
    x = plasma["timepoint"].map(position).to_numpy(float) + rng.uniform(
        -JITTER, JITTER, len(plasma)
    )
    values = pd.to_numeric(plasma["mdm2_log2_ratio"], errors="coerce")
    amplified = (pd.to_numeric(plasma["mdm2_amplified"], errors="coerce") == 1).to_numpy()
    axis.scatter(x[~amplified], values[~amplified], color="tab:blue", s=12, alpha=0.7,
                 label="plasma")  # fmt: skip
    axis.scatter(x[amplified], values[amplified], color="tab:red", s=14, label="plasma, amplified")
    axis.axhline(amp_log2, color="tab:red", linestyle="--", linewidth=1)
    axis.annotate(f"threshold {amp_log2:g}", (len(position) + 0.45, amp_log2), fontsize="x-small",
                  ha="right", va="bottom", color="tab:red")  # fmt: skip
    axis.set_xticks([0, *position.values()], ["PoN", *position])
    axis.set_xlim(-0.6, len(position) + 0.5)
    axis.set_ylabel("MDM2 log2 ratio vs PoN")
    axis.set_title(f"MDM2 in plasma ({len(plasma)} samples)", fontsize="small")
    axis.legend(fontsize="small", loc="upper left")
    figure.tight_layout()
    return figure
