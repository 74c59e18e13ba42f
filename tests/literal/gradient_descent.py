"""A literal solution, written from the stubs' docstrings with plain numpy and nothing more (tests grade it)."""

from __future__ import annotations


def step_size(derivative, learning_rate):
    return derivative * learning_rate


def update(value, derivative, learning_rate):
    return value - step_size(derivative, learning_rate)


def gradient_descent(derivative_at, start, learning_rate, min_step_size=0.001, max_steps=1000):
    values = [start]
    for _ in range(max_steps):
        step = step_size(derivative_at(values[-1]), learning_rate)
        if abs(step) < min_step_size:
            break
        values.append(values[-1] - step)
    return values
