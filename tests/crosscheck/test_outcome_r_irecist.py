"""Cross-check of the iRECIST analyses (outcome.irecist_analysis) against R survival on the
demo cohort (stereosarc.demo, 103 patients, seed 20240601, iRECIST columns from their own
random stream), endpoints derived by outcome.endpoints from the demo clinical table.

R computes independently from the iPFS columns: per-arm KM S(182.625) with Greenwood SE and
log-log CI (``summary(survfit(conf.type = "log-log"), times = 182.625)``), the median with
the default log CI, the arm HR of ``coxph(Surv(ipfs_days, ipfs_event) ~ arm +
strata(histology, line))`` (Efron ties) with Wald CI and p, and ``fisher.test`` of iRECIST
objective response by arm. Required agreement: 4 significant figures (rtol 1e-4; KM rtol 1e-6).
"""

from __future__ import annotations

import numpy as np
import pytest

from outcome import endpoints, irecist_analysis
from tests.crosscheck.rsurvival import requires_r, run_r

SEED = 20240601
pytestmark = [requires_r, pytest.mark.crosscheck]

R_SCRIPT = r"""
suppressMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1], stringsAsFactors = FALSE)
d <- d[!is.na(d$ipfs_days) & !is.na(d$ipfs_event), ]
out <- function(key, v) cat(key, format(v, digits = 15), "\n")
for (g in c("SBRT+atezolizumab", "SBRT")) {
  k <- d$arm == g
  f <- survfit(Surv(ipfs_days, ipfs_event) ~ 1, data = d[k, ], conf.type = "log-log")
  m <- summary(f, times = 182.625)
  out(paste0("km_", make.names(g)), c(m$surv, m$std.err, m$lower, m$upper))
  f <- survfit(Surv(ipfs_days, ipfs_event) ~ 1, data = d[k, ])
  out(paste0("median_", make.names(g)), quantile(f, 0.5, conf.int = TRUE))
}
d$atezo <- as.numeric(d$arm == "SBRT+atezolizumab")
f <- coxph(Surv(ipfs_days, ipfs_event) ~ atezo + strata(histology, line), data = d)
s <- summary(f)
out("cox", c(s$conf.int[1, c(1, 3, 4)], s$coefficients[1, 5], s$n, s$nevent))
r <- d[!is.na(d$objective_response_irecist), ]
t <- fisher.test(table(factor(r$atezo, levels = c(1, 0)),
                       factor(r$objective_response_irecist, levels = c(1, 0))))
# fisher.test's conditional MLE and exact limits solved with uniroot at its default tolerance
# (about 1e-4 absolute on 1/OR): re-solved here from the same definitions at tol 1e-12
tab <- table(factor(r$atezo, levels = c(1, 0)),
             factor(r$objective_response_irecist, levels = c(1, 0)))
x <- tab[1, 1]; m <- sum(tab[1, ]); n <- sum(tab[2, ]); k <- sum(tab[, 1])
support <- max(0, k - n):min(k, m)
logdc <- dhyper(support, m, n, k, log = TRUE)
dn <- function(l) { d <- logdc + l * support; d <- exp(d - max(d)); d / sum(d) }
root <- function(f) exp(uniroot(f, c(-30, 30), tol = 1e-12)$root)
mle <- root(function(l) sum(support * dn(l)) - x)
low <- root(function(l) sum(dn(l)[support >= x]) - 0.025)
high <- root(function(l) sum(dn(l)[support <= x]) - 0.025)
out("fisher", c(mle, low, high, t$p.value))
out("fisher_r", c(t$estimate, t$conf.int))
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from stereosarc.demo.cohort import clinical_table, simulate_patients

    print("demo cohort seed", SEED)
    clinical = clinical_table(simulate_patients(103, SEED), SEED)
    clinical = clinical.astype(object).where(clinical.notna(), None)
    clinical["_row"], clinical["_file"] = range(2, len(clinical) + 2), "clinical.csv"
    table, rejects = endpoints.derive(clinical)
    assert rejects == []
    folder = tmp_path_factory.mktemp("irecist")
    table.to_csv(folder / "endpoints.csv", index=False)
    return irecist_analysis.analyse(table), run_r(R_SCRIPT, folder, str(folder / "endpoints.csv"))


def _get(ours, analysis, group, endpoint="ipfs"):
    rows = ours[
        (ours["analysis"] == analysis) & (ours["group"] == group) & (ours["endpoint"] == endpoint)
    ]
    assert len(rows) == 1, (analysis, group)
    return rows.iloc[0]


def test_demo_has_pseudoprogressions_in_the_atezolizumab_arm_only(demo):
    ours, _ = demo
    experimental = _get(ours, "pseudoprogression", "SBRT+atezolizumab", "pseudoprogression")
    reference = _get(ours, "pseudoprogression", "SBRT", "pseudoprogression")
    assert experimental["events"] >= 2 and reference["events"] == 0


@pytest.mark.parametrize("arm", ["SBRT+atezolizumab", "SBRT"])
def test_ipfs_6_month_rate_and_median_match_survfit(demo, arm):
    ours, r = demo
    rate = _get(ours, "km_rate", arm)
    np.testing.assert_allclose(
        rate[["estimate", "se", "ci_low", "ci_high"]].astype(float),
        r[f"km_{arm.replace('+', '.')}"],
        rtol=1e-6,
    )
    median = _get(ours, "km_median", arm)
    np.testing.assert_allclose(
        median[["estimate", "ci_low", "ci_high"]].astype(float),
        r[f"median_{arm.replace('+', '.')}"],
        rtol=1e-9,
    )


def test_stratified_arm_cox_hr_on_ipfs_matches_coxph(demo):
    ours, r = demo
    row = _get(ours, "cox_arm", "SBRT+atezolizumab vs SBRT")
    hr, low, high, p, n, events = r["cox"]
    assert (row["n"], row["events"]) == (n, events)
    np.testing.assert_allclose(
        row[["estimate", "ci_low", "ci_high", "p_value"]].astype(float),
        [hr, low, high, p],
        rtol=1e-4,
    )


def test_irecist_orr_odds_ratio_matches_fisher_test(demo):
    ours, r = demo
    row = _get(ours, "orr_odds_ratio", "SBRT+atezolizumab vs SBRT", "objective_response_irecist")
    np.testing.assert_allclose(
        row[["estimate", "ci_low", "ci_high", "p_value"]].astype(float), r["fisher"], rtol=1e-6
    )
    np.testing.assert_allclose(  # fisher.test itself, at its own root-finding tolerance
        row[["estimate", "ci_low", "ci_high"]].astype(float), r["fisher_r"], rtol=5e-3
    )
