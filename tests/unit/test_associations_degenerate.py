"""The association family on small seeded frames: degenerate inputs give rows with reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from outcome import associations, landmark, multiplicity
from stereosarc.tables import validate_frame

SEED = 20240601
FAST = associations.Settings(n_bootstrap=50, enet_repeats=2)


def cohort(n=60, seed=SEED) -> pd.DataFrame:
    """Synthetic biomarkers.tsv-like frame (seeded)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "patient": [f"P{i:03d}" for i in range(n)],
            "arm": rng.choice(["SBRT", "SBRT+atezolizumab"], n),
            "histology": rng.choice(["leiomyosarcoma", "liposarcoma", "undifferentiated"], n),
            "line": rng.choice(["1", "2"], n),
            "pfs_days": np.ceil(rng.exponential(250, n)),
            "pfs_event": (rng.random(n) < 0.8) * 1,
            "objective_response": (rng.random(n) < 0.3) * 1,
            "tmb": rng.lognormal(1, 1, n),
            "nlr_high": rng.integers(0, 2, n),
            "cd8_density": rng.normal(300, 80, n),
        }
    )


def _row(table, biomarker, method):
    rows = table[(table["biomarker"] == biomarker) & (table["method"] == method)]
    assert len(rows) == 1, (biomarker, method)
    return rows.iloc[0]


def test_full_run_validates_against_the_schemas():
    table, km = associations.associate(cohort(), settings=FAST)
    validate_frame(table, "associations")
    validate_frame(km, "km")
    assert _row(table, "tmb", "cox_stratified")["transform"] == "log2"
    assert _row(table, "cd8_density", "cox_stratified")["transform"].startswith("per SD")
    cut = _row(table, "tmb", "maxstat_logrank")
    assert cut["family"] == "exploratory" and np.isnan(cut["q_value"])
    assert frame_quantiles_contain(cohort()["tmb"], cut["estimate"])


def frame_quantiles_contain(values: pd.Series, cut: float) -> bool:
    """The maxstat cut-point lies within the 10-90 % quantiles (issue 7)."""
    low, high = np.quantile(values, [0.1, 0.9])
    return bool(low <= cut < high)


def test_single_value_biomarker_gives_a_reason_not_an_estimate():
    table, _ = associations.associate(cohort().assign(nlr_high=1), settings=FAST)
    cox = _row(table, "nlr_high", "cox_stratified")
    assert np.isnan(cox["estimate"]) and "single value" in cox["note"]
    assert "not tested" in _row(table, "nlr_high", "fisher_exact")["note"]


def test_all_censored_gives_reasons_everywhere():
    table, _ = associations.associate(cohort().assign(pfs_event=0), settings=FAST)
    for biomarker in ("arm", "tmb", "nlr_high", "cd8_density"):
        row = _row(table, biomarker, "cox_stratified")
        assert np.isnan(row["estimate"]) and "all censored" in row["note"]


def test_fewer_than_ten_patients_refused():
    table, _ = associations.associate(cohort(8), settings=FAST)
    assert "n = 8 < 10" in _row(table, "tmb", "cox_stratified")["note"]
    assert "not fitted" in _row(table, "tmb", "logistic")["note"]


def test_missing_biomarker_counted_not_dropped_silently():
    frame = cohort()
    frame.loc[:9, "tmb"] = np.nan
    row = _row(associations.associate(frame, settings=FAST)[0], "tmb", "cox_stratified")
    assert row["n"] == 50 and row["n_missing"] == 10


def test_bh_within_the_biomarker_and_interaction_families_separately():
    table, _ = associations.associate(cohort(), settings=FAST)
    adjusted = table["family"].isin(["biomarker", "interaction"])
    assert table.loc[~adjusted, "q_value"].isna().all()
    for family in ("biomarker", "interaction"):
        tested = table[(table["family"] == family) & table["p_value"].notna()]
        assert (tested["q_value"] >= tested["p_value"]).all()
        np.testing.assert_allclose(
            tested["q_value"], multiplicity.benjamini_hochberg(tested["p_value"])
        )


def test_time_varying_skipped_with_reason_without_dates():
    table, _ = associations.associate(cohort(), settings=FAST)
    assert "no ctdna.tsv" in _row(table, "ctdna_detected", "cox_time_varying")["note"]


