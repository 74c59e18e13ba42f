"""Checks of exercises/backprop.py, the backprop section: derivatives for weights deep inside both networks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from data import examples as ex
from data.examples import DOSAGE_NAMES, IRIS_NAMES
from grader.checking import Spec, Worked, make_checks
from grader.sandbox import Scalar

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
SIZES, CASES = (1, 100), 5
TRAINING_CASES = 3  # a training run makes many gradient calls: three short runs, each with its own data and seed


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
DOSAGE_GRADIENTS = {  # each sample's slope for every parameter, at the article's start (b3 = 0)
    "w1": [0.0, 1.7816, 5.5573], "b1": [1.2267, 3.5631, 5.5573], "w2": [0.0, 1.3944, 0.5926],
    "b2": [7.6504, 2.7887, 0.5926], "w3": [-1.1173, -4.2805, -10.711], "w4": [-5.3022, -1.3799, -0.2642],
    "b3": [-5.2073, -5.218, -5.2297],
}  # fmt: skip


def floats(value: Any) -> Any:
    """A returned number, array or list of them as a float array; anything else as it came (the comparison then
    says what it was)."""
    try:
        if isinstance(value, Scalar):
            return np.array(value.value)
        if isinstance(value, list | tuple):
            return np.array([floats(v) for v in value], dtype=float)
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return value


def link_product(value: Any) -> Any:
    """A chain's links multiplied together, sample by sample: what the chain functions promise it equals."""
    if not isinstance(value, dict) or not value:
        return value  # compared as it is, the feedback then says what came back instead of a dict of links
    numbers = [floats(v) for v in value.values()]
    try:
        return np.prod(np.broadcast_arrays(*numbers), axis=0)
    except ValueError:  # links of different lengths, or not numbers
        return value


def keys(*names: str) -> Callable[[Any], Any]:
    """The values of these keys of a returned dict, as one array (pick for Worked)."""

    def pick(got: Any) -> Any:
        if not isinstance(got, dict) or not set(names) <= set(got):
            return got
        return floats(got[names[0]]) if len(names) == 1 else floats([got[k] for k in names])

    return pick


def training(rng: np.random.Generator, case: Callable) -> tuple:
    """A random training run, kept short: a few steps from a random seed, on a small random data set."""
    return (*case(rng)[:-1], float(rng.uniform(0.001, 0.05)), int(rng.integers(1, 6)), int(rng.integers(0, 100)))


def named(rng: np.random.Generator, case: Callable, names: tuple[str, ...]) -> tuple:
    """A case of the chain functions: the network's arguments and one parameter's name."""
    return (*case(rng), str(rng.choice(names)))


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

