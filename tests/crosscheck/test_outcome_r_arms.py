"""Cross-check of the arm-aware biomarker rows (outcome.associations, outcome.arms) against R.

R's own datasets with a two-level variable as the arm and two factors as the randomisation
strata: survival::veteran (arm = trt; strata celltype and prior; biomarker karno, and the
dichotomy karno >= 60) and survival::lung (arm = sex; strata ph.ecog and age >= 65;
biomarker wt.loss with missing values), and the demo cohort (stereosarc.demo: arm, histology,
line as randomised, biomarker CPS >= 1). Checked: the prognostic HR adjusted for arm and
stratified (``coxph(Surv(time, status) ~ x + arm + strata(h, l))``), the HR within each arm
(``subset``), and the ratio of HRs exp(β_x:arm) with its Wald CI and p
(``coxph(~ x * arm + strata(h, l))``); HRs and CI limits rtol 5e-5 (4 significant digits of
the coefficient, as the other Cox cross-checks), p rtol 1e-4.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from outcome import associations, family
from tests.crosscheck.rsurvival import requires_r, run_r

pytestmark = [requires_r, pytest.mark.crosscheck]

DATASETS = {
    "veteran": (
        "data(veteran); d <- data.frame(pfs_days = veteran$time, pfs_event = "
        "veteran$status, arm = ifelse(veteran$trt == 2, 'SBRT+atezolizumab', 'SBRT'), "
        "histology = as.character(veteran$celltype), line = ifelse(veteran$prior == 10, "
        "'2', '1'), x = veteran$karno)"
    ),
    "veteran_binary": (
        "data(veteran); d <- data.frame(pfs_days = veteran$time, pfs_event = "
        "veteran$status, arm = ifelse(veteran$trt == 2, 'SBRT+atezolizumab', "
        "'SBRT'), histology = as.character(veteran$celltype), line = "
        "ifelse(veteran$prior == 10, '2', '1'), x = as.integer(veteran$karno >= "
        "60))"
    ),
    "lung": (
        "data(lung); l <- lung[!is.na(lung$ph.ecog), ]; d <- data.frame(pfs_days = l$time, "
        "pfs_event = l$status - 1, arm = ifelse(l$sex == 2, 'SBRT+atezolizumab', 'SBRT'), "
        "histology = paste0('ecog', l$ph.ecog), line = ifelse(l$age >= 65, '2', '1'), "
        "x = l$wt.loss)"
    ),
}

R_SCRIPT = r"""
suppressMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1], stringsAsFactors = FALSE)
d$a <- as.integer(d$arm == "SBRT+atezolizumab")
out <- function(key, f, term) {
  s <- summary(f)
  cat(key, format(c(s$conf.int[term, c(1, 3, 4)], s$coefficients[term, "Pr(>|z|)"], f$n,
                    f$nevent), digits = 15), "\n")
}
out("adjusted", coxph(Surv(pfs_days, pfs_event) ~ x + a + strata(histology, line), data = d), "x")
for (g in c(0, 1)) out(paste0("arm", g), coxph(Surv(pfs_days, pfs_event) ~ x +
                       strata(histology, line), data = d[d$a == g, ]), "x")
out("ratio", coxph(Surv(pfs_days, pfs_event) ~ x * a + strata(histology, line), data = d), "x:a")
"""


def _demo(folder) -> None:
    """The demo cohort (stereosarc.demo, 103 patients, seed 20240601) with CPS >= 1."""
    from stereosarc.demo.cohort import simulate_patients

    patients = simulate_patients(103, 20240601)
    pd.DataFrame(
        {
            "pfs_days": patients["pfs_days"],
            "pfs_event": patients["pfs_event"].astype(int),
            "arm": patients["arm"],
            "histology": patients["histology"],
            "line": patients["line"].astype(str),
            "x": patients["cps_high"].astype(int),
        }
    ).to_csv(folder / "data.csv", index=False)


@pytest.fixture(scope="module", params=[*sorted(DATASETS), "demo"])
def case(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"arms_{request.param}")
    if request.param == "demo":
        _demo(folder)
    else:
        run_r(
            f"suppressMessages(library(survival)); {DATASETS[request.param]}; "
            "write.csv(d, commandArgs(TRUE)[1], row.names = FALSE)",
            folder,
            str(folder / "data.csv"),
        )
    data = pd.read_csv(folder / "data.csv", dtype={"line": str})
    r = run_r(R_SCRIPT, folder, str(folder / "data.csv"))
    frame = family.prepare(data.assign(objective_response=np.nan))
    settings = family.Settings(min_events_per_variable=5)
    rows = {
        "adjusted": associations.cox_row(
            frame, frame["x"], "x", "none", settings, adjust_arm=True, interaction=False
        ),
        "ratio": associations.interaction_row(frame, frame["x"], "x", "none", settings),
    }
    for row in associations.per_arm_rows(frame, frame["x"], "x", "none", settings, "landmark"):
        rows["arm1" if row["group"] == "SBRT+atezolizumab" else "arm0"] = row
    return rows, r


@pytest.mark.parametrize("key", ["adjusted", "arm0", "arm1", "ratio"])
def test_arm_aware_hazard_ratios_match_coxph(case, key):
    rows, r = case
    hr, low, high, p_value, n, events = r[key]
    row = rows[key]
    assert (row["n"], row["events"]) == (n, events)
    np.testing.assert_allclose(
        [row["estimate"], row["ci_low"], row["ci_high"]], [hr, low, high], rtol=5e-5
    )
    np.testing.assert_allclose(row["p_value"], p_value, rtol=1e-4)
    if key in ("adjusted", "ratio"):
        assert row["adjusted_for"] == "arm"
    else:
        assert pd.isna(row["adjusted_for"])


def test_detectable_hr_is_schoenfelds_hand_derived_value():
    """Schoenfeld: equal groups, two-sided 5 %, 80 % power: HR 2 needs
    4 (1.959964 + 0.841621)^2 / log(2)^2 = 65.35 events; so 65.35 events detect HR 2."""
    from outcome import arms

    events = 4 * (1.959964 + 0.841621) ** 2 / np.log(2) ** 2
    assert arms.detectable_hr([0, 1] * 20, events) == pytest.approx(2.0, rel=1e-5)
    # continuous covariate with SD 2: log HR per unit = 2.801585 / sqrt(100 x 4)
    values = np.r_[np.full(50, -2.0), np.full(50, 2.0)] * np.sqrt(99 / 100)
    assert arms.detectable_hr(values, 100) == pytest.approx(np.exp(2.801585 / 20), rel=1e-5)
    assert np.isnan(arms.detectable_hr([0, 1, 1], 0))
