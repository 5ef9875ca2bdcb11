"""The cox_time_varying row of associations.tsv against R on the same two files.

biomarkers.tsv (start_date, PFS, strata) and ctdna.tsv (collection_date, detected) are
written to tmp_path, read back through outcome.stats_io as outcome-associate reads them and
analysed by outcome.associations; R rebuilds the counting-process data on its own with
survival::tmerge (tdc) and fits coxph(Surv(tstart, tstop, event) ~ detected +
strata(histology, line)). The files exercise what the pipeline's files hold: baseline
samples a few days before day 1, month-6 samples, relapse samples drawn up to 3 weeks before
progression (left out of the model by rule, by R too), samples without a date or a status,
patients without a sample. Coefficient and SE to 4
significant digits (rtol 5e-5; the coefficient also within 5e-5 SE when it is near 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from outcome import associations, stats_io
from tests.crosscheck.rsurvival import TIME_VARYING_SCRIPT, requires_r, run_r

SEED = 20240601
pytestmark = [requires_r, pytest.mark.crosscheck]
FAST = associations.Settings(n_bootstrap=20, enet_repeats=0)  # only the time-varying row used
Z95 = 1.959963984540054  # standard normal 97.5 % quantile


def _files(folder, n=90, seed=SEED):
    """biomarkers.tsv and ctdna.tsv of a seeded cohort whose ctDNA status raises the hazard."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    patients = pd.DataFrame(
        {
            "patient": [f"P{i:03d}" for i in range(n)],
            "start_date": start.strftime("%Y-%m-%d"),
            "arm": rng.choice(["SBRT", "SBRT+atezolizumab"], n),
            "histology": rng.choice(["leiomyosarcoma", "liposarcoma"], n),
            "line": rng.choice([1, 2], n),
            "objective_response": rng.integers(0, 2, n),
        }
    )
    samples, pfs = [], []
    for i, p in enumerate(patients.itertuples(index=False)):
        plan = [
            ("baseline", -int(rng.integers(0, 8))),
            ("month3", 91 + int(rng.integers(-7, 8))),
            ("month6", 182 + int(rng.integers(-7, 8))),
        ]
        status = (rng.random(3) < [0.5, 0.4, 0.4]).astype(float)
        hazard = np.where(status == 1, 1 / 200, 1 / 600)  # planted HR 3 while detected
        day, event = _pfs(rng, [d for _, d in plan], hazard)
        pfs.append((day, event))
        if i % 30 == 7:
            continue  # a patient without plasma
        for (timepoint, when), detected in zip(plan, status):
            samples.append((p.patient, f"{p.patient}-{timepoint}", timepoint, when, detected))
        if event:  # drawn at suspected progression, up to 3 weeks before it is confirmed
            samples.append(
                (p.patient, f"{p.patient}-R", "relapse", day - int(rng.integers(0, 22)), 1.0)
            )
    patients["pfs_days"], patients["pfs_event"] = zip(*pfs)
    ctdna = pd.DataFrame(samples, columns=["patient", "sample", "timepoint", "day", "detected"])
    start_of = patients.set_index("patient")["start_date"].map(pd.Timestamp)
    dates = ctdna["patient"].map(start_of) + pd.to_timedelta(ctdna["day"], unit="D")
    ctdna["collection_date"] = dates.dt.strftime("%Y-%m-%d")
    ctdna.loc[ctdna.index % 23 == 5, "collection_date"] = np.nan  # date not recorded
    ctdna.loc[ctdna.index % 29 == 11, "detected"] = np.nan  # not evaluable
    patients.to_csv(folder / "biomarkers.tsv", sep="\t", index=False, na_rep="NA")
    ctdna.drop(columns="day").to_csv(folder / "ctdna.tsv", sep="\t", index=False, na_rep="NA")
    return folder / "biomarkers.tsv", folder / "ctdna.tsv"


def _pfs(rng, changes, hazard):
    """Piecewise-exponential event day (hazard changing at ``changes``), censored at a
    uniform day in 200-720 (staggered accrual)."""
    censor = float(np.ceil(rng.uniform(200, 720)))
    day, bounds = 0.0, [max(c, 0) for c in changes[1:]] + [np.inf]
    for rate, bound in zip(hazard, bounds):
        draw = day + rng.exponential(1 / rate)
        if draw <= bound:
            return (float(np.ceil(draw)), 1) if draw <= censor else (censor, 0)
        day = bound
    return censor, 0


def test_time_varying_row_matches_coxph_on_tmerge_data(tmp_path):
    print("seed", SEED)
    biomarkers_path, ctdna_path = _files(tmp_path)
    biomarkers = stats_io.read_biomarkers(biomarkers_path)
    ctdna = stats_io.read_optional(ctdna_path, ["patient", "sample", "timepoint"])
    table, _ = associations.associate(biomarkers, ctdna, FAST)
    row = table[table["method"] == "cox_time_varying"].iloc[0]
    coef, se, p_value, n, events = run_r(
        TIME_VARYING_SCRIPT, tmp_path, str(biomarkers_path), str(ctdna_path)
    )["tv"]
    assert row["family"] == "exploratory" and row["biomarker"] == "ctdna_detected"
    assert (row["n"], row["events"]) == (n, events)
    np.testing.assert_allclose(np.log(row["estimate"]), coef, rtol=5e-5, atol=5e-5 * se)
    ours_se = (np.log(row["ci_high"]) - np.log(row["ci_low"])) / (2 * Z95)
    np.testing.assert_allclose(ours_se, se, rtol=5e-5)
    np.testing.assert_allclose(row["p_value"], p_value, rtol=1e-3)
    assert row["estimate"] > 1  # planted: higher hazard while ctDNA is detected
    for counted in (
        "relapse samples descriptive only",
        "samples without date or status",
        "samples after follow up",
        "patients without sample",
    ):
        assert counted in row["note"]
