"""Cox refusal rules (degenerate inputs) and the fitted model's diagnostics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from outcome import survival

SEED = 20240601


def _frame(n=40, events=None, value=None, seed=SEED):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, n) if value is None else np.full(n, value)
    event = (rng.random(n) < 0.8).astype(int) if events is None else np.asarray(events)
    return pd.DataFrame({"t": rng.exponential(100, n), "e": event, "x": x.astype(float)})


def test_refuses_small_n():
    assert "n = 5 < 10" in survival.cox_refusal(_frame(5), "t", "e", "x")


def test_refuses_all_censored():
    assert "all censored" in survival.cox_refusal(_frame(events=np.zeros(40)), "t", "e", "x")


def test_refuses_single_value():
    assert "single value" in survival.cox_refusal(_frame(value=1), "t", "e", "x")


def test_refuses_too_few_events_per_parameter():
    events = np.r_[np.ones(12), np.zeros(28)]
    assert survival.cox_refusal(_frame(events=events), "t", "e", "x") is None
    assert "per parameter x 3" in survival.cox_refusal(_frame(events=events), "t", "e", "x", 3)


def test_refuses_group_without_events():
    frame = _frame()
    frame.loc[frame["x"] == 1, "e"] = 0
    assert "monotone likelihood" in survival.cox_refusal(frame, "t", "e", "x")


def test_fit_reports_n_events_c_index_and_ph_p():
    frame = _frame(80)
    fit = survival.fit_cox(frame, "t", "e", ["x"])
    assert fit.n == 80 and fit.events == int(frame["e"].sum())
    assert 0 <= fit.c_index <= 1 and 0 <= fit.ph_p <= 1
    row = fit.summary.loc["x"]
    assert row["ci_low"] < row["hr"] < row["ci_high"]
