"""A literal solution, written from the stubs' docstrings with plain numpy and nothing more (tests grade it)."""

from __future__ import annotations

import numpy as np

from data import examples as ex
from data.examples import DOSAGE_NAMES, IRIS_NAMES
from exercises.logistic import sigmoid
from exercises.ssr import softplus, ssr


def dosage_parameters():
    weights = (ex.DOSAGE_W1, ex.DOSAGE_B1, ex.DOSAGE_W2, ex.DOSAGE_B2, ex.DOSAGE_W3, ex.DOSAGE_W4, ex.SSR_START_B3)
    return dict(zip(DOSAGE_NAMES, weights))


def dosage_forward(dosage, params):
    top_in = params["w1"] * dosage + params["b1"]
    bottom_in = params["w2"] * dosage + params["b2"]
    top, bottom = softplus(top_in), softplus(bottom_in)
    y_hat = params["w3"] * top + params["w4"] * bottom + params["b3"]
    return {"top_in": top_in, "top": top, "bottom_in": bottom_in, "bottom": bottom, "y_hat": y_hat}


def dssr_dw3(dosage, observed, params):
    f = dosage_forward(dosage, params)
    return -2 * (observed - f["y_hat"]) * f["top"]


def dssr_dw1(dosage, observed, params):
    f = dosage_forward(dosage, params)
    return -2 * (observed - f["y_hat"]) * params["w3"] * sigmoid(f["top_in"]) * dosage


def dosage_chain(dosage, observed, params, name):
    f = dosage_forward(dosage, params)
    links = {"dSSR/dy_hat": -2 * (observed - f["y_hat"])}
    node = "top" if name in ("w1", "b1", "w3") else "bottom"
    if name in ("w3", "w4", "b3"):
        links[f"dy_hat/d{name}"] = f[node] if name != "b3" else np.ones_like(f["y_hat"])
        return links
    links[f"dy_hat/d{node}"] = np.full_like(f["y_hat"], params["w3" if node == "top" else "w4"])
    links[f"d{node}/d{node}_in"] = sigmoid(f[f"{node}_in"])
    links[f"d{node}_in/d{name}"] = dosage if name.startswith("w") else np.ones_like(f["y_hat"])
    return links


def dosage_gradients(dosage, observed, params):
    return {name: np.prod(list(dosage_chain(dosage, observed, params, name).values()), axis=0) for name in DOSAGE_NAMES}


def gradient_totals(per_sample):
    return {name: np.sum(values) for name, values in per_sample.items()}


def train_dosage(dosage, observed, learning_rate=0.03, steps=5000, seed=0):
    point = np.random.default_rng(seed).normal(size=7)
    visited, losses = [point], []
    for _ in range(steps + 1):
        params = dict(zip(DOSAGE_NAMES, visited[-1]))
        losses.append(ssr(observed, dosage_forward(dosage, params)["y_hat"]))
        if len(visited) > steps:
            break
        totals = gradient_totals(dosage_gradients(dosage, observed, params))
        visited.append(visited[-1] - learning_rate * np.array([totals[n] for n in DOSAGE_NAMES]))
    return dict(zip(DOSAGE_NAMES, visited[-1])), np.array(losses), np.array(visited)


def iris_parameters():
    values = [*np.ravel(ex.HIDDEN_W), *ex.HIDDEN_B, *np.ravel(ex.OUTPUT_W)]
    values += [ex.CE_START_B3, ex.OUTPUT_B_VERSICOLOR, ex.OUTPUT_B_VIRGINICA]
    return dict(zip(IRIS_NAMES, values))


def _matrices(params):
    w_h = np.array(
        [[params["w_petal_top"], params["w_sepal_top"]], [params["w_petal_bottom"], params["w_sepal_bottom"]]]
    )
    b_h = np.array([params["b_top"], params["b_bottom"]])
    species = ("setosa", "versicolor", "virginica")
    w_o = np.array([[params[f"w_top_{s}"], params[f"w_bottom_{s}"]] for s in species])
    b_o = np.array([params[f"b_{s}"] for s in species])
    return w_h, b_h, w_o, b_o


def iris_forward(petal_width, sepal_width, params):
    w_h, b_h, w_o, b_o = _matrices(params)
    hidden_in = np.stack([petal_width, sepal_width], axis=1) @ w_h.T + b_h
    hidden = np.maximum(0.0, hidden_in)
    z = hidden @ w_o.T + b_o
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return {"hidden_in": hidden_in, "hidden": hidden, "z": z, "p": e / np.sum(e, axis=1, keepdims=True)}


def relu_derivative(x):
    # At 0 ReLU has a corner; 0 there, as if the node were off (the docstring's choice).
    return np.where(np.asarray(x) > 0, 1.0, 0.0)


def dce_dz(probabilities, observed):
    return probabilities - np.eye(3)[observed]


def dce_dw_bottom_setosa(petal_width, sepal_width, observed, params):
    f = iris_forward(petal_width, sepal_width, params)
    return dce_dz(f["p"], observed)[:, 0] * f["hidden"][:, 1]


def dce_dw_petal_top(petal_width, sepal_width, observed, params):
    return iris_gradients(petal_width, sepal_width, observed, params)["w_petal_top"]


def iris_chain(petal_width, sepal_width, observed, params, name):
    f = iris_forward(petal_width, sepal_width, params)
    dz = dce_dz(f["p"], observed)
    species, nodes = ("setosa", "versicolor", "virginica"), ("top", "bottom")
    if (name.startswith("b_") and name[2:] in species) or name.split("_")[-1] in species:
        s = name.split("_")[-1]
        k, ones = species.index(s), np.ones(len(observed))
        last = ones if name.startswith("b_") else f["hidden"][:, nodes.index(name.split("_")[1])]
        return {f"dCE/dz_{s}": dz[:, k], f"dz_{s}/d{name}": last}
    node = name.split("_")[-1]
    j = nodes.index(node)
    w_o = _matrices(params)[2]
    if name.startswith("w_"):
        last = np.stack([petal_width, sepal_width], axis=1)[:, ("petal", "sepal").index(name.split("_")[1])]
    else:
        last = np.ones(len(observed))
    return {
        f"dCE/d{node}": dz @ w_o[:, j],
        f"d{node}/d{node}_in": relu_derivative(f["hidden_in"][:, j]),
        f"d{node}_in/d{name}": last,
    }


def iris_gradients(petal_width, sepal_width, observed, params):
    def product(name):
        return np.prod(list(iris_chain(petal_width, sepal_width, observed, params, name).values()), axis=0)

    return {name: product(name) for name in IRIS_NAMES}


def train_iris(petal_width, sepal_width, observed, learning_rate=0.01, steps=2000, seed=0):
    point = np.random.default_rng(seed).normal(size=15)
    visited, losses = [point], []
    for _ in range(steps + 1):
        params = dict(zip(IRIS_NAMES, visited[-1]))
        p = iris_forward(petal_width, sepal_width, params)["p"]
        losses.append(np.sum(-np.log(p[np.arange(len(observed)), observed])))
        if len(visited) > steps:
            break
        grads = iris_gradients(petal_width, sepal_width, observed, params)
        visited.append(visited[-1] - learning_rate * np.array([np.sum(grads[n]) for n in IRIS_NAMES]))
    return dict(zip(IRIS_NAMES, visited[-1])), np.array(losses), np.array(visited)
