"""Streamlit pieces the method pages share: state set-up, article notes, number tables and gradient-descent runs."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from dashboard import charts, compare, compute
from dashboard.cachekey import cache_key, loads
from dashboard.examples import Example
from data import examples as ex

ROW_PX = 35  # the height of one row of st.dataframe, in pixels
CACHED_TABLE_BYTES = 256 * 1024  # number tables up to this size (pickled) keep their Arrow copy: 2,500 rows or so
CHUNK = 100  # a run advances this many steps between progress-bar updates
RunChunk = Callable[[Any, int], compute.Run]  # (start, steps) -> the run from there


def descent_defaults(prefix: str, learning_rate: float) -> dict[str, Any]:
    """The session-state defaults every gradient-descent section needs: its inputs, history and messages."""
    return {
        f"{prefix}_lr": learning_rate,
        f"{prefix}_max_steps": ex.MAX_STEPS,
        f"{prefix}_history": [],
        f"{prefix}_problem": None,
        f"{prefix}_note": None,
    }


def init_state(defaults: dict[str, Any]) -> None:
    """Give each session-state key its default once; widgets then read their value from the state alone."""
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def apply_pending(prefix: str) -> None:
    """Move widget values a run left behind into their widgets; this must happen before the widgets are drawn."""
    for key, value in st.session_state.pop(f"{prefix}_pending", {}).items():
        st.session_state[key] = value


def clear_run(prefix: str) -> None:
    """Forget the gradient-descent history, e.g. when the learner picks a new starting point."""
    st.session_state[f"{prefix}_history"] = []
    st.session_state[f"{prefix}_problem"] = None
    st.session_state[f"{prefix}_note"] = None


def _needs_scientific(values: pd.Series, digits: int) -> bool:
    # Fixed decimals would show a tiny value as 0 or a huge one as a wall of digits (extreme parameter values).
    sizes = np.abs(values.to_numpy())  # numpy, not pandas: a page shows dozens of columns on every rerun
    sizes = sizes[sizes != 0]
    return bool(sizes.size) and bool(sizes.min() < 0.5 * 10**-digits or sizes.max() >= 1e6)


def number_table(table: pd.DataFrame, key: str, digits: int = 4, whole: bool = False) -> None:
    """A dataframe with every number column shown to `digits` decimals, or in scientific notation where needed.

    whole: tall enough to show every row without scrolling (Streamlit shows about ten rows by default).
    """
    packed = cache_key(table)
    arrow, config = _shown(packed, digits) if len(packed) <= CACHED_TABLE_BYTES else _arrow(table, digits)
    height = ROW_PX * (len(table) + 1) + 3 if whole else "auto"
    st.dataframe(arrow, hide_index=True, column_config=dict(config), key=key, height=height)


# Keyed by the table's cache_key bytes: a lookup costs a fifth of st.cache_data's (which also copies what it returns; an
# Arrow table is immutable, and the formats are copied above). Bounded: at most 128 tables of at most 256 KB.
@functools.lru_cache(maxsize=128)
def _shown(packed: bytes, digits: int) -> tuple[pa.Table, dict[str, Any]]:
    return _arrow(loads(packed)[0], digits)


def _arrow(table: pd.DataFrame, digits: int) -> tuple[pa.Table, dict[str, Any]]:
    """The table as Arrow (st.dataframe converts a pandas table on every rerun) and its columns' formats."""
    table, config = table.copy(), {}
    for column in [c for c in table.columns if pd.api.types.is_float_dtype(table[c])]:
        if _needs_scientific(table[column], digits):
            # As text: the browser's table marks numbers beyond 2^53 as invalid and prints exponents oddly.
            table[column] = [f"{v:.{digits - 1}e}" for v in table[column]]
        else:
            config[column] = st.column_config.NumberColumn(format=f"%.{digits}f")
    return pa.Table.from_pandas(table, preserve_index=False), config


def table_with_yours(table: pd.DataFrame, asks: Callable[[], list[compare.Ask]], key: str, digits: int = 4) -> None:
    """number_table, with the learner's values beside the reference's when the Check page's switch is on (asks: the
    learner functions to call, made only then)."""
    if compare.learner_on():
        table, problems = compare.beside(table, asks())
        if problems:
            st.warning("  \n".join(problems))
    number_table(table, key=key, digits=digits)


def yours_totals(rows: list[tuple[str, compare.Ask, float]], key: str) -> None:
    """The learner's single-number functions against the reference's, when the switch is on."""
    if compare.learner_on():
        st.caption("**Your functions** (the switch on the Check my exercises page)")
        number_table(compare.totals(rows), key=key)


def b3_yours_totals(example: Example, b3: float, learning_rate: float, rows: Callable[[], list]) -> None:
    """yours_totals for a b3 page: its own single numbers (rows, made only when the switch is on), then the next
    step's size and new b3."""
    if not compare.learner_on():
        return
    rows = rows()
    after = compute.next_step(example, b3, learning_rate)
    slope = (after.derivative, learning_rate)
    rows += [
        ("step size = lr × slope", compare.Ask("gradient_descent", "step_size", slope, ()), after.step_size),
        ("b3 after one step", compare.Ask("gradient_descent", "update", (b3, *slope), ()), after.new),
    ]
    yours_totals(rows, key=f"{example.key}_yours_totals")


