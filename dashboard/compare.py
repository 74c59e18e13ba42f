"""The learner's values beside the reference's: extra table columns, a ✓/✗ column, and what failed in words."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import learner, mathsource
from dashboard.cachekey import cache_key
from grader.sandbox import CallFailure

SWITCH = "learner_on"  # the switch's value, kept as plain session state: every method page reads it
TOGGLE = "learner_switch"  # the Check page's toggle, which writes SWITCH
MATCH = "yours match"  # the ✓/✗ column


class Ask(NamedTuple):
    """One learner function to run for a table: its inputs, and the reference columns its answer fills."""

    module: str
    function: str
    args: tuple
    columns: tuple[str, ...]


def learner_on() -> bool:
    """Whether the method pages should show the learner's values (never in a release: they are all the learner's)."""
    return bool(st.session_state.get(SWITCH)) and mathsource.REFERENCE


def remember_toggle() -> None:
    """The toggle's on_change: copy its value to a key Streamlit keeps when the Check page is not drawn."""
    st.session_state[SWITCH] = bool(st.session_state[TOGGLE])


def beside(table: pd.DataFrame, asks: list[Ask]) -> tuple[pd.DataFrame, list[str]]:
    """The table with 'your <column>' after each reference column and a ✓/✗ column; plus each failure in words."""
    folder = learner.exercises_dir()
    return _beside(cache_key(table, asks, learner.stamp(folder)), str(folder), table, tuple(asks))


@st.cache_data(show_spinner=False, max_entries=500)
def _beside(key: bytes, folder: str, _table: pd.DataFrame, _asks: tuple[Ask, ...]) -> tuple[pd.DataFrame, list[str]]:
    # Keyed on the learner files' stamp as well: the same table gets new columns once the learner saves a file.
    table, asks, problems = _table.copy(), _asks, []
    wrong: list[list[str]] = [[] for _ in range(len(table))]
    silent: list[str] = []  # the functions that gave no numbers to compare
    for ask in asks:
        reference = table[list(ask.columns)].to_numpy(dtype=float)
        shape = (len(table),) if len(ask.columns) == 1 else reference.shape
        yours = learner.column(ask.module, ask.function, ask.args, shape)
        if isinstance(yours, CallFailure):
            problems.append(f"`{ask.function}` in exercises/{ask.module}.py {learner.escaped(yours.in_words())}.")
            silent.append(ask.function)
        else:
            for row in np.flatnonzero(~learner.matches(yours, reference)):
                wrong[row].append(ask.function)
        _insert(table, ask.columns, yours)
    # Right after the last of your columns: a wide table would otherwise push it out of view.
    last = max(table.columns.get_loc(f"your {c}") for ask in asks for c in ask.columns)
    table.insert(last + 1, MATCH, [verdict(names, silent, len(asks)) for names in wrong])
    return table, problems


def verdict(wrong: list[str], silent: list[str], asked: int) -> str:
    """✗ and the functions that disagree; — and those that gave nothing; ✓ only when every one agrees."""
    if wrong:
        return "✗ " + ", ".join(wrong)
    if len(silent) == asked:
        return "—"
    return f"— {', '.join(silent)}: no value" if silent else "✓"


def _insert(table: pd.DataFrame, columns: tuple[str, ...], yours: np.ndarray | CallFailure) -> None:
    # A cell holds the failure's headline ("raised ZeroDivisionError"); the message above the table has the rest.
    answer = yours.headline() if isinstance(yours, CallFailure) else np.asarray(yours).reshape(len(table), -1)
    for i, name in enumerate(columns):
        cells = answer if isinstance(answer, str) else answer[:, i]
        table.insert(table.columns.get_loc(name) + 1, f"your {name}", cells)


def totals(rows: list[tuple[str, Ask, float]]) -> pd.DataFrame:
    """One row per learner function that returns a single number: (label, ask, reference value)."""
    folder = learner.exercises_dir()
    return _totals(cache_key(rows, learner.stamp(folder)), str(folder), tuple(rows))


@st.cache_data(show_spinner=False, max_entries=500)
def _totals(key: bytes, folder: str, _rows: tuple[tuple[str, Ask, float], ...]) -> pd.DataFrame:
    # Keyed on the learner files' stamp, as _beside is.
    rows, out = _rows, []
    for label, ask, reference in rows:
        try:
            yours: Any = float(learner.values(ask.module, ask.function, *ask.args))
            same = "✓" if np.isclose(yours, reference, rtol=learner.RTOL, atol=learner.ATOL) else "✗"
        except learner.NotWritten as missing:
            yours, same = missing.why, "—"
        except (TypeError, ValueError):
            yours, same = "returned something that is not a number", "✗"
        out.append({"quantity": label, "function": f"{ask.module}.{ask.function}", "reference": reference,
                    "yours": yours, MATCH: same})  # fmt: skip
    table = pd.DataFrame(out)
    if table["yours"].dtype == object:  # words in some rows: show the numbers as text too, to 4 decimals
        table["yours"] = [v if isinstance(v, str) else f"{v:.4f}" for v in table["yours"]]
    return table
