"""Cached numbers behind the dashboard: pure functions of plain floats that only call the math source."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import mathsource
from dashboard.examples import Example
from dashboard.mathsource import gradient_descent as gd
from dashboard.mathsource import logistic as lg
from data import examples as ex
from grader.sandbox import CallFailure

FD_STEP = 1e-6  # central-difference step: O(h^2) truncation, ~1e-10 rounding
PARAM_LIMIT = 100.0  # every parameter control allows [-PARAM_LIMIT, PARAM_LIMIT]; a run leaving it has diverged
LR_RANGE = (0.001, 1000.0)  # learning-rate control bounds: large enough to show divergence
STEPS_RANGE = (1, 10_000)  # every steps control (10,000 updates of the iris network take about a second)


class Row(NamedTuple):
    """One gradient-descent update on one parameter."""

    old: float
    derivative: float
    step_size: float
    new: float


class Run(NamedTuple):
    """The updates a run made and, if it stopped early, why (in words)."""

    rows: tuple[Any, ...]  # Row for b3, SigmoidRow for the sigmoid unit
    converged: bool
    problem: str | None


# --- The one-parameter examples (dashboard/examples.py): loss, slope and descent as functions of b3 ---

BY_KEY = {Example: operator.attrgetter("key")}  # st.cache_data keys an Example by its key, not its functions


def _central_difference(f: Callable[[float], float], x: float) -> float:
    return (f(x + FD_STEP) - f(x - FD_STEP)) / (2 * FD_STEP)


@st.cache_data(show_spinner=False, hash_funcs=BY_KEY)
def loss(example: Example, b3: float) -> float:
    """The total loss at b3."""
    return example.loss(b3)


@st.cache_data(show_spinner=False, hash_funcs=BY_KEY)
def slope(example: Example, b3: float) -> float:
    """The analytic total derivative of the loss with respect to b3."""
    return example.slope(b3)


@st.cache_data(show_spinner=False, hash_funcs=BY_KEY)
def numeric_slope(example: Example, b3: float) -> float:
    """A central finite difference of the loss at b3, to check the analytic slope against."""
    return _central_difference(example.loss, b3)


@st.cache_data(show_spinner=False, hash_funcs=BY_KEY)
def predictions(example: Example, b3: float) -> pd.DataFrame:
    """Each sample's prediction (and loss) at b3."""
    return example.predictions(b3)


@st.cache_data(show_spinner=False, hash_funcs=BY_KEY)
def contributions(example: Example, b3: float) -> pd.DataFrame:
    """Each sample's term of the slope at b3, with its chain-rule factors and the rule in words."""
    return example.contributions(b3)


@st.cache_data(show_spinner=False, hash_funcs=BY_KEY)
def loss_curve(example: Example, low: float, high: float, points: int = 201) -> pd.DataFrame:
    """The loss at evenly spaced b3 values between low and high."""
    grid = np.linspace(low, high, points)
    return pd.DataFrame({"b3": grid, "loss": [example.loss(float(v)) for v in grid]})


@st.cache_data(show_spinner=False, hash_funcs=BY_KEY)
def path_losses(example: Example, values: tuple[float, ...]) -> pd.DataFrame:
    """The loss at each value gradient descent visited, numbered from 0."""
    return pd.DataFrame({"step": range(len(values)), "b3": values, "loss": [example.loss(v) for v in values]})


TINY_STEP = 1e-6  # a step this short cannot overshoot: if it raises the loss, the slope points the wrong way
SIGMOID_SLOPE_FUNCTIONS = "dloss_dz and gradients"  # the learner functions behind the sigmoid unit's derivatives


def _grew(old_loss: float, new_loss: float) -> bool:
    return new_loss > old_loss + 1e-12 * max(1.0, abs(old_loss))  # rounding at the minimum is not growth


def _growth_problem(
    old_loss: float, new_loss: float, tiny_step_loss: Callable[[], float], functions: str
) -> str | None:
    """Why a step raised the loss: too large a step (divergence), or a slope with the wrong sign, told apart by
    a tiny step in the same direction, which lowers the loss unless the slope points downhill. functions: the
    learner functions to check for a sign error."""
    if not _grew(old_loss, new_loss):
        return None
    if _grew(old_loss, tiny_step_loss()):
        return (
            f"The loss grew from {old_loss:.4g} to {new_loss:.4g}, and it grows even for a tiny step in the same "
            "direction: the derivative's sign looks wrong, not the learning rate. A derivative points uphill, so "
            f"moving against it goes downhill; check the signs in {functions}."
        )
    return (
        f"Gradient descent diverged: the loss grew from {old_loss:.4g} to {new_loss:.4g}, "
        "so the step overshot the minimum. Try a smaller learning rate."
    )


