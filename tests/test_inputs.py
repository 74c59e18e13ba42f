"""Inputs are never modified, and bad inputs get a message that says what was wrong and what is expected."""

from __future__ import annotations

import numpy as np
import pytest

from solutions import cross_entropy as ce
from solutions import gradient_descent as gd
from solutions import logistic as lg
from solutions import ssr

P = [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]

CALLS = [
    (ssr.softplus, ([-1.0, 0.0, 2.0],)),
    (ssr.predict, ([0.0, 0.5, 1.0], 0.5)),
    (ssr.ssr, ([0.0, 1.0], [0.5, 0.2])),
    (ssr.ssr_contributions, ([0.0, 1.0], [0.5, 0.2])),
    (ssr.ssr_derivative_b3, ([0.0, 1.0], [0.5, 0.2])),
    (ce.relu, ([-1.0, 2.0],)),
    (ce.raw_outputs, ([0.1, 0.9], [0.4, 0.5], -2.0)),
    (ce.softmax, ([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]],)),
    (ce.cross_entropy, (P, [2, 0])),
    (ce.cross_entropy_contributions_b3, (P, [2, 0])),
    (ce.cross_entropy_derivative_b3, (P, [2, 0])),
    (lg.sigmoid, ([-1.0, 3.0],)),
    (lg.binary_cross_entropy, ([0.0, 1.0], [0.3, 0.6])),
    (lg.dloss_da, ([0.0, 1.0], [0.3, 0.6])),
    (lg.da_dz, ([0.3, 0.6],)),
    (lg.dloss_dz, ([0.0, 1.0], [0.3, 0.6])),
    (lg.gradients, ([1.0, 2.0], [0.5, 0.1], [0.0, 1.0], 0.1, 0.2, 0.3)),
    (lg.update, (0.1, 0.2, 0.3, [1.0, -1.0, 0.5], 0.1)),
]


@pytest.mark.parametrize(("fn", "args"), CALLS, ids=[f"{fn.__module__}.{fn.__name__}" for fn, _ in CALLS])
def test_inputs_are_not_modified(fn, args):
    arrays = [np.array(a, dtype=float) if isinstance(a, list) else a for a in args]
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in arrays]
    fn(*arrays)
    for now, then in zip(arrays, before, strict=True):
        np.testing.assert_array_equal(now, then)


def test_scalars_in_give_floats_out():
    for value in (ssr.softplus(0.0), ce.relu(-1.0), lg.sigmoid(0.0), lg.da_dz(0.5), lg.binary_cross_entropy(1, 0.5)):
        assert isinstance(value, float)
    assert isinstance(ssr.ssr([1.0], [0.0]), float) and isinstance(gd.update(1, 2, 0.1), float)
    assert all(isinstance(g, float) for g in lg.gradients([1.0], [2.0], [1.0], 0.0, 0.0, 0.0))


BAD = [
    (lambda: ssr.ssr([0.0, 1.0, 0.0], [1.0, 2.0]), ValueError, "same shape"),
    (lambda: ssr.predict("half", 0.0), TypeError, "dosage must be a number"),
    (lambda: ssr.predict([0.0, float("nan")], 0.0), ValueError, "dosage must hold finite numbers"),
    (lambda: ssr.predict([0.0, 1.0], [1.0, 2.0]), ValueError, "b3 must be a single number"),
    (lambda: ssr.softplus(None), TypeError, "x must be a number"),
    (lambda: ce.softmax([[]]), ValueError, "raw must be one row"),
    (lambda: ce.cross_entropy(P, [0, 3]), ValueError, "each 0, 1 or 2"),
    (lambda: ce.cross_entropy(P, [0]), ValueError, "one class index per row"),
    (lambda: ce.cross_entropy([[0.5, 0.5]], [0]), ValueError, "3 columns"),
    (lambda: ce.cross_entropy([[1.5, -0.5, 0.0]], [0]), ValueError, "between 0 and 1"),
    (lambda: ce.raw_outputs([0.1, 0.2], [0.3], 0.0), ValueError, "petal_width and sepal_width"),
    (lambda: lg.binary_cross_entropy([0.0, 1.0, 1.0], [0.5, 0.5]), ValueError, "same shape"),
    (lambda: lg.gradients([1.0], [1.0], [2.0], 0, 0, 0), ValueError, "y must lie between 0 and 1"),
    (lambda: lg.update(0, 0, 0, [1.0, 2.0], 0.1), ValueError, "three derivatives"),
    (lambda: gd.step_size(1.0, 0.0), ValueError, "learning_rate must be greater than 0"),
    (lambda: gd.gradient_descent(3.0, 0.0, 0.1), TypeError, "derivative_at must be a function"),
    (lambda: gd.gradient_descent(lambda v: v, 0.0, 0.1, max_steps=-1), ValueError, "max_steps must be a whole number"),
    (lambda: gd.gradient_descent(lambda v: [v, v], 1.0, 0.1), ValueError, "return one number"),
    (lambda: gd.gradient_descent(lambda v: -(10.0**300) * (1 + abs(v)), 0.0, 1.0), ValueError, "diverged"),
]


@pytest.mark.parametrize(("call", "error", "words"), BAD, ids=[w for _, _, w in BAD])
def test_bad_input_gets_a_clear_message(call, error, words):
    with pytest.raises(error, match=words):
        call()
