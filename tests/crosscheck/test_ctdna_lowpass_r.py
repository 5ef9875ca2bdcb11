"""The GC and mappability smoother of the low-pass normalisation (ctdna.lowpass_norm.smoothed:
statsmodels lowess, linear interpolation) against R's stats::lowess with approx(rule = 2),
the functions ichorCNA's correctReadCounts uses, on noisy GC-biased log counts (seed
printed) including query points beyond the fitted range."""

from __future__ import annotations

import numpy as np
import pytest

from ctdna.lowpass_norm import GC_LOWESS_FRAC, smoothed
from stereosarc.demo.lowpass import gc_bias
from tests.crosscheck.rsurvival import requires_r, run_r

pytestmark = [pytest.mark.crosscheck, requires_r]
SEED = 20240601
SCRIPT = """
x <- scan("x.txt", quiet = TRUE); y <- scan("y.txt", quiet = TRUE)
at <- scan("at.txt", quiet = TRUE); f <- as.numeric(commandArgs(TRUE)[1])
fit <- lowess(x, y, f = f, iter = 3, delta = 0)
cat("expected", approx(fit$x, fit$y, xout = at, rule = 2, ties = mean)$y, "\\n")
"""


def test_smoother_equals_r_lowess(tmp_path):
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    gc = rng.uniform(0.35, 0.6, 400)
    log_rate = np.log(1500 * gc_bias(gc)) + rng.normal(0, 0.08, gc.size)
    log_rate[:8] += 1.5  # outlying bins: the robustness iterations must down-weight them
    at = np.linspace(0.3, 0.65, 60)
    for name, values in (("x", gc), ("y", log_rate), ("at", at)):
        np.savetxt(tmp_path / f"{name}.txt", values, fmt="%.17g")
    expected = run_r(SCRIPT, tmp_path, str(GC_LOWESS_FRAC))["expected"]
    np.testing.assert_allclose(smoothed(gc, log_rate, at), expected, rtol=0, atol=1e-5)
