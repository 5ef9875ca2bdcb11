"""Tumour-naive fixed-site test on a seeded spike-in simulation: calibration and sensitivity.

Ten fixed sites (a TP53 hot-spot panel has about ten); per-site error rates e_s lognormal
(median 2e-4, sd of log 1, as tests/unit/test_ctdna_snv_spikein.py), a PoN of 20 donors with
d ~ Poisson(3,000) fragments per site, alt ~ Binomial(d, e_s). A plasma sample at tumour
fraction TF carries one heterozygous clonal mutation at one random site (alt ~ Binomial(d,
TF/2 (1 - e_s) + (1 - TF/2) e_s) there, Binomial(d, e_s) elsewhere). PoN donors are called
against the other 19 (leave-one-out). bench/ctdna/fixed_sensitivity.py prints the table of
docs/ctdna.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctdna import fixed, snv_background
from tests.unit.test_ctdna_snv_spikein import N_PON, simulated_pon, site_frame

SEED = 20240603
N_FIXED = 10  # about a TP53 hot-spot list: R175H, Y220C, G245S, R248Q/W, R249S, R273C/H, R282W


def _frame(alt, depth) -> pd.DataFrame:
    return site_frame(alt, depth, tissue_vaf=np.nan)


def simulate(
    rng: np.random.Generator,
    tf_grid,
    replicates: int,
    samples_per_tf: int = 1,
    n_sites: int = N_FIXED,
    depth: int = 3000,
    loo: bool = False,
) -> pd.DataFrame:
    """One row per simulated plasma sample (tf = 'pon' for leave-one-out donors) with its
    FixedCall fields and ``mutated_called`` (the mutated site is among the called ones)."""
    rows = []
    for _replicate in range(replicates):
        rates, pon_alt, pon_depth, pon, background = simulated_pon(rng, n_sites, depth, np.nan)
        for tf in [t for t in tf_grid for _ in range(samples_per_tf)]:
            d, mutated = rng.poisson(depth, n_sites), rng.integers(n_sites)
            p = rates.copy()
            p[mutated] = tf / 2 * (1 - rates[mutated]) + (1 - tf / 2) * rates[mutated]
            call = fixed.call_fixed(_frame(rng.binomial(d, p), d), background)
            hit = bool(call.per_site["site_called"].fillna(False).iloc[mutated])
            rows.append({"tf": tf, **call.to_dict(), "mutated_called": hit})
        for i in range(N_PON if loo else 0):
            others = snv_background.background_from_pon(pon[pon["sample"] != f"N{i}"])
            call = fixed.call_fixed(_frame(pon_alt[i], pon_depth[i]), others)
            rows.append({"tf": "pon", **call.to_dict(), "mutated_called": False})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def null_samples():
    print(f"seed {SEED}")
    return simulate(np.random.default_rng(SEED), [0.0], replicates=10, samples_per_tf=30, loo=True)


def test_false_positive_rate_at_tf_zero_stays_below_alpha(null_samples):
    """300 TF = 0 samples and 200 leave-one-out PoN calls, 10 sites each: the Bonferroni
    per-site level keeps the per-sample false-positive rate near or below alpha = 0.01
    (bound 0.015: sampling margin on a few hundred samples). Each site tested at 0.01
    instead would flag several times more samples."""
    for kind, n in ((0.0, 300), ("pon", 200)):
        cell = null_samples[null_samples["tf"].astype(str) == str(kind)]
        assert len(cell) == n
        rate = (cell["fixed_detected"] == True).mean()  # noqa: E712
        assert rate <= 0.015, (kind, rate)
    corrected = (null_samples["fixed_detected"] == True).mean()  # noqa: E712
    uncorrected = (null_samples["fixed_p_value"] / N_FIXED < 0.01).mean()
    assert uncorrected > 3 * max(corrected, 1 / len(null_samples)), (uncorrected, corrected)


def test_sensitivity_at_tf_one_percent_and_3000_fragments():
    """TF = 1 %: ~15 mutant fragments expected at the mutated site; called in >= 95 % of
    samples, and the called site is the mutated one."""
    table = simulate(
        np.random.default_rng(SEED + 1), [0.01, 0.05], replicates=5, samples_per_tf=10
    )
    for tf, cell in table.groupby("tf"):
        assert (cell["fixed_detected"] == True).mean() >= 0.95, tf  # noqa: E712
        assert cell["mutated_called"].mean() >= 0.95, tf
        called = cell[cell["fixed_max_vaf"].notna()]
        assert called["fixed_max_vaf"].median() == pytest.approx(tf / 2, rel=0.2)
