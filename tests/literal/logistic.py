"""A literal solution, written from the stubs' docstrings with plain numpy and nothing more (tests grade it)."""

from __future__ import annotations

import numpy as np

EPS = 1e-12


def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def binary_cross_entropy(y, a):
    a = np.clip(a, EPS, 1 - EPS)
    return -(y * np.log(a) + (1 - y) * np.log(1 - a))


def dloss_da(y, a):
    return -y / a + (1 - y) / (1 - a)


def da_dz(a):
    return a * (1 - a)


def dloss_dz(y, a):
    return a - y


def gradients(x1, x2, y, w1, w2, b):
    a = sigmoid(w1 * x1 + w2 * x2 + b)
    dz = dloss_dz(y, a)
    return np.sum(dz * x1), np.sum(dz * x2), np.sum(dz)


def update(w1, w2, b, grads, learning_rate):
    return w1 - learning_rate * grads[0], w2 - learning_rate * grads[1], b - learning_rate * grads[2]