def test_landmark_exclusions_counted_by_hand():
    frame = pd.DataFrame(
        {
            "pfs_days": [100, 150, 200, 300, 400, np.nan],
            "pfs_event": [1, 0, 1, 0, 1, np.nan],
            "m6": [1, np.nan, 0, np.nan, 1, 1],
        }
    )
    cohort_at_landmark, excluded = landmark.landmark_cohort(frame, "m6", 182.625)
    assert excluded == {
        "no_pfs": 1,
        "event_before_landmark": 1,
        "censored_before_landmark": 1,
        "marker_missing": 1,
    }
    assert cohort_at_landmark["pfs_days"].tolist() == pytest.approx([17.375, 217.375])


def test_log2_with_zeros_uses_half_the_smallest_positive_value():
    values, label = associations.transform(pd.Series([0.0, 0.02, 0.5, None]), "log2")
    assert label == "log2(x + 0.01)"
    assert values.iloc[0] == pytest.approx(np.log2(0.01)) and np.isnan(values.iloc[3])


def test_near_separation_gives_a_reason_not_a_meaningless_hazard_ratio():
    frame = cohort().assign(nlr_high=0)
    frame.loc[:9, "nlr_high"] = 1
    frame.loc[:9, "pfs_event"] = 0
    frame.loc[0, ["pfs_event", "pfs_days"]] = [1, 5000]  # the group's one event comes last
    row = _row(associations.associate(frame, settings=FAST)[0], "nlr_high", "cox_stratified")
    assert np.isnan(row["estimate"]) and "unstable" in row["note"]


def test_constant_continuous_biomarker_gives_reasons_in_every_row():
    table, _ = associations.associate(cohort().assign(tmb=7.0), settings=FAST)
    rows = table[table["biomarker"] == "tmb"]
    assert set(rows["method"]) == {
        "cox_stratified",
        "maxstat_logrank",
        "logistic",
        "roc_auc",
        "cox_interaction",
        "cox_stratified_per_arm",
        "logistic_per_arm",
    }
    assert rows["estimate"].isna().all() and rows["p_value"].isna().all()
    assert rows["note"].str.contains("not fitted|not tested").all()


def _with_plasma(frame, detected):
    """start_date for every patient and two dated plasma samples each (days 0 and 91)."""
    frame = frame.assign(start_date="2021-03-01")
    ctdna = pd.DataFrame(
        {
            "patient": np.repeat(frame["patient"], 2).to_numpy(),
            "sample": [f"S{i}" for i in range(2 * len(frame))],
            "timepoint": np.tile(["baseline", "month3"], len(frame)),
            "collection_date": np.tile(["2021-03-01", "2021-05-31"], len(frame)),
            "detected": detected(2 * len(frame)),
        }
    )
    return frame, ctdna


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda f: f.assign(pfs_event=0), "no events (all censored)"),
        (lambda f: f.iloc[:8], "n = 8 < 10 patients with a usable plasma sample"),
        (lambda f: f, "ctDNA status has a single value"),
    ],
)
def test_time_varying_degenerate_inputs_give_a_reason(change, reason):
    frame, ctdna = _with_plasma(change(cohort()), lambda n: np.zeros(n))
    if reason != "ctDNA status has a single value":
        ctdna["detected"] = np.arange(len(ctdna)) % 2
    row = _row(associations.associate(frame, ctdna, FAST)[0], "ctdna_detected", "cox_time_varying")
    assert np.isnan(row["estimate"]) and reason in row["note"], row["note"]
    assert "not used:" in row["note"]


def test_time_varying_without_dates_is_skipped_with_the_missing_column_named():
    frame, ctdna = _with_plasma(cohort(), lambda n: np.arange(n) % 2)
    table, _ = associations.associate(frame, ctdna.drop(columns="collection_date"), FAST)
    assert "no collection_date" in _row(table, "ctdna_detected", "cox_time_varying")["note"]
    table, _ = associations.associate(frame.drop(columns="start_date"), ctdna, FAST)
    assert "no start_date" in _row(table, "ctdna_detected", "cox_time_varying")["note"]
