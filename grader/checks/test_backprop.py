"""Checks of exercises/backprop.py, the backprop section: derivatives for weights deep inside both networks."""

from __future__ import annotations

import numpy as np

from data import examples as ex
from data.examples import DOSAGE_NAMES, IRIS_NAMES
from grader.checking import Spec, Worked, make_checks

# The articles' networks as parameter dicts (b3 at its starting value), and their data.
DOSAGE = dict(zip(DOSAGE_NAMES, (ex.DOSAGE_W1, ex.DOSAGE_B1, ex.DOSAGE_W2, ex.DOSAGE_B2, ex.DOSAGE_W3, ex.DOSAGE_W4,
                                 ex.SSR_START_B3), strict=True))  # fmt: skip
IRIS_VALUES = (*np.ravel(ex.HIDDEN_W), *ex.HIDDEN_B, *np.ravel(ex.OUTPUT_W), ex.CE_START_B3, ex.OUTPUT_B_VERSICOLOR,
               ex.OUTPUT_B_VIRGINICA)  # fmt: skip
IRIS = dict(zip(IRIS_NAMES, map(float, IRIS_VALUES), strict=True))
X, Y = np.array(ex.DOSAGE), np.array(ex.EFFICACY)
FLOWERS = (np.array(ex.PETAL_WIDTH), np.array(ex.SEPAL_WIDTH), np.array(ex.OBSERVED_SPECIES))
P = np.array([[0.1509, 0.3966, 0.4525], [0.0351, 0.2595, 0.7054], [0.0408, 0.6533, 0.3059]])  # at b3 = -2
DOC = "worked example"
# This section's functions run a whole network per call; the core's sizes and case count suit them too (10 random
# cases, each with its own random parameters).
SIZES, CASES = (1, 1_000), 10


def dosage_case(rng: np.random.Generator) -> tuple:
    n = int(rng.integers(1, 12))
    return (
        rng.uniform(0, 1, n),
        rng.normal(0, 1, n),
        {k: float(v) for k, v in zip(DOSAGE_NAMES, rng.normal(0, 2, 7), strict=True)},
    )


def iris_case(rng: np.random.Generator) -> tuple:
    n = int(rng.integers(1, 12))
    params = {k: float(v) for k, v in zip(IRIS_NAMES, rng.normal(0, 1.5, len(IRIS_NAMES)), strict=True)}
    return rng.uniform(0, 1, n), rng.uniform(0, 1, n), rng.integers(0, 3, n), params


def probabilities(rng: np.random.Generator) -> tuple:
    z = rng.normal(0, 3, (int(rng.integers(1, 12)), 3))
    e = np.exp(z - z.max(axis=1, keepdims=True))  # (n, 3)
    return e / e.sum(axis=1, keepdims=True), rng.integers(0, 3, len(z))


DOSAGE_ARGS, IRIS_ARGS = ("dosage", "observed", "params"), ("petal_width", "sepal_width", "observed", "params")

SPECS = [
    Spec(
        "backprop",
        "dssr_dw3",
        "dSSR/dw3 = -2 (y - y_hat) × top: w3 multiplies the top node's output softplus(w1 x + b1)",
        "n:0",
        (Worked((X, Y, DOSAGE), [-1.1173, -4.2805, -10.711], 4, DOC),),
        dosage_case,
        sized_args=lambda n: (np.linspace(0, 1, n), np.zeros(n), DOSAGE),
        sizes=SIZES,
        random_cases=CASES,
        names=DOSAGE_ARGS,
    ),
    Spec(
        "backprop",
        "dssr_dw1",
        "four links: -2 (y - y_hat) × w3 × sigmoid(w1 x + b1) × x (softplus' slope is the sigmoid)",
        "n:0",
        (Worked((X, Y, DOSAGE), [0.0, 1.7816, 5.5573], 4, DOC),),
        dosage_case,
        sized_args=lambda n: (np.linspace(0, 1, n), np.zeros(n), DOSAGE),
        sizes=SIZES,
        random_cases=CASES,
        names=DOSAGE_ARGS,
    ),
    Spec(
        "backprop",
        "relu_derivative",
        "ReLU's slope is 1 where x > 0 and 0 elsewhere, including at exactly 0",
        "like:0",
        (Worked((np.array([-1.0, 0.0, 2.5]),), [0.0, 0.0, 1.0], 4, DOC),),
        lambda rng: (rng.normal(0, 2, int(rng.integers(1, 12))),),
        sized_args=lambda n: (np.linspace(-1, 1, n),),
        sizes=SIZES,
        random_cases=CASES,
        names=("x",),
    ),
    Spec(
        "backprop",
        "dce_dz",
        "dCE/dz is p minus 1 for the observed species and p for the others: p - one_hot(observed)",
        "like:0",
        (Worked((P, FLOWERS[2]), P - np.eye(3)[list(ex.OBSERVED_SPECIES)], 4, DOC),),
        probabilities,
        sized_args=lambda n: (np.tile([0.2, 0.3, 0.5], (n, 1)), np.arange(n) % 3),
        sizes=SIZES,
        random_cases=CASES,
        names=("probabilities", "observed"),
    ),
    Spec(
        "backprop",
        "dce_dw_bottom_setosa",
        "(p_setosa - 1 if Setosa was observed, else p_setosa) × the bottom node's output",
        "n:0",
        (Worked((*FLOWERS, IRIS), [-0.6861, 0.0, 0.004], 4, DOC),),
        iris_case,
        sized_args=lambda n: (np.linspace(0, 1, n), np.linspace(1, 0, n), np.arange(n) % 3, IRIS),
        sizes=SIZES,
        random_cases=CASES,
        names=IRIS_ARGS,
    ),
    Spec(
        "backprop",
        "dce_dw_petal_top",
        "top feeds all three outputs: sum over species of dCE/dz × w_top_<species>, × ReLU'(top_in) × petal width",
        "n:0",
        (Worked((*FLOWERS, IRIS), [0.0016, 0.0, -0.7545], 4, DOC),),
        iris_case,
        sized_args=lambda n: (np.linspace(0, 1, n), np.linspace(1, 0, n), np.arange(n) % 3, IRIS),
        sizes=SIZES,
        random_cases=CASES,
        names=IRIS_ARGS,
    ),
]

test_worked, test_reference, test_properties = make_checks(SPECS)
