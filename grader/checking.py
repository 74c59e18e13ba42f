"""The check engine: a spec per learner function, and the three checks every function gets."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import re
import weakref
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from grader.sandbox import CallFailure, Foreign, Outcome, Sandbox, Scalar, SlopeFunction

RANDOM_CASES = 5  # seeded random inputs compared with the reference, per function: a wrong formula misses on
# nearly every input (the mutation test in tests/test_grader.py: a 1% error fails every function), so more cases
# cost grading time (a class of 100: 0.7 s more with 20 than with 10, 0.2 s more with 10 than with 5) and catch
# nothing new
RTOL, ATOL = 1e-7, 1e-10  # agreement with the reference: full float precision, give or take rounding order
SIZES = (1, 1_000)  # sample counts: one, and enough to show the function is vectorised
MAX_KEPT = 100  # numbers of a wrong worked value kept in the results (a worked example has a handful)
FAKE_SCORE = re.compile(r"^\s*score\s*:", re.IGNORECASE | re.MULTILINE)


class CheckFailed(AssertionError):
    """A check the learner's function did not pass; its text is the one line of feedback (what went wrong, then the
    spec's hint). module_error: why the whole module failed (it could not be imported, or is missing), which
    reports say once per module."""

    def __init__(self, message: str, module_error: str = "", hint: str = "") -> None:
        super().__init__(f"{message}. Hint: {hint}" if hint else message)
        self.what, self.hint = message, hint  # the feedback line without its hint, and the hint
        self.module_error = module_error
        self.case: int | None = None  # for a worked-example value that was wrong: which example, and what came back
        self.got: Any = None


class NotImplementedYet(CheckFailed):
    """The learner's function still raises NotImplementedError."""


@dataclass(frozen=True)
class Worked:
    """One worked-example call: its arguments, the expected value and the precision it was printed at."""

    args: tuple
    expected: Any  # a number, or a list of numbers
    decimals: int | tuple[int, ...]  # per value where the article printed values at different precision
    source: str  # "article" or "worked example"
    pick: Callable[[Any], Any] | None = None  # the part of the return value compared, e.g. the last value


def first(n: int) -> Callable[[Any], Any]:
    """The first n values of a returned list (pick for Worked)."""
    return lambda got: got[:n] if isinstance(got, list) else got


def last(got: Any) -> Any:
    """The last value of a returned list (pick for Worked)."""
    return got[-1] if isinstance(got, list) and got else got


@dataclass(frozen=True)
class Spec:
    """What one learner function must do, and how to check it."""

    module: str
    name: str
    hint: str  # names the article step
    returns: str  # "float", "triple", "floats", "like:I" (same shape as argument I), "n:I", "n3:I", or "tree":
    # dicts, tuples and arrays shaped as the reference's value (key by key, item by item)
    worked: tuple[Worked, ...]
    random_args: Callable[[np.random.Generator], tuple]
    sized_args: Callable[[int], tuple] | None = None  # arguments for n samples
    extreme_args: tuple[tuple, ...] = ()  # inputs of magnitude 1000, a = 0 or 1...
    sizes: tuple[int, ...] = SIZES  # the sample counts sized_args is called with
    random_cases: int = RANDOM_CASES  # seeded random inputs compared with the reference
    names: tuple[str, ...] = field(default=())  # argument names for feedback
    view: Callable[[Any], Any] | None = None  # what is compared of any value, the learner's and the reference's
    extremes_graded: bool = False  # True where the docstring promises stability at extreme_args; else advice
    stable_hint: str = ""  # the advice's fix when extreme_args are not graded

    @property
    def function(self) -> str:
        return f"{self.module}.{self.name}"


# --- calling the learner ------------------------------------------------------------------------


