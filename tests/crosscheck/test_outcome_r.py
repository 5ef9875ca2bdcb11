"""Cross-check of outcome.survival / outcome.response / outcome.multiplicity against R.

Rscript with library(survival) runs on the same seeded data written to tmp_path; R's values
are the expected ones (independent implementation). Tolerances: Cox coefficients and SEs to
4 significant digits (rtol 5e-5), KM and log-rank to 1e-6, Fisher p to 1e-6; Fisher MLE
and CI limits on the scale R's uniroot solves (limit or 1/limit in (0, 1)) to its tolerance
2e-4; cox.zph p-values and Harrell's C to 1e-4 (our betas come from lifelines, equal to R's
to ~1e-7). Skipped only when Rscript is absent (tests/crosscheck/rsurvival.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from outcome import cutpoints, diagnostics, elastic_net, landmark, multiplicity, response, survival
from tests.crosscheck.rsurvival import requires_r, run_r

SEED = 20240601
pytestmark = [requires_r, pytest.mark.crosscheck]
LANDMARK = 182.625  # the 6-month landmark of outcome.landmark

R_SCRIPT = r"""
suppressMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1], stringsAsFactors = FALSE)
out <- function(key, v) cat(key, format(v, digits = 15), "\n")
f <- coxph(Surv(time, status) ~ z, data = d)
out("cox_z_coef", coef(f)); out("cox_z_se", sqrt(diag(vcov(f))))
out("cox_z_concordance", f$concordance["concordance"])
f <- coxph(Surv(time, status) ~ z + x, data = d)
out("zph_km", cox.zph(f)$table[c("z", "x"), "p"])
out("zph_rank", cox.zph(f, transform = "rank")$table[c("z", "x"), "p"])
f <- coxph(Surv(time, status) ~ x + strata(histology, line), data = d)
out("scox_x_coef", coef(f)); out("scox_x_se", sqrt(diag(vcov(f))))
out("scox_concordance", f$concordance["concordance"])
out("scox_zph_km", cox.zph(f)$table["x", "p"])
lm <- subset(d, time > 182.625); lm$time <- lm$time - 182.625
f <- coxph(Surv(time, status) ~ x + strata(histology, line), data = lm)
out("lm_cox", c(nrow(lm), sum(lm$status), coef(f), sqrt(diag(vcov(f)))))
g <- glm(response ~ z, family = binomial, data = d)
out("glm_z", c(coef(g)[2], sqrt(diag(vcov(g)))[2], summary(g)$coefficients[2, 4]))
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
    return pd.DataFrame(
        {
            "time": np.ceil(np.minimum(latent, censor) / 7) * 7,  # weekly: many tied times
            "status": (latent <= censor).astype(int),
            "x": x,
            "z": z,
            "arm": arm,
            "histology": rng.choice(["leiomyosarcoma", "liposarcoma", "undifferentiated"], n),
            "line": rng.choice(["1", "2"], n),
            "response": (rng.random(n) < 0.15 + 0.25 * x).astype(int),
        }
    )


@pytest.fixture(scope="module")
def r_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("outcome_r")
    data = _data()
    print("seed", SEED)
    data.to_csv(folder / "data.csv", index=False)
    return data, run_r(R_SCRIPT, folder, str(folder / "data.csv"))


def test_cox_coefficient_se_and_concordance_match_r(r_results):
    data, r = r_results
    fit = survival.fit_cox(data, "time", "status", ["z"], ph_test=False)
    np.testing.assert_allclose(
        fit.summary.loc["z", ["coef", "se"]], [*r["cox_z_coef"], *r["cox_z_se"]], rtol=5e-5
    )
    np.testing.assert_allclose(fit.c_index, r["cox_z_concordance"][0], rtol=1e-6)


def test_stratified_cox_matches_r(r_results):
    data, r = r_results
    fit = survival.fit_cox(data, "time", "status", ["x"], ["histology", "line"])
    np.testing.assert_allclose(
        fit.summary.loc["x", ["coef", "se"]], [*r["scox_x_coef"], *r["scox_x_se"]], rtol=5e-5
    )
    # R's concordance of a stratified coxph compares pairs within strata; cox.zph default
    np.testing.assert_allclose(fit.c_index, r["scox_concordance"][0], rtol=1e-4)
    np.testing.assert_allclose(fit.ph_p, r["scox_zph_km"][0], rtol=1e-4)


def test_ph_score_test_matches_cox_zph_km_and_rank(r_results):
    """R survival >= 3.0 cox.zph (score test), two terms, default KM and rank transforms."""
    data, r = r_results
    fit = survival.fit_cox(data, "time", "status", ["z", "x"], ph_test=False)
    beta = fit.summary.loc[["z", "x"], "coef"].to_numpy()
    for transform in ("km", "rank"):
        ours = diagnostics.zph_test(
            data["time"], data["status"], data[["z", "x"]], beta, transform=transform
        )
        np.testing.assert_allclose(ours, r[f"zph_{transform}"], rtol=1e-4)


def test_landmark_cox_matches_r_on_the_restarted_clock(r_results):
    data, r = r_results
    cohort, excluded = landmark.landmark_cohort(
        data.assign(m=data["x"]), "m", LANDMARK, "time", "status"
    )
    n, events, coef, se = r["lm_cox"]
    assert len(cohort) == n and cohort["status"].sum() == events
    assert (
        excluded["event_before_landmark"] + excluded["censored_before_landmark"] == len(data) - n
    )
    fit = survival.fit_cox(cohort, "time", "status", ["x"], ["histology", "line"], ph_test=False)
    np.testing.assert_allclose(fit.summary.loc["x", ["coef", "se"]], [coef, se], rtol=5e-5)


