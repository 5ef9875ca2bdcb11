"""Cross-check of outcome.primary (the protocol's primary endpoint) against R survival.

On R's own datasets, with a two-level variable as the arm (survival::lung: sex 2 = female as
"SBRT+atezolizumab"; survival::veteran: trt 2 = test treatment), on a seeded synthetic
table with ties and on the demo cohort's PFS (stereosarc.demo, 103 patients): KM S(182.625)
per arm with its Greenwood SE and log-log CI
(``summary(survfit(conf.type = "log-log"), times = 182.625)``), the difference with its SE,
Z and one-sided p computed in R from those, reverse-KM median follow-up with its CI
(``survfit(Surv(time, 1 - status) ~ 1)``), Wilson intervals and the pooled Z test
(``prop.test(correct = FALSE)``) of the binary version, and the Newcombe interval assembled
in R from R's Wilson limits (Newcombe 1998, method 10). Tolerance: rtol 1e-6.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from outcome import primary
from tests.crosscheck.rsurvival import requires_r, run_r

SEED = 20240601
pytestmark = [requires_r, pytest.mark.crosscheck]
H = 182.625  # the 6-month horizon of the protocol

R_SCRIPT = r"""
suppressMessages(library(survival))
a <- commandArgs(TRUE)
d <- read.csv(a[1], stringsAsFactors = FALSE)
out <- function(key, v) cat(key, format(v, digits = 15), "\n")
exp_arm <- d$arm == "SBRT+atezolizumab"
s <- list()
for (g in c("E", "C")) {
  k <- if (g == "E") exp_arm else !exp_arm
  f <- survfit(Surv(time, status) ~ 1, data = d[k, ], conf.type = "log-log")
  m <- summary(f, times = 182.625)
  s[[g]] <- c(m$surv, m$std.err, m$lower, m$upper)
  out(paste0("km_", g), s[[g]])
  r <- survfit(Surv(time, 1 - status) ~ 1, data = d[k, ])
  out(paste0("fu_", g), quantile(r, 0.5, conf.int = TRUE))
}
r <- survfit(Surv(time, 1 - status) ~ 1, data = d)
out("fu_all", quantile(r, 0.5, conf.int = TRUE))
diff <- s$E[1] - s$C[1]; se <- sqrt(s$E[2]^2 + s$C[2]^2); z <- diff / se
out("diff", c(diff, se, z, pnorm(z, lower.tail = FALSE), 2 * pnorm(-abs(z)),
              diff + c(-1, 1) * qnorm(0.9) * se, diff + c(-1, 1) * qnorm(0.975) * se))
ev <- d$time > 182.625 | d$status == 1
x <- c(sum(d$time[ev & exp_arm] > 182.625), sum(d$time[ev & !exp_arm] > 182.625))
n <- c(sum(ev & exp_arm), sum(ev & !exp_arm))
w <- function(i, level) prop.test(x[i], n[i], correct = FALSE, conf.level = level)$conf.int
p <- x / n
newcombe <- function(level) {
  e <- w(1, level); c0 <- w(2, level)
  c(p[1] - p[2] - sqrt((p[1] - e[1])^2 + (c0[2] - p[2])^2),
    p[1] - p[2] + sqrt((e[2] - p[1])^2 + (p[2] - c0[1])^2))
}
pt <- prop.test(x, n, correct = FALSE, alternative = "greater")
out("binary", c(x, n, w(1, 0.95), w(2, 0.95), newcombe(0.8), newcombe(0.95),
                sqrt(pt$statistic), pt$p.value))
