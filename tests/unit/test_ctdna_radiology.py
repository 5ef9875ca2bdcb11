"""ctDNA against radiology (outcome.ctdna_outcome): kappa against statsmodels' independent
implementation, the exact median interval and lead times derived by hand, and clearance /
molecular response at the landmark through the no-look-ahead rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import cohens_kappa

from outcome import associations, ctdna_outcome, merge

FAST = associations.Settings(n_bootstrap=20, enet_repeats=0, min_n=4)


@pytest.mark.parametrize("cells", [(20, 5, 10, 15), (7, 1, 2, 12), (3, 9, 8, 2)])
def test_kappa_matches_statsmodels_fleiss_cohen_everitt(cells):
    ours = ctdna_outcome.cohen_kappa(*cells)
    theirs = cohens_kappa(np.array(cells).reshape(2, 2), return_results=True)
    assert ours["estimate"] == pytest.approx(theirs.kappa, rel=1e-12)
    assert ours["ci_low"] == pytest.approx(theirs.kappa_low, rel=1e-9)
    assert ours["ci_high"] == pytest.approx(theirs.kappa_upp, rel=1e-9)
    assert ours["p_value"] == pytest.approx(theirs.pvalue_two_sided, rel=1e-9)


def test_median_exact_interval_by_hand():
    # n = 10: P(Bin(10, 1/2) <= 1) = 11/1024 <= 0.025 < P(<= 2) = 56/1024 -> (x(2), x(9))
    median, low, high, coverage = ctdna_outcome.median_exact_ci(np.arange(10, 0, -1) * 7.0)
    assert (median, low, high) == (38.5, 14.0, 63.0)
    assert coverage == pytest.approx(1 - 2 * 11 / 1024)
    assert np.isnan(ctdna_outcome.median_exact_ci([5.0, 6.0, 7.0, 8.0, 9.0])[1])  # n = 5


def _cohort():
    """Start 2021-01-01; progression dates; month-6 and relapse draws."""
    return pd.DataFrame(
        {
            "patient": ["A", "B", "C", "D", "E"],
            "start_date": "2021-01-01",
            "progression_date": ["2021-09-01", "2021-08-01", None, "2021-06-01", "2021-10-01"],
            "ctdna_month6_date": ["2021-06-25", "2021-06-25", "2021-06-25", "2021-06-25", None],
            "ctdna_month6_detected": [1, 0, 1, 1, np.nan],
            "ctdna_relapse_date": ["2021-08-20", "2021-07-20", None, None, "2021-09-30"],
            "ctdna_relapse_detected": [1, 1, np.nan, np.nan, 0],
        }
    )


def test_lead_time_counts_only_detection_strictly_before_progression():
    evaluable, lead = ctdna_outcome.lead_times(_cohort())
    # A: first detected 2021-06-25, progression 2021-09-01 -> 68 days; B: relapse 07-20 ->
    # 12 days; C: no progression; D: month 6 drawn after progression; E: negative before.
    assert evaluable.tolist() == [True, True, False, False, True]
    assert lead.tolist()[:2] == [68.0, 12.0] and lead.iloc[2:].isna().all()


def test_lead_time_rows_report_share_and_median():
    rows = ctdna_outcome.lead_time_rows(_cohort(), FAST)
    share, median = rows
    assert (share["n"], share["events"]) == (3, 2) and share["estimate"] == pytest.approx(2 / 3)
    assert median["estimate"] == 40.0 and np.isnan(median["ci_low"])  # n = 2: no 95 % CI


def test_clearance_and_molecular_response_from_the_wide_table():
    wide = pd.DataFrame(
        {
            "ctdna_baseline_detected": [1, 1, 1, 0, 1],
            "ctdna_baseline_tf": [0.10, 0.10, 0.10, 0.0, 0.10],
            "ctdna_month6_detected": [0, 1, 1, 0, np.nan],
            "ctdna_month6_tf": [0.0, 0.04, 0.08, 0.0, np.nan],
        }
    )
    cleared, responded = merge.month6_dynamics(wide)
    assert cleared.tolist()[:3] == [1, 0, 0] and cleared.iloc[3:].isna().all()
    assert responded.tolist()[:3] == [1, 1, 0] and responded.iloc[3:].isna().all()


def test_clearance_at_the_landmark_uses_only_samples_known_at_the_landmark():
    rng = np.random.default_rng(20240601)
    n = 40
    frame = pd.DataFrame(
        {
            "patient": [f"P{i:02d}" for i in range(n)],
            "arm": "SBRT",
            "histology": "liposarcoma",
            "line": "1",
            "pfs_days": rng.uniform(200, 800, n).round(),
            "pfs_event": 1,
            "objective_response": rng.integers(0, 2, n),
            "start_date": "2021-01-01",
            "ctdna_month6_clearance": rng.integers(0, 2, n),
            "ctdna_month6_date": np.where(np.arange(n) < 30, "2021-06-20", "2021-07-10"),
        }
    )
    table, _ = associations.associate(frame, settings=FAST)
    cox = table[
        (table.biomarker == "ctdna_month6_clearance") & (table.method == "cox_landmark")
    ].iloc[0]
    assert cox["n"] == 30 and "10 sample after landmark" in cox["note"]