def test_logistic_odds_ratio_matches_glm(r_results):
    data, r = r_results
    ours = response.logistic(data["z"], data["response"])
    coef, se, p_value = r["glm_z"]
    assert ours["method"] == "logistic"
    np.testing.assert_allclose(np.log(ours["estimate"]), coef, rtol=1e-5)
    z = 1.959963984540054  # standard normal 97.5 % quantile
    np.testing.assert_allclose(
        np.log([ours["ci_low"], ours["ci_high"]]), [coef - z * se, coef + z * se], rtol=1e-5
    )
    np.testing.assert_allclose(ours["p_value"], p_value, rtol=1e-4)


def test_interaction_cox_matches_r(r_results):
    data, r = r_results
    data = data.assign(z_arm=data["z"] * data["arm"])
    fit = survival.fit_cox(
        data, "time", "status", ["z", "arm", "z_arm"], ["histology", "line"], ph_test=False
    )
    np.testing.assert_allclose(fit.summary["coef"], r["icox_coef"], rtol=5e-5)
    np.testing.assert_allclose(fit.summary["se"], r["icox_se"], rtol=5e-5)


def test_logrank_chisq_matches_survdiff(r_results):
    data, r = r_results
    plain = survival.logrank(data["time"], data["status"], data["x"])
    strata = data["histology"] + "/" + data["line"]
    stratified = survival.logrank(data["time"], data["status"], data["x"], strata)
    three = survival.logrank(data["time"], data["status"], data["histology"])
    np.testing.assert_allclose(
        [plain.chisq, stratified.chisq, three.chisq],
        [*r["lr_chisq"], *r["slr_chisq"], *r["lr3_chisq"]],
        rtol=1e-6,
    )
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


FISHER_SCRIPT = r"""
for (t in list(c(3, 1, 1, 3), c(5, 0, 2, 6), c(0, 7, 4, 3), c(12, 3, 2, 25))) {
  ft <- fisher.test(matrix(t, 2, byrow = TRUE))
  cat(paste0("fisher_", paste(t, collapse = "_")),
      format(c(ft$estimate, ft$conf.int, ft$p.value), digits = 15), "\n")
}
"""


def test_fisher_tables_with_zero_cells_match_r(tmp_path):
    r = run_r(FISHER_SCRIPT, tmp_path)
    assert len(r) == 4
    for key, (r_estimate, r_low, r_high, r_p) in r.items():
        ours = response.fisher_exact(*(int(v) for v in key.split("_")[1:]))
        np.testing.assert_allclose(ours["p_value"], r_p, rtol=1e-6)
        for mine, theirs in (
            (ours["estimate"], r_estimate),
            (ours["ci_low"], r_low),
            (ours["ci_high"], r_high),
        ):
            if np.isinf(theirs) or theirs == 0:
                assert mine == theirs, key
            else:
                scale = (lambda v: v) if theirs < 1 else (lambda v: 1 / v)
                assert abs(scale(mine) - scale(theirs)) < 2e-4, key


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
    cut, statistic, n_cuts = run_r(MAXSTAT_SCRIPT, tmp_path, str(tmp_path / "data.csv"))["maxstat"]
    ours = cutpoints.maxstat_cutpoint(data["time"], data["status"], data["z"])
    np.testing.assert_allclose(
        [ours["cutpoint"], ours["statistic"], ours["n_cuts"]], [cut, statistic, n_cuts], rtol=1e-9
    )


def test_unpenalised_elastic_net_equals_breslow_coxph(tmp_path):
    data = _data()
    x = data[["x", "z", "arm"]].to_numpy(float)
    beta = elastic_net.elastic_net_cox(
        x, data["time"].to_numpy(), data["status"].to_numpy(), lam=0.0
    )
    data.to_csv(tmp_path / "data.csv", index=False)
    script = (
        "suppressMessages(library(survival)); d <- read.csv(commandArgs(TRUE)[1]); "
        "cat('beta', format(coef(coxph(Surv(time, status) ~ x + z + arm, data = d, "
        "ties = 'breslow')), digits = 15), '\\n')"
    )
    r = run_r(script, tmp_path, str(tmp_path / "data.csv"))
    np.testing.assert_allclose(beta, r["beta"], rtol=5e-5)


def test_wilcoxon_and_auc_match_r_exact_and_with_ties(tmp_path):
    rng = np.random.default_rng(SEED)
    untied = rng.normal(size=30)
    tied = np.round(rng.normal(size=70), 1)
    flags = [rng.integers(0, 2, 30), rng.integers(0, 2, 70)]
    script = (
        "x <- scan(commandArgs(TRUE)[1], quiet = TRUE); g <- scan(commandArgs(TRUE)[2], "
        "quiet = TRUE); w <- suppressWarnings(wilcox.test(x[g == 1], x[g == 0])); "
        "cat('w', format(c(w$p.value, w$statistic / (sum(g == 1) * sum(g == 0))), "
        "digits = 15), '\\n')"
    )
    for values, flag in zip((untied, tied), flags):
        np.savetxt(tmp_path / "x.txt", values)
        np.savetxt(tmp_path / "g.txt", flag, fmt="%d")
        p_value, auc = run_r(script, tmp_path, str(tmp_path / "x.txt"), str(tmp_path / "g.txt"))[
            "w"
        ]
        assert response.wilcoxon_p(values, flag) == pytest.approx(p_value, rel=1e-6)
        assert response.auc(values, flag) == pytest.approx(auc, rel=1e-12)  # AUC = W / n1 n0
