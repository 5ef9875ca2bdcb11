"""The multivariable Cox model and its validation (outcome.multivariable, outcome.validation,
outcome.calibration) against R survival on a demo-like frame.

The frame: the demo cohort's patients (stereosarc.demo, 103 patients, seed 20240601) with
baseline ctDNA detected, TMB, CPS (rounded to 0.1, so some are 0 and log2 needs its offset)
and NLR; TMB and CPS missing where no tissue block was sequenced. R reads the raw values and
builds everything itself: complete cases, the registry transforms (log2; log2(x + m/2) with m
the smallest positive value when zeros exist), ``coxph(Surv(pfs_days, pfs_event) ~ a + ... +
strata(histology, line))`` (coefficients, SEs, HR CI, p), ``concordance(fit)``, the predicted
6-month PFS of every patient (``survfit(fit, newdata)``), the KM 6-month PFS in tertiles of
predicted risk, and the bootstrap optimism with the SAME resample row indices as ours (written
to a file): per resample ``concordance(fit_b)`` and ``concordance(fit_b, newdata = d)`` and
the calibration slope ``coxph(Surv ~ predict(fit_b, d) + strata)``. Tolerance: 4
significant figures (rtol 5e-5) for every quantity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from outcome import calibration, multivariable, validation
from tests.crosscheck.rsurvival import requires_r, run_r

pytestmark = [requires_r, pytest.mark.crosscheck]

N_BOOTSTRAP = 40  # resamples compared one by one (the default 200 only takes longer)
RTOL = 5e-5  # 4 significant figures

R_SCRIPT = r"""
suppressMessages(library(survival))
a <- commandArgs(TRUE)
raw <- read.csv(a[1], stringsAsFactors = FALSE)
idx <- as.matrix(read.delim(a[2], header = FALSE))
h <- as.numeric(a[3])
lg <- function(v) { p <- v[!is.na(v) & v > 0]
  if (all(v[!is.na(v)] > 0)) log2(v) else log2(v + min(p) / 2) }
raw$a <- as.integer(raw$arm == "SBRT+atezolizumab")
raw$tmb <- lg(raw$tmb); raw$cps <- lg(raw$cps); raw$nlr <- lg(raw$nlr)
d <- na.omit(raw[, c("patient", "pfs_days", "pfs_event", "histology", "line", "a",
                     "ctdna_baseline_detected", "tmb", "cps", "nlr")])
fml <- Surv(pfs_days, pfs_event) ~ a + ctdna_baseline_detected + tmb + cps + nlr +
  strata(histology, line)
f <- coxph(fml, data = d)
s <- summary(f)
out <- function(key, v) cat(key, format(v, digits = 15), "\n")
out("n", c(f$n, f$nevent))
out("coef", coef(f)); out("se", sqrt(diag(vcov(f))))
out("ci_low", s$conf.int[, 3]); out("ci_high", s$conf.int[, 4])
out("p", s$coefficients[, "Pr(>|z|)"])
out("c", concordance(f)$concordance)
out("zph", cox.zph(f)$table[1:5, "p"])
sf <- survfit(f, newdata = d)
pred <- sapply(seq_len(nrow(d)), function(i) {
  v <- summary(sf[i], times = h, extend = FALSE)$surv; if (length(v)) v else NA })
