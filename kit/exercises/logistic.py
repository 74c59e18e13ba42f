"""Exercise: one sigmoid unit with binary cross-entropy, its chain-rule factors, gradients and update."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def sigmoid(z: ArrayLike) -> np.ndarray:
    """The unit's activation a = 1 / (1 + e^-z), element by element.

    In: a number or an array. Out: the same shape, values between 0 and 1, finite and without a numpy
    warning even for z = -1000 or 1000 (the checks try both).
    Hint: e^-z overflows for z = -1000; use e^-|z| and pick the formula by the sign of z.
    """
    raise NotImplementedError("sigmoid is not implemented yet: 1 / (1 + e^-z) without overflow")


def binary_cross_entropy(y: ArrayLike, a: ArrayLike) -> np.ndarray:
    """Each sample's loss: -(y ln a + (1 - y) ln(1 - a)).

    In: labels y (0 or 1) and activations a in [0, 1], same shape. Out: that shape, finite and without a
    numpy warning even where a is exactly 0 or 1 (the checks try both).
    Hint: ln 0 is -infinity; clip a into [eps, 1 - eps] first.
    """
    raise NotImplementedError("binary_cross_entropy is not implemented yet: -(y ln a + (1 - y) ln(1 - a))")


def dloss_da(y: ArrayLike, a: ArrayLike) -> np.ndarray:
    """Step 1 of the article: how the loss changes with the prediction, dL/da = -y/a + (1 - y)/(1 - a).

    In: y and a, same shape. Out: that shape.
    """
    raise NotImplementedError("dloss_da is not implemented yet: -y/a + (1 - y)/(1 - a)")


def da_dz(a: ArrayLike) -> np.ndarray:
    """Step 2: the sigmoid's slope, da/dz = a (1 - a), needing only its output a.

    In: a, any shape. Out: that shape (0.25 at a = 0.5, its largest value).
    """
    raise NotImplementedError("da_dz is not implemented yet: a * (1 - a)")


def dloss_dz(y: ArrayLike, a: ArrayLike) -> np.ndarray:
    """Step 3: dL/dz = dL/da * da/dz, which simplifies to a - y.

    In: y and a, same shape. Out: that shape.
    Hint: multiply the two factors out by hand and most of it cancels.
    """
    raise NotImplementedError("dloss_dz is not implemented yet: a - y")


def gradients(x1: ArrayLike, x2: ArrayLike, y: ArrayLike, w1: float, w2: float, b: float) -> tuple[float, float, float]:
    """Steps 4 and 5: (dL/dw1, dL/dw2, dL/db), each summed over the samples.

    z = w1 x1 + w2 x2 + b, so dz/dw1 = x1, dz/dw2 = x2, dz/db = 1, and each
    derivative is dL/dz times that factor.
    In: three arrays (n,) and three numbers. Out: a tuple of three floats.
    """
    raise NotImplementedError("gradients is not implemented yet: sum (a - y) * x1, (a - y) * x2 and (a - y)")


def update(w1: float, w2: float, b: float, grads: ArrayLike, learning_rate: float) -> tuple[float, float, float]:
    """One gradient-descent step for all three parameters: w := w - learning_rate * dL/dw.

    grads is (dL/dw1, dL/dw2, dL/db) as gradients returns it.
    In: three numbers, three derivatives and a number. Out: a tuple (w1, w2, b).
    """
    raise NotImplementedError("update is not implemented yet: move each parameter against its derivative")
