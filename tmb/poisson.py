"""Exact (Garwood 1936) Poisson interval without scipy: tmb-calc's start-up (docs/tmb.md).

For k observed events the two-sided interval (level 1 - a) on the Poisson mean is
low = chi2.ppf(a/2, 2k)/2 and high = chi2.ppf(1 - a/2, 2k + 2)/2, i.e. the x solving
P(n, x) = p for the regularized lower incomplete gamma P with integer shape n (k, then k + 1).
For integer n, P(n, x) = sum_{i>=n} dpois(i; x), the Poisson upper tail at mean x
(Abramowitz & Stegun 6.5.13), so the bound is the root of a Poisson tail sum, found by
safeguarded Newton steps (dP/dx = dpois(n - 1; x)) from the gamma median n - 1/3. Each dpois
term is computed as R's dpois is (Loader 2000, "Fast and accurate computation of binomial
probabilities": Stirling error and deviance bd0), which keeps every term, hence the root,
within a few ulp for counts in the tens of thousands. This is what
scipy.special.gammaincinv(n, p) returns (tests compare both, and R poisson.test);
importing scipy.special costs more CPU than the rest of a panel-sized tmb-calc run, and
numpy is not needed either: scalars, with the sums by math.fsum.
"""

from __future__ import annotations

import math

MAX_STEPS = 200  # Newton/bisection steps; the tests converge in fewer than 30
RELATIVE_STEP = 4e-16  # stop once a step is below ~2 ulp of the root
STIRLING_SERIES = 15  # Loader 2000: series for the Stirling error above n = 15, lgamma below
BD0_TERMS = 12  # bd0 series terms; |v| < 0.1 there, so 12 terms reach 1e-24
TAIL_SDS = 15  # Poisson terms summed within this many standard deviations of the mean
LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


STIRLING_SMALL = [
    math.lgamma(k + 1.0) - (k + 0.5) * math.log(k) + k - LOG_SQRT_2PI
    for k in range(1, STIRLING_SERIES + 1)
]  # the Stirling error of 1..STIRLING_SERIES from lgamma (Loader 2000)


def stirling_error(n: int) -> float:
    """log(n!) - log(sqrt(2 pi n) (n/e)^n) for an integer n >= 1 (Loader 2000)."""
    if n <= STIRLING_SERIES:
        return STIRLING_SMALL[n - 1]
    nn = float(n) ** 2
    return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * nn)) / nn) / nn) / nn) / n


def deviance(count: int, x: float) -> float:
    """bd0(i, x) = i log(i / x) + x - i, without cancellation near i = x (Loader 2000)."""
    i = float(count)
    if not abs(i - x) < 0.1 * (i + x):
        return i * math.log(i / x) + x - i
    v = (i - x) / (i + x)
    total, ej = (i - x) * v, 2 * i * v
    for j in range(1, BD0_TERMS + 1):
        ej = ej * v * v
        total = total + ej / (2 * j + 1)
    return total


def log_dpois(i: int, x: float) -> float:
    """log of the Poisson probability of count ``i`` at mean ``x`` > 0."""
    if i == 0:
        return -x
    return -stirling_error(i) - deviance(i, x) - LOG_SQRT_2PI - 0.5 * math.log(i)


def gamma_p(n: int, x: float, small: bool) -> float:
    """P(n, x) = sum_{i >= n} dpois(i; x): summed directly when ``small`` (so a small P keeps
    its relative precision), else as 1 - sum_{i < n} dpois(i; x). Terms farther than
    ``TAIL_SDS`` standard deviations from the mean (below exp(-112) of the largest) are left
    out; the terms are added with math.fsum (correctly rounded)."""
    reach = TAIL_SDS * math.sqrt(x) + TAIL_SDS
    first, last = max(0, math.floor(x - reach)), math.ceil(x + reach)
    if small:
        counts = range(max(n, first), max(n, last) + 1)
        return math.fsum(math.exp(log_dpois(i, x)) for i in counts)
    return 1.0 - math.fsum(math.exp(log_dpois(i, x)) for i in range(min(first, n), n))


def gamma_p_inverse(n: int, p: float) -> float:
    """The x > 0 with P(n, x) = p, for integer shape ``n`` >= 1 and 0 < ``p`` < 1."""
    x = n - 1 / 3  # the median of a gamma(n) variable, approximately
    low, high = 0.0, math.inf
    for _ in range(MAX_STEPS):
        excess = gamma_p(n, x, p < 0.5) - p  # P increases with x
        if excess < 0:
            low = x
        else:
            high = x
        slope = math.exp(log_dpois(n - 1, x))  # dP/dx = dpois(n - 1; x)
        newton = x - excess / slope if slope > 0 else math.inf
        if abs(newton - x) <= RELATIVE_STEP * x:
            return newton
        if low < newton < high:
            x = newton
        else:  # outside the bracket: bisect (or grow an open bracket)
            x = 2 * x if math.isinf(high) else (low + high) / 2
        if high - low <= RELATIVE_STEP * x:
            return x
    return x


def garwood_interval(count: int, alpha: float) -> tuple[float, float]:
    """Exact two-sided 1 - ``alpha`` interval on a Poisson mean given ``count`` events."""
    low = 0.0 if count == 0 else gamma_p_inverse(count, alpha / 2)
    return low, gamma_p_inverse(count + 1, 1 - alpha / 2)
