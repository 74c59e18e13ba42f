"""Cross-entropy with SoftMax on the iris network, and its derivative with respect to the Setosa bias b3."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from data import examples as ex
from solutions import _validate as check


def relu(x: ArrayLike) -> np.ndarray:
    """max(0, x), element by element."""
    return np.maximum(0.0, check.numbers(x, "x"))[()]


def raw_outputs(petal_width: ArrayLike, sepal_width: ArrayLike, b3: float) -> np.ndarray:
    """The three output nodes' values z (Setosa, Versicolor, Virginica) for each flower."""
    petal, sepal = check.vector(petal_width, "petal_width"), check.vector(sepal_width, "sepal_width")
    check.same_shape(petal, sepal, "petal_width and sepal_width")
    x = np.stack([petal, sepal], axis=1)  # (n,) + (n,) -> (n, 2)
    hidden = relu(x @ np.array(ex.HIDDEN_W).T + ex.HIDDEN_B)  # (n, 2) @ (2, 2).T -> (n, 2)
    biases = np.array([check.scalar(b3, "b3"), ex.OUTPUT_B_VERSICOLOR, ex.OUTPUT_B_VIRGINICA])
    return hidden @ np.array(ex.OUTPUT_W).T + biases  # (n, 2) @ (3, 2).T -> (n, 3)


def softmax(raw: ArrayLike) -> np.ndarray:
    """Each row's e^z / sum(e^z); the row maximum is subtracted first so e^z cannot overflow."""
    z = check.numbers(raw, "raw")
    if z.ndim not in (1, 2) or z.shape[-1] == 0:
        raise ValueError(f"raw must be one row of scores (k,) or a table (n, k); got shape {z.shape}")
    e = np.exp(z - z.max(axis=-1, keepdims=True))  # (n, k)
    return e / e.sum(axis=-1, keepdims=True)  # (n, k)


def cross_entropy(probabilities: ArrayLike, observed: ArrayLike) -> np.ndarray:
    """-ln(p of the observed species) for each flower; p is clipped at EPS so the loss stays finite."""
    p, k = _probabilities_and_classes(probabilities, observed)
    p_observed = p[np.arange(len(k)), k]  # (n, 3) -> (n,)
    return -np.log(np.maximum(p_observed, check.EPS))


def cross_entropy_contributions_b3(probabilities: ArrayLike, observed: ArrayLike) -> np.ndarray:
    """Each flower's dCE/db3: p_Setosa - 1 where Setosa was observed, p_Setosa otherwise."""
    p, k = _probabilities_and_classes(probabilities, observed)
    return p[:, 0] - (k == 0)  # (n,)


def cross_entropy_derivative_b3(probabilities: ArrayLike, observed: ArrayLike) -> float:
    """dCE/db3 summed over the flowers: the slope of the total cross-entropy against b3."""
    return float(np.sum(cross_entropy_contributions_b3(probabilities, observed)))


def _probabilities_and_classes(probabilities: ArrayLike, observed: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p = check.between_0_and_1(probabilities, "probabilities")
    if p.ndim == 1 and p.size == len(ex.SPECIES):
        p = p.reshape(1, -1)  # (3,) -> (1, 3): one flower
    if p.ndim != 2 or p.shape[1] != len(ex.SPECIES):
        raise ValueError(
            "probabilities must have one row per flower and 3 columns (Setosa, Versicolor, Virginica); "
            f"got shape {p.shape}"
        )
    k = check.vector(observed, "observed")
    if len(k) != len(p) or not np.all(np.isin(k, (0, 1, 2))):
        raise ValueError(
            "observed must hold one class index per row of probabilities, each 0, 1 or 2 "
            f"({', '.join(ex.SPECIES)}); got {k.tolist()} for {len(p)} rows"
        )
    return p, k.astype(int)
