"""Harrell's C of a Cox model against R survival's concordance on R's own lung and veteran
data: ties in the risk score are R's (exact equality of the linear predictor, identical
covariates tied), so a 1-ulp difference of a blocked matrix product cannot turn a tie into a
concordant or discordant pair (issue 14: lung, age + ph.ecog + strata(sex), R 0.605849)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from outcome import diagnostics, survival
from tests.crosscheck.rsurvival import requires_r, run_r

pytestmark = [requires_r, pytest.mark.crosscheck]

SCRIPT = r"""
suppressMessages(library(survival))
lung2 <- na.omit(lung[, c("time", "status", "age", "ph.ecog", "sex")])
lung2$status <- lung2$status - 1
write.table(lung2, "lung.tsv", sep = "\t", row.names = FALSE, quote = FALSE)
vet <- veteran[, c("time", "status", "trt", "karno", "celltype")]
write.table(vet, "veteran.tsv", sep = "\t", row.names = FALSE, quote = FALSE)
models <- list(
  lung_age_ecog_sex = coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), lung2),
  lung_ecog_sex = coxph(Surv(time, status) ~ ph.ecog + strata(sex), lung2),
  lung_age_ecog = coxph(Surv(time, status) ~ age + ph.ecog, lung2),
  veteran_trt_karno_cell = coxph(Surv(time, status) ~ trt + karno + strata(celltype), vet))
for (name in names(models)) {
  f <- models[[name]]
  cat(name, format(c(f$concordance[["concordance"]], f$concordance[c("concordant",
      "discordant", "tied.x")]), digits = 15), "\n")
}
"""
CASES = {
    "lung_age_ecog_sex": ("lung", ["age", "ph.ecog"], ["sex"]),
    "lung_ecog_sex": ("lung", ["ph.ecog"], ["sex"]),
    "lung_age_ecog": ("lung", ["age", "ph.ecog"], []),
    "veteran_trt_karno_cell": ("veteran", ["trt", "karno"], ["celltype"]),
}


@pytest.fixture(scope="module")
def r_concordance(tmp_path_factory):
    folder = tmp_path_factory.mktemp("concordance")
    return folder, run_r(SCRIPT, folder)


@pytest.mark.parametrize("name", CASES)
def test_c_index_equals_r_concordance(r_concordance, name):
    folder, r = r_concordance
    data_name, terms, strata = CASES[name]
    data = pd.read_csv(folder / f"{data_name}.tsv", sep="\t")
    for column in strata:
        data[column] = data[column].astype(str)
    fit = survival.fit_cox(data, "time", "status", terms, strata or None, ph_test=False)
    print(name, "ours", fit.c_index, "R", r[name][0])
    np.testing.assert_allclose(fit.c_index, r[name][0], rtol=1e-12)


def test_the_issue_value(r_concordance):
    _, r = r_concordance
    assert r["lung_age_ecog_sex"][0] == pytest.approx(0.605849, abs=5e-7)


LARGE_SCRIPT = r"""
suppressMessages(library(survival))
d <- read.delim("large.tsv")
f <- concordance(Surv(time, event) ~ risk + strata(stratum), data = d, reverse = TRUE)
counts <- colSums(rbind(f$count))  # one row per stratum
cat("large", format(c(f$concordance, counts[c("concordant", "discordant", "tied.x")]),
    digits = 15), "\n")
"""


def test_harrell_c_of_a_large_tied_cohort_equals_r(tmp_path):
    """The O(n log n) count (issue 18) on 3,000 rows in 3 strata with many tied times, tied
    scores and censoring at event times, against R concordance(reverse = TRUE)."""
    seed = 20261207
    print("seed", seed)
    rng = np.random.default_rng(seed)
    n = 3000
    data = pd.DataFrame(
        {
            "time": rng.integers(1, 60, n),
            "event": rng.integers(0, 2, n),
            "risk": rng.integers(0, 40, n) / 4,
            "stratum": rng.choice(["a", "b", "c"], n),
        }
    )
    data.to_csv(tmp_path / "large.tsv", sep="\t", index=False)
    r = run_r(LARGE_SCRIPT, tmp_path)["large"]
    ours = diagnostics.harrell_c(data["time"], data["event"], data["risk"], data["stratum"])
    print("ours", ours, "R", r)
    assert r[3] > 1000 and abs(r[0] - 0.5) < 0.1  # many tied scores; C itself near chance
    np.testing.assert_allclose(ours, r[0], rtol=1e-12)
