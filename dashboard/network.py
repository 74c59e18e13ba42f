"""Cached numbers behind the every-parameter sections: any weight or bias of an example's network, and training."""

from __future__ import annotations

import inspect
from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import compute
from dashboard.compute import BY_KEY
from dashboard.examples import Example, Trained
from dashboard.mathsource import Diverged
from dashboard.mathsource import backprop as bp
from data import examples as ex

AVAILABLE = bp is not None  # False in a learner release: mathsource found no solutions/
SEED_RANGE = (0, 10_000)
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


def label(name: str) -> str:
    """A readable name for the picker, e.g. 'w1 (input → top)' or 'w_top_setosa (top → Setosa)'."""
    if name in DOSAGE_LABELS:
        return f"{name} ({DOSAGE_LABELS[name]})"
    kind, *ends = name.split("_")
    ends = [e.capitalize() if e.capitalize() in ex.SPECIES else e for e in ends]
    if kind == "w":
        return f"{name} ({ends[0]} → {ends[1]})"
    return f"{name} (bias of {ends[0]}{', the article’s b3' if name == 'b_setosa' else ''})"


def _with(example: Example, name: str, value: float) -> dict[str, float]:
    return example.network.article() | {name: value}


@st.cache_data(show_spinner=False, hash_funcs=BY_KEY)
def chain_table(example: Example, name: str, value: float) -> pd.DataFrame:
    """Each sample's chain-rule links for one parameter, side by side, and their product (the sample's term)."""
    net = example.network
    links = net.chain(_with(example, name, value), name)
    table = net.sample_column() | {link: np.asarray(factor, dtype=float) for link, factor in links.items()}
    table["term = product"] = np.prod(np.stack(list(links.values())), axis=0)  # (links, n) -> (n,)
    return pd.DataFrame(table)


class Slopes(NamedTuple):
    """The loss at one parameter value, its derivative from backprop and a finite difference to check it."""

    loss: float
    total: float
    numeric: float


@st.cache_data(show_spinner=False, hash_funcs=BY_KEY)
def slopes(example: Example, name: str, value: float) -> Slopes:
    """The loss, the sum of the per-sample derivatives, and a central finite difference along this parameter."""
    net, step = example.network, compute.FD_STEP
    total = float(np.sum(net.gradients(_with(example, name, value))[name]))
    numeric = (net.loss(_with(example, name, value + step)) - net.loss(_with(example, name, value - step))) / (2 * step)
    return Slopes(net.loss(_with(example, name, value)), total, numeric)


@st.cache_data(show_spinner=False, hash_funcs=BY_KEY)
def curve(example: Example, name: str, low: float, high: float, points: int = 161) -> pd.DataFrame:
    """The loss as one parameter sweeps low..high, every other parameter at the article's value."""
    grid = np.linspace(low, high, points)
    return pd.DataFrame({name: grid, "loss": [example.network.loss(_with(example, name, float(v))) for v in grid]})


# --- Training every parameter at once ---


def defaults(example: Example) -> tuple[int, float, int]:
    """(seed, learning rate, steps): the reference's own defaults, read from its signature so they stay in step."""
    given = inspect.signature(example.network.trainer()).parameters
    return given["seed"].default, given["learning_rate"].default, given["steps"].default


class Training(NamedTuple):
    """What a training run shows: in words if it failed, else small tables ready to draw."""

    problem: str | None
    losses: pd.DataFrame  # step, loss (at most MOST_POINTS rows)
    paths: pd.DataFrame  # step and one column per parameter
    final: pd.DataFrame  # parameter, start, trained, article
    first_loss: float
    last_loss: float
    trained: Trained | None  # what the trained network does
    stuck: tuple[str, ...] = ()  # the parameters training never moved


def _steps_kept(n: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, min(n, MOST_POINTS)).round().astype(int))


def _diverged(error: Diverged) -> str:
    return (
        f"Training diverged at step {error.step}: the updates overshot until the numbers grew too large for the "
        "computer to hold (an overflow). Try a smaller learning rate."
    )


@st.cache_data(show_spinner="Training every parameter…", hash_funcs=BY_KEY)
def train(example: Example, seed: int, learning_rate: float, steps: int) -> Training:
    """Train every parameter from a seeded start on the network's training data."""
    net = example.network
    try:
        train_all, data = net.trainer(), net.training_data()
        final, losses, history = train_all(*data, learning_rate=learning_rate, steps=steps, seed=seed)
    except Diverged as error:
        return Training(_diverged(error), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), np.nan, np.nan, None)
    kept = _steps_kept(len(losses))
    names = net.names()
    paths = pd.DataFrame(history[kept], columns=names).assign(step=kept)
    table = pd.DataFrame({"parameter": [label(n) for n in names], "start (seeded)": history[0], "trained": history[-1]})
    table["article's value"] = list(net.article().values())
    losses_kept = pd.DataFrame({"step": kept, "loss": losses[kept]})
    stuck = tuple(label(n) for n, start, end in zip(names, history[0], history[-1], strict=True) if start == end)
    return Training(None, losses_kept, paths, table, float(losses[0]), float(losses[-1]), net.trained(final), stuck)
