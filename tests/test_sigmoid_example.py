"""The sigmoid example: the numbers worked by hand in docs/sigmoid-example.md, checked against the code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from data import examples as ex
from solutions import logistic as lg

DOC = (Path(__file__).parents[1] / "docs" / "sigmoid-example.md").read_text()

X1, X2, Y = (np.array(v) for v in (ex.SIGMOID_X1, ex.SIGMOID_X2, ex.SIGMOID_Y))
W1, W2, B = ex.SIGMOID_START
A = lg.sigmoid(W1 * X1 + W2 * X2 + B)

# The hand-worked values, 4 decimals, as the document prints them.
HAND_A = [0.3775, 0.3775, 0.4378, 0.5000, 0.4378]
HAND_LOSS = [0.4741, 0.9741, 0.8259, 0.6931, 0.5759]
HAND_DL_DA = [1.6065, -2.6487, -2.2840, -2.0000, 1.7788]
HAND_DA_DZ = [0.2350, 0.2350, 0.2461, 0.2500, 0.2461]
HAND_DL_DZ = [0.3775, -0.6225, -0.5622, -0.5000, 0.4378]
HAND_GRADIENTS = (-2.4593, -0.7106, -0.8693)
HAND_UPDATE = (0.7459, 0.5711, -1.9131)
HAND_TOTAL_LOSS = (3.5432, 3.1202)


@pytest.mark.parametrize(
    ("computed", "hand"),
    [
        (A, HAND_A),
        (lg.binary_cross_entropy(Y, A), HAND_LOSS),
        (lg.dloss_da(Y, A), HAND_DL_DA),
        (lg.da_dz(A), HAND_DA_DZ),
        (lg.dloss_dz(Y, A), HAND_DL_DZ),
        (lg.dloss_dz(Y, A) * X1, [0.3775, -1.2449, -1.6865, -1.0000, 1.0946]),
        (lg.dloss_dz(Y, A) * X2, [0.7551, -0.6225, -0.2811, -1.0000, 0.4378]),
    ],
    ids=["a", "loss", "dL/da", "da/dz", "dL/dz", "dL/dw1 terms", "dL/dw2 terms"],
)
def test_per_student_values_match_the_hand_working(computed, hand):
    np.testing.assert_allclose(computed, hand, atol=5e-5)
    for value in hand:
        assert f"{value:.4f}" in DOC, f"{value:.4f} is missing from docs/sigmoid-example.md"


def test_gradients_update_and_loss_match_the_hand_working():
    grads = lg.gradients(X1, X2, Y, W1, W2, B)
    np.testing.assert_allclose(grads, HAND_GRADIENTS, atol=5e-5)
    new = lg.update(W1, W2, B, grads, ex.SIGMOID_LEARNING_RATE)
    np.testing.assert_allclose(new, HAND_UPDATE, atol=5e-5)
    after = lg.sigmoid(new[0] * X1 + new[1] * X2 + new[2])
    totals = (lg.binary_cross_entropy(Y, A).sum(), lg.binary_cross_entropy(Y, after).sum())
    np.testing.assert_allclose(totals, HAND_TOTAL_LOSS, atol=5e-5)
    for value in (*HAND_GRADIENTS, *HAND_UPDATE, *HAND_TOTAL_LOSS):
        assert f"{value:.4f}" in DOC


def test_the_example_has_a_finite_optimum():
    # Overlapping classes: gradient descent settles instead of pushing the weights to infinity.
    params = ex.SIGMOID_START
    for _ in range(4000):
        grads = lg.gradients(X1, X2, Y, *params)
        params = lg.update(*params, grads, 0.2)
    assert np.max(np.abs(lg.gradients(X1, X2, Y, *params))) < 1e-4
    assert np.all(np.abs(params) < 10)