def _tiny_step(value: float, slope: float) -> float:
    return value - TINY_STEP * max(1.0, abs(value)) * float(np.sign(slope))


def _range_problem(values: tuple[float, ...]) -> str | None:
    outside = [v for v in values if not np.isfinite(v) or abs(v) > PARAM_LIMIT]
    if outside:
        return (
            f"Gradient descent diverged: the next value would be {outside[0]:.4g}, outside the range "
            f"±{PARAM_LIMIT:g} these controls allow. Try a smaller learning rate."
        )
    return None


@st.cache_data(show_spinner=False, hash_funcs=BY_KEY)
def step(example: Example, value: float, learning_rate: float) -> Run:
    """One update of b3 from value; the step is refused if it leaves the allowed range."""
    row = next_step(example, value, learning_rate)
    outside = _range_problem((row.new,))
    if outside:
        return Run((), False, outside)  # refused: the control could not hold the new value
    tiny = lambda: example.loss(_tiny_step(value, row.derivative))  # noqa: E731
    return Run(
        (row,), False, _growth_problem(example.loss(value), example.loss(row.new), tiny, example.slope_functions)
    )


@st.cache_data(show_spinner=False, hash_funcs=BY_KEY)
def next_step(example: Example, value: float, learning_rate: float) -> Row:
    """The update a Step would make from value, whether or not the controls could hold the new value."""
    d = example.slope(value)
    return Row(value, d, gd.step_size(d, learning_rate), gd.update(value, d, learning_rate))


STRETCH = 50  # updates per call of gradient_descent: a run is vetted (range, growth) after each stretch


@st.cache_data(show_spinner=False, hash_funcs=BY_KEY)
def descent(example: Example, start: float, learning_rate: float, max_steps: int) -> Run:
    """gradient_descent itself from start, called for STRETCH updates at a time (a run depends only on where it is,
    so the calls together make the same path as one) and stopped once the loss grows or b3 leaves the range."""
    values, problem, stopped = [float(start)], None, False
    derivative_at = mathsource.derivative_at(example.slope, example.slope_formula)
    while problem is None and not stopped and len(values) <= max_steps:
        steps = min(STRETCH, max_steps + 1 - len(values))
        visited, why = _attempt(derivative_at, values[-1], learning_rate, steps)
        if why is not None:
            # It stopped the run itself (overflow, a non-finite slope): the updates it made, one at a time, and
            # its own words for the whole run, so the step it names counts from the run's start.
            visited = _step_by_step(derivative_at, values[-1], learning_rate, steps)
            problem = _attempt(derivative_at, float(start), learning_rate, len(values) - 1 + steps)[1] or why
        stopped = len(visited) <= steps  # it made fewer updates than it could: its stopping rule ended the run
        kept, problem = _vetted(example, values[-1], visited[1:], problem)
        values += kept
    pairs = zip(values[:-1], [example.slope(v) for v in values[:-1]], values[1:], strict=True)
    rows = tuple(Row(old, d, gd.step_size(d, learning_rate), new) for old, d, new in pairs)
    return Run(rows, problem is None and stopped, problem)


def _attempt(derivative_at: Any, start: float, learning_rate: float, steps: int) -> tuple[list[float], str | None]:
    """gradient_descent's path (held to its docstring), or [] and its own words when it stopped the run itself; any
    other error goes on up."""
    try:
        return _stretch(derivative_at, start, learning_rate, steps), None
    except Exception as error:
        why = mathsource.divergence(error)
        if why is None:
            raise
        return [], why


def _stretch(derivative_at: Any, start: float, learning_rate: float, steps: int) -> list[float]:
    """gradient_descent from start for at most `steps` updates, held to its docstring: start first, then one value
    per update (a learner's that is not says so, instead of a page built on a path it did not promise)."""
    path = gd.gradient_descent(derivative_at, start, learning_rate, ex.MIN_STEP_SIZE, steps)
    visited = [float(v) for v in np.ravel(path)]
    if not visited or visited[0] != start or len(visited) > steps + 1:
        first = f"starting at {visited[0]:.6g}" if visited else "and nothing else"
        message = f"returned {len(visited)} values {first} where its docstring promises start ({start:.6g}) first "
        message += f"and at most max_steps + 1 = {steps + 1}"
        raise mathsource.NotWritten(CallFailure("wrong_shape", "gradient_descent.gradient_descent", message))
    return visited