def accept(out: Outcome, spec: Spec, args: tuple, request: pytest.FixtureRequest) -> Outcome:
    """The outcome, if the call returned normally and played fair; CheckFailed saying why not otherwise."""
    node = request.node
    node.learner_output = (getattr(node, "learner_output", "") + out.output)[-2048:]
    if FAKE_SCORE.search(out.output):
        raise CheckFailed(f"{spec.function} printed a line that looks like the grader's score; that costs the check")
    if not out.ok:
        raise _failure(spec, args, out)
    if out.mutated:  # no docstring promises it, so it is advice, not a lost point
        which = ", ".join(_arg_name(spec, i) for i in out.mutated)
        advise(request, f"{spec.function} changed its input {which} in place for {describe(spec, args)}; copy it first")
    return out


def advise(request: pytest.FixtureRequest, text: str) -> None:
    """A line of advice under the check: something worth fixing that no docstring promises, so worth no points."""
    advice = request.node.__dict__.setdefault("advice", [])
    if f"not graded: {text}" not in advice:
        advice.append(f"not graded: {text}")


def _failure(spec: Spec, args: tuple, out: Outcome) -> CheckFailed:
    failure = out.failure or CallFailure("garbled", spec.function, "no value and no reason")
    if failure.kind == "not_implemented":
        if failure.raised_in in ("", spec.name):
            return NotImplementedYet(f"{spec.function} is not implemented yet")
        # It calls another of the learner's functions that still raises: name that one, so it gets written first.
        other = failure.raised_in
        return CheckFailed(f"{spec.function} calls {other}, which is not implemented yet: write {other} first")
    where = f" for {describe(spec, args)}" if failure.kind in ("exception", "timeout") else ""
    labels = {
        "exception": "raised",
        "import_error": f"could not be imported: {spec.module}.py raised",
        "tampered": "changed the grader's tools (numpy, builtins or json), which is not allowed:",
        "missing_module": "could not be graded:",
        "missing_function": "could not be graded:",
    }
    detail = failure.detail()
    module_error = {"import_error": f"could not be imported: {detail}", "missing_module": detail}
    feedback = f"{spec.function} {labels.get(failure.kind, '')} {detail}{where}".replace("  ", " ")
    return CheckFailed(feedback, module_error.get(failure.kind, ""))


# --- comparing ------------------------------------------------------------------------------------


def as_numbers(value: Any, spec: Spec, at: str = "") -> np.ndarray:
    """The learner's value as a float array, whatever plain container it came in (at: which part of it)."""
    if isinstance(value, Scalar):
        return np.array(value.value)
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, Scalar) for v in value):
        return np.array([v.value for v in value])
    function = f"{spec.function}(...){at}" if at else spec.function
    raise CheckFailed(f"{function} returned {kind_of(value)}; expected {expected_kind(spec)}")


def compare(spec: Spec, args: tuple, got: Any, expected: Any, tolerance: Callable, label: str, at: str = "") -> None:
    """CheckFailed unless got matches expected within the tolerance (a function of the expected values); dicts and
    tuples are compared key by key and item by item (at names the part, for feedback)."""
    if isinstance(expected, dict | tuple):
        for key, part in _parts(spec, args, got, expected, at):
            compare(spec, args, got[key], expected[key], tolerance, label, part)
        return
    want = np.asarray(expected, dtype=float)
    have = as_numbers(got, spec, at)
    if want.shape == () and have.size == 1:
        have = have.reshape(want.shape)  # a one-element array for a number: the properties check says so
    function = f"{spec.function}(...){at}" if at else spec.function
    if have.shape != want.shape:
        raise CheckFailed(f"{function} for {describe(spec, args)}: expected shape {want.shape}, got {have.shape}")
    if np.isnan(have).any():
        raise CheckFailed(f"{function} returned NaN for {describe(spec, args)}", hint=spec.hint)
    if not np.all(np.abs(have - want) <= tolerance(want)):
        raise CheckFailed(
            f"{function} for {describe(spec, args)}: expected {show(want)} ({label}), got {show(have)}",
            hint=spec.hint,
        )