# Every other function of the module: parameters, forward passes, chains, all gradients at once, training.
SPECS += [
    Spec(
        "backprop",
        "dosage_parameters",
        "the seven weights from data/examples.py, with b3 at SSR_START_B3",
        "tree",
        (Worked((), DOSAGE, 4, "article"),),
        lambda rng: (),
        random_cases=1,
    ),
    Spec(
        "backprop",
        "dosage_forward",
        "top_in = w1 x + b1, top = softplus(top_in); the same for bottom; y_hat = w3 top + w4 bottom + b3",
        "tree",
        (
            Worked(
                (X, DOSAGE),
                {
                    "top_in": [-1.43, 0.24, 1.91],
                    "top": [0.2146, 0.8203, 2.0481],
                    "bottom_in": [0.57, -1.195, -2.96],
                    "bottom": [1.0182, 0.2644, 0.0505],
                    "y_hat": [-2.6037, -1.609, -2.6149],
                },
                4,
                DOC,
            ),
        ),
        lambda rng: dosage_case(rng)[::2],
        sized_args=lambda n: (np.linspace(0, 1, n), DOSAGE),
        sizes=SIZES,
        random_cases=CASES,
        names=("dosage", "params"),
    ),
    Spec(
        "backprop",
        "dosage_chain",
        "multiplied together, the links give each sample's dSSR/d(name), e.g. dssr_dw1 for w1",
        "n:0",
        (Worked((X, Y, DOSAGE, "w1"), DOSAGE_GRADIENTS["w1"], 4, DOC),),
        lambda rng: named(rng, dosage_case, DOSAGE_NAMES),
        sized_args=lambda n: (np.linspace(0, 1, n), np.zeros(n), DOSAGE, "b2"),
        sizes=SIZES,
        random_cases=CASES,
        names=(*DOSAGE_ARGS, "name"),
        view=link_product,
    ),
    Spec(
        "backprop",
        "dosage_gradients",
        "dSSR/dy_hat = -2 (y - y_hat), then through w3 or w4 and the softplus slope (a sigmoid) to each parameter",
        "tree",
        (Worked((X, Y, DOSAGE), DOSAGE_GRADIENTS, 4, DOC),),
        dosage_case,
        sized_args=lambda n: (np.linspace(0, 1, n), np.zeros(n), DOSAGE),
        sizes=SIZES,
        random_cases=CASES,
        names=DOSAGE_ARGS,
    ),
    Spec(
        "backprop",
        "gradient_totals",
        "sum each parameter's per-sample contributions (b3's is the SSR article's -15.7)",
        "tree",
        (
            Worked(
                (DOSAGE_GRADIENTS,),
                {
                    "w1": 7.3389,
                    "b1": 10.3472,
                    "w2": 1.987,
                    "b2": 11.0317,
                    "w3": -16.1088,
                    "w4": -6.9463,
                    "b3": -15.6551,
                },
                3,
                DOC,
            ),
        ),
        lambda rng: ({k: rng.normal(0, 1, int(rng.integers(1, 12))) for k in rng.choice(DOSAGE_NAMES, 3)},),
        sized_args=lambda n: ({k: np.linspace(-1, 1, n) for k in DOSAGE_NAMES},),
        sizes=SIZES,
        random_cases=CASES,
        names=("per_sample",),
    ),
    Spec(
        "backprop",
        "train_dosage",
        "start from np.random.default_rng(seed).normal(size=7); each step moves every parameter by -lr × its total",
        "tree",
        (Worked((X, Y, 0.03, 10, 0), [3.4196, 0.6685], 4, DOC, lambda got: _ends(got, 1)),),
        lambda rng: training(rng, dosage_case),
        sized_args=lambda n: (np.linspace(0, 1, n), np.zeros(n), 0.03, 2, 0),
        sizes=SIZES,
        random_cases=TRAINING_CASES,
        names=("dosage", "observed", "learning_rate", "steps", "seed"),
    ),
    Spec(
        "backprop",
        "iris_parameters",
        "HIDDEN_W[node][input] is w_<input>_<node>, OUTPUT_W[species][node] is w_<node>_<species>; b_setosa starts "
        "at CE_START_B3",
        "tree",
        (Worked((), IRIS, 4, "article"),),
        lambda rng: (),
        random_cases=1,
    ),
    Spec(
        "backprop",
        "iris_forward",
        "hidden_in = petal and sepal through HIDDEN_W plus HIDDEN_B, hidden = ReLU, z = OUTPUT_W hidden + biases, "
        "p = SoftMax(z)",
        "tree",
        (Worked((*FLOWERS[:2], IRIS), P.tolist(), 4, DOC, keys("p")),),
        lambda rng: (*iris_case(rng)[:2], iris_case(rng)[3]),
        sized_args=lambda n: (np.linspace(0, 1, n), np.linspace(1, 0, n), IRIS),
        sizes=SIZES,
        random_cases=CASES,
        names=("petal_width", "sepal_width", "params"),
    ),
    Spec(
        "backprop",
        "iris_chain",
        "multiplied together, the links give each flower's dCE/d(name), e.g. dce_dw_petal_top for w_petal_top",
        "n:0",
        (Worked((*FLOWERS, IRIS, "w_petal_top"), [0.0016, 0.0, -0.7545], 4, DOC),),
        lambda rng: named(rng, iris_case, IRIS_NAMES),
        sized_args=lambda n: (np.linspace(0, 1, n), np.linspace(1, 0, n), np.arange(n) % 3, IRIS, "b_top"),
        sizes=SIZES,
        random_cases=CASES,
        names=(*IRIS_ARGS, "name"),
        view=link_product,
    ),
    Spec(
        "backprop",
        "iris_gradients",
        "dCE/dz = p - one_hot(observed); output weights take the hidden values, hidden ones go back through "
        "OUTPUT_W and ReLU's slope",
        "tree",
        (
            Worked(
                (*FLOWERS, IRIS),
                [[-0.6861, 0.0, 0.004], [0.0016, 0.0, -0.7545]],
                4,
                DOC,
                keys("w_bottom_setosa", "w_petal_top"),
            ),
        ),
        iris_case,
        sized_args=lambda n: (np.linspace(0, 1, n), np.linspace(1, 0, n), np.arange(n) % 3, IRIS),
        sizes=SIZES,
        random_cases=CASES,
        names=IRIS_ARGS,
    ),
    Spec(
        "backprop",
        "train_iris",
        "start from np.random.default_rng(seed).normal(size=15); each step moves every parameter by -lr × its total",
        "tree",
        (Worked((*FLOWERS, 0.01, 10, 0), [3.6911, 3.6338], 4, DOC, lambda got: _ends(got, 1)),),
        lambda rng: training(rng, iris_case),
        sized_args=lambda n: (np.linspace(0, 1, n), np.linspace(1, 0, n), np.arange(n) % 3, 0.01, 2, 0),
        sizes=SIZES,
        random_cases=TRAINING_CASES,
        names=("petal_width", "sepal_width", "observed", "learning_rate", "steps", "seed"),
    ),
]


def _ends(got: Any, index: int) -> Any:
    """The first and last of the index-th returned value (a training run's first and last loss)."""
    if isinstance(got, tuple) and len(got) > index and isinstance(got[index], np.ndarray) and got[index].size:
        return np.array([got[index][0], got[index][-1]])
    return got


test_worked, test_reference, test_properties = make_checks(SPECS)
