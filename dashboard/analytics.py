"""Class analytics: a class's results as tables, each check's pass rate, and the mistakes behind wrong values."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from grader.checking import Spec
from grader.checks import test_backprop, test_cross_entropy, test_gradient_descent, test_logistic, test_ssr

SPECS = {s.function: s for m in (test_gradient_descent, test_ssr, test_cross_entropy, test_logistic, test_backprop)
         for s in m.SPECS}  # fmt: skip
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_class.json"  # python data/make_sample_class.py
MATCH = 1e-3  # a worked value is printed to about 4 decimals: a variant within this explains it
TWICE = {  # functions that take a learning rate: the value with it applied twice, from the same arguments
    "gradient_descent.step_size": lambda d, lr: d * lr * lr,
    "gradient_descent.update": lambda v, d, lr: v - d * lr * lr,
    "logistic.update": lambda w1, w2, b, g, lr: (w1 - lr * lr * g[0], w2 - lr * lr * g[1], b - lr * lr * g[2]),
}


class NotAClassFile(ValueError):
    """The file is not the JSON `python -m grader CLASS --json` writes; the message says what is wrong."""


Summary = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]  # learners, pass rates, wrong values


def summary(upload_id: str | None, upload: Callable[[], bytes], path: str) -> tuple[Summary, str]:
    """The summary of the uploaded file, else of the file at path, else of the sample class; and which it was.
    Computed once per upload, or per file and modification time: a rerun reads nothing again."""
    if upload_id is not None:
        return _summary_of_upload(upload_id, upload), "the uploaded file"
    file = Path(path.strip()) if path.strip() else SAMPLE
    try:
        stat = file.stat()
    except OSError as exc:
        raise NotAClassFile(f"{file} could not be read ({exc.strerror})") from None
    described = str(file) if path.strip() else "the sample class (data/sample_class.json)"
    return _summary_of_file(str(file), stat.st_mtime_ns, stat.st_size), described


@st.cache_data(show_spinner=False, max_entries=8)
def _summary_of_upload(upload_id: str, _upload: Callable[[], bytes]) -> Summary:
    return _summarise(_upload().decode("utf-8", errors="replace"))


@st.cache_data(show_spinner=False, max_entries=8)
def _summary_of_file(path: str, mtime_ns: int, size: int) -> Summary:
    try:
        return _summarise(Path(path).read_text())
    except OSError as exc:
        raise NotAClassFile(f"{path} could not be read ({exc.strerror})") from None


def _summarise(text: str) -> Summary:
    learners, checks = load(text)
    return learners, pass_rates(checks), wrong_values(checks)


def load(text: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A class JSON as (learners: name, score, max_score, error) and (checks: one row per learner and check)."""
    try:
        data = json.loads(text)
        submissions = data["submissions"]
        learners = pd.DataFrame(
            [
                {"learner": s["learner"], "score": s["score"], "max_score": s["max_score"], "error": s["error"]}
                for s in submissions
            ]
        )
        checks = pd.DataFrame(
            [
                {"learner": s["learner"], **{k: c.get(k) for k in ("check_id", "status", "points", "case", "got")}}
                for s in submissions
                for c in s["checks"]
            ]
        )
    except (ValueError, KeyError, TypeError) as exc:
        why = f"not a class file from `python -m grader CLASS --json` ({type(exc).__name__}: {exc})"
        raise NotAClassFile(why) from None
    if checks.empty:
        raise NotAClassFile("the file holds no graded checks")
    return learners, checks


def pass_rates(checks: pd.DataFrame) -> pd.DataFrame:
    """Each check's share of learners who passed it, worst first."""
    graded = checks[checks["status"] != "unavailable"]
    rates = graded.assign(passed=graded["status"] == "passed").groupby("check_id")["passed"].agg(["mean", "size"])
    rates = rates.rename(columns={"mean": "pass rate", "size": "learners"}).reset_index()
    return rates.sort_values(["pass rate", "check_id"]).reset_index(drop=True)


def wrong_values(checks: pd.DataFrame, most: int = 3) -> pd.DataFrame:
    """For each worked check with wrong values: the most common ones, how many gave each, and the mistake each
    points to (recomputed from the reference on the check's own input)."""
    wrong = checks[checks["got"].notna() & checks["case"].notna()]
    if wrong.empty:
        return pd.DataFrame(columns=["check", "wrong value", "learners", "points to"])
    keys = wrong.assign(value=[_rounded(g) for g in wrong["got"]])
    counts = keys.groupby(["check_id", "case", "value"]).size().reset_index(name="learners")
    counts = counts.sort_values(["check_id", "learners"], ascending=[True, False]).groupby("check_id").head(most)
    rows = [
        {"check": c, "wrong value": v, "learners": n, "points to": diagnose(c, int(k), json.loads(v))}
        for c, k, v, n in counts[["check_id", "case", "value", "learners"]].itertuples(index=False)
    ]
    return pd.DataFrame(rows)


def diagnose(check_id: str, case: int, got: Any) -> str:
    """The typical mistake that gives this wrong value for the check's worked example, or "" if none does."""
    function = check_id.rsplit(".", 1)[0]
    spec = SPECS.get(function)
    if spec is None or case >= len(spec.worked):
        return ""
    worked = spec.worked[case]
    right = _reference_value(spec, case)
    have = np.asarray(got, dtype=float)
    for label, variant in _variants(function, worked.args, right):
        if _close(have, variant):
            return label
    if np.ndim(right) == 0 and have.ndim == 1 and abs(have.sum() - float(right)) <= MATCH * max(1.0, abs(right)):
        return "not summed: the per-sample terms, where their sum is asked for"
    return ""


def _variants(function: str, args: tuple, right: Any) -> list[tuple[str, Any]]:
    r = np.asarray(right, dtype=float)
    found = [("sign flipped", -r), ("a factor 2 missing", r / 2), ("the -2 missing (sign and factor)", -r / 2),
             ("twice too large", 2 * r)]  # fmt: skip
    if function in TWICE:
        found.append(("learning rate applied twice", np.asarray(TWICE[function](*args), dtype=float)))
    return found


def _reference_value(spec: Spec, case: int) -> Any:
    worked = spec.worked[case]
    value = getattr(importlib.import_module(f"solutions.{spec.module}"), spec.name)(*worked.args)
    return _pick(worked.pick, value)


def _pick(pick: Callable | None, value: Any) -> Any:
    return pick(value) if pick is not None else value


def _close(have: np.ndarray, want: np.ndarray) -> bool:
    return have.shape == want.shape and bool(np.all(np.abs(have - want) <= MATCH * np.maximum(1.0, np.abs(want))))


def _rounded(value: Any) -> str:
    """A value as short, comparable text: numbers to 4 decimals (how learners' mistakes group)."""
    return json.dumps(np.round(np.asarray(value, dtype=float), 4).tolist())
