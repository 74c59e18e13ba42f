"""Stable math: finite results, no overflow, division by zero or invalid operation at |input| = 1000 or a = 0, 1."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from solutions import cross_entropy as ce
from solutions import logistic as lg
from solutions import ssr

EXTREMES = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
finite_floats = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False)


@pytest.fixture(autouse=True)
def raise_on_float_trouble():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        yield


def test_softplus_at_the_extremes():
    np.testing.assert_allclose(ssr.softplus(EXTREMES), [0.0, np.log1p(np.exp(-50.0)), np.log(2), 50.0, 1000.0])


def test_sigmoid_at_the_extremes():
    a = lg.sigmoid(EXTREMES)
    assert np.all(np.isfinite(a)) and a[0] == 0.0 and a[-1] == 1.0 and a[2] == 0.5
    assert lg.sigmoid(-50.0) == pytest.approx(np.exp(-50.0), rel=1e-12)  # small values keep their precision


def test_softmax_at_the_extremes():
    p = ce.softmax([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, 999.0]])
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[1], [1 / 3] * 3)


def test_raw_outputs_and_cross_entropy_for_a_huge_bias():
    for b3 in (-1000.0, 1000.0):
        p = ce.softmax(ce.raw_outputs([0.04, 1.0], [0.42, 0.54], b3))
        loss = ce.cross_entropy(p, [0, 2])
        assert np.all(np.isfinite(loss)) and np.all(loss >= 0)
        assert np.all(np.isfinite(ce.cross_entropy_contributions_b3(p, [0, 2])))


def test_binary_cross_entropy_and_its_derivative_at_a_equal_0_and_1():
    y, a = np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.0, 1.0, 1.0, 0.0])
    loss = lg.binary_cross_entropy(y, a)
    assert np.all(np.isfinite(loss))
    assert loss[0] == pytest.approx(-np.log(np.finfo(float).eps))  # clipped at EPS: large but finite
    assert loss[2] == pytest.approx(0.0, abs=1e-15) and loss[3] == pytest.approx(0.0, abs=1e-15)
    assert np.all(np.isfinite(lg.dloss_da(y, a)))
    np.testing.assert_array_equal(lg.dloss_dz(y, a), [-1.0, 1.0, 0.0, 0.0])


def test_gradients_for_huge_weights():
    grads = lg.gradients([1.0, -1.0], [1.0, 2.0], [0.0, 1.0], 1000.0, -1000.0, 1000.0)
    assert np.all(np.isfinite(grads))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(arrays(np.float64, st.integers(1, 20), elements=finite_floats))
def test_softplus_identity_and_sigmoid_symmetry(x):
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        np.testing.assert_allclose(ssr.softplus(x) - ssr.softplus(-x), x, atol=1e-9)
        np.testing.assert_allclose(lg.sigmoid(-x), 1 - lg.sigmoid(x), atol=1e-15)
        assert np.all((lg.sigmoid(x) >= 0) & (lg.sigmoid(x) <= 1))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(arrays(np.float64, st.tuples(st.integers(1, 8), st.just(3)), elements=finite_floats))
def test_softmax_rows_are_probabilities(z):
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        p = ce.softmax(z)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    z_at_top_p = np.take_along_axis(z, np.argmax(p, axis=1)[:, None], axis=1)[:, 0]
    np.testing.assert_allclose(z_at_top_p, z.max(axis=1), atol=1e-12)  # the largest score gets the largest p
