"""Cached numbers behind the every-parameter sections: any weight or bias of the two networks, and full training."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import compute
from dashboard.mathsource import Diverged, ssr
from dashboard.mathsource import backprop as bp
from dashboard.mathsource import cross_entropy as ce
from data import examples as ex
from data.iris import load_iris

AVAILABLE = bp is not None  # False in a learner release: mathsource found no solutions/
LOSS_NAME = {"ssr": "SSR", "ce": "CE"}
STEPS_RANGE = (1, 10_000)  # 10,000 updates of the iris network take about a second
SEED_RANGE = (0, 10_000)
GRID = 60  # the decision map is GRID x GRID cells over the unit square
MOST_POINTS = 200  # the training charts draw at most this many steps
DOSAGE_LABELS = {
    "w1": "input → top",
    "b1": "bias of top",
    "w2": "input → bottom",
    "b2": "bias of bottom",
    "w3": "top → output",
    "w4": "bottom → output",
    "b3": "bias of the output",
}


def names(net: compute.Method) -> tuple[str, ...]:
    """The network's parameters in the reference's order."""
    return bp.DOSAGE_NAMES if net == "ssr" else bp.IRIS_NAMES


def label(name: str) -> str:
    """A readable name for the picker, e.g. 'w1 (input → top)' or 'w_top_setosa (top → Setosa)'."""
    if name in DOSAGE_LABELS:
        return f"{name} ({DOSAGE_LABELS[name]})"
    kind, *ends = name.split("_")
    ends = [e.capitalize() if e.capitalize() in ex.SPECIES else e for e in ends]
    if kind == "w":
        return f"{name} ({ends[0]} → {ends[1]})"
    return f"{name} (bias of {ends[0]}{', the article’s b3' if name == 'b_setosa' else ''})"


def article(net: compute.Method) -> dict[str, float]:
    """The article's parameter values (b3 at its starting value)."""
    return bp.dosage_parameters() if net == "ssr" else bp.iris_parameters()


def _with(net: compute.Method, name: str, value: float) -> dict[str, float]:
    return article(net) | {name: value}


def _loss(net: compute.Method, params: dict[str, float]) -> float:
    if net == "ssr":
        return float(ssr.ssr(ex.EFFICACY, bp.dosage_forward(ex.DOSAGE, params)["y_hat"]))
    p = bp.iris_forward(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, params)["p"]
    return float(np.sum(ce.cross_entropy(p, ex.OBSERVED_SPECIES)))


def _samples(net: compute.Method) -> tuple[Any, ...]:
    if net == "ssr":
        return ex.DOSAGE, ex.EFFICACY
    return ex.PETAL_WIDTH, ex.SEPAL_WIDTH, ex.OBSERVED_SPECIES


def _gradients(net: compute.Method, params: dict[str, float]) -> dict[str, np.ndarray]:
    return (bp.dosage_gradients if net == "ssr" else bp.iris_gradients)(*_samples(net), params)


@st.cache_data(show_spinner=False)
def chain_table(net: compute.Method, name: str, value: float) -> pd.DataFrame:
    """Each sample's chain-rule links for one parameter, side by side, and their product (the sample's term)."""
    params = _with(net, name, value)
    links = (bp.dosage_chain if net == "ssr" else bp.iris_chain)(*_samples(net), params, name)
    table = {"dosage": ex.DOSAGE} if net == "ssr" else {"observed": [ex.SPECIES[k] for k in ex.OBSERVED_SPECIES]}
    table |= {link: np.asarray(factor, dtype=float) for link, factor in links.items()}
    table["term = product"] = np.prod(np.stack(list(links.values())), axis=0)
    return pd.DataFrame(table)


class Slopes(NamedTuple):
    """The loss at one parameter value, its derivative from backprop and a finite difference to check it."""

    loss: float
    total: float
    numeric: float


@st.cache_data(show_spinner=False)
def slopes(net: compute.Method, name: str, value: float) -> Slopes:
    """The loss, the sum of the per-sample derivatives, and a central finite difference along this parameter."""
    total = float(np.sum(_gradients(net, _with(net, name, value))[name]))
    step = compute.FD_STEP
    numeric = (_loss(net, _with(net, name, value + step)) - _loss(net, _with(net, name, value - step))) / (2 * step)
    return Slopes(_loss(net, _with(net, name, value)), total, numeric)


@st.cache_data(show_spinner=False)
def curve(net: compute.Method, name: str, low: float, high: float, points: int = 161) -> pd.DataFrame:
    """The loss as one parameter sweeps low..high, every other parameter at the article's value."""
    grid = np.linspace(low, high, points)
    return pd.DataFrame({name: grid, "loss": [_loss(net, _with(net, name, float(v))) for v in grid]})


# --- Training every parameter at once ---


def _trainer(net: compute.Method) -> Callable[..., tuple[dict[str, float], np.ndarray, np.ndarray]]:
    return bp.train_dosage if net == "ssr" else bp.train_iris


def defaults(net: compute.Method) -> tuple[int, float, int]:
    """(seed, learning rate, steps): the reference's own defaults, read from its signature so they stay in step."""
    given = inspect.signature(_trainer(net)).parameters
    return given["seed"].default, given["learning_rate"].default, given["steps"].default


