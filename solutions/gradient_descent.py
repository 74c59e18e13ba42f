"""Gradient descent on one parameter: step size, one update, and the loop with its stopping rule."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from solutions import _validate as check


def step_size(derivative: float, learning_rate: float) -> float:
    """How far one update moves the parameter: derivative x learning rate."""
    d = check.scalar(derivative, "derivative")
    return d * check.positive(learning_rate, "learning_rate")


def update(value: float, derivative: float, learning_rate: float) -> float:
    """The parameter after one step downhill: value - step size."""
    return check.scalar(value, "value") - step_size(derivative, learning_rate)


def gradient_descent(
    derivative_at: Callable[[float], float],
    start: float,
    learning_rate: float,
    min_step_size: float = 0.001,
    max_steps: int = 1000,
) -> list[float]:
    """Every value visited from start; stops before a step smaller than min_step_size."""
    check.callable_(derivative_at, "derivative_at")
    min_step = check.positive(min_step_size, "min_step_size")
    steps = _count(max_steps, "max_steps")
    values = [check.scalar(start, "start")]
    for _ in range(steps):
        d = _finite_derivative(derivative_at, values[-1], len(values) - 1)
        step = step_size(d, learning_rate)
        if abs(step) < min_step:
            break
        new = values[-1] - step
        if not np.isfinite(new):
            raise check.Diverged(
                f"gradient descent diverged after {len(values)} steps: the value overflowed; "
                "try a smaller learning_rate",
                len(values),
            )
        values.append(new)
    return values


def _finite_derivative(derivative_at: Callable[[float], float], value: float, step: int) -> float:
    d = np.asarray(derivative_at(value), dtype=float)
    if d.size != 1:
        raise ValueError(f"derivative_at must return one number; at step {step} it returned shape {d.shape}")
    if not np.isfinite(d):
        raise check.Diverged(
            f"gradient descent diverged at step {step}: the derivative at {value} is {float(d)}; "
            "try a smaller learning_rate",
            step,
        )
    return float(d.reshape(()))


def _count(x: int, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int | np.integer) or x < 0:
        raise ValueError(f"{name} must be a whole number >= 0; got {x!r}")
    return int(x)