"""

DATASETS = {
    "lung": (
        "data(lung); d <- data.frame(time = lung$time, status = lung$status - 1, "
        "arm = ifelse(lung$sex == 2, 'SBRT+atezolizumab', 'SBRT'))"
    ),
    "veteran": (
        "data(veteran); d <- data.frame(time = veteran$time, status = veteran$status, "
        "arm = ifelse(veteran$trt == 2, 'SBRT+atezolizumab', 'SBRT'))"
    ),
}


def _synthetic() -> pd.DataFrame:
    """70 patients, weekly times (ties), exponential PFS, uniform censoring."""
    rng = np.random.default_rng(SEED)
    n = 70
    arm = np.where(rng.random(n) < 0.5, "SBRT", "SBRT+atezolizumab")
    latent = rng.exponential(np.where(arm == "SBRT", 220, 330))
    censor = rng.uniform(60, 800, n)
    return pd.DataFrame(
        {
            "time": np.ceil(np.minimum(latent, censor) / 7) * 7,
            "status": (latent <= censor).astype(int),
            "arm": arm,
        }
    )


def _r_dataset(name: str, folder) -> pd.DataFrame:
    script = (
        f"suppressMessages(library(survival)); {DATASETS[name]}; "
        "write.csv(d, commandArgs(TRUE)[1], row.names = FALSE)"
    )
    run_r(script, folder, str(folder / f"{name}.csv"))
    return pd.read_csv(folder / f"{name}.csv")


def _demo() -> pd.DataFrame:
    """The demo cohort's PFS (stereosarc.demo, 103 patients, seed 20240601)."""
    from stereosarc.demo.cohort import simulate_patients

    patients = simulate_patients(103, SEED)
    return pd.DataFrame(
        {
            "time": patients["pfs_days"],
            "status": patients["pfs_event"].astype(int),
            "arm": patients["arm"],
        }
    )


@pytest.fixture(scope="module", params=["lung", "veteran", "synthetic", "demo"])
def case(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"primary_{request.param}")
    made = {"synthetic": _synthetic, "demo": _demo}
    data = made[request.param]() if request.param in made else _r_dataset(request.param, folder)
    print("dataset", request.param, "seed", SEED)
    data.to_csv(folder / "data.csv", index=False)
    r = run_r(R_SCRIPT, folder, str(folder / "data.csv"))
    ours = primary.analyse(
        data.rename(columns={"time": "pfs_days", "status": "pfs_event"}),
        primary.PrimarySettings(alpha=0.10, sided="one"),
    )
    return ours[ours["population"] == "itt"], r


def _get(table, analysis, group=None, level=None):
    rows = table[table["analysis"] == analysis]
    if group is not None:
        rows = rows[rows["group"] == group]
    if level is not None:
        rows = rows[np.isclose(rows["ci_level"], level)]
    assert len(rows) == 1, (analysis, group, level)
    return rows.iloc[0]


def test_km_6_month_rate_greenwood_se_and_log_log_ci_match_survfit(case):
    ours, r = case
    for arm, key in (("SBRT+atezolizumab", "km_E"), ("SBRT", "km_C")):
        row = _get(ours, "km_rate", arm)
        np.testing.assert_allclose(
            row[["estimate", "se", "ci_low", "ci_high"]].astype(float), r[key], rtol=1e-6
        )


def test_rate_difference_se_and_one_sided_test_match_r(case):
    ours, r = case
    diff, se, z, p_one, _, low80, high80, low95, high95 = r["diff"]
    tested = _get(ours, "km_rate_difference", level=0.8)
    np.testing.assert_allclose(
        tested[["estimate", "se", "statistic", "p_value", "ci_low", "ci_high"]].astype(float),
        [diff, se, z, p_one, low80, high80],
        rtol=1e-6,
    )
    assert tested["primary"] == 1 and tested["reject_null"] == int(p_one < 0.10)
    wide = _get(ours, "km_rate_difference", level=0.95)
    np.testing.assert_allclose(
        wide[["ci_low", "ci_high"]].astype(float), [low95, high95], rtol=1e-6
    )


def test_reverse_km_median_follow_up_matches_survfit(case):
    ours, r = case
    for group, key in (("SBRT+atezolizumab", "fu_E"), ("SBRT", "fu_C"), ("all", "fu_all")):
        row = _get(ours, "follow_up", group)
        np.testing.assert_allclose(
            row[["estimate", "ci_low", "ci_high"]].astype(float), r[key], rtol=1e-9
        )


