"""Checks of exercises/ssr.py: softplus, the dosage network's output, SSR and its derivative with respect to b3."""

from __future__ import annotations

import numpy as np

from data import examples as ex
from grader.checking import Spec, Worked, make_checks

Y = np.array(ex.EFFICACY)
Y_HAT_0 = np.array([-2.6037, -1.6090, -2.6149])  # the network's outputs at b3 = 0, to 4 decimals
Y_HAT_1 = np.array([-1.0382, -0.0435, -1.0494])  # after the first step, b3 = 1.5655
PAIR = ("observed", "predicted")


def pair(rng: np.random.Generator) -> tuple:
    n = int(rng.integers(1, 12))
    return rng.normal(0, 2, n), rng.normal(0, 2, n)


def sized_pair(n: int) -> tuple:
    return np.linspace(-1, 1, n), np.linspace(2, 0, n)


SPECS = [
    Spec(
        "ssr",
        "softplus",
        "softplus(x) = ln(1 + e^x); np.logaddexp(0, x) computes it without overflowing",
        "like:0",
        (Worked((np.array([-1.0, 0.0, 1.0]),), [0.3133, 0.6931, 1.3133], 4, "worked example"),),
        lambda rng: (rng.normal(0, 5, int(rng.integers(1, 12))),),
        sized_args=lambda n: (np.linspace(-20, 20, n),),
        extreme_args=((np.array([-1000.0, 1000.0]),),),
        extremes_graded=True,  # the docstring promises x = ±1000
        names=("x",),
    ),
    Spec(
        "ssr",
        "predict",
        "y_hat = -1.22 · softplus(3.34 x - 1.43) - 2.30 · softplus(-3.53 x + 0.57) + b3 (SSR article's network)",
        "n:0",
        (Worked((np.array(ex.DOSAGE), 0.0), [-2.6, -1.6, -2.61], (1, 1, 2), "article"),),
        lambda rng: (rng.uniform(0, 1, int(rng.integers(1, 12))), float(rng.normal(0, 3))),
        sized_args=lambda n: (np.linspace(0, 1, n), 0.5),
        names=("dosage", "b3"),
    ),
    Spec(
        "ssr",
        "ssr",
        "SSR is the sum over samples of (observed - predicted)²",
        "float",
        (Worked((Y, np.array([-2.6, -1.6, -2.61])), 20.3321, 4, "worked example"),),
        pair,
        sized_args=sized_pair,
        names=PAIR,
    ),
    Spec(
        "ssr",
        "ssr_contributions",
        "each sample adds -2 × (observed - predicted) × 1 (SSR article, the chain rule for b3)",
        "n:0",
        (
            Worked((Y, np.array([-2.6, -1.6, -2.61])), [-5.2, -5.2, -5.22], 4, "worked example"),
            Worked((Y, Y_HAT_0), [-5.2074, -5.2180, -5.2298], 4, "worked example"),
        ),
        pair,
        sized_args=sized_pair,
        names=PAIR,
    ),
    Spec(
        "ssr",
        "ssr_derivative_b3",
        "dSSR/db3 is the sum of the per-sample terms -2 (observed - predicted) (SSR article: -15.7 at b3 = 0)",
        "float",
        (Worked((Y, Y_HAT_0), -15.7, 1, "article"), Worked((Y, Y_HAT_1), -6.26, 2, "article")),
        pair,
        sized_args=sized_pair,
        names=PAIR,
    ),
]

test_worked, test_reference, test_properties = make_checks(SPECS)