def _step_by_step(derivative_at: Any, start: float, learning_rate: float, steps: int) -> list[float]:
    """The values gradient_descent reaches one update at a time, up to the one it cannot make."""
    values = [start]
    for _ in range(steps):
        made, why = _attempt(derivative_at, values[-1], learning_rate, 1)
        if why is not None or len(made) < 2:
            break  # it cannot make this update, or its own rule stops here
        values.append(made[1])
    return values


def _vetted(example: Example, last: float, new: list[float], problem: str | None) -> tuple[list[float], str | None]:
    """The new values up to the first that leaves the range (left out) or raises the loss (kept, so the learner
    sees where the overshoot landed), and why the run stops there (or the problem it came with)."""
    before = [last, *new]
    for i, value in enumerate(new):
        outside = _range_problem((value,))
        if outside:
            return new[:i], outside
        tiny = lambda old=before[i]: example.loss(_tiny_step(old, example.slope(old)))  # noqa: E731
        grew = _growth_problem(example.loss(before[i]), example.loss(value), tiny, example.slope_functions)
        if grew:
            return new[: i + 1], grew
    return new, problem


# --- The sigmoid unit: three parameters (w1, w2, b) ---

Params = tuple[float, float, float]
PARAM_NAMES = ("w1", "w2", "b")


def _sigmoid_z(params: Params) -> np.ndarray:
    w1, w2, b = params
    return w1 * np.array(ex.SIGMOID_X1) + w2 * np.array(ex.SIGMOID_X2) + b


# The sigmoid unit's loss, gradients and update are called uncached (_once): the callers cache what they show, and
# a run makes each call once, where a caching lookup costs more than the call.


def _sigmoid_loss(params: Params) -> float:
    a = _once("logistic", "sigmoid", _sigmoid_z(params))
    return float(np.sum(_once("logistic", "binary_cross_entropy", ex.SIGMOID_Y, a)))


def _sigmoid_gradients(params: Params) -> Params:
    return tuple(_once("logistic", "gradients", ex.SIGMOID_X1, ex.SIGMOID_X2, ex.SIGMOID_Y, *params))


def _once(module: str, function: str, *args: Any) -> Any:
    return mathsource.many(module, function, [args])[0]


@st.cache_data(show_spinner=False)
def sigmoid_loss(params: Params) -> float:
    """The total binary cross-entropy of the five students."""
    return _sigmoid_loss(params)


@st.cache_data(show_spinner=False)
def sigmoid_gradients(params: Params) -> Params:
    """(dL/dw1, dL/dw2, dL/db) summed over the students."""
    return _sigmoid_gradients(params)


@st.cache_data(show_spinner=False)
def sigmoid_numeric_gradients(params: Params) -> Params:
    """A central finite difference of the loss along each parameter in turn."""

    def along(i: int) -> Callable[[float], float]:
        return lambda v: _sigmoid_loss(tuple(v if j == i else p for j, p in enumerate(params)))

    return tuple(_central_difference(along(i), params[i]) for i in range(3))


@st.cache_data(show_spinner=False)
def sigmoid_predictions(params: Params) -> pd.DataFrame:
    """Each student's z, a = sigmoid(z) and loss."""
    z = _sigmoid_z(params)
    a = lg.sigmoid(z)
    return pd.DataFrame(
        {
            "hours x1": ex.SIGMOID_X1,
            "tests x2": ex.SIGMOID_X2,
            "passed y": ex.SIGMOID_Y,
            "z = w1·x1 + w2·x2 + b": z,
            "a = sigmoid(z)": a,
            "loss": lg.binary_cross_entropy(ex.SIGMOID_Y, a),
        }
    )


@st.cache_data(show_spinner=False)
def sigmoid_contributions(params: Params) -> pd.DataFrame:
    """Each student's chain-rule factors and terms of dL/dw1, dL/dw2 and dL/db."""
    a = lg.sigmoid(_sigmoid_z(params))
    y = np.array(ex.SIGMOID_Y)
    dl_dz = lg.dloss_dz(y, a)
    words = [f"a - {yi:g} because the student {'passed' if yi else 'failed'}" for yi in y]
    return pd.DataFrame(
        {
            "student": range(1, len(y) + 1),
            "dL/da": lg.dloss_da(y, a),
            "da/dz = a(1-a)": lg.da_dz(a),
            "dL/dz = a - y": dl_dz,
            "in words": words,
            "dz/dw1 = x1": ex.SIGMOID_X1,
            "dz/dw2 = x2": ex.SIGMOID_X2,
            "dz/db = 1": np.ones(len(y)),
            "term w1": dl_dz * np.array(ex.SIGMOID_X1),
            "term w2": dl_dz * np.array(ex.SIGMOID_X2),
            "term b": dl_dz,
        }
    )


