"""The learner's own functions, run in the grader's sandbox: which folder, one cached sandbox, cached calls."""

from __future__ import annotations

import atexit
import functools
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from dashboard.cachekey import cache_key
from grader import kit
from grader.checking import ATOL, RTOL, Spec, describe, expected_shape  # the grader's own agreement
from grader.isolation import Limits, for_own_work
from grader.sandbox import CallFailure, Foreign, LearnerCall, Outcome, Sandbox, Scalar, failed
from grader.submission import NotASubmission, load

ROOT = Path(__file__).resolve().parents[1]
EXERCISES_ENV = "BACKPROP_EXERCISES"  # another exercises folder (tests point the dashboard at fixture submissions)
# The grader's per-call limit, but no total budget: a dashboard session keeps calling for as long as it is open.
LIMITS = Limits(call_seconds=2.0, submission_seconds=1e9, memory_mb=1024)
# One sandbox is shared by every session's thread and its pipe carries one call at a time; the grader's fork server
# (which starts every sandbox's worker, the Check page's too) answers one request at a time as well.
exclusive = threading.Lock()

Stamp = tuple[tuple[str, int], ...]


class NotWritten(Exception):
    """A learner function the dashboard needs did not give numbers: the failure says which, where and why."""

    def __init__(self, failure: CallFailure) -> None:
        module, _, function = failure.function.rpartition(".")
        super().__init__(f"`{function}` in exercises/{module}.py, which {escaped(failure.in_words())}")
        self.failure = failure

    @property
    def why(self) -> str:
        return self.failure.in_words()


def escaped(text: str) -> str:
    """Learner-written text (an exception's message) as literal markdown: it cannot format or link anything."""
    return "".join("\\" + c if c in MARKDOWN else c for c in text)


MARKDOWN = set("\\`*_{}[]()<>#+-.!|~$")


def exercises_dir() -> Path:
    """The learner's exercises folder: $BACKPROP_EXERCISES if set, else the project's exercises/."""
    return Path(os.environ.get(EXERCISES_ENV) or kit.exercises()).resolve()


def stamp(folder: Path) -> Stamp:
    """Each module's modification time: a new stamp after the learner saves a file."""
    return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.py")))


def _close(sandbox: Sandbox) -> None:
    with exclusive:
        sandbox.close()


@st.cache_resource(max_entries=1, show_spinner=False, on_release=_close)
def _sandbox(folder: str, files: str) -> Sandbox:
    # Keyed on the stamp (as text: quicker to hash) so an edit gets a fresh sandbox (which copies the files anew);
    # max_entries=1 closes the old.
    sandbox = Sandbox(load(Path(folder)), for_own_work(), LIMITS)
    atexit.register(_close, sandbox)  # the last one is never evicted: remove its temporary folder at exit
    return sandbox


# The cache key is cache_key(the files' stamp, the arguments) (the underscored parameters are not hashed):
# Streamlit's own hashing of a tuple of arrays cost twice the call itself.
@st.cache_data(show_spinner=False, max_entries=5000)
def _call(folder: str, module: str, function: str, key: bytes, _files: Stamp, _args: tuple) -> Outcome:
    files, args = _files, _args
    try:  # outside the lock: making a new sandbox closes the old one, which takes the lock
        sandbox = _sandbox(folder, repr(files))
    except NotASubmission as error:
        return failed("unavailable", f"{module}.{function}", str(error))
    with exclusive:
        try:
            return sandbox.call(module, function, *args)
        except (OSError, RuntimeError) as error:  # no worker could start, or another session's edit closed this one
            return failed("unavailable", f"{module}.{function}", f"the sandbox could not run it ({error}); reload")


def call(module: str, function: str, *args: Any) -> Outcome:
    """module.function(*args) from the learner's folder, run in the sandbox; cached until a file changes."""
    folder, plain_args = exercises_dir(), tuple(_plain(a) for a in args)
    files = stamp(folder)
    key = cache_key(files, plain_args)  # equal bytes: the same files and the same arguments
    return _call(str(folder), module, function, key, files, plain_args)


def _plain(value: Any) -> Any:
    # numpy scalars do not survive the sandbox's JSON encoding; tuples of numbers go as arrays, as the grader sends
    # them (ints stay ints: species indices must still index).
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | list) and value and all(isinstance(v, int | float) for v in value):
        return np.asarray(value)
    if isinstance(value, LearnerCall):  # a described function's arguments go as any other call's would
        return LearnerCall(value.module, value.function, tuple(_plain(a) for a in value.args))
    return value


