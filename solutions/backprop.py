"""Full backpropagation: dLoss/dparameter for every weight and bias of the dosage and iris networks, and training."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike

from data import examples as ex
from data.examples import DOSAGE_NAMES, INPUTS, IRIS_NAMES, NODES, OUTPUTS
from solutions import _validate as check
from solutions import cross_entropy as ce
from solutions import ssr
from solutions.logistic import sigmoid

# --- 1. The dosage network: y_hat = w3 softplus(w1 x + b1) + w4 softplus(w2 x + b2) + b3, loss SSR ---


def dosage_parameters() -> dict[str, float]:
    """The article's network: the recovered weights and b3 at its starting value 0."""
    values = (ex.DOSAGE_W1, ex.DOSAGE_B1, ex.DOSAGE_W2, ex.DOSAGE_B2, ex.DOSAGE_W3, ex.DOSAGE_W4, ex.SSR_START_B3)
    return dict(zip(DOSAGE_NAMES, map(float, values), strict=True))


def dosage_forward(dosage: ArrayLike, params: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Every intermediate value per dosage: top_in, top, bottom_in, bottom (the hidden nodes) and y_hat."""
    return _dosage_forward(check.vector(dosage, "dosage"), _flat(params, DOSAGE_NAMES, "params"))


def _dosage_forward(x: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    w1, b1, w2, b2, w3, w4, b3 = w
    f = {"top_in": w1 * x + b1, "bottom_in": w2 * x + b2}  # (n,) each
    f["top"], f["bottom"] = ssr.softplus(f["top_in"]), ssr.softplus(f["bottom_in"])
    f["y_hat"] = w3 * f["top"] + w4 * f["bottom"] + b3
    return f


def dssr_dw3(dosage: ArrayLike, observed: ArrayLike, params: Mapping[str, float]) -> np.ndarray:
    """Each sample's dSSR/dw3 = dSSR/dy_hat * dy_hat/dw3 = -2 (y - y_hat) * top."""
    f = dosage_forward(dosage, params)
    y = _observed(observed, f["y_hat"])
    return -2.0 * (y - f["y_hat"]) * f["top"]  # (n,)


def dssr_dw1(dosage: ArrayLike, observed: ArrayLike, params: Mapping[str, float]) -> np.ndarray:
    """Each sample's dSSR/dw1: dSSR/dy_hat * dy_hat/dtop * dtop/dtop_in * dtop_in/dw1.

    The factors are -2 (y - y_hat), w3, sigmoid(top_in) (softplus' derivative) and x.
    """
    x, f = check.vector(dosage, "dosage"), dosage_forward(dosage, params)
    y = _observed(observed, f["y_hat"])
    return -2.0 * (y - f["y_hat"]) * params["w3"] * sigmoid(f["top_in"]) * x  # (n,)


def dosage_chain(
    dosage: ArrayLike, observed: ArrayLike, params: Mapping[str, float], name: str
) -> dict[str, np.ndarray]:
    """The chain rule's factors for one parameter, each (n,); their product is each sample's dSSR/d(name)."""
    x, w = check.vector(dosage, "dosage"), _flat(params, DOSAGE_NAMES, "params")
    _name(name, DOSAGE_NAMES)
    f = _dosage_forward(x, w)
    ones, chain = np.ones_like(x), {"dSSR/dy_hat": -2.0 * (_observed(observed, f["y_hat"]) - f["y_hat"])}
    output = {"w3": f["top"], "w4": f["bottom"], "b3": ones}
    if name in output:
        return chain | {f"dy_hat/d{name}": output[name]}
    node, weight = ("top", w[4]) if name in ("w1", "b1") else ("bottom", w[5])  # w3 or w4
    chain[f"dy_hat/d{node}"] = np.full_like(x, weight)
    chain[f"d{node}/d{node}_in"] = sigmoid(f[f"{node}_in"])  # softplus' slope is the sigmoid
    chain[f"d{node}_in/d{name}"] = x if name.startswith("w") else ones
    return chain


def dosage_gradients(dosage: ArrayLike, observed: ArrayLike, params: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Each sample's dSSR/dparameter for all seven parameters at once: name -> array (n,)."""
    x, w = check.vector(dosage, "dosage"), _flat(params, DOSAGE_NAMES, "params")
    y = _observed(observed, x)
    return dict(zip(DOSAGE_NAMES, _dosage_contributions(x, y, w)[1].T, strict=True))


def _dosage_contributions(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f = _dosage_forward(x, w)
    dL_dy_hat = -2.0 * (y - f["y_hat"])  # (n,)
    dL_dtop_in = dL_dy_hat * w[4] * sigmoid(f["top_in"])  # through w3 and softplus
    dL_dbottom_in = dL_dy_hat * w[5] * sigmoid(f["bottom_in"])  # through w4 and softplus
    columns = (dL_dtop_in * x, dL_dtop_in, dL_dbottom_in * x, dL_dbottom_in, dL_dy_hat * f["top"])
    return f["y_hat"], np.stack([*columns, dL_dy_hat * f["bottom"], dL_dy_hat], axis=1)  # 7 x (n,) -> (n, 7)


def gradient_totals(per_sample: Mapping[str, ArrayLike]) -> dict[str, float]:
    """Each parameter's derivative of the total loss: the sum of its per-sample contributions."""
    if not isinstance(per_sample, Mapping):
        raise TypeError(f"per_sample must be a dict name -> per-sample array; got {type(per_sample).__name__}")
    return {name: float(np.sum(check.numbers(v, name))) for name, v in per_sample.items()}


def train_dosage(
    dosage: ArrayLike, observed: ArrayLike, learning_rate: float = 0.03, steps: int = 5000, seed: int = 0
) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
    """Gradient descent on all seven parameters from a seeded standard-normal start.

    Returns the final parameters, the SSR before each update and after the last, shape (steps + 1,),
    and the parameters visited, shape (steps + 1, 7) in DOSAGE_NAMES order.
    """
    x = check.vector(dosage, "dosage")
    y, lr, n_steps = _observed(observed, x), check.positive(learning_rate, "learning_rate"), _count(steps, "steps")

    def loss_and_gradient(w: np.ndarray) -> tuple[float, np.ndarray]:
        y_hat, contributions = _dosage_contributions(x, y, w)
        return np.sum((y - y_hat) ** 2), contributions.sum(axis=0)  # (n, 7) -> (7,)

    losses, history = _descend(loss_and_gradient, _start(seed, len(DOSAGE_NAMES)), lr, n_steps)
    return dict(zip(DOSAGE_NAMES, history[-1].tolist(), strict=True)), losses, history


# --- 2. The iris network: hidden = ReLU(W_h [petal, sepal] + b_h), z = W_o hidden + b_o, loss cross-entropy ---


def iris_parameters() -> dict[str, float]:
    """The article's network: the recovered weights, with the Setosa bias (b3) at its starting value -2."""
    biases = (ex.CE_START_B3, ex.OUTPUT_B_VERSICOLOR, ex.OUTPUT_B_VIRGINICA)
    values = np.concatenate([np.ravel(ex.HIDDEN_W), ex.HIDDEN_B, np.ravel(ex.OUTPUT_W), biases])
    return dict(zip(IRIS_NAMES, values.tolist(), strict=True))


def iris_forward(petal_width: ArrayLike, sepal_width: ArrayLike, params: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Every intermediate value per flower: hidden_in and hidden (n, 2: top, bottom), z and p (n, 3: species)."""
    return _iris_forward(_flowers(petal_width, sepal_width), _flat(params, IRIS_NAMES, "params"))


def _iris_forward(x: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    w_h, b_h, w_o, b_o = w[:4].reshape(2, 2), w[4:6], w[6:12].reshape(3, 2), w[12:]
    f = {"hidden_in": x @ w_h.T + b_h}  # (n, 2) @ (2, 2).T -> (n, 2)
    f["hidden"] = ce.relu(f["hidden_in"])
    f["z"] = f["hidden"] @ w_o.T + b_o  # (n, 2) @ (3, 2).T -> (n, 3)
    f["p"] = ce.softmax(f["z"])
    return f


def relu_derivative(x: ArrayLike) -> np.ndarray:
    """ReLU's slope: 1 where x > 0, else 0 -- including at exactly 0.

    ReLU has a kink at 0 with no derivative there; any value in [0, 1] is a valid subgradient.
    0 is the usual choice (PyTorch and TensorFlow make it too): a node whose input is exactly 0 outputs 0
    and stays switched off, and real-valued inputs land exactly on 0 so rarely that the choice hardly
    ever matters. A finite difference across the kink gives 1/2, which is why the tests keep away from it.
    """
    return (check.numbers(x, "x") > 0).astype(float)[()]


def dce_dz(probabilities: ArrayLike, observed: ArrayLike) -> np.ndarray:
    """Each flower's dCE/dz for the three outputs: p minus the one-hot observed species, (n, 3)."""
    p = check.between_0_and_1(probabilities, "probabilities")
    if p.ndim != 2 or p.shape[1] != len(OUTPUTS):
        raise ValueError(f"probabilities must be (n, 3): one row per flower, one column per species; got {p.shape}")
    return p - _one_hot(observed, len(p))  # (n, 3)


def dce_dw_bottom_setosa(
    petal_width: ArrayLike, sepal_width: ArrayLike, observed: ArrayLike, params: Mapping[str, float]
) -> np.ndarray:
    """Each flower's dCE/dw_bottom_setosa = dCE/dz_setosa * dz_setosa/dw = (p_setosa - [Setosa]) * bottom."""
    f = iris_forward(petal_width, sepal_width, params)
    return dce_dz(f["p"], observed)[:, 0] * f["hidden"][:, 1]  # (n,)


def dce_dw_petal_top(
    petal_width: ArrayLike, sepal_width: ArrayLike, observed: ArrayLike, params: Mapping[str, float]
) -> np.ndarray:
    """Each flower's dCE/dw_petal_top: dCE/dtop * dtop/dtop_in * dtop_in/dw_petal_top.

    top feeds all three outputs, so dCE/dtop = sum over species of dCE/dz * w_top_<species>.
    """
    f = iris_forward(petal_width, sepal_width, params)
    w_top = np.array([params[f"w_top_{s}"] for s in OUTPUTS])  # (3,)
    dCE_dtop = dce_dz(f["p"], observed) @ w_top  # (n, 3) @ (3,) -> (n,)
    return dCE_dtop * relu_derivative(f["hidden_in"][:, 0]) * check.vector(petal_width, "petal_width")


def iris_chain(
    petal_width: ArrayLike, sepal_width: ArrayLike, observed: ArrayLike, params: Mapping[str, float], name: str
) -> dict[str, np.ndarray]:
    """The chain rule's factors for one parameter, each (n,); their product is each flower's dCE/d(name)."""
    x, w = _flowers(petal_width, sepal_width), _flat(params, IRIS_NAMES, "params")
    parts = _name(name, IRIS_NAMES).split("_")  # ["w", from, to] or ["b", to]
    f, ones = _iris_forward(x, w), np.ones(len(x))
    dCE_dz = dce_dz(f["p"], observed)  # (n, 3)
    source, to = (parts[1], parts[2]) if parts[0] == "w" else (None, parts[1])
    if to in OUTPUTS:
        k = OUTPUTS.index(to)
        last = f["hidden"][:, NODES.index(source)] if source else ones
        return {f"dCE/dz_{to}": dCE_dz[:, k], f"dz_{to}/d{name}": last}
    j, w_to = NODES.index(to), np.array([params[f"w_{to}_{s}"] for s in OUTPUTS])
    return {
        f"dCE/d{to}": dCE_dz @ w_to,  # (n, 3) @ (3,) -> (n,): the node feeds every output
        f"d{to}/d{to}_in": relu_derivative(f["hidden_in"][:, j]),
        f"d{to}_in/d{name}": x[:, INPUTS.index(source)] if source else ones,
    }


def iris_gradients(
    petal_width: ArrayLike, sepal_width: ArrayLike, observed: ArrayLike, params: Mapping[str, float]
) -> dict[str, np.ndarray]:
    """Each flower's dCE/dparameter for all fifteen parameters at once: name -> array (n,)."""
    x, w = _flowers(petal_width, sepal_width), _flat(params, IRIS_NAMES, "params")
    return dict(zip(IRIS_NAMES, _iris_contributions(x, _one_hot(observed, len(x)), w)[1].T, strict=True))


def _iris_contributions(x: np.ndarray, t: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f = _iris_forward(x, w)
    dL_dz = f["p"] - t  # (n, 3): SoftMax and cross-entropy together
    dL_dw_o = dL_dz[:, :, None] * f["hidden"][:, None, :]  # (n, 3, 1) * (n, 1, 2) -> (n, 3, 2)
    dL_dhidden_in = (dL_dz @ w[6:12].reshape(3, 2)) * (f["hidden_in"] > 0)  # (n, 3) @ (3, 2) -> (n, 2); slope 0 at 0
    dL_dw_h = dL_dhidden_in[:, :, None] * x[:, None, :]  # (n, 2, 1) * (n, 1, 2) -> (n, 2, 2)
    n = len(x)
    return f["p"], np.hstack([dL_dw_h.reshape(n, 4), dL_dhidden_in, dL_dw_o.reshape(n, 6), dL_dz])  # (n, 15)


def train_iris(
    petal_width: ArrayLike,
    sepal_width: ArrayLike,
    observed: ArrayLike,
    learning_rate: float = 0.01,
    steps: int = 2000,
    seed: int = 0,
) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
    """Gradient descent on all fifteen parameters of the total cross-entropy from a seeded standard-normal start.

    Returns the final parameters, the total cross-entropy before each update and after the last,
    shape (steps + 1,), and the parameters visited, shape (steps + 1, 15) in IRIS_NAMES order.
    """
    x = _flowers(petal_width, sepal_width)
    t, lr, n_steps = _one_hot(observed, len(x)), check.positive(learning_rate, "learning_rate"), _count(steps, "steps")

    def loss_and_gradient(w: np.ndarray) -> tuple[float, np.ndarray]:
        p, contributions = _iris_contributions(x, t, w)
        return -np.sum(t * np.log(np.maximum(p, check.EPS))), contributions.sum(axis=0)  # (n, 15) -> (15,)

    losses, history = _descend(loss_and_gradient, _start(seed, len(IRIS_NAMES)), lr, n_steps)
    return dict(zip(IRIS_NAMES, history[-1].tolist(), strict=True)), losses, history


def _start(seed: int, k: int) -> np.ndarray:
    return np.random.default_rng(_count(seed, "seed")).normal(size=k)  # standard normal: the usual scale for 1-2 inputs


def _descend(
    loss_and_gradient: Callable[[np.ndarray], tuple[float, np.ndarray]], start: np.ndarray, lr: float, n_steps: int
) -> tuple[np.ndarray, np.ndarray]:
    losses, history = np.empty(n_steps + 1), np.empty((n_steps + 1, len(start)))
    history[0] = start
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # an overflow means divergence
            for t in range(n_steps + 1):
                losses[t], gradient = loss_and_gradient(history[t])
                if t < n_steps:
                    history[t + 1] = history[t] - lr * gradient
    except FloatingPointError as error:
        raise check.Diverged(f"training diverged at step {t} ({error}); try a smaller learning_rate", t) from None
    return losses, history


# --- Input checks: once, at the entry; the training loops run on checked arrays ---


def _flat(params: Mapping[str, float], names: tuple[str, ...], label: str) -> np.ndarray:
    if not isinstance(params, Mapping):
        raise TypeError(f"{label} must be a dict parameter name -> number; got {type(params).__name__}")
    missing, extra = [n for n in names if n not in params], [n for n in params if n not in names]
    if missing or extra:
        raise ValueError(f"{label} must have exactly the names {', '.join(names)}; missing {missing}, unknown {extra}")
    return np.array([check.scalar(params[n], f"{label}[{n!r}]") for n in names])


def _name(name: str, names: tuple[str, ...]) -> str:
    if name not in names:
        raise ValueError(f"name must be one of {', '.join(names)}; got {name!r}")
    return name


def _observed(observed: ArrayLike, like: np.ndarray) -> np.ndarray:
    y = check.vector(observed, "observed")
    check.same_shape(y, like, "observed and dosage")
    return y


def _flowers(petal_width: ArrayLike, sepal_width: ArrayLike) -> np.ndarray:
    petal, sepal = check.vector(petal_width, "petal_width"), check.vector(sepal_width, "sepal_width")
    check.same_shape(petal, sepal, "petal_width and sepal_width")
    return np.stack([petal, sepal], axis=1)  # (n,) + (n,) -> (n, 2)


def _one_hot(observed: ArrayLike, n: int) -> np.ndarray:
    k = check.vector(observed, "observed")
    if len(k) != n or not np.all(np.isin(k, (0, 1, 2))):
        raise ValueError(
            "observed must hold one class index per flower, each 0, 1 or 2 "
            f"({', '.join(ex.SPECIES)}); got {k.tolist()} for {n} flowers"
        )
    return (k[:, None] == np.arange(len(OUTPUTS))).astype(float)  # (n,) -> (n, 3)


def _count(x: int, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int | np.integer) or x < 0:
        raise ValueError(f"{name} must be a whole number >= 0; got {x!r}")
    return int(x)
