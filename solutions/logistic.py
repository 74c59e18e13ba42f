"""One sigmoid unit with binary cross-entropy: the chain rule's three factors, the gradients and the update."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from solutions import _validate as check
from solutions import gradient_descent


def sigmoid(z: ArrayLike) -> np.ndarray:
    """1 / (1 + e^-z), written with e^-|z| so that neither side of zero overflows."""
    z = check.numbers(z, "z")
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))[()]


def binary_cross_entropy(y: ArrayLike, a: ArrayLike) -> np.ndarray:
    """-(y ln a + (1 - y) ln(1 - a)) per sample; a is clipped to [EPS, 1 - EPS] so the loss stays finite."""
    y, a = _labels_and_activations(y, a)
    a = np.clip(a, check.EPS, 1 - check.EPS)
    return -(y * np.log(a) + (1 - y) * np.log(1 - a))[()]


def dloss_da(y: ArrayLike, a: ArrayLike) -> np.ndarray:
    """dL/da = -y/a + (1 - y)/(1 - a), with a clipped as in binary_cross_entropy."""
    y, a = _labels_and_activations(y, a)
    a = np.clip(a, check.EPS, 1 - check.EPS)
    return (-y / a + (1 - y) / (1 - a))[()]


def da_dz(a: ArrayLike) -> np.ndarray:
    """da/dz = a (1 - a): the sigmoid's slope, read off its output."""
    a = check.between_0_and_1(a, "a")
    return (a * (1 - a))[()]


def dloss_dz(y: ArrayLike, a: ArrayLike) -> np.ndarray:
    """dL/dz = dL/da * da/dz, which simplifies to a - y."""
    y, a = _labels_and_activations(y, a)
    return (a - y)[()]


def gradients(x1: ArrayLike, x2: ArrayLike, y: ArrayLike, w1: float, w2: float, b: float) -> tuple[float, float, float]:
    """(dL/dw1, dL/dw2, dL/db) summed over the samples: (a - y) times x1, x2 and 1."""
    x1, x2 = check.vector(x1, "x1"), check.vector(x2, "x2")
    y = check.between_0_and_1(check.vector(y, "y"), "y")
    check.same_shape(x1, x2, "x1 and x2")
    check.same_shape(x1, y, "x1 and y")
    z = check.scalar(w1, "w1") * x1 + check.scalar(w2, "w2") * x2 + check.scalar(b, "b")  # (n,)
    dL_dz = dloss_dz(y, sigmoid(z))  # (n,)
    return float(np.sum(dL_dz * x1)), float(np.sum(dL_dz * x2)), float(np.sum(dL_dz))


def update(w1: float, w2: float, b: float, grads: ArrayLike, learning_rate: float) -> tuple[float, float, float]:
    """Each parameter moved against its own derivative: w := w - learning_rate * dL/dw."""
    g = check.vector(grads, "grads")
    if g.shape != (3,):
        raise ValueError(f"grads must be the three derivatives (dL/dw1, dL/dw2, dL/db); got {g.size} values")
    params = (check.scalar(w1, "w1"), check.scalar(w2, "w2"), check.scalar(b, "b"))
    return tuple(gradient_descent.update(p, d, learning_rate) for p, d in zip(params, g, strict=True))


def _labels_and_activations(y: ArrayLike, a: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y, a = check.between_0_and_1(y, "y"), check.between_0_and_1(a, "a")
    try:
        y, a = np.broadcast_arrays(y, a)
    except ValueError:
        raise ValueError(
            f"y and a must have the same shape, one value per sample; got {y.shape} and {a.shape}"
        ) from None
    return y, a
