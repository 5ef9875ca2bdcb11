"""Cross-check of outcome.survival / outcome.response / outcome.multiplicity against R.

Rscript with library(survival) runs on the same seeded data written to tmp_path; R's values
are the expected ones (independent implementation). Tolerances: Cox coefficients and SEs to
4 significant digits (rtol 5e-5), KM and log-rank to 1e-6, Fisher p to 1e-6; Fisher MLE
and CI limits on the scale R's uniroot solves (limit or 1/limit in (0, 1)) to its tolerance 2e-4.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from outcome import multiplicity, response, survival

SEED = 20240601
pytestmark = pytest.mark.skipif(shutil.which("Rscript") is None,
                                reason="Rscript not on PATH: install r-base-core and "
                                       "r-cran-survival to run the R cross-checks")

R_SCRIPT = r"""
suppressMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1], stringsAsFactors = FALSE)
out <- function(key, v) cat(key, format(v, digits = 15), "\n")
f <- coxph(Surv(time, status) ~ z, data = d)
out("cox_z_coef", coef(f)); out("cox_z_se", sqrt(diag(vcov(f))))
out("cox_z_concordance", f$concordance["concordance"])
f <- coxph(Surv(time, status) ~ x + strata(histology, line), data = d)
out("scox_x_coef", coef(f)); out("scox_x_se", sqrt(diag(vcov(f))))
f <- coxph(Surv(time, status) ~ z * arm + strata(histology, line), data = d)
out("icox_coef", coef(f)); out("icox_se", sqrt(diag(vcov(f))))
out("lr_chisq", survdiff(Surv(time, status) ~ x, data = d)$chisq)
out("slr_chisq", survdiff(Surv(time, status) ~ x + strata(histology, line), data = d)$chisq)
out("lr3_chisq", survdiff(Surv(time, status) ~ histology, data = d)$chisq)
km <- survfit(Surv(time, status) ~ 1, data = d)
out("km_time", km$time); out("km_surv", km$surv)
out("km_lower", km$lower); out("km_upper", km$upper)
out("km_median", summary(km)$table[c("median", "0.95LCL", "0.95UCL")])
s <- summary(km, times = 182.625)
out("km_6m", c(s$surv, s$lower, s$upper))
t <- table(factor(d$x, levels = c(1, 0)), factor(d$response, levels = c(1, 0)))
ft <- fisher.test(t)
out("fisher", c(ft$estimate, ft$conf.int, ft$p.value))
out("cp", binom.test(sum(d$response), nrow(d))$conf.int)
out("bh", p.adjust(c(0.01, 0.04, 0.03, NA, 0.2, 0.001), method = "BH"))
"""


def _data() -> pd.DataFrame:
    """80 patients, integer days (ties), two strata factors, binary x, continuous z."""
    rng = np.random.default_rng(SEED)
    n = 80
    x = rng.integers(0, 2, n)
    z = rng.normal(0, 1, n)
    arm = rng.integers(0, 2, n)
    latent = rng.exponential(300 * np.exp(-0.5 * x - 0.3 * z), n)
    censor = rng.uniform(100, 900, n)
    return pd.DataFrame({
        "time": np.ceil(np.minimum(latent, censor) / 7) * 7,  # weekly: many tied times
        "status": (latent <= censor).astype(int), "x": x, "z": z, "arm": arm,
        "histology": rng.choice(["leiomyosarcoma", "liposarcoma", "undifferentiated"], n),
        "line": rng.choice(["1", "2"], n),
        "response": (rng.random(n) < 0.15 + 0.25 * x).astype(int)})


@pytest.fixture(scope="module")
def r_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("outcome_r")
    data = _data()
    data.to_csv(folder / "data.csv", index=False)
    (folder / "check.R").write_text(R_SCRIPT)
    run = subprocess.run(["Rscript", str(folder / "check.R"), str(folder / "data.csv")],
                         capture_output=True, text=True, timeout=120, check=False)
    if "there is no package called" in run.stderr:
        pytest.skip("R package survival missing: install r-cran-survival")
    assert run.returncode == 0, run.stderr
    values = {}
    for line in run.stdout.splitlines():
        key, *numbers = line.split()
        values[key] = np.array([np.nan if v == "NA" else float(v) for v in numbers])
    return data, values


def test_cox_coefficient_se_and_concordance_match_r(r_results):
    data, r = r_results
    fit = survival.fit_cox(data, "time", "status", ["z"], ph_test=False)
    np.testing.assert_allclose(fit.summary.loc["z", ["coef", "se"]], [*r["cox_z_coef"],
                               *r["cox_z_se"]], rtol=5e-5)
    np.testing.assert_allclose(fit.c_index, r["cox_z_concordance"][0], rtol=1e-6)


def test_stratified_cox_matches_r(r_results):
    data, r = r_results
    fit = survival.fit_cox(data, "time", "status", ["x"], ["histology", "line"], ph_test=False)
    np.testing.assert_allclose(fit.summary.loc["x", ["coef", "se"]],
                               [*r["scox_x_coef"], *r["scox_x_se"]], rtol=5e-5)


def test_interaction_cox_matches_r(r_results):
    data, r = r_results
    data = data.assign(z_arm=data["z"] * data["arm"])
    fit = survival.fit_cox(data, "time", "status", ["z", "arm", "z_arm"],
                           ["histology", "line"], ph_test=False)
    np.testing.assert_allclose(fit.summary["coef"], r["icox_coef"], rtol=5e-5)
    np.testing.assert_allclose(fit.summary["se"], r["icox_se"], rtol=5e-5)


def test_logrank_chisq_matches_survdiff(r_results):
    data, r = r_results
    plain = survival.logrank(data["time"], data["status"], data["x"])
    strata = data["histology"] + "/" + data["line"]
    stratified = survival.logrank(data["time"], data["status"], data["x"], strata)
    three = survival.logrank(data["time"], data["status"], data["histology"])
    np.testing.assert_allclose([plain.chisq, stratified.chisq, three.chisq],
                               [*r["lr_chisq"], *r["slr_chisq"], *r["lr3_chisq"]], rtol=1e-6)
    assert three.df == 2


def test_kaplan_meier_curve_median_and_6_month_rate_match_survfit(r_results):
    data, r = r_results
    table = survival.km_table(data["time"], data["status"])
    np.testing.assert_allclose(table["time"], r["km_time"])
    np.testing.assert_allclose(table["surv"], r["km_surv"], rtol=1e-9)
    np.testing.assert_allclose(table["ci_low"], r["km_lower"], rtol=1e-6)
    np.testing.assert_allclose(table["ci_high"], r["km_upper"], rtol=1e-6)
    np.testing.assert_allclose(survival.km_median(table), r["km_median"])
    np.testing.assert_allclose(survival.km_at(table, 182.625), r["km_6m"], rtol=1e-6)


def test_fisher_matches_r_fisher_test(r_results):
    data, r = r_results
    a = int(((data.x == 1) & (data.response == 1)).sum())
    b = int(((data.x == 1) & (data.response == 0)).sum())
    c = int(((data.x == 0) & (data.response == 1)).sum())
    d = int(((data.x == 0) & (data.response == 0)).sum())
    result = response.fisher_exact(a, b, c, d)
    estimate, low, high, p_value = r["fisher"]
    np.testing.assert_allclose(result["p_value"], p_value, rtol=1e-6)
    pairs = ((result["estimate"], estimate), (result["ci_low"], low), (result["ci_high"], high))
    for ours, theirs in pairs:
        scale = (lambda v: v) if theirs < 1 else (lambda v: 1 / v)
        assert abs(scale(ours) - scale(theirs)) < 2e-4


def test_clopper_pearson_and_bh_match_r(r_results):
    data, r = r_results
    _, low, high = response.clopper_pearson(int(data.response.sum()), len(data))
    np.testing.assert_allclose([low, high], r["cp"], rtol=1e-9)
    q = multiplicity.benjamini_hochberg([0.01, 0.04, 0.03, np.nan, 0.2, 0.001])
    np.testing.assert_allclose(q, r["bh"], rtol=1e-12)


TV_SCRIPT = r"""
suppressMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1], stringsAsFactors = FALSE)
f <- coxph(Surv(start, stop, event) ~ detected, data = d)
cat("tv", format(c(coef(f), sqrt(diag(vcov(f)))), digits = 15), "\n")
f <- coxph(Surv(start, stop, event) ~ detected + strata(histology), data = d)
cat("stv", format(c(coef(f), sqrt(diag(vcov(f)))), digits = 15), "\n")
for (t in list(c(3, 1, 1, 3), c(5, 0, 2, 6), c(0, 7, 4, 3))) {
  ft <- fisher.test(matrix(t, 2, byrow = TRUE))
  cat("fisher", format(c(ft$estimate, ft$conf.int, ft$p.value), digits = 15), "\n")
}
"""


def test_time_varying_cox_matches_r(tmp_path):
    from outcome import timevarying

    rng = np.random.default_rng(SEED + 1)
    n = 70
    patients = pd.DataFrame({"patient": [f"P{i:03d}" for i in range(n)],
                             "pfs_days": np.ceil(rng.exponential(350, n)) + 10,
                             "pfs_event": (rng.random(n) < 0.75).astype(int),
                             "histology": rng.choice(["lms", "lps"], n)})
    samples = pd.DataFrame({"patient": np.repeat(patients["patient"], 2).to_numpy(),
                            "day": np.tile([0, 182], n),
                            "detected": rng.integers(0, 2, 2 * n)})
    intervals, counts = timevarying.counting_process(patients, samples)
    assert counts["samples_after_follow_up"] == int((patients["pfs_days"] <= 182).sum())
    intervals.to_csv(tmp_path / "tv.csv", index=False)
    (tmp_path / "tv.R").write_text(TV_SCRIPT)
    run = subprocess.run(["Rscript", str(tmp_path / "tv.R"), str(tmp_path / "tv.csv")],
                         capture_output=True, text=True, timeout=120, check=True)
    lines = [line.split() for line in run.stdout.splitlines()]
    expected = {parts[0]: [float(v) for v in parts[1:]] for parts in lines[:2]}
    plain = timevarying.fit_time_varying(intervals)
    stratified = timevarying.fit_time_varying(intervals, ["histology"])
    np.testing.assert_allclose([plain["coef"], plain["se"]], expected["tv"], rtol=5e-5)
    np.testing.assert_allclose([stratified["coef"], stratified["se"]], expected["stv"],
                               rtol=5e-5)
    for table, parts in zip(([3, 1, 1, 3], [5, 0, 2, 6], [0, 7, 4, 3]), lines[2:]):
        r_estimate, r_low, r_high, r_p = (float(v) for v in parts[1:])
        ours = response.fisher_exact(*table)
        np.testing.assert_allclose(ours["p_value"], r_p, rtol=1e-6)
        for mine, theirs in ((ours["estimate"], r_estimate), (ours["ci_low"], r_low),
                             (ours["ci_high"], r_high)):
            if np.isinf(theirs) or theirs == 0:
                assert mine == theirs
            else:
                scale = (lambda v: v) if theirs < 1 else (lambda v: 1 / v)
                assert abs(scale(mine) - scale(theirs)) < 2e-4


ZPH_SCRIPT = r"""
suppressMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1], stringsAsFactors = FALSE)
old_zph <- function(f) {  # Grambsch-Therneau 1994 (R survival < 3.0), rank transform
  s <- as.matrix(residuals(f, "schoenfeld")); nev <- nrow(s)
  g <- rank(as.numeric(rownames(s))); g <- g - mean(g)
  r <- sweep(nev * s %*% f$var, 2, coef(f), "+")
  T <- colSums(g * r)^2 / (nev * diag(f$var) * sum(g^2))
  1 - pchisq(T, 1)
}
cat("zph", format(old_zph(coxph(Surv(time, status) ~ z + x, data = d)), digits = 15), "\n")
cat("szph", format(old_zph(coxph(Surv(time, status) ~ x + strata(histology), data = d)),
                   digits = 15), "\n")
