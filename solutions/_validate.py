"""Input checks for the reference solutions: a clear message instead of a NaN or a deep traceback."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

EPS = np.finfo(float).eps  # probabilities are clipped to [EPS, 1 - EPS] before a log or a division


class Diverged(ValueError):
    """Training or gradient descent ran past what a float can hold (step: the update at which it did)."""

    def __init__(self, message: str, step: int) -> None:
        super().__init__(message)
        self.step = step


def numbers(x: ArrayLike, name: str) -> np.ndarray:
    """x as a float array of any shape; TypeError or ValueError saying what is wrong."""
    if type(x) is float and math.isfinite(x):  # the common case, checked without numpy's machinery
        return np.array(x)
    if x is None or isinstance(x, str | bytes):
        raise TypeError(f"{name} must be a number, a list of numbers or a numpy array; got {_show(x)}")
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, a list of numbers or a numpy array; got {_show(x)}") from None
    if not np.isfinite(arr).all():
        where = np.argwhere(~np.isfinite(arr))[0].tolist()
        raise ValueError(f"{name} must hold finite numbers; found {arr[tuple(where)]} at {where}")
    return arr


def scalar(x: ArrayLike, name: str) -> float:
    """x as a Python float; a list or an array of several values is an error."""
    arr = numbers(x, name)
    if arr.size != 1:
        raise ValueError(f"{name} must be a single number; got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def positive(x: ArrayLike, name: str) -> float:
    """x as a float greater than zero."""
    value = scalar(x, name)
    if value <= 0:
        raise ValueError(f"{name} must be greater than 0; got {value}")
    return value


def between_0_and_1(x: ArrayLike, name: str) -> np.ndarray:
    """x as a float array whose values all lie in [0, 1] (probabilities, labels)."""
    arr = numbers(x, name)
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"{name} must lie between 0 and 1; got values from {arr.min()} to {arr.max()}")
    return arr


def same_shape(a: np.ndarray, b: np.ndarray, names: str) -> None:
    """Raise if two per-sample arrays differ in shape."""
    if a.shape != b.shape:
        raise ValueError(f"{names} must have the same shape, one value per sample; got {a.shape} and {b.shape}")


def vector(x: ArrayLike, name: str) -> np.ndarray:
    """x as a 1-D float array; a single number becomes an array of length 1."""
    arr = numbers(x, name)
    if arr.ndim > 1:
        raise ValueError(f"{name} must be a flat list or 1-D array; got shape {arr.shape}")
    return arr.reshape(-1)


def callable_(f: Callable, name: str) -> Callable:
    """f itself, if it can be called."""
    if not callable(f):
        raise TypeError(f"{name} must be a function of one number; got {_show(f)}")
    return f


def _show(x: object) -> str:
    text = repr(x)
    return f"{type(x).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"
