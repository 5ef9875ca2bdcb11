"""The fast paths of outcome-associate give lifelines' and statsmodels' own numbers:
outcome.coxpath (lifelines' Newton path on arrays) against lifelines ``CoxPHFitter``, the
lifelines fall-back of outcome.survival.fit_cox for a separated fit, and the array design
matrices of outcome.missing_data against statsmodels ``MICEData`` (patsy). Seeded data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from outcome import coxpath, missing_data, survival

SEED = 20240601


def _frame(n: int, seed: int, ties: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    print(f"seed {seed}")
    x1, x2 = rng.normal(size=n), rng.binomial(1, 0.4, n).astype(float)
    time = rng.exponential(300 * np.exp(-0.5 * x1 + 0.3 * x2))
    return pd.DataFrame(
        {
            "time": np.ceil(time / 30) * 30 if ties else time,  # monthly visits: tied times
            "event": rng.binomial(1, 0.7, n),
            "x1": x1 * 40 + 100,  # raw scale: lifelines standardises, so must coxpath
            "x2": x2,
            "stratum": rng.choice(["a", "b", "c"], n),
        }
    )


def _lifelines(frame, terms, strata):
    from lifelines import CoxPHFitter

    model = CoxPHFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(
            frame[["time", "event", *terms, *(strata or [])]],
            "time",
            "event",
            strata=strata,
            fit_options=survival.NEWTON_OPTIONS,
        )
    return model


@pytest.mark.parametrize(
    ("n", "seed", "ties", "strata"),
    [(60, SEED, True, ["stratum"]), (150, SEED + 1, False, None), (40, SEED + 2, True, None)],
)
def test_coxpath_gives_lifelines_numbers(n, seed, ties, strata):
    frame = _frame(n, seed, ties)
    terms = ["x1", "x2"]
    model = _lifelines(frame, terms, strata)
    stratum = frame["stratum"].to_numpy() if strata else None
    fit = coxpath.fit(
        frame["time"], frame["event"], frame[terms], stratum, survival.NEWTON_OPTIONS
    )
    assert fit.converged
    np.testing.assert_allclose(fit.coef, model.params_.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(fit.se, model.standard_errors_.to_numpy(), rtol=1e-10)
    assert fit.log_likelihood == pytest.approx(model.log_likelihood_, rel=1e-12)
    ours = survival.fit_cox(frame, "time", "event", terms, strata)
    np.testing.assert_allclose(ours.summary["p_value"], model.summary["p"], rtol=1e-9)


def test_separated_fit_falls_back_to_lifelines():
    frame = _frame(40, SEED + 3)
    frame["x2"] = (frame["time"] < frame["time"].median()).astype(float)  # monotone likelihood
    frame["event"] = 1
    model = _lifelines(frame, ["x2"], None)
    ours = survival.fit_cox(frame, "time", "event", ["x2"], None, ph_test=False)
    assert ours.summary.loc["x2", "se"] > survival.UNSTABLE_SE
    assert ours.summary.loc["x2", "coef"] == model.params_["x2"]
    assert ours.summary.loc["x2", "se"] == model.standard_errors_["x2"]


def test_array_design_mice_imputes_as_statsmodels():
    from statsmodels.imputation.mice import MICEData

    rng = np.random.default_rng(SEED)
    matrix = pd.DataFrame(rng.normal(size=(50, 4)), columns=["a", "b", "c", "d"])
    matrix.loc[rng.random(50) < 0.3, "a"] = np.nan
    matrix.loc[rng.random(50) < 0.2, "c"] = np.nan
    ours = missing_data._array_design_mice()(matrix, k_pmm=5, rng=SEED)
    theirs = MICEData(matrix, k_pmm=5, rng=SEED)
    for chain in (ours, theirs):
        chain.update_all(3)
    for name in ("a", "c"):
        split_ours, split_theirs = ours.get_split_data(name), theirs.get_split_data(name)
        for mine, reference in zip(split_ours[:3], split_theirs[:3]):
            np.testing.assert_array_equal(mine, reference)
    pd.testing.assert_frame_equal(ours.data, theirs.data)
    assert not ours.data.equals(matrix.fillna(0.0))  # imputation did something


def test_interaction_with_marker_in_one_arm_is_a_reason_not_a_crash():
    """x only non-zero in the experimental arm makes x·arm equal to x (singular model; seen in
    the month-6 landmark cohort of the 1,000-patient bench)."""
    from outcome import arms

    frame = _frame(80, SEED + 4).rename(columns={"time": "pfs_days", "event": "pfs_event"})
    frame["arm_experimental"] = np.tile([0.0, 1.0], 40)
    frame["x"] = frame["x2"] * frame["arm_experimental"]
    frame["histology"], frame["line"] = frame["stratum"], "1"
    term, why = arms.interaction_fit(frame, ("histology", "line"), 0.95, 10, 10)
    assert term is None
    assert why.startswith("interaction not estimated: singular model")
