"""Every derivative in solutions/ against a central finite difference, on seeded random inputs."""

from __future__ import annotations

import numpy as np
import pytest

from solutions import cross_entropy as ce
from solutions import logistic as lg
from solutions import ssr
from tests.helpers import central_difference, dce_db3_at, dssr_db3_at, ssr_at, total_ce_at

SEEDS = range(25)
RTOL, ATOL = 1e-6, 1e-7


def close(analytic, numeric) -> None:
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


def random_dosage_case(rng: np.random.Generator):
    n = int(rng.integers(1, 12))
    return rng.uniform(0, 1, n), rng.uniform(-1, 2, n), float(rng.uniform(-5, 5))


def random_iris_case(rng: np.random.Generator):
    n = int(rng.integers(1, 12))
    return rng.uniform(0, 1, n), rng.uniform(0, 1, n), rng.integers(0, 3, n), float(rng.uniform(-6, 6))


@pytest.mark.parametrize("seed", SEEDS)
def test_ssr_derivative_b3(seed):
    x, y, b3 = random_dosage_case(np.random.default_rng(seed))
    close(dssr_db3_at(b3, x, y), central_difference(lambda b: ssr_at(b, x, y), b3))


@pytest.mark.parametrize("seed", SEEDS)
def test_ssr_contributions_are_each_samples_slope(seed):
    x, y, b3 = random_dosage_case(np.random.default_rng(seed))
    terms = ssr.ssr_contributions(y, ssr.predict(x, b3))
    numeric = [central_difference(lambda b, i=i: ssr_at(b, x[i : i + 1], y[i : i + 1]), b3) for i in range(len(x))]
    close(terms, numeric)


@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_derivative_b3(seed):
    petal, sepal, k, b3 = random_iris_case(np.random.default_rng(seed))
    close(dce_db3_at(b3, petal, sepal, k), central_difference(lambda b: total_ce_at(b, petal, sepal, k), b3))


@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_contributions_are_each_flowers_slope(seed):
    petal, sepal, k, b3 = random_iris_case(np.random.default_rng(seed))
    terms = ce.cross_entropy_contributions_b3(ce.softmax(ce.raw_outputs(petal, sepal, b3)), k)
    one = [lambda b, i=i: total_ce_at(b, petal[i : i + 1], sepal[i : i + 1], k[i : i + 1]) for i in range(len(k))]
    close(terms, [central_difference(f, b3) for f in one])


@pytest.mark.parametrize("seed", SEEDS)
def test_dloss_da(seed):
    rng = np.random.default_rng(seed)
    y, a = rng.integers(0, 2, 8).astype(float), rng.uniform(0.02, 0.98, 8)
    numeric = [central_difference(lambda t, i=i: float(lg.binary_cross_entropy(y[i], t)), a[i]) for i in range(8)]
    close(lg.dloss_da(y, a), numeric)


@pytest.mark.parametrize("seed", SEEDS)
def test_da_dz(seed):
    z = np.random.default_rng(seed).uniform(-8, 8, 8)
    numeric = [central_difference(lambda t: float(lg.sigmoid(t)), zi) for zi in z]
    close(lg.da_dz(lg.sigmoid(z)), numeric)


@pytest.mark.parametrize("seed", SEEDS)
def test_dloss_dz_and_the_chain_rule(seed):
    rng = np.random.default_rng(seed)
    y, z = rng.integers(0, 2, 8).astype(float), rng.uniform(-8, 8, 8)
    a = lg.sigmoid(z)
    numeric = [
        central_difference(lambda t, i=i: float(lg.binary_cross_entropy(y[i], lg.sigmoid(t))), z[i]) for i in range(8)
    ]
    close(lg.dloss_dz(y, a), numeric)
    close(lg.dloss_da(y, a) * lg.da_dz(a), lg.dloss_dz(y, a))


@pytest.mark.parametrize("seed", SEEDS)
def test_gradients(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 12))
    x1, x2, y = rng.normal(0, 2, n), rng.normal(0, 2, n), rng.integers(0, 2, n).astype(float)
    w = rng.normal(0, 1, 3)

    def loss(params) -> float:
        return float(np.sum(lg.binary_cross_entropy(y, lg.sigmoid(params[0] * x1 + params[1] * x2 + params[2]))))

    numeric = [central_difference(lambda t, j=j: loss(np.where(np.arange(3) == j, t, w)), w[j]) for j in range(3)]
    close(lg.gradients(x1, x2, y, *w), numeric)