def _parts(spec: Spec, args: tuple, got: Any, expected: dict | tuple, at: str) -> list[tuple[Any, str]]:
    """The keys (or positions) of an expected dict (or tuple), once got is known to have the same ones."""
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            keys = sorted(got) if isinstance(got, dict) else kind_of(got)
            raise CheckFailed(
                f"{spec.function}{at} for {describe(spec, args)}: expected a dict with the keys {sorted(expected)}, "
                f"got {keys}",
                hint=spec.hint,
            )
        return [(k, f'{at}["{k}"]') for k in expected]
    if not isinstance(got, list | tuple) or len(got) != len(expected):
        raise CheckFailed(
            f"{spec.function}{at} for {describe(spec, args)}: expected a tuple of {len(expected)} values, "
            f"got {kind_of(got)}",
            hint=spec.hint,
        )
    return [(i, f"{at}[{i}]") for i in range(len(expected))]


def leaves(value: Any) -> list[Any]:
    """Every number-like part of a value: a dict's values and a tuple's items, all the way down."""
    if isinstance(value, dict):
        return [x for v in value.values() for x in leaves(v)]
    if isinstance(value, tuple | list) and not all(isinstance(v, Scalar) for v in value):
        return [x for v in value for x in leaves(v)]
    return [value]


def at_precision(decimals: int | tuple[int, ...]) -> Callable[[np.ndarray], np.ndarray]:
    """Within half a unit of the last printed digit: -0.7732 matches an article's -0.77."""
    return lambda want: 0.5 * 10.0 ** -np.asarray(decimals, dtype=float) + 1e-12


def full_precision(want: np.ndarray) -> np.ndarray:
    return RTOL * np.abs(want) + ATOL


# --- types and shapes --------------------------------------------------------------------------------


def expected_shape(spec: Spec, args: tuple) -> tuple[int, ...] | None:
    kind, _, index = spec.returns.partition(":")
    if not index:
        return None
    arg = np.asarray(args[int(index)], dtype=float)
    return {"like": arg.shape, "n": (len(arg),), "n3": (len(arg), 3)}[kind]


def expected_kind(spec: Spec, args: tuple | None = None) -> str:
    if spec.returns == "tree":
        return "numbers (a float or a numpy array)"
    if spec.returns == "float":
        return "a float"
    if spec.returns == "triple":
        return "a tuple of three floats"
    if spec.returns == "floats":
        return "a list of floats"
    shape = expected_shape(spec, args) if args is not None else None
    return f"a numpy array of shape {shape}" if shape is not None else "a numpy array"


def check_kind(spec: Spec, args: tuple, value: Any) -> None:
    """CheckFailed unless the value has the type and shape the contract states."""
    if spec.returns == "tree":
        return _check_tree(spec, args, value)
    ok = {
        "float": lambda: isinstance(value, Scalar) and not value.is_int,
        "triple": lambda: isinstance(value, tuple) and len(value) == 3 and all(_is_float(v) for v in value),
        "floats": lambda: isinstance(value, list) and value and all(_is_float(v) for v in value),
    }.get(spec.returns, lambda: _array_like(value, expected_shape(spec, args)))()
    if not ok:
        expected = expected_kind(spec, args)
        raise CheckFailed(f"{spec.function} returned {kind_of(value)} for {describe(spec, args)}; expected {expected}")


def _check_tree(spec: Spec, args: tuple, value: Any) -> None:
    """Dicts, tuples and arrays shaped as the reference's value for the same arguments (where the reference is in
    reach; a learner's copy checks that every part holds numbers)."""
    if _available(spec, "reference"):
        compare(spec, args, value, _reference_shapes(spec, args), lambda w: np.inf, "the reference's shape")
    for part in leaves(value):
        as_numbers(part, spec)  # CheckFailed for a part that is not numbers


