"""Where the dashboard's math comes from: solutions/ when present, else the learner's exercises in the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from dashboard import learner
from grader.sandbox import Argument, LearnerCall

NotWritten = learner.NotWritten  # what a page raises when, in a release, a function it needs gives no numbers


class LearnerModule:
    """Stands in for a solutions module: each attribute calls the learner's function of that name in the sandbox."""

    def __init__(self, module: str) -> None:
        self.module = module

    def __getattr__(self, function: str) -> Callable[..., Any]:
        return lambda *args: learner.values(self.module, function, *args)


try:
    from solutions import backprop, cross_entropy, gradient_descent, logistic, ssr
    from solutions._validate import Diverged

    REFERENCE = True  # the instructor's copy: every number comes from the reference solutions
except ModuleNotFoundError as missing:
    if missing.name != "solutions":
        raise  # a missing library is a broken install, not a learner release
    # A learner release has no solutions/: every number comes from the learner's own functions instead.
    cross_entropy = LearnerModule("cross_entropy")
    logistic = LearnerModule("logistic")
    ssr = LearnerModule("ssr")
    gradient_descent = LearnerModule("gradient_descent")
    # The every-parameter sections need the reference's whole network and training loop; a release has none.
    backprop = None
    Diverged = ValueError  # the stubs' docstrings ask for a ValueError when a run diverges
    REFERENCE = False


MODULES = {"ssr": ssr, "cross_entropy": cross_entropy, "gradient_descent": gradient_descent, "logistic": logistic}


def evaluate(call: LearnerCall, x: float) -> Any:
    """A described call's value at x, from the math source's functions (each one in the sandbox, in a release)."""

    def value_of(node: Any) -> Any:
        if isinstance(node, Argument):
            return x
        if isinstance(node, LearnerCall):
            return getattr(MODULES[node.module], node.function)(*map(value_of, node.args))
        return node

    return value_of(call)


def derivative_at(slope: Callable[[float], float], formula: LearnerCall) -> Callable[[float], float] | LearnerCall:
    """What gradient_descent gets as its derivative_at: the slope function itself, or in a release its formula as
    data, from which the sandbox builds the same function out of the learner's own (a Python function cannot be
    sent there), so the learner's gradient_descent makes the whole run."""
    return slope if REFERENCE else formula


def many(module: str, function: str, calls: list[tuple]) -> list[Any]:
    """module.function(*args) for each argument tuple: in a release one sandbox request for them all, uncached."""
    if REFERENCE:
        return [getattr(MODULES[module], function)(*args) for args in calls]
    return learner.values_many(module, function, calls)


def divergence(error: Exception) -> str | None:
    """Why gradient_descent itself stopped a run, in its own words: the reference's Diverged, or in a release the
    ValueError its docstring asks for; None for any other error (a bug, an unwritten function)."""
    if REFERENCE:
        return str(error) if isinstance(error, Diverged) else None
    failure = error.failure if isinstance(error, NotWritten) else None
    if failure is not None and failure.kind == "exception" and failure.error_type == "ValueError":
        return f"your gradient_descent stopped the run: {failure.message}"
    return None


_seen: list[learner.Stamp] = []  # the learner files' stamp the cached numbers were computed from


def refresh() -> None:
    """In a release, forget every cached number once the learner saves a file, so the pages use the new code."""
    if REFERENCE:
        return
    now = learner.stamp(learner.exercises_dir())
    if _seen and _seen[-1] != now:
        st.cache_data.clear()
    _seen[:] = [now]