@st.cache_data(show_spinner=False)
def flowers() -> pd.DataFrame:
    """The 150 flowers: petal and sepal width scaled 0..1 and the observed species index."""
    return load_iris()[["petal", "sepal", "observed"]]


class Training(NamedTuple):
    """What a training run shows: in words if it failed, else small tables ready to draw."""

    problem: str | None
    losses: pd.DataFrame  # step, loss (at most MOST_POINTS rows)
    paths: pd.DataFrame  # step and one column per parameter
    final: pd.DataFrame  # parameter, start, trained, article
    first_loss: float
    last_loss: float
    extra: dict[str, Any]  # the dosage's predictions, or the iris's accuracy, article flowers and decision map


def _steps_kept(n: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, min(n, MOST_POINTS)).round().astype(int))


def _diverged(error: Diverged) -> str:
    return (
        f"Training diverged at step {error.step}: the updates overshot until the numbers grew too large for the "
        "computer to hold (an overflow). Try a smaller learning rate."
    )


@st.cache_data(show_spinner="Training every parameter…")
def train(net: compute.Method, seed: int, learning_rate: float, steps: int) -> Training:
    """Train every parameter from a seeded start: dosage on the article's three dosages, iris on all 150 flowers."""
    data = (ex.DOSAGE, ex.EFFICACY) if net == "ssr" else tuple(flowers()[c].to_numpy() for c in flowers().columns)
    try:
        final, losses, history = _trainer(net)(*data, learning_rate=learning_rate, steps=steps, seed=seed)
    except Diverged as error:
        return Training(_diverged(error), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), np.nan, np.nan, {})
    kept = _steps_kept(len(losses))
    paths = pd.DataFrame(history[kept], columns=names(net)).assign(step=kept)
    table = pd.DataFrame(
        {"parameter": [label(n) for n in names(net)], "start (seeded)": history[0], "trained": history[-1]}
    )
    table["article's value"] = list(article(net).values())
    return Training(
        None,
        pd.DataFrame({"step": kept, "loss": losses[kept]}),
        paths,
        table,
        float(losses[0]),
        float(losses[-1]),
        _dosage_extra(final) if net == "ssr" else _iris_extra(final),
    )


def _dosage_extra(params: dict[str, float]) -> dict[str, Any]:
    y_hat = bp.dosage_forward(ex.DOSAGE, params)["y_hat"]
    # Rounded for the table: a fitted output is 1e-8 away from its target, which scientific notation would shout.
    table = pd.DataFrame({"dosage": ex.DOSAGE, "observed y": ex.EFFICACY, "trained y_hat": np.round(y_hat, 6) + 0.0})
    table["squared residual"] = (np.array(ex.EFFICACY) - y_hat) ** 2
    return {"predictions": table}


def _predicted(petal: np.ndarray, sepal: np.ndarray, params: dict[str, float]) -> np.ndarray:
    return np.argmax(bp.iris_forward(petal, sepal, params)["p"], axis=1)


def _iris_extra(params: dict[str, float]) -> dict[str, Any]:
    every = flowers()
    correct = _predicted(every["petal"].to_numpy(), every["sepal"].to_numpy(), params) == every["observed"].to_numpy()
    p = bp.iris_forward(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, params)["p"]
    guess = np.argmax(p, axis=1)
    three = pd.DataFrame(
        {
            "petal width": ex.PETAL_WIDTH,
            "sepal width": ex.SEPAL_WIDTH,
            "observed": [ex.SPECIES[k] for k in ex.OBSERVED_SPECIES],
            "predicted": [ex.SPECIES[k] for k in guess],
            "p of the predicted species": p[np.arange(len(guess)), guess],
            "correct": ["✓" if g == k else "✗" for g, k in zip(guess, ex.OBSERVED_SPECIES, strict=True)],
        }
    )
    samples = every.assign(species=[ex.SPECIES[k] for k in every["observed"]])[["petal", "sepal", "species"]]
    return {
        "accuracy": float(np.mean(correct)),
        "article_correct": int(np.sum(guess == np.array(ex.OBSERVED_SPECIES))),
        "article_flowers": three,
        "regions": _regions(params),
        "samples": samples,
    }


def _regions(params: dict[str, float]) -> pd.DataFrame:
    edges = np.linspace(0.0, 1.0, GRID + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    petal, sepal = np.meshgrid(centres, centres)  # row i: every petal cell at the i-th sepal cell
    guess = _predicted(petal.ravel(), sepal.ravel(), params).reshape(GRID, GRID)
    # One rectangle per run of same-species cells along a row: the same picture from ~20x fewer rows to send.
    rows = []
    for i, row in enumerate(guess):
        starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        ends = np.r_[starts[1:], GRID]
        rows += [
            (edges[a], edges[b], edges[i], edges[i + 1], ex.SPECIES[row[a]]) for a, b in zip(starts, ends, strict=True)
        ]
    return pd.DataFrame(rows, columns=["petal", "petal_end", "sepal", "sepal_end", "species"])
