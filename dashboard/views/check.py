"""Check my exercises page: the grader's checks on the learner's exercises/, and the switch for the method pages."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from dashboard import compare, learner, mathsource, ui
from grader.api import grade_submission
from grader.isolation import for_own_work
from grader.results import SubmissionResult, printed
from grader.rubric import RUBRIC

RESULT = "check_result"  # session key: (SubmissionResult or an error message, when it ran)


def grade() -> None:
    """Run every check on the exercises folder, isolated as the grader isolates it; keep the outcome for reruns."""
    with st.spinner("Running the checks on your exercises…"), learner.exclusive:
        try:
            outcome: SubmissionResult | str = grade_submission(learner.exercises_dir(), isolation=for_own_work())
        except Exception as error:  # whatever the grader raises, the learner gets words, not a traceback
            outcome = f"The checks could not run: {type(error).__name__}: {error}"
    st.session_state[RESULT] = (outcome, time.strftime("%H:%M:%S"))


def status(result: SubmissionResult, function: str) -> str:
    """One function's state in words: passed, not implemented yet, or which checks failed."""
    checks = [c for c in result.checks if c.function == function and c.status != "unavailable"]
    if checks and all(c.status == "not_implemented" for c in checks):
        return "not implemented yet"
    failed = [c.kind for c in checks if c.status != "passed"]
    return "failed: " + ", ".join(failed) if failed else "all checks passed"


def function_table(result: SubmissionResult) -> pd.DataFrame:
    """A row per function: its file, points earned out of the points checked here, and its state."""
    rows = [
        {
            "function": function.split(".")[1],
            "file": f"exercises/{function.split('.')[0]}.py",
            "points": f"{earned}/{best}",
            "status": status(result, function),
        }
        for function, (earned, best) in result.by_function().items()
    ]
    return pd.DataFrame(rows)


def feedback(result: SubmissionResult) -> None:
    """Each failed check's feedback line (once per function when one cause fails them all) and what it printed."""
    for function in result.by_function():
        failed = [c for c in result.checks if c.function == function and c.status == "failed"]
        if len({c.feedback for c in failed}) == 1:
            failed = failed[:1]  # one cause, said once
        for check in failed:
            st.markdown(f"**{function}** · {check.kind}: {learner.escaped(check.feedback)}")
            if check.output.strip():
                st.code(printed(check.output), language=None)


def show(result: SubmissionResult, when: str) -> None:
    """Score, notes, the per-function table, feedback, and what a learner release cannot check."""
    if result.error:
        st.error(f"Could not grade: {learner.escaped(result.error)}")
    score, backprop = st.columns(2)
    score.metric("Score", f"{result.score}/{result.max_score}")
    backprop.metric("Backprop section (apart from the score)", "{}/{}".format(*result.section("backprop")))
    st.caption(f"Checked at {when} in {result.seconds:.1f} s.")
    for note in result.notes:
        st.info(learner.escaped(note))
    unavailable = sum(c.max_points for c in result.checks if c.status == "unavailable" and c.check_id in RUBRIC)
    if unavailable:
        st.info(
            f"{unavailable} more points come from checks against the reference solutions, which this copy does "
            "not have: those points are checked when your instructor grades. The score above counts only the "
            "checks that ran here."
        )
    if result.checks:
        ui.number_table(function_table(result), key="check_functions", whole=True)
        if any(c.status == "failed" for c in result.checks):
            st.subheader("What went wrong")
            feedback(result)


st.title("Check my exercises")
folder = learner.exercises_dir()
where = "exercises/" if folder == learner.ROOT / "exercises" else str(folder)
st.markdown(
    f"Runs the grader's checks on your functions in `{where}`, as `python -m grader` does: each function is called "
    "in a separate process with a time limit, so a mistake in your code cannot stop the dashboard."
)
if mathsource.REFERENCE:
    # A widget's own key is forgotten on pages that do not draw it, so its value lives in compare.SWITCH.
    st.session_state[compare.TOGGLE] = bool(st.session_state.get(compare.SWITCH))
    st.toggle("Show my functions' values on the method pages", key=compare.TOGGLE, on_change=compare.remember_toggle)
    st.caption(
        "When on, the tables on the three method pages add your functions' values beside the reference's, with ✓ "
        "where they agree and ✗ where they do not."
    )
else:
    st.caption("In this copy every number on the method pages already comes from your own functions.")
if st.button("Check my exercises", key="check_run", type="primary"):
    grade()  # here rather than in a callback, so the spinner shows beside the button
if RESULT in st.session_state:
    outcome, when = st.session_state[RESULT]
    if isinstance(outcome, str):
        st.error(learner.escaped(outcome))
    else:
        show(outcome, when)
else:
    st.caption("Press the button to check every function; it takes about a second.")
