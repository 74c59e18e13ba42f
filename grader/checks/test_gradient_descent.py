"""Checks of exercises/gradient_descent.py: step size, one update, and the loop's stopping rule."""

from __future__ import annotations

import numpy as np

from grader.checking import Spec, Worked, first, last, make_checks
from grader.sandbox import SlopeFunction

# The examples' derivatives as data the child can rebuild without the reference code:
# dSSR/db3 = 6 (b3 - 2.60918...) (three samples; the root is the mean residual without b3);
# dCE/db3 = sum of sigmoid(b3 + shift_i) - 1 (one Setosa among three flowers).
SSR_SLOPE = SlopeFunction("affine", (6.0, 2.6091847300962914))
# shift_i = z_Setosa_i at b3 = 0 minus ln(e^z_Versicolor_i + e^z_Virginica_i); tests/test_grader.py re-derives them.
CE_SLOPE = SlopeFunction("sigmoids", (0.272276398833726, -1.3132616875182228, -1.1573924296492386, 1.0))
GD_NAMES = ("derivative_at", "start", "learning_rate", "min_step_size", "max_steps")


def random_slope(rng: np.random.Generator) -> SlopeFunction:
    if rng.random() < 0.5:
        return SlopeFunction("affine", (float(rng.uniform(0.5, 8)), float(rng.uniform(-5, 5))))
    shifts = tuple(float(s) for s in rng.uniform(-3, 3, int(rng.integers(1, 5))))
    return SlopeFunction("sigmoids", (*shifts, float(rng.integers(0, len(shifts) + 1))))


SPECS = [
    Spec(
        "gradient_descent",
        "step_size",
        "the step size is the derivative times the learning rate (SSR article: -15.7 × 0.1 = -1.57)",
        "float",
        (Worked((-15.7, 0.1), -1.57, 2, "article"), Worked((-0.77, 1.0), -0.77, 2, "article")),
        lambda rng: (float(rng.normal(0, 10)), float(rng.uniform(0.001, 2))),
        names=("derivative", "learning_rate"),
    ),
    Spec(
        "gradient_descent",
        "update",
        "new value = old value - step size (SSR article: 0 - (-1.57) = 1.57)",
        "float",
        (Worked((0.0, -15.7, 0.1), 1.57, 2, "article"), Worked((-2.0, -0.77, 1.0), -1.23, 2, "article")),
        lambda rng: (float(rng.normal(0, 5)), float(rng.normal(0, 10)), float(rng.uniform(0.001, 2))),
        names=("value", "derivative", "learning_rate"),
    ),
    Spec(
        "gradient_descent",
        "gradient_descent",
        "compute the step size first; stop without applying it once |step size| < min_step_size; "
        "at most max_steps updates; start is the first value in the list",
        "floats",
        (
            Worked((SSR_SLOPE, 0.0, 0.1), [0.0, 1.57, 2.19], 2, "article", pick=first(3)),
            Worked((SSR_SLOPE, 0.0, 0.1, 0.001, 1000), 2.61, 2, "article", pick=last),
            Worked((CE_SLOPE, -2.0, 1.0), [-2.0, -1.23], 2, "article", pick=first(2)),
            Worked((CE_SLOPE, -2.0, 1.0, 0.001, 1000), -0.03, 2, "article", pick=last),
        ),
        lambda rng: (
            random_slope(rng),
            float(rng.uniform(-5, 5)),
            float(rng.uniform(0.01, 0.3)),
            float(rng.choice([0.1, 0.01, 0.001])),
            int(rng.integers(0, 60)),
        ),
        names=GD_NAMES,
    ),
]

test_worked, test_reference, test_properties = make_checks(SPECS)