def article_notes(
    heading: str, items: Sequence[tuple[str, str, float | None]], source: str = "article", why: str | None = None
) -> None:
    """A printed number beside ours, one per line: 'label: article -0.77 · computed -0.7732'; a number the run
    never reached (it stopped early: why) shows as —."""
    shown = [f"{computed:.4f}" if computed is not None else "—" for _, _, computed in items]
    lines = [f"{label}: {source} {printed} · computed {c}" for (label, printed, _), c in zip(items, shown, strict=True)]
    if why and "—" in shown:
        lines.append(f"(not reached: {why})")
    st.caption(f"**{heading}**  \n" + "  \n".join(lines))


def reached(run: compute.Run, index: int, field: str) -> float | None:
    """A field of the run's index-th update (negative counts from the end), or None if the run stopped before it."""
    return getattr(run.rows[index], field) if -len(run.rows) <= index < len(run.rows) else None


def learning_controls(prefix: str) -> tuple[float, int]:
    """The learning-rate and max-steps inputs; their defaults were put in session state by the page."""
    left, right = st.columns(2)
    lr = left.number_input(
        "learning rate", *compute.LR_RANGE, step=0.1, format="%.3f", key=f"{prefix}_lr", help="step size = lr × slope"
    )
    steps = right.number_input("max steps for Run", *compute.STEPS_RANGE, step=100, key=f"{prefix}_max_steps")
    return float(lr), int(steps)


def descent_buttons(prefix: str, on_step: Callable[[], None], on_reset: Callable[[], None]) -> bool:
    """Step, Run to convergence and Reset side by side; returns whether Run was pressed."""
    step, run, reset = st.columns(3)
    step.button("Step", key=f"{prefix}_step", on_click=on_step, width="stretch", type="primary")
    clicked = run.button("Run to convergence", key=f"{prefix}_run", width="stretch")
    reset.button("Reset", key=f"{prefix}_reset", on_click=on_reset, width="stretch")
    return clicked


def record(prefix: str, run: compute.Run, note: str | None) -> None:
    """Append a run's rows to the history and keep its message for the next rerun."""
    st.session_state[f"{prefix}_history"] = [*st.session_state[f"{prefix}_history"], *run.rows]
    st.session_state[f"{prefix}_problem"] = run.problem
    st.session_state[f"{prefix}_note"] = note


def run_in_chunks(chunk: RunChunk, start: Any, max_steps: int, last: Callable[[Any], Any]) -> compute.Run:
    """Run gradient descent CHUNK steps at a time, showing progress, until it converges, diverges or hits max_steps."""
    bar = st.progress(0.0, text="Running gradient descent…")
    rows: list = []
    part = compute.Run((), False, None)
    while len(rows) < max_steps and not part.converged and not part.problem:
        part = chunk(start, min(CHUNK, max_steps - len(rows)))
        rows += part.rows
        if part.rows:
            start = last(part.rows[-1])
        bar.progress(len(rows) / max_steps, text=f"Running gradient descent: {len(rows)} of at most {max_steps} steps")
    bar.empty()
    return compute.Run(tuple(rows), part.converged, part.problem)


def run_note(run: compute.Run, max_steps: int) -> str | None:
    """What happened, in words, when the run did not diverge."""
    if run.problem:
        return None
    if run.converged:
        return f"Converged after {len(run.rows)} more steps: the next step would be smaller than {ex.MIN_STEP_SIZE}."
    return (
        f"Stopped after the maximum of {max_steps} steps; the steps are still {ex.MIN_STEP_SIZE} or larger. "
        "Press Run again to continue."
    )


def show_messages(prefix: str) -> None:
    """The last action's outcome: divergence as an error, anything else as information."""
    if st.session_state[f"{prefix}_problem"]:
        st.error(st.session_state[f"{prefix}_problem"])
    if st.session_state[f"{prefix}_note"]:
        st.info(st.session_state[f"{prefix}_note"])


# --- The one-parameter pages (dashboard/examples.py): b3 and its gradient descent ---


def b3_state(example: Example) -> None:
    """Defaults for b3, the learning rate, max steps and the run history; then any value a Run left behind."""
    init_state({f"{example.key}_b3": example.start, **descent_defaults(example.key, example.learning_rate)})
    apply_pending(example.key)


def b3_control(example: Example) -> float:
    """The b3 input; typing a new value starts a new descent from it."""
    limit, prefix = compute.PARAM_LIMIT, example.key
    value = st.number_input(
        "b3", -limit, limit, step=0.1, format="%.4f", key=f"{prefix}_b3", on_change=clear_run, args=(prefix,)
    )
    return float(value)


def _step_b3(example: Example) -> None:
    prefix = example.key
    old = float(st.session_state[f"{prefix}_b3"])
    run = compute.step(example, old, float(st.session_state[f"{prefix}_lr"]))
    note = None
    if run.rows:
        st.session_state[f"{prefix}_b3"] = run.rows[0].new  # a callback runs before the widget is drawn
        note = (
            f"Step {len(st.session_state[f'{prefix}_history']) + 1}: b3 moved from {old:.4f} to {run.rows[0].new:.4f}."
        )
    record(prefix, run, note)