def _reference_shapes(spec: Spec, args: tuple) -> Any:
    """The shapes of the reference's value for these arguments, computed once per grading process (the checks'
    arguments are the same objects for every submission)."""
    key = (spec.function, id(args))  # the function too: () is one object for every function without arguments
    held = _SHAPES.get(key)
    if held is None or held[0] is not args:
        held = _SHAPES[key] = (args, _shapes(reference(spec)(*args)))
    return held[1]


_SHAPES: dict[tuple[str, int], tuple[tuple, Any]] = {}


def _shapes(value: Any) -> Any:
    """value with every number replaced by zeros of its shape (compare then checks structure and shape only)."""
    if isinstance(value, dict):
        return {k: _shapes(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_shapes(v) for v in value)
    return np.zeros(np.shape(value))


def _array_like(value: Any, shape: tuple[int, ...]) -> bool:
    if shape == ():
        return (isinstance(value, Scalar) and not value.is_int) or (isinstance(value, np.ndarray) and value.shape == ())
    return isinstance(value, np.ndarray) and value.shape == shape


def _is_float(v: Any) -> bool:
    return isinstance(v, Scalar) and not v.is_int


def kind_of(value: Any) -> str:
    if isinstance(value, Scalar):
        return f"a {value.type_name}"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}"
    if isinstance(value, list | tuple):
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, Foreign):
        return f"a value of type {value.type_name}"
    return "None" if value is None else f"a {type(value).__name__}"


# --- describing inputs -------------------------------------------------------------------------------


def describe(spec: Spec, args: tuple) -> str:
    names = spec.names or tuple(f"arg{i + 1}" for i in range(len(args)))
    return ", ".join(f"{n}={show(a)}" for n, a in zip(names, args, strict=False))


def _arg_name(spec: Spec, index: int) -> str:
    return spec.names[index] if index < len(spec.names) else f"argument {index + 1}"


def show(x: Any) -> str:
    """A value, rounded and shortened for one line of feedback."""
    if isinstance(x, SlopeFunction):
        return "<a derivative function>"
    if isinstance(x, Scalar):
        x = x.value
    if isinstance(x, list | tuple) and not all(isinstance(v, int | float | Scalar) for v in x):
        return f"{type(x).__name__} of {len(x)}"
    arr = np.asarray([v.value if isinstance(v, Scalar) else v for v in x] if isinstance(x, list | tuple) else x)
    if arr.dtype.kind not in "biuf":
        return type(x).__name__
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    text = np.array2string(
        arr.astype(float), threshold=8, edgeitems=3, separator=", ", formatter={"float_kind": lambda v: f"{v:.6g}"}
    )
    return " ".join(text.split())


# --- the three checks ---------------------------------------------------------------------------------


def reference(spec: Spec) -> Callable:
    """The reference function, imported only when needed: a learner release ships without solutions/."""
    try:
        return getattr(importlib.import_module(f"solutions.{spec.module}"), spec.name)
    except ModuleNotFoundError:
        pytest.skip("the reference solutions are not in this copy: your instructor's grader runs this check")


KINDS = ("worked", "reference", "properties", "lists", "extremes")  # a function's groups of calls: the three
# checks', then the properties check's advice (plain lists; extreme inputs where the docstring promises nothing)
CHECK_INPUTS = {"worked": True, "reference": False, "properties": True, "lists": True, "extremes": True}


def outcomes_of(learner: Sandbox, spec: Spec, kind: str) -> list[Outcome]:
    """The outcomes of one check's calls. The first check of a function asks for all of its checks' calls in one
    request (a round trip to the sandbox costs more than most calls); the others take theirs from here."""
    held = _HELD.setdefault(learner, {})
    if (spec.function, kind) not in held:
        kinds = [
            k
            for k in KINDS
            if k == kind or ((spec.function, k) not in held and k not in _done(learner, spec) and _available(spec, k))
        ]
        held.update({(spec.function, k): [] for k in kinds if not calls_of(spec, k)})
        kinds = [k for k in kinds if calls_of(spec, k)]
        groups = [(calls_of(spec, k), CHECK_INPUTS[k]) for k in kinds]
        for k, outs in zip(kinds, learner.call_groups(spec.module, spec.name, groups) if groups else [], strict=True):
            held[(spec.function, k)] = outs
    _done(learner, spec).add(kind)
    return held.pop((spec.function, kind))