"""


def test_schoenfeld_test_matches_grambsch_therneau_in_r(tmp_path):
    data = _data()
    data.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "zph.R").write_text(ZPH_SCRIPT)
    run = subprocess.run(["Rscript", str(tmp_path / "zph.R"), str(tmp_path / "data.csv")],
                         capture_output=True, text=True, timeout=120, check=True)
    expected = {line.split()[0]: [float(v) for v in line.split()[1:]]
                for line in run.stdout.splitlines()}
    from lifelines import CoxPHFitter

    two = CoxPHFitter().fit(data[["time", "status", "z", "x"]], "time", "status")
    ours = survival.schoenfeld_test(two, data[["time", "status", "z", "x"]])
    np.testing.assert_allclose(ours[["z", "x"]], expected["zph"], rtol=1e-3)
    fit = survival.fit_cox(data, "time", "status", ["x"], ["histology"])
    np.testing.assert_allclose(fit.ph_p, expected["szph"][0], rtol=1e-3)


MAXSTAT_SCRIPT = r"""
suppressMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1], stringsAsFactors = FALSE)
q <- quantile(d$z, c(0.1, 0.9), type = 7)
cuts <- sort(unique(d$z[d$z >= q[1] & d$z < q[2]]))
chisq <- sapply(cuts, function(c) survdiff(Surv(time, status) ~ I(z > c), data = d)$chisq)
cat("maxstat", format(c(cuts[which.max(chisq)], sqrt(max(chisq)), length(cuts)),
                      digits = 15), "\n")
