"""The low-pass segmentation (ctdna.lowpass_fit_segments, circular binary segmentation) against
R's strucchange::breakpoints (Bai and Perron's optimal partition of a mean-shift model;
Zeileis et al., J Stat Softw 2002), an independent implementation, on clean toy chromosomes
with 1-3 changes (seed printed): our breakpoints include the true ones and, given their
number, are the least-squares optimal partition R finds by dynamic programming. R's BIC
choice of the number of breaks is not compared (it adds a spurious break near a chromosome
end; our z = 4 adds one in the third profile, where R with 4 breaks agrees on its place)."""

from __future__ import annotations

import numpy as np
import pytest

from ctdna import lowpass_fit_segments as segmentation
from tests.crosscheck.rsurvival import requires_r, run_r

pytestmark = [pytest.mark.crosscheck, requires_r]
SEED = 20240601
SCRIPT = """
suppressPackageStartupMessages(library(strucchange))
y <- scan("y.txt", quiet = TRUE)
fit <- breakpoints(y ~ 1, h = as.integer(commandArgs(TRUE)[1]))
cat("breaks", breakpoints(fit, breaks = as.integer(commandArgs(TRUE)[2]))$breakpoints, "\\n")
"""
PROFILES = {
    "arm gain": [(40, 0.0), (30, 0.3)],
    "focal gain inside a chromosome": [(30, 0.0), (6, 0.6), (34, 0.0)],
    "loss and gain": [(25, 0.0), (20, -0.4), (15, 0.0), (20, 0.25)],
}


@pytest.mark.parametrize("name", PROFILES)
def test_breakpoints_equal_strucchange(tmp_path, name):
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    truth = np.concatenate([np.full(n, level) for n, level in PROFILES[name]])
    ratios = truth + rng.normal(0, 0.05, truth.size)
    np.savetxt(tmp_path / "y.txt", ratios, fmt="%.17g")
    ours = segmentation.breakpoints(ratios, 0.05)[1:-1]  # R: last bin of each segment (1-based)
    assert set(np.cumsum([n for n, _ in PROFILES[name]])[:-1]) <= set(ours)  # every true break
    arguments = (str(segmentation.MIN_SEGMENT_BINS), str(len(ours)))
    breaks = run_r(SCRIPT, tmp_path, *arguments)["breaks"]
    assert ours == [int(b) for b in breaks]