def test_binary_6_month_wilson_newcombe_and_z_test_match_r(case):
    ours, r = case
    x1, x0, n1, n0, e_low, e_high, c_low, c_high, n80_low, n80_high, n95_low, n95_high, z, p = r[
        "binary"
    ]
    exp_row, ref_row = (
        _get(ours, "binary_rate", "SBRT+atezolizumab"),
        _get(ours, "binary_rate", "SBRT"),
    )
    assert (exp_row["n"], ref_row["n"]) == (n1, n0)
    np.testing.assert_allclose([exp_row["estimate"], ref_row["estimate"]], [x1 / n1, x0 / n0])
    np.testing.assert_allclose(
        [exp_row["ci_low"], exp_row["ci_high"], ref_row["ci_low"], ref_row["ci_high"]],
        [e_low, e_high, c_low, c_high],
        rtol=1e-6,
    )
    tested = _get(ours, "binary_difference", level=0.8)
    np.testing.assert_allclose(
        tested[["ci_low", "ci_high", "p_value"]].astype(float), [n80_low, n80_high, p], rtol=1e-6
    )
    np.testing.assert_allclose(abs(tested["statistic"]), z, rtol=1e-6)
    wide = _get(ours, "binary_difference", level=0.95)
    np.testing.assert_allclose(
        wide[["ci_low", "ci_high"]].astype(float), [n95_low, n95_high], rtol=1e-6
    )


def test_median_ci_is_na_where_the_interval_curve_ends_at_s_zero(tmp_path):
    """A curve dropping to 0 at its last time: R's CI there is NA, so the upper limit of the
    median is NA (not that last time), as quantile.survfit."""
    from outcome import survival

    script = (
        "suppressMessages(library(survival)); for (i in 1:3) { st <- list(c(0,0,0,1,1), "
        "c(1,0,0,1,1), c(0,1,0,0,1))[[i]]; r <- survfit(Surv(1:5, st) ~ 1); "
        "cat(paste0('q', i), format(unlist(quantile(r, 0.5, conf.int = TRUE))), '\\n') }"
    )
    r = run_r(script, tmp_path)
    for i, status in enumerate(([0, 0, 0, 1, 1], [1, 0, 0, 1, 1], [0, 1, 0, 0, 1]), start=1):
        ours = survival.km_median(survival.km_table(range(1, 6), status))
        np.testing.assert_allclose(ours, r[f"q{i}"])


def test_rate_at_the_boundaries_follows_survfit(tmp_path):
    """No event before h: S = 1 with CI (1, 1) in R; all progressed before h: S = 0 (R with
    extend = TRUE: CI NA), so the difference has no SE and no test."""
    script = (
        "suppressMessages(library(survival)); s <- summary(survfit(Surv(c(200, 300, 400), "
        "c(1, 0, 1)) ~ 1, conf.type = 'log-log'), times = 182.625); "
        "cat('one', format(c(s$surv, s$std.err, s$lower, s$upper)), '\\n'); "
        "s <- summary(survfit(Surv(c(10, 20, 30), c(1, 1, 1)) ~ 1, conf.type = 'log-log'),"
        " times = 182.625, extend = TRUE); cat('zero', format(c(s$surv, s$lower, "
        "s$upper)), '\\n')"
    )
    r = run_r(script, tmp_path)
    one = primary.km_rate([200, 300, 400], [1, 0, 1], H)
    np.testing.assert_allclose(
        [one["estimate"], one["se"], one["ci_low"], one["ci_high"]], r["one"]
    )
    zero = primary.km_rate([10, 20, 30], [1, 1, 1], H)
    np.testing.assert_allclose([zero["estimate"], zero["ci_low"], zero["ci_high"]], r["zero"])
    frame = pd.DataFrame(
        {
            "patient": list("ABCDEF"),
            "pfs_days": [200, 300, 400, 10, 20, 30],
            "pfs_event": [1, 0, 1, 1, 1, 1],
            "arm": ["SBRT+atezolizumab"] * 3 + ["SBRT"] * 3,
        }
    )
    tested = primary.analyse(frame)
    tested = tested[
        (tested["primary"] == 1)
        | (
            (tested["analysis"] == "km_rate_difference")
            & (tested["population"] == "itt")
            & (tested["censoring"] == "standard")
        )
    ]
    assert (tested["estimate"] == 1.0).all() and tested["p_value"].isna().all()
    assert tested["note"].str.contains("SE undefined").all()
