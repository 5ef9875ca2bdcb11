"""tmb.poisson (the scipy-free Garwood interval) against scipy.special.gammaincinv.

scipy's cephes igami is an independent implementation of the same inverse (chi2.ppf(p, 2k)/2);
tests/unit/test_tmb_poisson_r.py checks the interval against R poisson.test as well. The bounds
must agree to 1e-13 relative and print the same at the 10 significant digits of the tables
(stereosarc.schemas.FLOAT_FORMAT), over counts from 0 to the bench's 90,325 and levels
0.8-0.999.
"""

from __future__ import annotations

import pytest

from stereosarc.schemas import FLOAT_FORMAT
from tmb.poisson import gamma_p_inverse, garwood_interval

special = pytest.importorskip("scipy.special")
COUNTS = [*range(0, 60), 99, 100, 150, 199, 500, 1000, 5000, 22767, 90325]
LEVELS = [0.8, 0.95, 0.99, 0.999]


@pytest.mark.parametrize("level", LEVELS)
def test_bounds_equal_scipy_gammaincinv(level):
    alpha = 1 - level
    for count in COUNTS:
        low, high = garwood_interval(count, alpha)
        want_low = 0.0 if count == 0 else float(special.gammaincinv(count, alpha / 2))
        want_high = float(special.gammaincinv(count + 1, 1 - alpha / 2))
        assert low == pytest.approx(want_low, rel=1e-13, abs=0), count
        assert high == pytest.approx(want_high, rel=1e-13), count
        assert FLOAT_FORMAT % low == FLOAT_FORMAT % want_low, count
        assert FLOAT_FORMAT % high == FLOAT_FORMAT % want_high, count


def test_closed_forms():
    """P(1, x) = 1 - exp(-x), so P^-1(1, p) = -log(1 - p); k = 0 has low bound 0."""
    assert gamma_p_inverse(1, 0.975) == pytest.approx(3.6888794541139363, rel=1e-15)
    assert garwood_interval(0, 0.05) == (0.0, pytest.approx(3.6888794541139363, rel=1e-15))
