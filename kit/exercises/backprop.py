"""Exercise: backpropagation through every weight and bias of the dosage and iris networks, then training them."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from data import examples as ex  # noqa: F401  (the networks' weights)
from data.examples import DOSAGE_NAMES, IRIS_NAMES  # noqa: F401  (parameters travel as dicts with these keys)

# --- 1. The dosage network: y_hat = w3 softplus(w1 x + b1) + w4 softplus(w2 x + b2) + b3, loss SSR ---


def dosage_parameters() -> dict[str, float]:
    """The article's dosage network as a dict with the seven keys of DOSAGE_NAMES.

    Take the weights from data/examples.py (DOSAGE_W1 ... DOSAGE_W4) and set b3 to
    SSR_START_B3, the value the article starts gradient descent from.
    Out: a dict name -> float, e.g. {"w1": 3.34, "b1": -1.43, ..., "b3": 0.0}.
    """
    raise NotImplementedError("dosage_parameters is not implemented yet: collect the article's weights into a dict")


def dosage_forward(dosage: ArrayLike, params: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Run the dosage network forward and keep every intermediate value: backpropagation needs them all.

    Keys: "top_in" = w1 x + b1, "top" = softplus(top_in), "bottom_in" = w2 x + b2,
    "bottom" = softplus(bottom_in), "y_hat" = w3 top + w4 bottom + b3.
    In: dosages (n,) and a parameter dict. Out: a dict of arrays (n,).
    Hint: with dosage_parameters() the y_hat values match ssr.predict(dosage, 0).
    """
    raise NotImplementedError("dosage_forward is not implemented yet: compute top_in, top, bottom_in, bottom, y_hat")


def dssr_dw3(dosage: ArrayLike, observed: ArrayLike, params: Mapping[str, float]) -> np.ndarray:
    """How much each sample adds to dSSR/dw3, the slope of the loss against the top node's output weight.

    w3 multiplies top, so the chain has two links: dSSR/dy_hat = -2 (y - y_hat), and dy_hat/dw3 = top.
    In: dosages (n,), observed efficacies (n,), a parameter dict. Out: an array (n,).
    Hint: compare with ssr_contributions, where the second link (dy_hat/db3) was 1.
    """
    raise NotImplementedError("dssr_dw3 is not implemented yet: multiply dSSR/dy_hat by dy_hat/dw3 for each sample")


def dssr_dw1(dosage: ArrayLike, observed: ArrayLike, params: Mapping[str, float]) -> np.ndarray:
    """How much each sample adds to dSSR/dw1, a weight one layer further back.

    The chain now has four links: dSSR/dy_hat, dy_hat/dtop = w3, dtop/dtop_in, and dtop_in/dw1 = x.
    In: dosages (n,), observed efficacies (n,), a parameter dict. Out: an array (n,).
    Hint: the slope of softplus(t) = ln(1 + e^t) is e^t / (1 + e^t), the sigmoid: reuse
    exercises.logistic.sigmoid once you have written it.
    """
    raise NotImplementedError("dssr_dw1 is not implemented yet: multiply the four links of the chain rule")


def dosage_chain(
    dosage: ArrayLike, observed: ArrayLike, params: Mapping[str, float], name: str
) -> dict[str, np.ndarray]:
    """The chain rule written out for one parameter (name is one of DOSAGE_NAMES): each link per sample.

    Keys name the links, e.g. for "w1": "dSSR/dy_hat", "dy_hat/dtop", "dtop/dtop_in", "dtop_in/dw1";
    for "w3": "dSSR/dy_hat", "dy_hat/dw3". Multiplying the links gives each sample's dSSR/d(name).
    In: dosages (n,), observed (n,), a parameter dict, a name. Out: a dict of arrays (n,).
    Hint: w1, b1 go through the top node and w3; w2, b2 through the bottom node and w4.
    """
    raise NotImplementedError("dosage_chain is not implemented yet: list the chain rule's links for this parameter")