_HELD: weakref.WeakKeyDictionary[Sandbox, dict[tuple[str, str], list[Outcome]]] = weakref.WeakKeyDictionary()
_DONE: weakref.WeakKeyDictionary[Sandbox, dict[str, set[str]]] = weakref.WeakKeyDictionary()


def _done(learner: Sandbox, spec: Spec) -> set[str]:
    return _DONE.setdefault(learner, {}).setdefault(spec.function, set())


def _available(spec: Spec, kind: str) -> bool:
    return kind != "reference" or _has_reference()


@functools.cache
def _has_reference() -> bool:
    """Whether the reference solutions are in this copy (a learner release has none): asked once per process."""
    return importlib.util.find_spec("solutions") is not None


def calls_of(spec: Spec, kind: str) -> list[tuple]:
    """The argument tuples one check calls the learner's function with: the same for every submission."""
    if kind == "worked":
        return [case.args for case in spec.worked]
    if kind == "reference":
        return [args for args, _ in reference_cases(spec)]
    if spec.function not in _PROPERTY_CASES:
        rng = np.random.default_rng(zlib.crc32(spec.function.encode()) + 1)
        sized = [spec.sized_args(n) for n in spec.sizes] if spec.sized_args else []
        extremes = list(spec.extreme_args)
        _PROPERTY_CASES[spec.function] = {
            "properties": [spec.random_args(rng), *sized, *(extremes if spec.extremes_graded else [])],
            "lists": [tuple(a.tolist() if isinstance(a, np.ndarray) else a for a in spec.sized_args(3))]
            if spec.sized_args
            else [],
            "extremes": [] if spec.extremes_graded else extremes,
        }
    return _PROPERTY_CASES[spec.function][kind]


_PROPERTY_CASES: dict[str, dict[str, list[tuple]]] = {}


def check_worked(learner: Sandbox, spec: Spec, request: pytest.FixtureRequest) -> None:
    outcomes = outcomes_of(learner, spec, "worked")
    for index, (case, out) in enumerate(zip(spec.worked, outcomes, strict=True)):
        got = accept(out, spec, case.args, request).value
        if spec.view is not None:
            got = spec.view(got)
            check_kind(spec, case.args, got)
        if case.pick is not None:
            check_kind(spec, case.args, got)
            got = case.pick(got)
        try:
            compare(spec, case.args, got, case.expected, at_precision(case.decimals), f"the {case.source}'s value")
        except CheckFailed as failed:  # the wrong value itself, as data: class analytics diagnose the mistake
            small = sum(np.size(part) for part in leaves(got)) <= MAX_KEPT
            failed.case, failed.got = index, plain_numbers(got) if small else None
            raise


def plain_numbers(value: Any) -> Any:
    """A returned value as floats and lists of them (JSON's numbers), or None if it is not numbers."""
    if isinstance(value, Scalar):
        return value.value
    if isinstance(value, np.ndarray):
        return value.tolist() if value.dtype.kind in "biuf" else None
    if isinstance(value, list | tuple):
        items = [plain_numbers(v) for v in value]
        return None if any(v is None for v in items) else items
    return None


def reference_cases(spec: Spec) -> list[tuple[tuple, Any]]:
    """The seeded random inputs and the reference's values for them: the same for every submission, so computed
    once per grading process."""
    if spec.function not in _REFERENCE_CASES:
        ref = reference(spec)
        rng = np.random.default_rng(zlib.crc32(spec.function.encode()))
        cases = [spec.random_args(rng) for _ in range(spec.random_cases)]
        _REFERENCE_CASES[spec.function] = [(args, ref(*args)) for args in cases]
    return _REFERENCE_CASES[spec.function]


