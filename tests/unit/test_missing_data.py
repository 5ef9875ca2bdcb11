"""outcome.missing_data: missingness counts by hand, Rubin's rules by hand, MICE edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from outcome import missing_data, survival
from outcome.exceptions import OutcomeInputError
from outcome.family import Settings

SEED = 20240601


def _tiny() -> pd.DataFrame:
    """6 patients; tmb missing in 2 (1 per arm), cps missing in 3 (all in SBRT)."""
    return pd.DataFrame(
        {
            "patient": [f"P{i}" for i in range(6)],
            "arm": ["SBRT"] * 3 + ["SBRT+atezolizumab"] * 3,
            "histology": ["liposarcoma", "liposarcoma", "leiomyosarcoma"] * 2,
            "line": ["1", "2", "1", "2", "1", "2"],
            "tmb": [1.0, np.nan, 3.0, 2.0, np.nan, 5.0],
            "cps": [np.nan, np.nan, np.nan, 4.0, 1.0, 0.0],
            "not_a_marker": [np.nan] * 6,
        }
    )


def _cell(table, variable, group_type, group):
    rows = table[
        (table["variable"] == variable)
        & (table["group_type"] == group_type)
        & (table["group"] == group)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


def test_missingness_counts_by_hand():
    table = missing_data.missingness_table(_tiny())
    assert list(table.columns) == missing_data.MISSINGNESS_COLUMNS
    # the family's baseline markers present (tmb, cps) and the strata; nothing else
    assert list(dict.fromkeys(table["variable"])) == ["tmb", "cps", "histology", "line"]
    overall = _cell(table, "tmb", "overall", "all patients")
    assert (overall["n"], overall["n_missing"]) == (6, 2)
    assert overall["percent_missing"] == pytest.approx(100 * 2 / 6)
    sbrt = _cell(table, "cps", "arm", "SBRT")
    assert (sbrt["n"], sbrt["n_missing"], sbrt["percent_missing"]) == (3, 3, 100.0)
    atezo = _cell(table, "cps", "arm", "SBRT+atezolizumab")
    assert (atezo["n"], atezo["n_missing"]) == (3, 0)
    lipo = _cell(table, "tmb", "histology", "liposarcoma")  # P0, P1, P3, P4: P1 and P4 NA
    assert (lipo["n"], lipo["n_missing"]) == (4, 2)
    leio = _cell(table, "tmb", "histology", "leiomyosarcoma")
    assert (leio["n"], leio["n_missing"]) == (2, 0)
    # per variable: 1 overall + 2 arms + 2 histologies
    assert (table.groupby("variable").size() == 5).all()


def test_missing_by_arm_p_is_fisher_of_the_two_by_two():
    table = missing_data.missingness_table(_tiny())
    # cps: SBRT 3 missing / 0 present, atezolizumab 0 / 3: Fisher two-sided p = 2 / C(6, 3)
    assert _cell(table, "cps", "overall", "all patients")["missing_by_arm_p"] == pytest.approx(0.1)
    # tmb: 1 of 3 missing in each arm: p = 1
    assert _cell(table, "tmb", "arm", "SBRT")["missing_by_arm_p"] == pytest.approx(1.0)
    # histology never missing: no test possible
    assert np.isnan(_cell(table, "histology", "overall", "all patients")["missing_by_arm_p"])


def test_rubin_pool_by_hand():
    """Three fits of one parameter: estimates 1, 2, 3, variances 0.1, 0.2, 0.3, df_com 20."""
    pooled = missing_data.rubin_pool([[1.0], [2.0], [3.0]], [[0.1], [0.2], [0.3]], 22, 2).iloc[0]
    ubar, b, m = 0.2, 1.0, 3
    t = ubar + (1 + 1 / m) * b
    lam = (1 + 1 / m) * b / t
    df_old = (m - 1) / lam**2
    df_obs = 21 / 23 * 20 * (1 - lam)
    df = df_old * df_obs / (df_old + df_obs)
    riv = (1 + 1 / m) * b / ubar
    assert pooled["estimate"] == pytest.approx(2.0)
    assert pooled["t"] == pytest.approx(t)
    assert pooled["se"] == pytest.approx(np.sqrt(t))
    assert pooled["df"] == pytest.approx(df)
    assert pooled["lambda"] == pytest.approx(lam)
    assert pooled["fmi"] == pytest.approx((riv + 2 / (df + 3)) / (riv + 1))
    assert pooled["p_value"] == pytest.approx(2 * stats.t.sf(2 / np.sqrt(t), df))
    half = stats.t.ppf(0.975, df) * np.sqrt(t)
    assert (pooled["ci_low"], pooled["ci_high"]) == pytest.approx((2 - half, 2 + half))


def test_rubin_pool_large_sample_df_and_single_fit_refused():
    pooled = missing_data.rubin_pool([[0.0], [1.0]], [[1.0], [1.0]], np.inf, 1).iloc[0]
    lam = 1.5 * 0.5 / (1 + 1.5 * 0.5)
    assert pooled["df"] == pytest.approx(1 / lam**2)  # (m - 1) / lambda^2
    with pytest.raises(ValueError, match="at least 2"):
        missing_data.rubin_pool([[1.0]], [[1.0]], 10, 1)


def _cohort(n=60, seed=SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=n), rng.binomial(1, 0.5, n).astype(float)
    time = rng.exponential(300 * np.exp(-(0.5 * x + 0.4 * z)))
    censor = rng.uniform(100, 600, n)
    return pd.DataFrame(
        {
            "pfs_days": np.minimum(time, censor),
            "pfs_event": (time <= censor).astype(float),
            "histology": rng.choice(["leiomyosarcoma", "liposarcoma"], n),
            "line": rng.choice(["1", "2"], n),
            "x": x,
            "z": z,
        }
    )


def test_no_missing_value_gives_the_complete_case_fit_exactly():
    frame = _cohort()
    rows = missing_data.mice_cox(
        frame, ["x", "z"], chains=missing_data.Chains(3, SEED, 2)
    ).set_index("term")
    cc = survival.fit_cox(frame, "pfs_days", "pfs_event", ["x", "z"], ["histology", "line"])
    np.testing.assert_array_equal(rows["estimate"], cc.summary.loc[["x", "z"], "coef"])
    np.testing.assert_array_equal(rows["se"], cc.summary.loc[["x", "z"], "se"])
    assert rows["note"].iloc[0].startswith("60/60 complete cases")
    # b = 0: fmi is the Barnard-Rubin small-sample term 2 / (df + 3) only
    assert (rows["fmi"] < 0.05).all()


def test_all_missing_covariate_gives_na_with_note():
    frame = _cohort().assign(x=np.nan)
    rows = missing_data.mice_cox(frame, ["x", "z"], chains=missing_data.Chains(3, SEED, 2))
    assert list(rows.columns) == missing_data.MICE_COLUMNS
    assert rows["estimate"].isna().all() and rows["hr"].isna().all()
    assert rows["note"].str.contains("not fitted: covariate x has no observed value").all()
    assert (rows["analysis"] == "mice").all()


def test_too_few_events_gives_na_with_note():
    frame = _cohort().assign(pfs_event=0.0)
    frame.loc[:4, "pfs_event"] = 1.0
    frame.loc[10:20, "x"] = np.nan
    rows = missing_data.mice_cox(frame, ["x", "z"], chains=missing_data.Chains(3, SEED, 2))
    assert rows["estimate"].isna().all()
    assert rows["note"].str.contains("not fitted: 5 events < 10 per parameter x 2").all()
    assert (rows["events"] == 5).all()


def test_patients_without_pfs_or_stratum_are_left_out_and_counted():
    frame = _cohort()
    frame.loc[0, "pfs_days"] = np.nan
    frame.loc[1, "histology"] = np.nan
    frame.loc[5:14, "x"] = np.nan
    rows = missing_data.mice_cox(frame, ["x", "z"], chains=missing_data.Chains(3, SEED, 3))
    assert (rows["n"] == 58).all()
    assert "48/58 complete cases" in rows["note"].iloc[0]
    assert "2 patients without PFS or stratum left out" in rows["note"].iloc[0]
    assert rows["estimate"].notna().all() and (rows["df"] > 0).all()


def test_imputed_values_binary_stay_binary_and_observed_values_are_kept():
    frame = _cohort()
    frame.loc[::4, "z"] = np.nan
    frame.loc[1::5, "x"] = np.nan
    completed = missing_data.impute(frame, ["x", "z"], chains=missing_data.Chains(2, SEED, 3))
    for data in completed:
        assert set(data["z"]) == {0.0, 1.0}
        observed = frame["x"].notna()
        np.testing.assert_array_equal(data.loc[observed, "x"], frame.loc[observed, "x"])
    # different seeds give different draws (imputation uncertainty), same seed the same
    assert not completed[0]["x"].equals(completed[1]["x"])
    again = missing_data.impute(frame, ["x", "z"], chains=missing_data.Chains(1, SEED, 3))[0]
    pd.testing.assert_frame_equal(again, completed[0])


def test_imputation_draws_use_the_outcome():
    """x strongly predicts early events; an imputed x of a patient with an early event is on
    average higher than one of a late-censored patient (the outcome is in the model)."""
    rng = np.random.default_rng(SEED)
    frame = _cohort(n=300, seed=SEED)
    frame["pfs_days"] = rng.exponential(300 * np.exp(-2.0 * frame["x"]))
    frame["pfs_event"] = 1.0
    early = frame["pfs_days"] < frame["pfs_days"].median()
    frame.loc[rng.random(300) < 0.3, "x"] = np.nan
    hidden = frame["x"].isna()
    data = missing_data.impute(frame, ["x", "z"], chains=missing_data.Chains(1, SEED, 3))[0]
    gap = data.loc[hidden & early, "x"].mean() - data.loc[hidden & ~early, "x"].mean()
    assert gap > 0.5


def test_missing_model_column_is_an_input_error():
    with pytest.raises(OutcomeInputError, match="lacks column"):
        missing_data.mice_cox(
            _cohort().drop(columns="line"), ["x"], chains=missing_data.Chains(m=2)
        )
    with pytest.raises(OutcomeInputError, match="m >= 2"):
        missing_data.mice_cox(_cohort(), ["x"], chains=missing_data.Chains(m=1))


def test_mice_rows_take_m_iterations_and_seed_from_the_settings():
    frame = _cohort()
    frame.loc[::6, "x"] = np.nan
    settings = Settings(seed=11, mice_imputations=3, mice_iterations=2)
    rows = missing_data.mice_rows(frame, ["x", "z"], settings)
    direct = missing_data.mice_cox(frame, ["x", "z"], chains=missing_data.Chains(3, 11, 2))
    pd.testing.assert_frame_equal(rows, direct)
    assert (rows["m_imputations"] == 3).all() and "seeds 11..13" in rows["note"].iloc[0]
