"""ctdna.figures: the report figures build from tiny ctdna / ctdna_cn frames (incl. NA), and
the PoN ratios drawn are the leave-one-out values ctdna-call scored."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from ctdna import cn, figures
from tests.unit.test_ctdna_cn import SEED, simulate


def _ctdna():
    return pd.DataFrame(
        {
            "patient": ["P1", "P1", "P2", "P3"],
            "sample": ["a", "b", "c", "d"],
            "timepoint": ["baseline", "month6", "baseline", "relapse"],
            "tumour_fraction": [0.05, 0.0, 0.1, math.nan],
            "detected": [1, 0, 1, math.nan],
            "mdm2_log2_ratio": [0.0, 0.01, 1.0, math.nan],
            "mdm2_amplified": [0, 0, 1, math.nan],
        }
    )


def _cn():
    return pd.DataFrame(
        {
            "sample": ["n1", "n1", "n2"],
            "type": ["pon"] * 3,
            "gene": ["MDM2", "BACKBONE_01", "MDM2"],
            "norm_depth": [1.0, 1.0, 2.0],
            "pon_norm_depth": [1.0, 1.0, 1.0],
        }
    )


def test_trajectories_figure_has_one_line_per_patient():
    figure = figures.trajectories_figure(_ctdna())
    assert isinstance(figure, Figure)
    axis = figure.axes[0]
    assert axis.get_yscale() == "log"
    assert len([line for line in axis.lines if line.get_linestyle() == "-"]) == 3


def test_detected_sample_without_tumour_fraction_is_not_drawn_as_not_evaluable():
    """P3 relapse: tumour-naive detection (TF NA, detected 1) -> filled triangle at the floor;
    an NA detection stays a cross."""
    frame = _ctdna().assign(detected=[1, 0, 1, 1])
    markers = [
        (line.get_marker(), line.get_markerfacecolor() != "white")
        for line in figures.trajectories_figure(frame).axes[0].lines
        if line.get_linestyle() == "None"
    ]
    assert markers.count(("^", True)) == 1 and ("x", True) not in markers
    markers = [
        line.get_marker()
        for line in figures.trajectories_figure(_ctdna()).axes[0].lines
        if line.get_linestyle() == "None"
    ]
    assert markers.count("x") == 1 and "^" not in markers


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


def test_pon_ratios_drawn_equal_the_leave_one_out_calls():
    """The figure rebuilds each PoN sample's MDM2 log2 ratio from ctdna_cn rows: it must be
    the leave-one-out value ctdna-call scored (same scaling to the other PoN samples)."""
    norm = cn.normalise_depth(
        simulate(np.random.default_rng(SEED), n_pon=6, plasma=[("p1", 0.1, 20.0)]), ["MDM2"], []
    )
    pon = [f"pon{i + 1}" for i in range(6)]
    table = cn.target_table(norm, pon)
    table["type"] = np.where(table["sample"].isin(pon), "pon", "plasma")
    calls = cn.call_gene(norm, pon, "MDM2").set_index("sample")["log2_ratio"]
    drawn = figures.pon_gene_log2(table)
    assert sorted(drawn.index) == sorted(pon)
    assert drawn.to_dict() == pytest.approx(calls.loc[pon].to_dict(), abs=1e-12)


def test_trajectories_by_arm_keep_every_patient_and_label_none():
    """One panel per arm, patients without an arm in their own panel; no per-patient text."""
    figure = figures.trajectories_figure(_ctdna(), {"P1": "SBRT", "P2": "SBRT + atezolizumab"})
    titles = [axis.get_title() for axis in figure.axes]
    assert titles == [
        "SBRT (1 patients)",
        "SBRT + atezolizumab (1 patients)",
        f"{figures.ARM_UNKNOWN} (1 patients)",
    ]
    lines = [line for axis in figure.axes for line in axis.lines if line.get_linestyle() == "-"]
    assert len(lines) == 3 and not any(axis.texts for axis in figure.axes)
    assert figure.axes[0].get_legend() is None


def test_mdm2_figure_has_no_sample_labels_and_the_run_threshold():
    axis = figures.mdm2_figure(_ctdna(), _cn(), amp_log2=0.35).axes[0]
    labels = [tick.get_text() for tick in axis.get_xticklabels()]
    assert labels == ["PoN", "baseline", "month6", "relapse"]
    assert [line.get_ydata()[0] for line in axis.lines] == [0.35]  # the dashed threshold