_REFERENCE_CASES: dict[str, list[tuple[tuple, Any]]] = {}


def check_reference(learner: Sandbox, spec: Spec, request: pytest.FixtureRequest) -> None:
    cases = reference_cases(spec)
    outcomes = outcomes_of(learner, spec, "reference")
    for (args, want), out in zip(cases, outcomes, strict=True):
        got = accept(out, spec, args, request).value
        if spec.view is not None:
            got, want = spec.view(got), spec.view(want)
        if spec.returns == "floats" and isinstance(got, list) and len(got) != len(want):
            raise CheckFailed(
                f"{spec.function} for {describe(spec, args)}: expected {len(want)} values, got {len(got)}",
                hint=spec.hint,
            )
        compare(spec, args, got, want, full_precision, "the reference's value")


def check_properties(learner: Sandbox, spec: Spec, request: pytest.FixtureRequest) -> None:
    """Type and shape for a random case and each size; stability at the extreme inputs the docstring promises. Then
    advice, worth no points: plain lists, extreme inputs no docstring promises."""
    extremes = len(spec.extreme_args) if spec.extremes_graded else 0
    cases = calls_of(spec, "properties")
    for i, (args, out) in enumerate(zip(cases, outcomes_of(learner, spec, "properties"), strict=True)):
        _check_case(spec, args, out, request, extreme=i >= len(cases) - extremes)
    for kind in ("lists", "extremes"):
        for args, out in zip(calls_of(spec, kind), outcomes_of(learner, spec, kind), strict=True):
            try:
                _check_case(spec, args, out, request, extreme=kind == "extremes")
            except CheckFailed as exc:
                fix = "np.asarray(x, dtype=float) turns a list into an array" if kind == "lists" else spec.stable_hint
                advise(request, f"{exc.what}. {fix}")
                break


def _check_case(spec: Spec, args: tuple, out: Outcome, request: pytest.FixtureRequest, extreme: bool) -> None:
    value = accept(out, spec, args, request).value
    if extreme and out.warnings:
        raise CheckFailed(
            f"{spec.function} is not stable for {describe(spec, args)}: numpy warned '{out.warnings[0]}'",
            hint=spec.hint,
        )
    value = spec.view(value) if spec.view is not None else value
    if not extreme:
        as_arrays = args if spec.returns == "tree" else tuple(np.asarray(a) if isinstance(a, list) else a for a in args)
        check_kind(spec, as_arrays, value)
    _check_finite(spec, args, value, " (it must stay stable at extreme inputs)" if extreme else "")


def _check_finite(spec: Spec, args: tuple, value: Any, why: str) -> None:
    if not all(np.all(np.isfinite(as_numbers(part, spec))) for part in leaves(value)):
        raise CheckFailed(f"{spec.function} returned NaN or infinity for {describe(spec, args)}{why}", hint=spec.hint)


def make_checks(specs: list[Spec]) -> tuple[Callable, Callable, Callable]:
    """The three test functions of a check module, parametrised over its specs with their rubric points."""

    def params(kind: str) -> list:
        return [pytest.param(s, id=s.name, marks=pytest.mark.points(f"{s.function}.{kind}")) for s in specs]

    @pytest.mark.parametrize("spec", params("worked"))
    def test_worked(learner: Sandbox, spec: Spec, request: pytest.FixtureRequest) -> None:
        check_worked(learner, spec, request)

    @pytest.mark.parametrize("spec", params("reference"))
    def test_reference(learner: Sandbox, spec: Spec, request: pytest.FixtureRequest) -> None:
        check_reference(learner, spec, request)

    @pytest.mark.parametrize("spec", params("properties"))
    def test_properties(learner: Sandbox, spec: Spec, request: pytest.FixtureRequest) -> None:
        check_properties(learner, spec, request)

    return test_worked, test_reference, test_properties
