"""Checks of exercises/logistic.py: the sigmoid unit, binary cross-entropy, its three factors and the update."""

from __future__ import annotations

import math

import numpy as np

from data import examples as ex
from grader.checking import Spec, Worked, make_checks

# docs/sigmoid-example.md: z and a for the five students at w1 = w2 = 0.5, b = -2.
Z = np.array([-0.5, -0.5, -0.25, 0.0, -0.25])
A = np.array([1 / (1 + math.exp(-z)) for z in Z])
Y = np.array(ex.SIGMOID_Y)
X1, X2 = np.array(ex.SIGMOID_X1), np.array(ex.SIGMOID_X2)
DOC = "worked example"
YA = ("y", "a")
EDGES = ((np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.0, 1.0, 1.0, 0.0])),)  # a = 0 or 1, right and wrong


def labels_and_activations(rng: np.random.Generator) -> tuple:
    n = int(rng.integers(1, 12))
    return rng.integers(0, 2, n).astype(float), rng.uniform(0.01, 0.99, n)


def sized_labels(n: int) -> tuple:
    return (np.arange(n) % 2).astype(float), np.linspace(0.1, 0.9, n)


def samples(rng: np.random.Generator) -> tuple:
    n = int(rng.integers(1, 12))
    x1, x2, y = rng.normal(0, 2, n), rng.normal(0, 2, n), rng.integers(0, 2, n).astype(float)
    return (x1, x2, y, *(float(w) for w in rng.normal(0, 1, 3)))


SPECS = [
    Spec(
        "logistic",
        "sigmoid",
        "a = 1 / (1 + e^-z); for negative z use e^z / (1 + e^z) so e^-z cannot overflow",
        "like:0",
        (Worked((np.array([-0.5, -0.25, 0.0]),), [0.3775, 0.4378, 0.5], 4, DOC),),
        lambda rng: (rng.normal(0, 5, int(rng.integers(1, 12))),),
        sized_args=lambda n: (np.linspace(-30, 30, n),),
        extreme_args=((np.array([-1000.0, 1000.0]),),),
        extremes_graded=True,  # the docstring promises z = ±1000
        names=("z",),
    ),
    Spec(
        "logistic",
        "binary_cross_entropy",
        "L = -(y ln a + (1 - y) ln(1 - a)); clip a into [eps, 1 - eps] so ln never sees 0",
        "like:0",
        (Worked((Y, A), [0.4741, 0.9741, 0.8259, 0.6931, 0.5759], 4, DOC),),
        labels_and_activations,
        sized_args=sized_labels,
        extreme_args=EDGES,
        extremes_graded=True,  # the docstring promises a = 0 and 1
        names=YA,
    ),
    Spec(
        "logistic",
        "dloss_da",
        "step 1 of the sigmoid article: dL/da = -y/a + (1 - y)/(1 - a)",
        "like:0",
        (Worked((Y, A), [1.6065, -2.6487, -2.2840, -2.0, 1.7788], 4, DOC),),
        labels_and_activations,
        sized_args=sized_labels,
        extreme_args=EDGES,
        stable_hint="clipping a into [1e-12, 1 - 1e-12] first keeps -y/a + (1 - y)/(1 - a) finite",
        names=YA,
    ),
    Spec(
        "logistic",
        "da_dz",
        "step 2: the sigmoid's slope da/dz = a (1 - a)",
        "like:0",
        (Worked((A,), [0.2350, 0.2350, 0.2461, 0.25, 0.2461], 4, DOC),),
        lambda rng: (rng.uniform(0, 1, int(rng.integers(1, 12))),),
        sized_args=lambda n: (np.linspace(0, 1, n),),
        names=("a",),
    ),
    Spec(
        "logistic",
        "dloss_dz",
        "step 3: dL/dz = dL/da · da/dz, which simplifies to a - y",
        "like:0",
        (Worked((Y, A), [0.3775, -0.6225, -0.5622, -0.5, 0.4378], 4, DOC),),
        labels_and_activations,
        sized_args=sized_labels,
        names=YA,
    ),
    Spec(
        "logistic",
        "gradients",
        "steps 4 and 5: sum (a - y) x1, (a - y) x2 and (a - y) over the samples, with a = sigmoid(w1 x1 + w2 x2 + b)",
        "triple",
        (Worked((X1, X2, Y, *ex.SIGMOID_START), (-2.4593, -0.7106, -0.8693), 4, DOC),),
        samples,
        sized_args=lambda n: (
            np.linspace(-1, 1, n),
            np.linspace(2, 0, n),
            (np.arange(n) % 2).astype(float),
            0.1,
            0.2,
            0.3,
        ),
        extreme_args=((np.array([1.0, -1.0]), np.array([1.0, 2.0]), np.array([0.0, 1.0]), 1000.0, -1000.0, 1000.0),),
        stable_hint="a sigmoid that cannot overflow (as logistic.sigmoid's docstring asks) keeps it finite",
        names=("x1", "x2", "y", "w1", "w2", "b"),
    ),
    Spec(
        "logistic",
        "update",
        "w := w - learning_rate · dL/dw, for w1, w2 and b alike",
        "triple",
        (Worked((*ex.SIGMOID_START, (-2.4593, -0.7106, -0.8693), 0.1), (0.74593, 0.57106, -1.91307), 4, DOC),),
        lambda rng: (*(float(w) for w in rng.normal(0, 2, 3)), tuple(float(g) for g in rng.normal(0, 2, 3)), 0.1),
        names=("w1", "w2", "b", "grads", "learning_rate"),
    ),
]

test_worked, test_reference, test_properties = make_checks(SPECS)
