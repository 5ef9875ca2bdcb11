"""Every immune marker measured by the IHC panel (DESIGN.md: CD3, CD4, CD8, CD20, CD45, CD68,
CD163, FOXP3, PD-L1 CPS) is analysed in the pre-specified family, and its q-values are
computed over the whole family (BH counts every test in it)."""

from __future__ import annotations

import numpy as np

from outcome import associations, multiplicity
from tests.unit.test_associations_degenerate import FAST, SEED, cohort

IMMUNE_DENSITIES = [
    "cd3_density",
    "cd4_density",
    "cd8_density",
    "cd20_density",
    "cd45_density",
    "cd68_density",
    "cd163_density",
    "foxp3_density",
]


def _with_immune_panel():
    frame = cohort()
    rng = np.random.default_rng(SEED + 1)
    for column in IMMUNE_DENSITIES:
        frame[column] = rng.lognormal(5, 0.7, len(frame))
    frame["cps"] = rng.integers(0, 60, len(frame)).astype(float)
    return frame


def test_every_measured_immune_marker_is_in_the_biomarker_family():
    table, _ = associations.associate(_with_immune_panel(), settings=FAST)
    for marker in [*IMMUNE_DENSITIES, "cps"]:
        rows = table[table["biomarker"] == marker]
        prognostic = rows[(rows["family"] == "biomarker") & (rows["method"] == "cox_stratified")]
        assert len(prognostic) == 1 and prognostic["adjusted_for"].iloc[0] == "arm", marker
        assert prognostic["p_value"].notna().all(), marker
        assert {"logistic", "cox_interaction", "cox_stratified_per_arm"} <= set(rows["method"])
    densities = [
        m.column
        for m in associations.baseline_markers(table["biomarker"].unique())
        if m.column.endswith("_density")
    ]
    assert sorted(densities) == sorted(IMMUNE_DENSITIES)


def test_q_values_count_the_added_markers():
    table, _ = associations.associate(_with_immune_panel(), settings=FAST)
    family = table[(table["family"] == "biomarker") & table["p_value"].notna()]
    assert family["biomarker"].isin(["cd20_density", "cd163_density"]).sum() == 4
    np.testing.assert_allclose(
        family["q_value"], multiplicity.benjamini_hochberg(family["p_value"])
    )