out("pred", pred)
risk <- 1 - pred
g <- cut(risk, c(-Inf, quantile(risk, c(1, 2) / 3), Inf), labels = FALSE)
for (k in 1:3) {
  km <- summary(survfit(Surv(pfs_days, pfs_event) ~ 1, data = d[g == k, ]), times = h)
  out(paste0("group", k), c(sum(g == k), mean(pred[g == k]), km$surv, km$lower, km$upper))
}
withev <- unique(interaction(d$histology, d$line)[d$pfs_event == 1])
boot <- matrix(NA, nrow(idx), 3)  # top-level loop: concordance(fit) re-reads its data
for (b in seq_len(nrow(idx))) {
  db <- d[idx[b, ], ]
  have <- unique(interaction(db$histology, db$line)[db$pfs_event == 1])
  if (!all(withev %in% have)) next
  fb <- coxph(fml, data = db)
  d$lp <- predict(fb, newdata = d, type = "lp")
  boot[b, ] <- c(concordance(fb)$concordance, concordance(fb, newdata = d)$concordance,
    coef(coxph(Surv(pfs_days, pfs_event) ~ lp + strata(histology, line), data = d)))
}
out("c_resample", boot[, 1]); out("c_original", boot[, 2]); out("slope", boot[, 3])
"""


def _demo_like() -> pd.DataFrame:
    """biomarkers.tsv-like frame of the demo cohort with missing tissue markers."""
    from stereosarc.demo.cohort import simulate_patients

    patients = simulate_patients(103, 20240601)
    tissue = patients["has_tissue"].to_numpy()
    return pd.DataFrame(
        {
            "patient": patients["patient"],
            "arm": patients["arm"],
            "histology": patients["histology"],
            "line": patients["line"].astype(str),
            "pfs_days": patients["pfs_days"].astype(float),
            "pfs_event": patients["pfs_event"].astype(int),
            "ctdna_baseline_detected": (patients["baseline_tf"] > 0).astype(float),
            "tmb": np.where(tissue, patients["tmb_per_mb"].round(2), np.nan),
            "cps": np.where(tissue, patients["cps"].round(1), np.nan),
            "nlr": patients["nlr"].round(3),
        }
    )


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("multivariable")
    frame = _demo_like()
    frame.to_csv(folder / "raw.csv", index=False)
    model = multivariable.fit_complete_case(frame, multivariable.ModelSpec())
    settings = validation.ValidationSettings(n_bootstrap=N_BOOTSTRAP)
    indices = validation.bootstrap_indices(len(model.complete_), N_BOOTSTRAP, settings.seed)
    np.savetxt(folder / "indices.tsv", indices + 1, fmt="%d", delimiter="\t")
    print("seed", settings.seed, "resamples", N_BOOTSTRAP)
    r = run_r(R_SCRIPT, folder, "raw.csv", "indices.tsv", str(settings.horizon_days))
    return model, settings, indices, r


def test_complete_cases_are_rs(compared):
    model, _, _, r = compared
    assert (len(model.complete_), int(model.complete_["pfs_event"].sum())) == tuple(r["n"])
    assert int(model.complete_["pfs_event"].sum()) >= 50, "the model must be fitted (EPV 10)"


@pytest.mark.parametrize(
    "ours, theirs",
    [("estimate", "coef"), ("se", "se"), ("ci_low", "ci_low"), ("ci_high", "ci_high")],
)
def test_coefficients_equal_r_coxph(compared, ours, theirs):
    model, _, _, r = compared
    rows = model.to_frame()
    assert list(rows["term"]) == model.spec.terms
    np.testing.assert_allclose(rows[ours].to_numpy(float), r[theirs], rtol=RTOL)


def test_p_values_equal_r(compared):
    model, _, _, r = compared
    np.testing.assert_allclose(model.to_frame()["p_value"].to_numpy(float), r["p"], rtol=1e-4)


def test_proportional_hazards_tests_equal_r_cox_zph(compared):
    model, _, _, r = compared
    np.testing.assert_allclose(model.to_frame()["ph_p"].to_numpy(float), r["zph"], rtol=1e-4)


def test_apparent_c_equals_r_concordance(compared):
    model, _, _, r = compared
    np.testing.assert_allclose(model.fit_.c_index, r["c"][0], rtol=1e-10)


def test_predicted_six_month_survival_equals_r_survfit(compared):
    model, settings, _, r = compared
    data = model.complete_
    predicted = calibration.predicted_survival(
        data, data, model.spec.terms, model.spec.strata, model.beta_, settings.horizon_days
    )
    np.testing.assert_allclose(predicted, r["pred"], rtol=RTOL)


def test_calibration_groups_equal_r_km(compared):
    model, settings, _, r = compared
    rows = validation.calibration_rows(model, settings)
    for k in (1, 2, 3):
        ours = rows[k - 1]
        expected = r[f"group{k}"]
        assert ours["n"] == expected[0]
        np.testing.assert_allclose(
            [ours["predicted"], ours["observed"], ours["ci_low"], ours["ci_high"]],
            expected[1:],
            rtol=RTOL,
        )


def test_bootstrap_resamples_equal_r(compared):
    model, _, indices, r = compared
    runs = validation.bootstrap_optimism(
        model.complete_.reset_index(drop=True), model.spec, indices
    )
    failed_in_r = np.isnan(r["c_resample"])
    assert list(runs["failure"] != "") == list(failed_in_r)
    valid = runs[runs["failure"] == ""]
    for ours, theirs in (
        ("c_resample", "c_resample"),
        ("c_original", "c_original"),
        ("slope_original", "slope"),
    ):
        np.testing.assert_allclose(valid[ours], r[theirs][~failed_in_r], rtol=RTOL)


def test_optimism_and_corrected_values_equal_r(compared):
    model, settings, _, r = compared
    table = validation.validate(model, settings).set_index("quantity")
    ok = ~np.isnan(r["c_resample"])
    c_optimism = np.mean(r["c_resample"][ok] - r["c_original"][ok])
    slope_optimism = 1 - np.mean(r["slope"][ok])
    print("C optimism ours", table.loc["c_index", "optimism"], "R", c_optimism)
    np.testing.assert_allclose(table.loc["c_index", "optimism"], c_optimism, rtol=RTOL)
    np.testing.assert_allclose(
        table.loc["c_index", "corrected"], r["c"][0] - c_optimism, rtol=RTOL
    )
    np.testing.assert_allclose(
        table.loc["calibration_slope", "optimism"], slope_optimism, rtol=RTOL
    )
