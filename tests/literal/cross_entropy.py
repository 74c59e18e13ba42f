"""A literal solution, written from the stubs' docstrings with plain numpy and nothing more (tests grade it)."""

from __future__ import annotations

import numpy as np

from data import examples as ex


def relu(x):
    return np.maximum(0.0, x)


def raw_outputs(petal_width, sepal_width, b3):
    inputs = np.stack([petal_width, sepal_width], axis=1)
    hidden = relu(inputs @ np.array(ex.HIDDEN_W).T + np.array(ex.HIDDEN_B))
    return hidden @ np.array(ex.OUTPUT_W).T + np.array([b3, ex.OUTPUT_B_VERSICOLOR, ex.OUTPUT_B_VIRGINICA])


def softmax(raw):
    e = np.exp(raw - np.max(raw, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy(probabilities, observed):
    return -np.log(probabilities[np.arange(len(observed)), observed])


def cross_entropy_contributions_b3(probabilities, observed):
    return probabilities[:, 0] - (observed == 0)


def cross_entropy_derivative_b3(probabilities, observed):
    return np.sum(cross_entropy_contributions_b3(probabilities, observed))