def plain(outcome: Outcome, module: str, function: str) -> Any:
    """The value a call returned as floats, arrays and tuples; raises NotWritten if it failed or is not numbers."""
    if not outcome.ok:
        raise NotWritten(outcome.failure or CallFailure("garbled", f"{module}.{function}", "no value and no reason"))
    return _unwrap(outcome.value, module, function)


def _unwrap(value: Any, module: str, function: str) -> Any:
    if isinstance(value, Scalar):
        return value.value
    if isinstance(value, list | tuple):
        return tuple(_unwrap(v, module, function) for v in value)
    if isinstance(value, np.ndarray):
        return value
    kind = value.type_name if isinstance(value, Foreign) else type(value).__name__
    raise NotWritten(CallFailure("not_numbers", f"{module}.{function}", f"returned a {kind}, not numbers"))


def values(module: str, function: str, *args: Any) -> Any:
    """The learner's module.function(*args) as plain numbers; raises NotWritten when it gives none, or numbers of a
    shape its docstring does not promise (saying which function, for which inputs)."""
    return _checked(plain(call(module, function, *args), module, function), module, function, args)


def values_many(module: str, function: str, calls: list[tuple]) -> list[Any]:
    """values() for each argument tuple, in one request to the sandbox and not cached: for a loop whose calls are
    each made once (a caching lookup costs more than the call)."""
    folder = exercises_dir()
    try:
        sandbox = _sandbox(str(folder), repr(stamp(folder)))
    except NotASubmission as error:
        raise NotWritten(CallFailure("unavailable", f"{module}.{function}", str(error))) from None
    plain_calls = [tuple(_plain(a) for a in args) for args in calls]
    with exclusive:
        try:
            outcomes = sandbox.call_many(module, function, plain_calls)
        except (OSError, RuntimeError) as error:  # as in _call: no worker could start, or an edit closed this one
            why = f"the sandbox could not run it ({error}); reload"
            raise NotWritten(CallFailure("unavailable", f"{module}.{function}", why)) from None
    return [_checked(plain(out, module, function), module, function, a) for out, a in zip(outcomes, calls, strict=True)]


def _checked(value: Any, module: str, function: str, args: tuple) -> Any:
    spec = _specs().get((module, function))
    expected = expected_shape(spec, args) if spec is not None else None
    if expected is not None and np.shape(value) != expected:
        message = f"returned shape {np.shape(value)} where its docstring promises {expected}"
        raise NotWritten(CallFailure("wrong_shape", f"{module}.{function}", message, inputs=describe(spec, args)))
    return value


@functools.cache
def _specs() -> dict[tuple[str, str], Spec]:
    """The grader's contract for each learner function (what it takes, the shape it returns)."""
    from grader.checks import test_backprop, test_cross_entropy, test_gradient_descent, test_logistic, test_ssr

    checks = (test_backprop, test_cross_entropy, test_gradient_descent, test_logistic, test_ssr)
    return {(spec.module, spec.name): spec for check in checks for spec in check.SPECS}


def column(module: str, function: str, args: tuple, shape: tuple[int, ...]) -> np.ndarray | CallFailure:
    """The learner's answer as an array of this shape, or why there is none."""
    try:
        answer = np.asarray(values(module, function, *args), dtype=float)
    except NotWritten as missing:
        return missing.failure
    except (TypeError, ValueError):
        return CallFailure("not_numbers", f"{module}.{function}", "returned something that is not an array of numbers")
    if answer.shape != shape:
        return CallFailure("wrong_shape", f"{module}.{function}", f"returned shape {answer.shape}, expected {shape}")
    return answer


def matches(yours: np.ndarray | CallFailure, reference: Any) -> np.ndarray:
    """Per row: does the learner's answer agree with the reference (all of a row's entries, for a matrix)?"""
    reference = np.asarray(reference, dtype=float)
    if isinstance(yours, CallFailure):
        return np.zeros(len(reference), dtype=bool)
    close = np.isclose(np.reshape(yours, reference.shape), reference, rtol=RTOL, atol=ATOL)
    return close.reshape(len(reference), -1).all(axis=1)
