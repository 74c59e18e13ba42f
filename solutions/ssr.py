"""Sum of squared residuals on the dosage network, and its derivative with respect to b3."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from data import examples as ex
from solutions import _validate as check


def softplus(x: ArrayLike) -> np.ndarray:
    """ln(1 + e^x), computed as logaddexp(0, x) so that x = 1000 does not overflow."""
    return np.logaddexp(0.0, check.numbers(x, "x"))[()]


def predict(dosage: ArrayLike, b3: float) -> np.ndarray:
    """The network's output y_hat for each dosage, with the example's weights and this b3."""
    x = check.vector(dosage, "dosage")  # (n,)
    top = softplus(ex.DOSAGE_W1 * x + ex.DOSAGE_B1)  # (n,)
    bottom = softplus(ex.DOSAGE_W2 * x + ex.DOSAGE_B2)  # (n,)
    return ex.DOSAGE_W3 * top + ex.DOSAGE_W4 * bottom + check.scalar(b3, "b3")  # (n,)


def ssr(observed: ArrayLike, predicted: ArrayLike) -> float:
    """Sum over samples of (y_i - y_hat_i)^2."""
    y, y_hat = _pair(observed, predicted)
    return float(np.sum((y - y_hat) ** 2))


def ssr_contributions(observed: ArrayLike, predicted: ArrayLike) -> np.ndarray:
    """Each sample's term of dSSR/db3: dSSR/dy_hat_i * dy_hat_i/db3 = -2 (y_i - y_hat_i) * 1."""
    y, y_hat = _pair(observed, predicted)
    return -2.0 * (y - y_hat) * 1.0  # (n,)


def ssr_derivative_b3(observed: ArrayLike, predicted: ArrayLike) -> float:
    """dSSR/db3: the sum of the per-sample contributions, the slope of SSR against b3."""
    return float(np.sum(ssr_contributions(observed, predicted)))


def _pair(observed: ArrayLike, predicted: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y, y_hat = check.vector(observed, "observed"), check.vector(predicted, "predicted")
    check.same_shape(y, y_hat, "observed and predicted")
    return y, y_hat
