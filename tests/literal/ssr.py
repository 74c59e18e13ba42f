"""A literal solution, written from the stubs' docstrings with plain numpy and nothing more (tests grade it)."""

from __future__ import annotations

import numpy as np

from data import examples as ex


def softplus(x):
    return np.logaddexp(0, x)


def predict(dosage, b3):
    top = softplus(ex.DOSAGE_W1 * dosage + ex.DOSAGE_B1)
    bottom = softplus(ex.DOSAGE_W2 * dosage + ex.DOSAGE_B2)
    return ex.DOSAGE_W3 * top + ex.DOSAGE_W4 * bottom + b3


def ssr(observed, predicted):
    return np.sum((observed - predicted) ** 2)


def ssr_contributions(observed, predicted):
    return -2 * (observed - predicted) * 1


def ssr_derivative_b3(observed, predicted):
    return np.sum(ssr_contributions(observed, predicted))
