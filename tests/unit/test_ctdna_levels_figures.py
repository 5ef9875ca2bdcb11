"""ctdna.figures: the report figures build from tiny ctdna / ctdna_cn frames (incl. NA)."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure

from ctdna import figures


def _ctdna():
    return pd.DataFrame({
        "patient": ["P1", "P1", "P2", "P3"], "sample": ["a", "b", "c", "d"],
        "timepoint": ["baseline", "month6", "baseline", "relapse"],
        "tumour_fraction": [0.05, 0.0, 0.1, math.nan], "detected": [1, 0, 1, math.nan],
        "mdm2_log2_ratio": [0.0, 0.01, 1.0, math.nan], "mdm2_amplified": [0, 0, 1, math.nan]})


def _cn():
    return pd.DataFrame({"sample": ["n1", "n1", "n2"], "type": ["pon"] * 3,
                         "gene": ["MDM2", "BACKBONE_01", "MDM2"],
                         "norm_depth": [1.0, 1.0, 2.0], "pon_norm_depth": [1.0, 1.0, 1.0]})


def test_trajectories_figure_has_one_line_per_patient():
    figure = figures.trajectories_figure(_ctdna())
    assert isinstance(figure, Figure)
    axis = figure.axes[0]
    assert axis.get_yscale() == "log"
    assert len([line for line in axis.lines if line.get_linestyle() == "-"]) == 3


def test_mdm2_figure_plots_pon_leave_one_out_ratios():
    pon = figures.pon_gene_log2(_cn())
    assert dict(pon) == {"n1": 0.0, "n2": 1.0}  # log2(1/1), log2(2/1)
    figure = figures.mdm2_figure(_ctdna(), _cn())
    assert isinstance(figure, Figure)
    assert len(figure.axes[0].collections) == 3  # PoN, plasma, plasma amplified


def test_figures_accept_empty_tables():
    empty = _ctdna().iloc[0:0]
    assert isinstance(figures.trajectories_figure(empty), Figure)
    assert isinstance(figures.mdm2_figure(empty, _cn().iloc[0:0]), Figure)
