"""Report figures of the ctDNA stage (matplotlib, Agg backend); each returns a Figure.

- ``trajectories_figure(ctdna)``: per-patient tumour fraction at baseline, month 6 and
  relapse (ctdna.tsv), filled markers when detected, hollow when not, crosses when not
  evaluable (plotted at the bottom of the axis); a sample assessed without a tumour fraction
  (tumour-naive fixed-site call, MDM2 without copy number) is a triangle at the bottom.
- ``mdm2_figure(ctdna, cn)``: MDM2 gene-level log2 ratio of each plasma sample (ctdna.tsv)
  against the panel-of-normal samples' leave-one-out ratios (from ctdna_cn.tsv), with the
  amplification threshold.
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


def trajectories_figure(ctdna: pd.DataFrame) -> Figure:
    """Tumour fraction per patient across the protocol timepoints (log axis)."""
    figure, axis = plt.subplots(figsize=(6, 4))
    position = {tp: i for i, tp in enumerate(protocol.TIMEPOINTS)}
    for patient, rows in ctdna.sort_values("patient").groupby("patient"):
        rows = rows[rows["timepoint"].isin(protocol.TIMEPOINTS)].copy()
        rows["x"] = rows["timepoint"].map(position)
        rows = rows.sort_values("x")
        tf = pd.to_numeric(rows["tumour_fraction"], errors="coerce").clip(lower=TF_FLOOR)
        (line,) = axis.plot(rows["x"], tf, "-", alpha=0.6, label=str(patient))
        detected = pd.to_numeric(rows["detected"], errors="coerce")
        for x, y, flag in zip(rows["x"], tf, detected, strict=False):
            if np.isnan(flag):
                axis.plot(x, TF_FLOOR, "x", color=line.get_color())
            else:
                axis.plot(
                    x,
                    TF_FLOOR if np.isnan(y) else y,
                    "^" if np.isnan(y) else "o",
                    color=line.get_color(),
                    markerfacecolor=line.get_color() if flag else "white",
                )
    axis.set_yscale("log")
    axis.set_xticks(range(len(protocol.TIMEPOINTS)), list(protocol.TIMEPOINTS))
    axis.set_ylabel(f"tumour fraction (values < {TF_FLOOR:g} drawn at {TF_FLOOR:g})")
    axis.set_title("ctDNA trajectories (filled: detected; x: not evaluable; ^: no TF)")
    if 0 < ctdna["patient"].nunique() <= 20:
        axis.legend(fontsize="small", ncol=2)
    figure.tight_layout()
    return figure


def pon_gene_log2(cn: pd.DataFrame, gene: str = "MDM2") -> pd.Series:
    """Gene log2 ratio of each PoN sample from ctdna_cn rows: log2(sum norm / sum PoN)."""
    rows = cn[(cn["type"] == "pon") & (cn["gene"] == gene)].dropna(
        subset=["norm_depth", "pon_norm_depth"]
    )
    sums = rows.groupby("sample")[["norm_depth", "pon_norm_depth"]].sum()
    return np.log2(sums["norm_depth"] / sums["pon_norm_depth"])


def mdm2_figure(ctdna: pd.DataFrame, cn: pd.DataFrame, amp_log2: float = AMP_LOG2) -> Figure:
    """MDM2 log2 ratio of plasma samples (red: amplified) beside the PoN samples (grey)."""
    figure, axis = plt.subplots(figsize=(7, 4))
    pon = pon_gene_log2(cn)
    axis.scatter(np.zeros(len(pon)), pon, color="grey", label="PoN (leave-one-out)")
    plasma = ctdna.sort_values(["patient", "timepoint", "sample"]).reset_index(drop=True)
    values = pd.to_numeric(plasma["mdm2_log2_ratio"], errors="coerce")
    amplified = pd.to_numeric(plasma["mdm2_amplified"], errors="coerce") == 1
    x = np.arange(1, len(plasma) + 1)
    axis.scatter(x[~amplified], values[~amplified], color="tab:blue", label="plasma")
    axis.scatter(x[amplified], values[amplified], color="tab:red", label="plasma, amplified")
    axis.axhline(amp_log2, color="tab:red", linestyle="--", linewidth=1)
    axis.set_xticks([0, *x], ["PoN", *plasma["sample"].astype(str)], rotation=90, fontsize="small")
    axis.set_ylabel("MDM2 log2 ratio vs PoN")
    axis.legend(fontsize="small")
    figure.tight_layout()
    return figure