def _reset_b3(example: Example) -> None:
    st.session_state[f"{example.key}_b3"] = example.start
    clear_run(example.key)


def b3_path(prefix: str) -> tuple[float, ...]:
    """Every b3 the history visited, the first old value included."""
    rows = st.session_state[f"{prefix}_history"]
    return (rows[0].old, *(row.new for row in rows)) if rows else ()


def b3_curve(example: Example, b3: float) -> None:
    """The loss against b3 with the tangent at b3 and the descent path so far."""
    path = compute.thin(b3_path(example.key))
    low, high = compute.window(example.window, (b3, *path))
    chart = charts.loss_curve(
        compute.loss_curve(example, low, high),
        "b3",
        b3,
        compute.loss(example, b3),
        compute.slope(example, b3),
        compute.path_losses(example, path) if path else None,
    )
    st.vega_lite_chart(chart, width="stretch", key=f"{example.key}_curve")
    st.caption(
        "Blue: the loss for every b3 · red dot: the current b3 · dashed red: the tangent there, whose slope is the "
        "derivative · orange: the values gradient descent visited."
    )


def b3_descent(example: Example) -> None:
    """Step, Run to convergence and Reset, the table of updates, and what happened in words."""
    prefix = example.key
    lr = float(st.session_state[f"{prefix}_lr"])
    stepper(
        prefix,
        lambda: _step_b3(example),
        lambda: _reset_b3(example),
        lambda value, steps: compute.descent(example, value, lr, steps),
        (f"{prefix}_b3",),
        lambda rows: pd.DataFrame(rows, columns=["old b3", "derivative", "step size", "new b3"]),
    )


def stepper(
    prefix: str,
    on_step: Callable[[], None],
    on_reset: Callable[[], None],
    chunk: RunChunk,
    keys: tuple[str, ...],
    table: Callable[[list], pd.DataFrame],
) -> None:
    """Gradient descent's controls for any number of parameters: Step, Run to convergence (chunk by chunk) and
    Reset, what happened in words, and the table of updates. keys: the parameters' inputs, which a run leaves at
    its last values (a row's `new`); table: the updates as a DataFrame."""
    if descent_buttons(prefix, on_step, on_reset):
        max_steps = int(st.session_state[f"{prefix}_max_steps"])
        start = tuple(float(st.session_state[key]) for key in keys)
        run = run_in_chunks(chunk, start if len(keys) > 1 else start[0], max_steps, lambda row: row.new)
        record(prefix, run, run_note(run, max_steps))
        if run.rows:
            last = run.rows[-1].new
            st.session_state[f"{prefix}_pending"] = dict(zip(keys, last if len(keys) > 1 else (last,), strict=True))
        st.rerun()  # redraw the page from the top at the new values
    show_messages(prefix)
    rows = st.session_state[f"{prefix}_history"]
    if rows:
        number_table(_history(prefix, rows, table), key=f"{prefix}_history_table")
    else:
        st.caption("No steps yet: press Step for one update or Run to convergence for the whole descent.")


def _history(prefix: str, rows: list, table: Callable[[list], pd.DataFrame]) -> pd.DataFrame:
    """The updates as a numbered table, made once per history: record and clear_run replace the list, never change
    it, so the same list means the same table (a long run's table is rebuilt in milliseconds, on every rerun)."""
    made = st.session_state.get(f"{prefix}_history_made")
    if made is None or made[0] is not rows:
        history = table(rows)
        history.insert(0, "step", range(1, len(rows) + 1))
        made = st.session_state[f"{prefix}_history_made"] = (rows, history)
    return made[1]


def slope_check(analytic: Sequence[float], numeric: Sequence[float], functions: str, clipped: bool) -> None:
    """Explain, when it happens, why the formula and the finite difference disagree: a sign error, a clipped loss
    (clipped: the loss clips probabilities), or a formula that is simply off. functions: the learner functions to
    look at."""
    pairs = [(a, n) for a, n in zip(analytic, numeric, strict=True) if abs(a - n) > 1e-4 * max(1.0, abs(a))]
    if not pairs:
        return
    a, n = pairs[0]
    if a * n < 0 and abs(a + n) <= 1e-4 * max(1.0, abs(a)):
        st.warning(
            f"The formula gives {a:.4f} and the finite difference of the loss {n:.4f}: the same size, the opposite "
            f"sign. Check the signs in {functions}; with the sign flipped, gradient descent walks uphill."
        )
    elif clipped and a * n >= 0:
        st.warning(
            "The formula and the finite difference disagree here. A probability is so close to 0 or 1 that the "
            "loss is clipped (at most 36.04 per sample, so that it stays finite); the clipped loss is flat, which "
            "is what the finite difference measures. The formula gives the slope of the loss without clipping."
        )
    else:
        st.warning(
            f"The formula gives {a:.4f} but the finite difference of the loss {n:.4f}. Check "
            f"{functions} against the chain rule, link by link."
        )