"""


def test_maxstat_cutpoint_matches_survdiff_scan_in_r(tmp_path):
    data = _data()
    data.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "maxstat.R").write_text(MAXSTAT_SCRIPT)
    run = subprocess.run(["Rscript", str(tmp_path / "maxstat.R"), str(tmp_path / "data.csv")],
                         capture_output=True, text=True, timeout=120, check=True)
    cut, statistic, n_cuts = (float(v) for v in run.stdout.split()[1:])
    ours = survival.maxstat_cutpoint(data["time"], data["status"], data["z"])
    np.testing.assert_allclose([ours["cutpoint"], ours["statistic"], ours["n_cuts"]],
                               [cut, statistic, n_cuts], rtol=1e-9)


def test_unpenalised_elastic_net_equals_breslow_coxph(tmp_path):
    data = _data()
    x = data[["x", "z", "arm"]].to_numpy(float)
    beta = survival.elastic_net_cox(x, data["time"].to_numpy(), data["status"].to_numpy(),
                                    lam=0.0)
    data.to_csv(tmp_path / "data.csv", index=False)
    script = ("suppressMessages(library(survival)); d <- read.csv(commandArgs(TRUE)[1]); "
              "cat(format(coef(coxph(Surv(time, status) ~ x + z + arm, data = d, "
              "ties = 'breslow')), digits = 15))")
    run = subprocess.run(["Rscript", "-e", script, str(tmp_path / "data.csv")],
                         capture_output=True, text=True, timeout=120, check=True)
    np.testing.assert_allclose(beta, [float(v) for v in run.stdout.split()], rtol=5e-5)


def test_wilcoxon_matches_r_exact_and_with_ties(tmp_path):
    rng = np.random.default_rng(SEED)
    untied = rng.normal(size=30)
    tied = np.round(rng.normal(size=70), 1)
    flags = [rng.integers(0, 2, 30), rng.integers(0, 2, 70)]
    script = ("x <- scan(commandArgs(TRUE)[1], quiet = TRUE); g <- scan(commandArgs(TRUE)[2], "
              "quiet = TRUE); cat(format(suppressWarnings(wilcox.test(x[g == 1], x[g == 0])"
              "$p.value), digits = 15))")
    for values, flag in zip((untied, tied), flags):
        np.savetxt(tmp_path / "x.txt", values)
        np.savetxt(tmp_path / "g.txt", flag, fmt="%d")
        run = subprocess.run(["Rscript", "-e", script, str(tmp_path / "x.txt"),
                              str(tmp_path / "g.txt")], capture_output=True, text=True,
                             timeout=120, check=True)
        assert response.wilcoxon_p(values, flag) == pytest.approx(float(run.stdout), rel=1e-6)
