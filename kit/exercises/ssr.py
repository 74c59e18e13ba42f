"""Exercise: the sum of squared residuals on the dosage network and its derivative with respect to b3."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from data import examples as ex  # noqa: F401  (the weights predict needs)


def softplus(x: ArrayLike) -> np.ndarray:
    """The hidden nodes' activation, ln(1 + e^x), element by element.

    In: a number or an array of any shape. Out: the same shape (a float for a number), finite and
    without a numpy warning even for x = -1000 or 1000 (the checks try both).
    Hint: e^x overflows for x = 1000; np.logaddexp(0, x) computes ln(e^0 + e^x) safely.
    """
    raise NotImplementedError("softplus is not implemented yet: compute ln(1 + e^x) without overflow")


def predict(dosage: ArrayLike, b3: float) -> np.ndarray:
    """The network's predicted efficacy y_hat for each dosage.

    top = softplus(DOSAGE_W1 * x + DOSAGE_B1), bottom = softplus(DOSAGE_W2 * x + DOSAGE_B2),
    y_hat = DOSAGE_W3 * top + DOSAGE_W4 * bottom + b3, with the weights in
    data/examples.py. At b3 = 0 the three dosages give about -2.6, -1.6, -2.61.
    In: dosages (n,) and a number. Out: an array (n,).
    Hint: numpy applies the same formula to every dosage at once.
    """
    raise NotImplementedError("predict is not implemented yet: run the dosage network forward")


def ssr(observed: ArrayLike, predicted: ArrayLike) -> float:
    """The loss: the sum over samples of the squared residual (y_i - y_hat_i)^2.

    In: two arrays (n,). Out: a float.
    """
    raise NotImplementedError("ssr is not implemented yet: sum the squared residuals")


def ssr_contributions(observed: ArrayLike, predicted: ArrayLike) -> np.ndarray:
    """Each sample's term in dSSR/db3, by the chain rule.

    dSSR/dy_hat_i = -2 (y_i - y_hat_i) and dy_hat_i/db3 = 1, so each sample
    contributes -2 (y_i - y_hat_i) * 1. In the SSR article's first step the
    three terms add up to -15.7.
    In: two arrays (n,). Out: an array (n,).
    Hint: mind the sign; the residual is observed minus predicted.
    """
    raise NotImplementedError("ssr_contributions is not implemented yet: -2 * (observed - predicted) per sample")


def ssr_derivative_b3(observed: ArrayLike, predicted: ArrayLike) -> float:
    """dSSR/db3: the slope of the SSR curve at the current b3.

    In: two arrays (n,). Out: a float (-15.7 at b3 = 0 in the article).
    Hint: add up the contributions.
    """
    raise NotImplementedError("ssr_derivative_b3 is not implemented yet: sum the per-sample contributions")