def dosage_gradients(dosage: ArrayLike, observed: ArrayLike, params: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Each sample's dSSR/d(parameter) for all seven parameters at once.

    In: dosages (n,), observed (n,), a parameter dict. Out: a dict name -> array (n,) with the keys of DOSAGE_NAMES.
    Hint: compute dSSR/dy_hat once, then dSSR/dtop_in and dSSR/dbottom_in once each; every
    parameter's slope is one of these times its own last link (x or 1, top or bottom).
    """
    raise NotImplementedError("dosage_gradients is not implemented yet: backpropagate to all seven parameters")


def gradient_totals(per_sample: Mapping[str, ArrayLike]) -> dict[str, float]:
    """The slope of the total loss for each parameter: add up its per-sample contributions.

    In: a dict name -> array (n,), such as dosage_gradients returns. Out: a dict name -> float.
    """
    raise NotImplementedError("gradient_totals is not implemented yet: sum each parameter's contributions")


def train_dosage(
    dosage: ArrayLike, observed: ArrayLike, learning_rate: float = 0.03, steps: int = 5000, seed: int = 0
) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
    """Train all seven parameters from scratch: gradient descent from a random start.

    Start from np.random.default_rng(seed).normal(size=7) (in DOSAGE_NAMES order), then make
    `steps` updates, each moving every parameter by -learning_rate x its total derivative.
    Out: the final parameters (dict), the SSR at every visited point (steps + 1,), and the
    visited points (steps + 1, 7). Hint: with the defaults the SSR falls below 0.01 in about 3000 steps.
    """
    raise NotImplementedError("train_dosage is not implemented yet: run gradient descent on all seven parameters")


# --- 2. The iris network: hidden = ReLU(W_h [petal, sepal] + b_h), z = W_o hidden + b_o, loss cross-entropy ---


def iris_parameters() -> dict[str, float]:
    """The article's iris network as a dict with the fifteen keys of IRIS_NAMES.

    HIDDEN_W[node][input] is w_<input>_<node>, HIDDEN_B gives b_top and b_bottom, OUTPUT_W[species][node]
    is w_<node>_<species>, and the output biases are b_setosa (the article's b3, starting at CE_START_B3),
    b_versicolor and b_virginica. Out: a dict name -> float.
    """
    raise NotImplementedError("iris_parameters is not implemented yet: collect the article's weights into a dict")


def iris_forward(petal_width: ArrayLike, sepal_width: ArrayLike, params: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Run the iris network forward and keep every intermediate value.

    Keys: "hidden_in" (n, 2: top, bottom) before ReLU, "hidden" (n, 2) after it, "z" (n, 3) the raw
    outputs (Setosa, Versicolor, Virginica), "p" (n, 3) their SoftMax probabilities.
    In: two arrays (n,) and a parameter dict. Hint: build the (2, 2) and (3, 2) weight matrices from the dict.
    """
    raise NotImplementedError("iris_forward is not implemented yet: compute hidden_in, hidden, z and p")


def relu_derivative(x: ArrayLike) -> np.ndarray:
    """ReLU's slope, element by element: 1 where x > 0 and 0 where x < 0.

    At exactly 0 ReLU has a corner and no slope; choose 0 there and say why in your docstring.
    In: a number or an array. Out: the same shape (a float for a number).
    """
    raise NotImplementedError("relu_derivative is not implemented yet: return 1 where x > 0, else 0")


def dce_dz(probabilities: ArrayLike, observed: ArrayLike) -> np.ndarray:
    """Each flower's slope of its cross-entropy against the three raw outputs z.

    SoftMax and cross-entropy together give a short answer: p minus 1 in the observed species' column.
    In: probabilities (n, 3) and observed class indices (n,). Out: an array (n, 3).
    Hint: its Setosa column is what cross_entropy_contributions_b3 returned.
    """
    raise NotImplementedError("dce_dz is not implemented yet: subtract the one-hot observed species from p")


def dce_dw_bottom_setosa(
    petal_width: ArrayLike, sepal_width: ArrayLike, observed: ArrayLike, params: Mapping[str, float]
) -> np.ndarray:
    """Each flower's contribution to dCE/dw_bottom_setosa, the weight from the bottom node to the Setosa output.

    Two links: dCE/dz_setosa, then dz_setosa/dw_bottom_setosa = the bottom node's output.
    In: two arrays (n,), observed (n,), a parameter dict. Out: an array (n,).
    """
    raise NotImplementedError("dce_dw_bottom_setosa is not implemented yet: multiply dCE/dz_setosa by bottom")


def dce_dw_petal_top(
    petal_width: ArrayLike, sepal_width: ArrayLike, observed: ArrayLike, params: Mapping[str, float]
) -> np.ndarray:
    """Each flower's contribution to dCE/dw_petal_top, the weight from petal width into the top hidden node.

    Links: dCE/dtop, dtop/dtop_in (ReLU's slope), dtop_in/dw_petal_top = petal width.
    In: two arrays (n,), observed (n,), a parameter dict. Out: an array (n,).
    Hint: top feeds all three outputs, so dCE/dtop sums dCE/dz_k x w_top_k over the species k.
    """
    raise NotImplementedError("dce_dw_petal_top is not implemented yet: backpropagate through all three outputs")


def iris_chain(
    petal_width: ArrayLike, sepal_width: ArrayLike, observed: ArrayLike, params: Mapping[str, float], name: str
) -> dict[str, np.ndarray]:
    """The chain rule written out for one parameter (name is one of IRIS_NAMES): each link per flower.

    Output layer, e.g. "w_top_setosa": "dCE/dz_setosa", "dz_setosa/dw_top_setosa".
    Hidden layer, e.g. "w_petal_top": "dCE/dtop", "dtop/dtop_in", "dtop_in/dw_petal_top".
    Biases end in a link equal to 1. In: two arrays (n,), observed (n,), a dict, a name. Out: a dict of arrays (n,).
    """
    raise NotImplementedError("iris_chain is not implemented yet: list the chain rule's links for this parameter")


def iris_gradients(
    petal_width: ArrayLike, sepal_width: ArrayLike, observed: ArrayLike, params: Mapping[str, float]
) -> dict[str, np.ndarray]:
    """Each flower's dCE/d(parameter) for all fifteen parameters at once.

    In: two arrays (n,), observed (n,), a parameter dict. Out: a dict name -> array (n,) with the keys of IRIS_NAMES.
    Hint: one matrix product takes dCE/dz (n, 3) back to dCE/dhidden (n, 2); an outer product per
    flower, a[:, :, None] * b[:, None, :], gives a whole weight matrix's contributions.
    """
    raise NotImplementedError("iris_gradients is not implemented yet: backpropagate to all fifteen parameters")


def train_iris(
    petal_width: ArrayLike,
    sepal_width: ArrayLike,
    observed: ArrayLike,
    learning_rate: float = 0.01,
    steps: int = 2000,
    seed: int = 0,
) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
    """Train all fifteen parameters from scratch on the total cross-entropy.

    Start from np.random.default_rng(seed).normal(size=15) (in IRIS_NAMES order), make `steps` updates.
    Out: the final parameters (dict), the total cross-entropy at every visited point (steps + 1,),
    and the visited points (steps + 1, 15). Hint: on all 150 flowers (data.iris.load_iris) the summed
    slope is large, so keep the learning rate small; too large and the ReLU nodes switch off for good.
    """
    raise NotImplementedError("train_iris is not implemented yet: run gradient descent on all fifteen parameters")
