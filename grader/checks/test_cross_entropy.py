"""Checks of exercises/cross_entropy.py: the iris network, SoftMax, cross-entropy and its derivative in b3."""

from __future__ import annotations

import numpy as np

from data import examples as ex
from grader.checking import Spec, Worked, make_checks

OBSERVED = np.array(ex.OBSERVED_SPECIES)
Z = np.array([[-0.9632, 0.0032, 0.1352], [-2.0, 0.0, 1.0], [-1.9102, 0.8632, 0.1042]])  # at b3 = -2
P = np.array([[0.1509, 0.3966, 0.4525], [0.0351, 0.2595, 0.7054], [0.0408, 0.6533, 0.3059]])  # SoftMax(Z)
PAIR = ("probabilities", "observed")


def probabilities(rng: np.random.Generator) -> tuple:
    n = int(rng.integers(1, 12))
    z = rng.normal(0, 3, (n, 3))
    e = np.exp(z - z.max(axis=1, keepdims=True))  # (n, 3)
    return e / e.sum(axis=1, keepdims=True), rng.integers(0, 3, n)


def sized_probabilities(n: int) -> tuple:
    p = np.tile([0.2, 0.3, 0.5], (n, 1))  # (3,) -> (n, 3)
    return p, np.arange(n) % 3


def flowers(rng: np.random.Generator) -> tuple:
    n = int(rng.integers(1, 12))
    return rng.uniform(0, 1, n), rng.uniform(0, 1, n), float(rng.normal(-1, 3))


SPECS = [
    Spec(
        "cross_entropy",
        "relu",
        "ReLU(x) = max(0, x), element by element (np.maximum)",
        "like:0",
        (Worked((np.array([-1.0, 0.0, 2.5]),), [0.0, 0.0, 2.5], 4, "worked example"),),
        lambda rng: (rng.normal(0, 3, int(rng.integers(1, 12))),),
        sized_args=lambda n: (np.linspace(-1, 1, n),),
        names=("x",),
    ),
    Spec(
        "cross_entropy",
        "raw_outputs",
        "hidden = ReLU(HIDDEN_W @ [petal, sepal] + HIDDEN_B); z = OUTPUT_W @ hidden + [b3, 0, 1] (iris network)",
        "n3:0",
        (Worked((np.array(ex.PETAL_WIDTH), np.array(ex.SEPAL_WIDTH), -2.0), Z, 4, "worked example"),),
        flowers,
        sized_args=lambda n: (np.linspace(0, 1, n), np.linspace(1, 0, n), -2.0),
        names=("petal_width", "sepal_width", "b3"),
    ),
    Spec(
        "cross_entropy",
        "softmax",
        "SoftMax: e^z_i / sum_j e^z_j along each row; subtract the row's largest z first to avoid overflow",
        "like:0",
        (Worked((Z,), P, 3, "worked example"), Worked((Z,), P[:, 0], 2, "article", pick=lambda got: got[:, 0])),
        lambda rng: (rng.normal(0, 4, (int(rng.integers(1, 12)), 3)),),
        sized_args=lambda n: (np.tile([1.0, 2.0, 3.0], (n, 1)),),
        extreme_args=((np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]]),),),
        extremes_graded=True,  # the docstring promises z = ±1000
        names=("raw",),
    ),
    Spec(
        "cross_entropy",
        "cross_entropy",
        "each flower's loss is -ln(probability of its observed species): p[np.arange(n), observed]",
        "n:0",
        (
            Worked((np.array([[0.57, 0.20, 0.23]]), np.array([0])), [0.56], 2, "article"),
            Worked((P, OBSERVED), [1.891, 0.349, 0.426], 3, "worked example"),
        ),
        probabilities,
        sized_args=sized_probabilities,
        extreme_args=((np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]), np.array([0, 1])),),
        stable_hint="clipping p into [1e-12, 1] before the log keeps a probability of 0 from giving infinity",
        names=PAIR,
    ),
    Spec(
        "cross_entropy",
        "cross_entropy_contributions_b3",
        "p_Setosa - 1 where Setosa was observed, p_Setosa where another species was (cross-entropy article)",
        "n:0",
        (Worked((P, OBSERVED), [-0.85, 0.04, 0.04], 2, "article"),),
        probabilities,
        sized_args=sized_probabilities,
        names=PAIR,
    ),
    Spec(
        "cross_entropy",
        "cross_entropy_derivative_b3",
        "dCE/db3 is the sum of the flowers' terms (cross-entropy article: (0.15 - 1) + 0.04 + 0.04 = -0.77)",
        "float",
        (Worked((P, OBSERVED), -0.77, 2, "article"),),
        probabilities,
        sized_args=sized_probabilities,
        names=PAIR,
    ),
]

test_worked, test_reference, test_properties = make_checks(SPECS)
