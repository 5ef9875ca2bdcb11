"""The exact Poisson interval against R's poisson.test (Rscript, base stats)."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import require_tool
from tmb import burden

COUNTS = [0, 1, 3, 7, 25, 150]
PANEL_MB = 1.3


def test_interval_matches_r_poisson_test():
    rscript = require_tool("Rscript")
    code = (
        f"for (k in c({','.join(map(str, COUNTS))})) {{ "
        f"ci <- poisson.test(k, T = {PANEL_MB})$conf.int; "
        "cat(sprintf('%.15g %.15g\\n', ci[1], ci[2])) }"
    )
    out = subprocess.run([rscript, "-e", code], check=True, capture_output=True, text=True).stdout
    expected = [tuple(map(float, line.split())) for line in out.strip().splitlines()]
    for count, (low, high) in zip(COUNTS, expected):
        est = burden.tmb_estimate(count, PANEL_MB)
        assert est["tmb_ci_low"] == pytest.approx(low, rel=1e-9, abs=1e-12)
        assert est["tmb_ci_high"] == pytest.approx(high, rel=1e-9)