@st.cache_data(show_spinner=False)
def sigmoid_loss_curve(params: Params, index: int, low: float, high: float, points: int = 161) -> pd.DataFrame:
    """The loss as parameter `index` sweeps low..high while the other two stay at params."""
    grid = np.linspace(low, high, points)
    losses = [_sigmoid_loss(tuple(float(v) if j == index else p for j, p in enumerate(params))) for v in grid]
    return pd.DataFrame({PARAM_NAMES[index]: grid, "loss": losses})


class SigmoidRow(NamedTuple):
    """One update of all three sigmoid parameters."""

    old: Params
    gradients: Params
    new: Params
    loss_after: float


def _sigmoid_update(params: Params, learning_rate: float, grads: Params | None = None) -> SigmoidRow:
    grads = grads or _sigmoid_gradients(params)
    new = tuple(_once("logistic", "update", *params, grads, learning_rate))
    return SigmoidRow(params, grads, new, _sigmoid_loss(new))


def _sigmoid_tiny(row: SigmoidRow) -> Callable[[], float]:
    """The loss after a tiny step against the gradients, along their direction."""
    g = np.asarray(row.gradients, dtype=float)  # (3,)
    norm = float(np.linalg.norm(g)) or 1.0
    return lambda: _sigmoid_loss(tuple(np.asarray(row.old) - TINY_STEP * g / norm))


@st.cache_data(show_spinner=False)
def sigmoid_step(params: Params, learning_rate: float) -> Run:
    """One update of w1, w2 and b with solutions.logistic.update; refused if it leaves the range."""
    row = _sigmoid_update(params, learning_rate)
    outside = _range_problem(row.new)
    if outside:
        return Run((), False, outside)
    return Run(
        (row,),
        False,
        _growth_problem(_sigmoid_loss(row.old), row.loss_after, _sigmoid_tiny(row), SIGMOID_SLOPE_FUNCTIONS),
    )


@st.cache_data(show_spinner=False)
def sigmoid_descent(params: Params, learning_rate: float, max_steps: int) -> Run:
    """Repeated updates until every step is smaller than MIN_STEP_SIZE, the loss grows, or max_steps (in a
    release a sandbox round trip per call: five an update, the three step sizes in one)."""
    rows: list[SigmoidRow] = []
    loss = None  # the loss at params, asked for only once an update needs it (as the run did before)
    for _ in range(max_steps):
        grads = _sigmoid_gradients(params)
        steps = mathsource.many("gradient_descent", "step_size", [(g, learning_rate) for g in grads])
        if max(abs(s) for s in steps) < ex.MIN_STEP_SIZE:
            return Run(tuple(rows), True, None)
        row = _sigmoid_update(params, learning_rate, grads)
        outside = _range_problem(row.new)
        if outside:
            return Run(tuple(rows), False, outside)
        rows.append(row)
        loss = _sigmoid_loss(row.old) if loss is None else loss
        grew = _growth_problem(loss, row.loss_after, _sigmoid_tiny(row), SIGMOID_SLOPE_FUNCTIONS)
        if grew:
            return Run(tuple(rows), False, grew)
        params, loss = row.new, row.loss_after
    return Run(tuple(rows), False, None)


@st.cache_data(show_spinner=False)
def sigmoid_next_update(params: Params, learning_rate: float) -> pd.DataFrame:
    """Each parameter's derivative, its finite-difference check, the step size and the updated value."""
    grads = _sigmoid_gradients(params)
    numeric = sigmoid_numeric_gradients(params)
    return pd.DataFrame(
        {
            "parameter": PARAM_NAMES,
            "value": params,
            "derivative dL/dparam (sum)": grads,
            "central finite difference": numeric,
            "step size = lr × derivative": [gd.step_size(g, learning_rate) for g in grads],
            "new value": lg.update(*params, grads, learning_rate),
        }
    )


def window(default: tuple[float, float], values: tuple[float, ...]) -> tuple[float, float]:
    """The default plotting range, widened to whole numbers that hold every value (within PARAM_LIMIT)."""
    low = max(min(default[0], *values, default[0]), -PARAM_LIMIT)
    high = min(max(default[1], *values, default[1]), PARAM_LIMIT)
    return float(np.floor(low)), float(np.ceil(high))


def thin(values: tuple, most: int = 200) -> tuple:
    """At most `most` evenly spaced items, first and last included: a long path stays cheap to draw."""
    if len(values) <= most:
        return values
    keep = np.unique(np.linspace(0, len(values) - 1, most).round().astype(int))
    return tuple(values[i] for i in keep)
