"""Where the dashboard's math comes from: solutions/ when present, else the learner's exercises in the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from dashboard import learner

NotWritten = learner.NotWritten  # what a page raises when, in a release, a function it needs gives no numbers


class LearnerModule:
    """Stands in for a solutions module: each attribute calls the learner's function of that name in the sandbox."""

    def __init__(self, module: str) -> None:
        self.module = module

    def __getattr__(self, function: str) -> Callable[..., Any]:
        return lambda *args: learner.values(self.module, function, *args)


class LearnerDescent(LearnerModule):
    """The learner's gradient_descent module, with the loop itself run here.

    gradient_descent(derivative_at, ...) takes a Python function, and the dashboard's derivative_at calls other
    learner functions: it cannot be sent into the sandbox. The loop below applies the README's stopping rule with
    the learner's own step_size and update, so a run still shows what those two functions do.
    """

    def gradient_descent(
        self,
        derivative_at: Callable[[float], float],
        start: float,
        learning_rate: float,
        min_step_size: float = 0.001,
        max_steps: int = 1000,
    ) -> list[float]:
        visited = [float(start)]
        for _ in range(max_steps):
            slope = derivative_at(visited[-1])
            if abs(self.step_size(slope, learning_rate)) < min_step_size:
                break
            visited.append(float(self.update(visited[-1], slope, learning_rate)))
        return visited


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
    gradient_descent = LearnerDescent("gradient_descent")
    # The every-parameter sections need the reference's whole network and training loop; a release has none.
    backprop = None
    Diverged = ValueError  # the stubs' docstrings ask for a ValueError when a run diverges
    REFERENCE = False


_seen: list[learner.Stamp] = []  # the learner files' stamp the cached numbers were computed from


def refresh() -> None:
    """In a release, forget every cached number once the learner saves a file, so the pages use the new code."""
    if REFERENCE:
        return
    now = learner.stamp(learner.exercises_dir())
    if _seen and _seen[-1] != now:
        st.cache_data.clear()
    _seen[:] = [now]
