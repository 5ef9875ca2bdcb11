"""Null-model statistics against R (Rscript, base stats only): the MDM2 predictive t p-value,
1 - pt(t, n - 1) with t = (x - mean) / (sd sqrt(1 + 1/n)), and the Clopper-Pearson upper
bound of a false-positive rate (binom.test)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from ctdna import cn, pon_check
from tests.conftest import require_tool

CASES = [  # (sample log2 ratio, PoN leave-one-out log2 ratios): n = 3, 5, 8
    (0.35, [0.01, -0.03, 0.04]),
    (0.12, [0.00, 0.02, -0.05, 0.03, -0.01]),
    (0.60, [0.02, -0.02, 0.05, -0.04, 0.01, 0.00, 0.03, -0.01]),
    (-0.20, [0.02, -0.02, 0.05]),
]
R_CODE = """
cases <- list({cases})
for (case in cases) {{
  x <- case[1]; pon <- case[-1]; n <- length(pon)
  t <- (x - mean(pon)) / (sd(pon) * sqrt(1 + 1 / n))
  cat(sprintf("%.15g %.15g\\n", t, 1 - pt(t, n - 1)))
}}
for (k in c(0, 3, 25)) cat(sprintf("%.15g\\n", binom.test(k, 2100)$conf.int[2]))
"""


def test_predictive_t_and_clopper_pearson_match_r():
    rscript = require_tool("Rscript")
    cases = ", ".join("c(" + ", ".join(map(str, [x, *pon])) + ")" for x, pon in CASES)
    out = subprocess.run(
        [rscript, "-e", R_CODE.format(cases=cases)], check=True, capture_output=True, text=True
    ).stdout.split("\n")
    for (x, pon), line in zip(CASES, out):
        t_r, p_r = map(float, line.split())
        t, n, p = cn.predictive_test(x, np.array(pon))
        assert n == len(pon)
        assert t == pytest.approx(t_r, rel=1e-12)
        assert p == pytest.approx(p_r, rel=1e-9)
    for k, line in zip((0, 3, 25), out[len(CASES) :]):
        assert pon_check.clopper_pearson_upper(k, 2100) == pytest.approx(float(line), rel=1e-9)
