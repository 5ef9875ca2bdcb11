"""The pre-specified multivariable Cox model (outcome.multivariable), its array fitter
(outcome.coxfit), predicted survival and calibration groups (outcome.calibration) and the
bootstrap validation (outcome.validation): edge cases named for what they guard, hand-derived
values, and the array fitter against lifelines (R: tests/crosscheck/test_multivariable_r.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from outcome import calibration, coxfit, multivariable, survival, validation
from outcome.exceptions import OutcomeInputError

SEED = 20240601  # project default seed
SPEC = multivariable.ModelSpec(covariates=("ctdna_baseline_detected", "nlr"))  # 3 parameters


def cohort(n: int = 90, seed: int = SEED, event_share: float = 0.8) -> pd.DataFrame:
    """biomarkers.tsv-like frame: two histologies x two lines, NLR with a real effect."""
    rng = np.random.default_rng(seed)
    nlr = rng.lognormal(np.log(3), 0.5, n)
    detected = (rng.random(n) < 0.5).astype(float)
    hazard = np.exp(0.6 * np.log2(nlr) + 0.4 * detected) / 300
    time = np.ceil(rng.exponential(1 / hazard))
    event = (rng.random(n) < event_share).astype(int)
    return pd.DataFrame(
        {
            "patient": [f"P{i:03d}" for i in range(n)],
            "arm": np.where(np.arange(n) % 3 == 0, "SBRT", "SBRT+atezolizumab"),
            "histology": np.where(np.arange(n) % 2 == 0, "leiomyosarcoma", "liposarcoma"),
            "line": np.where(np.arange(n) % 4 < 2, "1", "2"),
            "pfs_days": time,
            "pfs_event": event,
            "ctdna_baseline_detected": detected,
            "nlr": nlr,
        }
    )


def test_default_covariates_are_registry_markers():
    assert multivariable.parse_covariates(",".join(multivariable.DEFAULT_COVARIATES)) == (
        multivariable.DEFAULT_COVARIATES
    )
    assert [multivariable.marker_transform(c) for c in multivariable.DEFAULT_COVARIATES] == [
        "none",
        "log2",
        "log2",
        "log2",
    ]


@pytest.mark.parametrize("text", ["", " , ", "tmb,tmb", "tmb,patient_weight"])
def test_unknown_repeated_or_empty_covariates_are_refused(text):
    with pytest.raises(OutcomeInputError):
        multivariable.parse_covariates(text)


def test_model_frame_keeps_missing_values_and_uses_the_registry_scale():
    frame = cohort(12)
    frame.loc[3, "nlr"] = np.nan
    model = multivariable.model_frame(frame, SPEC)
    assert list(model.columns) == [
        "pfs_days",
        "pfs_event",
        "histology",
        "line",
        "arm_experimental",
        "ctdna_baseline_detected",
        "nlr",
    ]
    assert model.index.name == "patient" and np.isnan(model["nlr"].iloc[3])
    np.testing.assert_allclose(model["nlr"].iloc[0], np.log2(frame["nlr"].iloc[0]))
    assert model["arm_experimental"].iloc[0] == 0 and model["arm_experimental"].iloc[1] == 1


def test_too_few_events_per_variable_is_not_fitted_with_a_note():
    frame = cohort(60, event_share=0.4)  # ~24 events < 10 x 3 parameters
    model = multivariable.fit_complete_case(frame, SPEC)
    rows = model.to_frame()
    assert model.fit_ is None and rows["estimate"].isna().all()
    assert rows["note"].str.contains("not fitted: .* events < 10 per parameter x 3").all()
    table = validation.validate(model, validation.ValidationSettings(n_bootstrap=5))
    assert table["optimism"].isna().all() and table["note"].str.startswith("not fitted").all()


def test_missing_covariate_excludes_the_patient_and_counts_it():
    frame = cohort()
    frame.loc[:4, "nlr"] = np.nan
    model = multivariable.fit_complete_case(frame, SPEC)
    rows = model.to_frame()
    assert (rows["n"] == 85).all() and (rows["n_excluded"] == 5).all()
    assert model.fit_ is not None and rows["estimate"].notna().all()


def test_covariate_without_any_value_is_named_in_the_note():
    frame = cohort().drop(columns="nlr")
    model = multivariable.fit_complete_case(frame, SPEC)
    assert model.refusal_ == "no value of nlr (column absent or its stage not run)"
    assert model.to_frame()["transform"].iloc[2] == "column absent from biomarkers.tsv"


def test_one_arm_only_is_not_fitted():
    frame = cohort().assign(arm="SBRT")
    model = multivariable.fit_complete_case(frame, SPEC)
    assert "single value of arm_experimental" in model.refusal_


def test_perfect_separation_is_not_fitted_as_unstable():
    frame = cohort(120)
    frame["ctdna_baseline_detected"] = (frame["pfs_days"] < frame["pfs_days"].median()) * 1.0
    frame["pfs_event"] = 1
    frame.loc[frame["ctdna_baseline_detected"] == 0, "pfs_event"] = 0
    model = multivariable.fit_complete_case(frame, SPEC)
    assert model.fit_ is None and (
        "near-separation" in model.refusal_ or "no convergence" in model.refusal_
    )


def test_array_fitter_equals_lifelines_with_ties_and_strata():
    frame = multivariable.model_frame(cohort(), SPEC).dropna()
    frame["pfs_days"] = np.ceil(frame["pfs_days"] / 30)  # many tied times: Efron matters
    lifelines_fit = survival.fit_cox(
        frame, "pfs_days", "pfs_event", SPEC.terms, SPEC.strata, ph_test=False
    )
    ours = coxfit.fit(
        frame["pfs_days"],
        frame["pfs_event"],
        frame[SPEC.terms].to_numpy(float),
        calibration.stratum_key(frame, SPEC.strata),
    )
    assert ours.converged
    np.testing.assert_allclose(ours.coef, lifelines_fit.summary["coef"], rtol=1e-7)
    np.testing.assert_allclose(ours.se, lifelines_fit.summary["se"], rtol=1e-7)
    assert ours.log_likelihood == pytest.approx(lifelines_fit.log_likelihood, rel=1e-10)


def test_baseline_hazard_by_hand_breslow_and_efron_ties():
    """β = 0: H0 is Nelson-Aalen; two tied events among 4 at risk add 1/4 + 1/(4 - 1)."""
    distinct = calibration.baseline_cumhaz([1, 2, 3, 4], [1, 1, 1, 1], np.zeros(4), 2.5)
    assert distinct == pytest.approx(1 / 4 + 1 / 3)
    tied = calibration.baseline_cumhaz([1, 1, 3, 4], [1, 1, 0, 1], np.zeros(4), 2.0)
    assert tied == pytest.approx(1 / 4 + 1 / 3)
    assert np.isnan(calibration.baseline_cumhaz([1, 2], [1, 0], np.zeros(2), 3.0))


def test_stratum_ending_before_the_horizon_has_no_prediction():
    data = pd.DataFrame(
        {"pfs_days": [10, 20, 30, 400, 500, 600], "pfs_event": [1, 1, 0, 1, 0, 1]}
    ).assign(x=[0.0, 1, 0, 1, 0, 1], histology=["a"] * 3 + ["b"] * 3)
    predicted = calibration.predicted_survival(
        data, data, ["x"], ["histology"], np.array([0.0]), 182.625
    )
    assert np.isnan(predicted[:3]).all() and np.allclose(predicted[3:], 1.0)


def test_risk_tertiles_keep_ties_together_and_put_cut_points_low():
    predicted = np.array([0.9, 0.9, 0.9, 0.5, 0.5, 0.2, np.nan])
    groups = calibration.risk_groups(predicted)
    assert list(groups) == [1, 1, 1, 2, 2, 3, 0]


def test_bootstrap_sample_without_events_in_a_stratum_is_counted_as_failed():
    frame = cohort(80)
    rare = frame.index[frame["histology"] == "liposarcoma"]
    frame.loc[rare, "pfs_event"] = 0
    frame.loc[rare[0], "pfs_event"] = 1  # one event: resamples often miss it
    model = multivariable.fit_complete_case(frame, SPEC)
    settings = validation.ValidationSettings(n_bootstrap=30, seed=SEED)
    table = validation.validate(model, settings).set_index("quantity")
    c_row = table.loc["c_index"]
    print("seed", SEED, c_row[["bootstraps_valid", "bootstraps_failed", "failure_reasons"]])
    assert c_row["bootstraps_failed"] > 0
    assert c_row["bootstraps_valid"] + c_row["bootstraps_failed"] == 30
    assert c_row["failure_reasons"].startswith("stratum without events: ")
    assert int(c_row["failure_reasons"].split(": ")[1]) == c_row["bootstraps_failed"]


def test_resample_with_a_constant_covariate_is_counted_as_failed():
    data = multivariable.model_frame(cohort(), SPEC).dropna().reset_index(drop=True)
    only_detected = np.flatnonzero(data["ctdna_baseline_detected"] == 1)
    indices = np.tile(only_detected, (2, 1))
    runs = validation.bootstrap_optimism(data, SPEC, indices)
    assert list(runs["failure"]) == ["covariate with a single value"] * 2


def test_resampling_the_data_itself_gives_zero_optimism_and_unit_slope():
    """The identity 'resample' refits the original model: optimism 0, slope 1 exactly."""
    data = multivariable.model_frame(cohort(), SPEC).dropna().reset_index(drop=True)
    runs = validation.bootstrap_optimism(data, SPEC, np.arange(len(data))[None, :])
    assert runs["c_resample"].iloc[0] == pytest.approx(runs["c_original"].iloc[0], abs=1e-12)
    assert runs["slope_original"].iloc[0] == pytest.approx(1.0, abs=1e-8)


def test_validation_table_layout_and_seeded_reproducibility():
    model = multivariable.fit_complete_case(cohort(), SPEC)
    settings = validation.ValidationSettings(n_bootstrap=10, seed=SEED)
    first, second = validation.validate(model, settings), validation.validate(model, settings)
    pd.testing.assert_frame_equal(first, second)
    assert list(first.columns) == validation.COLUMNS
    assert list(first["quantity"]) == ["c_index", "calibration_slope"] + ["calibration_6m"] * 4
    c_row = first.iloc[0]
    assert c_row["failure_reasons"] == "none" and c_row["bootstraps_valid"] == 10
    assert c_row["corrected"] == pytest.approx(c_row["apparent"] - c_row["optimism"])
    assert first["group"].iloc[-1] == "all" and first["n"].iloc[-1] == model.complete_.shape[0]
