"""Invariants of the array Cox fitter and of predicted survival (hypothesis, seeded data):
the score is zero at the fitted coefficients; a predicted S(h) is a probability and never
increases with the linear predictor within a stratum."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from outcome import calibration, coxfit

SEEDS = st.integers(min_value=0, max_value=2**31 - 1)


def _data(seed: int, n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame(
        {
            "pfs_days": np.ceil(rng.exponential(100 * np.exp(-0.5 * x))),  # ties happen
            "pfs_event": (rng.random(n) < 0.75).astype(int),
            "x": x,
            "histology": rng.choice(["a", "b"], n),
        }
    )


@settings(max_examples=25, deadline=None)
@given(SEEDS)
def test_score_is_zero_at_the_fitted_coefficients(seed):
    data = _data(seed)
    fit = coxfit.fit(data["pfs_days"], data["pfs_event"], data[["x"]], data["histology"])
    if not fit.converged:
        return
    layout = coxfit._strata_layout(
        data["pfs_days"].to_numpy(float),
        data["pfs_event"].to_numpy(int),
        data["histology"].to_numpy(str),
    )
    x = data[["x"]].to_numpy(float) - data["x"].mean()
    _, score, _ = coxfit._derivatives(x, fit.coef, layout)
    assert np.abs(score).max() < 1e-6


@settings(max_examples=25, deadline=None)
@given(SEEDS, st.floats(min_value=-2, max_value=2))
def test_predicted_survival_is_a_probability_decreasing_in_risk(seed, beta):
    data = _data(seed)
    predicted = calibration.predicted_survival(
        data, data, ["x"], ["histology"], np.array([beta]), 30.0
    )
    present = ~np.isnan(predicted)
    assert ((predicted[present] >= 0) & (predicted[present] <= 1)).all()
    for stratum in ("a", "b"):
        own = present & (data["histology"] == stratum).to_numpy()
        order = np.argsort(beta * data["x"].to_numpy()[own])
        assert (np.diff(predicted[own][order]) <= 1e-12).all()
