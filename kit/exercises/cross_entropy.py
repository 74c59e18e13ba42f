"""Exercise: cross-entropy with SoftMax on the iris network and its derivative with respect to the Setosa bias b3."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from data import examples as ex  # noqa: F401  (the weights raw_outputs needs)


def relu(x: ArrayLike) -> np.ndarray:
    """The hidden nodes' activation, max(0, x), element by element.

    In: a number or an array of any shape. Out: the same shape (a float for a number).
    """
    raise NotImplementedError("relu is not implemented yet: return max(0, x) element by element")


def raw_outputs(petal_width: ArrayLike, sepal_width: ArrayLike, b3: float) -> np.ndarray:
    """The three output values z (Setosa, Versicolor, Virginica) for each flower, before SoftMax.

    hidden = relu(HIDDEN_W @ [petal, sepal] + HIDDEN_B), then
    z = OUTPUT_W @ hidden + [b3, OUTPUT_B_VERSICOLOR, OUTPUT_B_VIRGINICA]
    with the weights in data/examples.py. For the first flower at
    b3 = -2 this gives about (-0.96, 0.00, 0.14).
    In: two arrays (n,) and a number. Out: an array (n, 3).
    Hint: stack the inputs into an (n, 2) array and use matrix products.
    """
    raise NotImplementedError("raw_outputs is not implemented yet: run the iris network forward to its three outputs")


def softmax(raw: ArrayLike) -> np.ndarray:
    """Turn each row of raw outputs into probabilities: e^z_i / sum_j e^z_j.

    In: an array (n, 3) (or one row (3,)). Out: the same shape; each row sums to 1, finite and without
    a numpy warning even for z = -1000 or 1000 (the checks try both).
    Hint: subtracting the row's largest z first changes nothing in the result
    and keeps e^z from overflowing when z = 1000.
    """
    raise NotImplementedError("softmax is not implemented yet: exponentiate each row and divide by its sum")


def cross_entropy(probabilities: ArrayLike, observed: ArrayLike) -> np.ndarray:
    """Each flower's loss: -ln(the predicted probability of the species that was observed).

    observed holds class indices: 0 Setosa, 1 Versicolor, 2 Virginica.
    In: probabilities (n, 3) and observed (n,). Out: an array (n,).
    Hint: p[np.arange(n), observed] picks one probability per row.
    """
    raise NotImplementedError("cross_entropy is not implemented yet: -log of the observed species' probability")


def cross_entropy_contributions_b3(probabilities: ArrayLike, observed: ArrayLike) -> np.ndarray:
    """Each flower's term in dCE/db3, by the chain rule through SoftMax.

    b3 only moves z_Setosa. Where Setosa was observed the term is
    p_Setosa - 1; where another species was observed it is p_Setosa. At
    b3 = -2 the article's three terms are 0.15 - 1, 0.04 and 0.04.
    In: probabilities (n, 3) and observed (n,). Out: an array (n,).
    Hint: (observed == 0) is 1 for Setosa rows and 0 elsewhere.
    """
    raise NotImplementedError(
        "cross_entropy_contributions_b3 is not implemented yet: p_Setosa, minus 1 where Setosa was observed"
    )


def cross_entropy_derivative_b3(probabilities: ArrayLike, observed: ArrayLike) -> float:
    """dCE/db3 for all flowers together: the slope of the total cross-entropy at the current b3.

    In: probabilities (n, 3) and observed (n,). Out: a float (-0.77 at b3 = -2 in the article).
    """
    raise NotImplementedError("cross_entropy_derivative_b3 is not implemented yet: sum the per-flower terms")
