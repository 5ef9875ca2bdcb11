"""The array Cox engines (outcome.coxpath, outcome.coxfit) against R survival::coxph on R's
own data sets: ``lung`` (tied times, Efron; strata sex) and ``ovarian`` (strata rx).

R writes the data and its fit; Python refits the same model. outcome.coxfit runs Newton to
the maximum, as R does: coefficients and SEs to rtol 1e-9. outcome.coxpath follows lifelines'
Newton path, which stops one step short of the maximum (its documented stopping rules;
module docstring): rtol 1e-5 against R, and outcome.survival.fit_cox, which uses it, the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from outcome import coxfit, coxpath, survival
from tests.crosscheck.rsurvival import requires_r, run_r

pytestmark = [requires_r, pytest.mark.crosscheck]

R_SCRIPT = r"""
suppressMessages(library(survival))
lung2 <- na.omit(lung[, c("time", "status", "age", "wt.loss", "ph.ecog", "sex")])
lung2$status <- lung2$status - 1
ovarian2 <- ovarian[, c("futime", "fustat", "age", "ecog.ps", "rx")]
names(ovarian2) <- c("time", "status", "age", "ecog.ps", "stratum")
names(lung2)[names(lung2) == "sex"] <- "stratum"
write.csv(lung2, "lung.csv", row.names = FALSE)
write.csv(ovarian2, "ovarian.csv", row.names = FALSE)
ctl <- coxph.control(eps = 1e-14, toler.chol = 1e-15, iter.max = 100)
l <- coxph(Surv(time, status) ~ age + wt.loss + ph.ecog + strata(stratum), lung2, control = ctl)
o <- coxph(Surv(time, status) ~ age + ecog.ps + strata(stratum), ovarian2, control = ctl)
cat("lung_coef", sprintf("%.17g", coef(l)), "\n")
cat("lung_se", sprintf("%.17g", sqrt(diag(vcov(l)))), "\n")
cat("lung_loglik", sprintf("%.17g", l$loglik[2]), "\n")
cat("ovarian_coef", sprintf("%.17g", coef(o)), "\n")
cat("ovarian_se", sprintf("%.17g", sqrt(diag(vcov(o)))), "\n")
cat("ovarian_loglik", sprintf("%.17g", o$loglik[2]), "\n")
"""
TERMS = {"lung": ["age", "wt.loss", "ph.ecog"], "ovarian": ["age", "ecog.ps"]}


@pytest.fixture(scope="module")
def r_fits(tmp_path_factory):
    folder = tmp_path_factory.mktemp("coxpath_r")
    return folder, run_r(R_SCRIPT, folder)


@pytest.mark.parametrize("name", sorted(TERMS))
def test_array_engines_equal_r_coxph(r_fits, name):
    folder, r = r_fits
    data = pd.read_csv(folder / f"{name}.csv")
    x = data[TERMS[name]].to_numpy(float)
    full = coxfit.fit(data["time"], data["status"], x, data["stratum"])
    np.testing.assert_allclose(full.coef, r[f"{name}_coef"], rtol=1e-9)
    np.testing.assert_allclose(full.se, r[f"{name}_se"], rtol=1e-9)
    assert full.log_likelihood == pytest.approx(r[f"{name}_loglik"][0], rel=1e-12)
    path = coxpath.fit(data["time"], data["status"], x, data["stratum"], survival.NEWTON_OPTIONS)
    assert path.converged
    np.testing.assert_allclose(path.coef, r[f"{name}_coef"], rtol=1e-5)
    np.testing.assert_allclose(path.se, r[f"{name}_se"], rtol=1e-5)
    reported = survival.fit_cox(data, "time", "status", TERMS[name], ["stratum"])
    np.testing.assert_allclose(reported.summary["coef"], r[f"{name}_coef"], rtol=1e-5)
    np.testing.assert_allclose(reported.summary["se"], r[f"{name}_se"], rtol=1e-5)
    assert reported.log_likelihood == pytest.approx(r[f"{name}_loglik"][0], rel=1e-9)
