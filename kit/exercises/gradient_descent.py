"""Exercise: gradient descent on one parameter (step size, one update, the loop and its stopping rule)."""

from __future__ import annotations

from collections.abc import Callable


def step_size(derivative: float, learning_rate: float) -> float:
    """How far one update moves the parameter.

    Both articles scale the slope before moving: with a slope of -15.7 and a
    learning rate of 0.1 the SSR article moves b3 by -1.57.
    In: two numbers. Out: a float.
    Hint: one multiplication.
    """
    raise NotImplementedError("step_size is not implemented yet: return derivative times learning_rate")


def update(value: float, derivative: float, learning_rate: float) -> float:
    """The parameter's new value after one step downhill.

    A negative slope means the loss falls as the parameter grows, so the new
    value is the old one minus the step size: 0 - (-1.57) = 1.57 in the SSR
    article, -2 - (-0.77) = -1.23 in the cross-entropy one.
    In: three numbers. Out: a float.
    Hint: reuse step_size.
    """
    raise NotImplementedError("update is not implemented yet: return value minus the step size")


def gradient_descent(
    derivative_at: Callable[[float], float],
    start: float,
    learning_rate: float,
    min_step_size: float = 0.001,
    max_steps: int = 1000,
) -> list[float]:
    """Repeat update from start until the steps become tiny; return every value visited.

    derivative_at(v) gives the total derivative at parameter value v. Before
    each update, compute the step size; if its absolute value is below
    min_step_size, stop without applying it. Never make more than max_steps
    updates. The SSR example, started at b3 = 0 with learning rate 0.1,
    visits 0, 1.5655, 2.1917, ... and stops near 2.61.
    In: a function, three numbers and a whole number. Out: a list of floats,
    start first, one more entry per update made.
    Hint: a for loop over range(max_steps) with a break.
    """
    raise NotImplementedError("gradient_descent is not implemented yet: loop over update until the step size is tiny")
