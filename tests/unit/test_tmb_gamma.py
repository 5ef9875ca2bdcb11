"""The regularized incomplete gamma function of tmb.gamma against independent
implementations: scipy.special (Cephes) where it is accurate, and a 60-digit power series
(decimal) for the large shapes where scipy itself loses digits."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest

from tmb.gamma import lower_regularized, lower_regularized_inverse, upper_regularized

special = pytest.importorskip("scipy.special")

SHAPES = [1, 2, 3, 5, 10, 25, 99, 100, 150, 151, 1000, 20_000, 90_646]  # count, count + 1
PROBABILITIES = [
    1e-10,
    0.0005,
    0.005,
    0.025,
    0.05,
    0.3,
    0.5,
    0.7,
    0.95,
    0.975,
    0.995,
    0.9995,
    1 - 1e-10,
]
PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494")  # 60 digits
BERNOULLI = [
    Decimal(1) / 6,
    Decimal(-1) / 30,
    Decimal(1) / 42,
    Decimal(-1) / 30,
    Decimal(5) / 66,
]  # B2..B10, Stirling series of log Gamma (A&S 6.1.40)


@pytest.mark.parametrize("a", SHAPES)
def test_inverse_matches_scipy(a):
    for p in PROBABILITIES:
        assert lower_regularized_inverse(a, p) == pytest.approx(
            special.gammaincinv(a, p), rel=1e-12
        )


@pytest.mark.parametrize("a", SHAPES)
def test_function_matches_scipy(a):
    for x in (0.5 * a, a - 1, a, a + 1, 1.5 * a + 10):
        assert lower_regularized(a, x) == pytest.approx(special.gammainc(a, x), rel=1e-12)
        assert upper_regularized(a, x) == pytest.approx(special.gammaincc(a, x), rel=1e-11)
    for x in (0.01 * a, 3 * a + 30):  # far tails, values down to 1e-240
        assert lower_regularized(a, x) == pytest.approx(special.gammainc(a, x), rel=1e-10)
        assert upper_regularized(a, x) == pytest.approx(special.gammaincc(a, x), rel=1e-10)


def series_reference(a: int, x: float) -> float:
    """P(a, x) = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1)...(a + n)), in 60 digits."""
    with localcontext() as context:
        context.prec = 60
        a1, x = Decimal(a + 1), Decimal(x)
        log_gamma = (
            (a1 - Decimal("0.5")) * a1.ln()
            - a1
            + (2 * PI).ln() / 2
            + sum(
                b / ((2 * k + 2) * (2 * k + 1) * a1 ** (2 * k + 1))
                for k, b in enumerate(BERNOULLI)
            )
        )
        term = total = Decimal(1)
        n = 0
        while term > total * Decimal("1e-40"):
            n += 1
            term = term * x / (a + n)
            total += term
        return float((a * x.ln() - x - log_gamma).exp() * total)


@pytest.mark.parametrize("a", [1_000_000, 10_000_000])
def test_large_shapes_against_a_60_digit_series(a):
    for p in (1e-10, 0.025, 0.5):
        x = lower_regularized_inverse(a, p)
        assert series_reference(a, x) == pytest.approx(p, rel=1e-11)


def test_the_ends():
    assert lower_regularized_inverse(5, 0.0) == 0.0
    assert lower_regularized_inverse(5, 1.0) == float("inf")
    assert lower_regularized(5, 0.0) == 0.0 and upper_regularized(5, 0.0) == 1.0
