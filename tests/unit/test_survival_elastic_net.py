"""Elastic-net Cox: optimality (KKT) conditions, the null penalty, selection frequencies."""

from __future__ import annotations

import numpy as np
import pytest

from outcome import elastic_net

SEED = 20240601


def _data(n=80, p=5, seed=SEED):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    latent = rng.exponential(100 * np.exp(-(0.9 * x[:, 0] - 0.6 * x[:, 1])))
    return x, np.ceil(latent), (rng.random(n) < 0.85).astype(float)


def _gradient(x, time, event, beta):
    """d(−loglik_Breslow / n)/d beta by central differences."""
    step, grad = 1e-6, np.zeros(len(beta))
    for j in range(len(beta)):
        up, down = beta.copy(), beta.copy()
        up[j] += step
        down[j] -= step
        grad[j] = -(
            elastic_net._partial_loglik(x, time, event, up)
            - elastic_net._partial_loglik(x, time, event, down)
        ) / (2 * step * len(x))
    return grad


def test_kkt_conditions_hold_at_the_solution():
    x, time, event = _data()
    alpha = 0.5
    lam = 0.3 * elastic_net.lambda_path(x, time, event, alpha)[0]  # some, not all, active
    beta = elastic_net.elastic_net_cox(x, time, event, lam, alpha)
    grad = _gradient(x, time, event, beta) + lam * (1 - alpha) * beta
    active = beta != 0
    assert active.any() and not active.all()
    np.testing.assert_allclose(grad[active], -lam * alpha * np.sign(beta[active]), atol=1e-5)
    assert np.all(np.abs(grad[~active]) <= lam * alpha + 1e-6)


def test_lambda_max_zeroes_every_coefficient():
    x, time, event = _data()
    top = elastic_net.lambda_path(x, time, event)[0]
    assert not elastic_net.elastic_net_cox(x, time, event, top * 1.001).any()
    assert elastic_net.elastic_net_cox(x, time, event, top * 0.9).any()


def test_selection_frequencies_are_shares_and_pick_the_planted_markers():
    x, time, event = _data(120)
    result = elastic_net.cv_elastic_net(x, time, event, SEED, repeats=2)
    assert result["selection_frequency"].between(0, 1).all()
    assert result["selection_frequency"].iloc[:2].tolist() == pytest.approx([1.0, 1.0])
