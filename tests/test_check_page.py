"""The Check my exercises page, the learner-functions switch on the method pages, and the dashboard in a release."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import learner
from dashboard.compare import MATCH, TOGGLE
from dashboard.examples import CE, SSR
from dashboard.learner import EXERCISES_ENV
from data import examples as ex
from grader.packaging import build_release
from grader.rubric import BACKPROP_FUNCTIONS, FUNCTIONS, SECTIONS
from solutions import gradient_descent as gd
from solutions import logistic as lg
from solutions import ssr
from tests import submissions as sub
from tests.helpers import release_python

BACKPROP = sum(SECTIONS["backprop"].values())
BACKPROP_RUNNABLE = sum(p for c, p in SECTIONS["backprop"].items() if not c.endswith(".reference"))

APP = str(Path(__file__).parents[1] / "dashboard" / "app.py")
METHOD_PAGES = ["views/ssr.py", "views/cross_entropy.py", "views/sigmoid.py"]
ALL_PAGES = ["views/overview.py", *METHOD_PAGES, "views/check.py", "views/analytics.py"]


@pytest.fixture
def exercises(tmp_path, monkeypatch):
    """Point the dashboard at a fixture folder; the test fills it."""
    folder = tmp_path / "exercises"
    monkeypatch.setenv(EXERCISES_ENV, str(folder))
    return folder


def check_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    return at.switch_page("views/check.py").run()


def switched_on() -> AppTest:
    """A session with the Check page's switch turned on."""
    at = check_page()
    at.toggle(key=TOGGLE).set_value(True).run()
    assert not at.exception
    return at


def compared_tables(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if MATCH in d.value.columns]


def test_check_page_with_the_stubs_scores_zero_and_says_not_implemented(exercises):
    sub.stubs(exercises)
    at = check_page()
    assert not at.exception and at.title[0].value == "Check my exercises"
    at.button(key="check_run").click().run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["0/84", f"0/{BACKPROP}"]
    statuses = at.dataframe[0].value["status"]
    graded = sum(len(names) for names in (*FUNCTIONS.values(), *BACKPROP_FUNCTIONS.values()))
    assert len(statuses) == graded and set(statuses) == {"not implemented yet"}
    at.run()  # the result survives a rerun
    assert [m.value for m in at.metric] == ["0/84", f"0/{BACKPROP}"]


def test_check_page_shows_feedback_for_a_wrong_function(exercises):
    sub.reference(exercises)
    sub.replace_function(exercises, "ssr", "def ssr(observed, predicted):\n    return 0.0")
    at = check_page()
    at.button(key="check_run").click().run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["81/84", f"{BACKPROP}/{BACKPROP}"]
    rows = at.dataframe[0].value.set_index("function")
    assert rows.loc["ssr", "points"] == "1/4" and rows.loc["ssr", "status"].startswith("failed")
    assert any(m.value.startswith("**ssr.ssr**") for m in at.markdown)


def test_a_grader_error_is_shown_in_words_not_as_a_traceback(exercises):
    exercises.mkdir()  # no exercise modules at all: the API raises NotASubmission
    at = check_page()
    at.button(key="check_run").click().run()
    assert not at.exception
    assert "could not run" in at.error[0].value


def test_switch_on_with_the_stubs_says_not_implemented_on_every_method_page(exercises):
    sub.stubs(exercises)
    at = switched_on()
    for page in METHOD_PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
        assert any("is not implemented yet" in w.value for w in at.warning), page
        tables = compared_tables(at)
        assert tables, page
        for table in tables:
            yours = [c for c in table.columns if c.startswith("your ")]
            assert all(set(table[c]) == {"is not implemented yet"} for c in yours), page


def test_switch_on_with_a_correct_submission_flags_no_mismatch(exercises):
    sub.reference(exercises)
    at = switched_on()
    for page in METHOD_PAGES:
        at.switch_page(page).run()
        assert not at.exception and not at.warning, page
        for table in compared_tables(at):
            assert set(table[MATCH]) == {"✓"}, (page, table)
    assert at.session_state["learner_on"]


def test_switch_on_flags_a_wrong_function_and_names_an_exception(exercises):
    sub.reference(exercises)
    sub.replace_function(exercises, "ssr", "def ssr_contributions(observed, predicted):\n    return 1 / 0")
    sub.replace_function(exercises, "ssr", "def predict(dosage, b3):\n    import numpy\n    return numpy.zeros(3)")
    at = switched_on()
    at.switch_page("views/ssr.py").run()
    assert not at.exception
    predictions, contributions = compared_tables(at)[:2]
    assert set(predictions[MATCH]) == {"✗ predict"} and list(predictions["your predicted y_hat"]) == [0.0, 0.0, 0.0]
    assert set(contributions["your term = product"]) == {"raised ZeroDivisionError"}
    assert any("ZeroDivisionError" in w.value for w in at.warning)


def test_an_edit_to_the_exercises_is_picked_up_on_the_next_rerun(exercises):
    sub.reference(exercises)
    at = switched_on()
    at.switch_page("views/ssr.py").run()
    assert set(compared_tables(at)[0][MATCH]) == {"✓"}
    sub.replace_function(exercises, "ssr", "def predict(dosage, b3):\n    raise ValueError('half written')")
    later = (exercises / "ssr.py").stat().st_mtime + 1
    os.utime(exercises / "ssr.py", (later, later))  # a new modification time even on a coarse clock
    at.run()
    assert not at.exception
    assert set(compared_tables(at)[0]["your predicted y_hat"]) == {"raised ValueError"}
    assert any(w.value.startswith("`predict` in exercises/ssr.py raised ValueError: half written") for w in at.warning)


def test_switch_off_leaves_the_tables_as_they_were(exercises):
    sub.reference(exercises)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("views/ssr.py").run()
    assert not compared_tables(at)


RELEASE_SCRIPT = """
import json
from pathlib import Path
from streamlit.testing.v1 import AppTest

from grader.rubric import BACKPROP_FUNCTIONS, FUNCTIONS
seen = {}
for page in json.loads(PAGES):
    at = AppTest.from_file(str(Path("dashboard/app.py").resolve()), default_timeout=60).run()
    at.switch_page(page).run()
    if page.endswith("check.py"):
        at.button(key="check_run").click().run()
    seen[page] = {
        "exceptions": [str(e.value) for e in at.exception],
        "warnings": [w.value for w in at.warning],
        "errors": [e.value for e in at.error],
        "info": [i.value for i in at.info],
        "metrics": [m.value for m in at.metric],
        "captions": [c.value for c in at.caption],
    }
print(json.dumps(seen))
"""


def pages_in(release: Path, pages: list[str]) -> dict:
    """Each page of a release's dashboard run under AppTest in a fresh process (it must not see solutions/)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", EXERCISES_ENV)}
    script = RELEASE_SCRIPT.replace("PAGES", repr(json.dumps(pages)))
    done = subprocess.run(
        [release_python(release), "-c", script], cwd=release, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # a release, and its pages in a fresh process
def test_the_dashboard_runs_in_a_learner_release(tmp_path):
    seen = pages_in(build_release(tmp_path / "release"), ALL_PAGES)
    assert all(not page["exceptions"] for page in seen.values()), seen
    missing = {
        "views/ssr.py": "`predict` in exercises/ssr.py",
        "views/sigmoid.py": "`sigmoid` in exercises/logistic.py",
    }
    for page, words in missing.items():
        assert any(words in w and "not implemented yet" in w for w in seen[page]["warnings"]), seen[page]
    assert seen["views/check.py"]["metrics"] == ["0/42", f"0/{BACKPROP_RUNNABLE}"]
    assert any("checked when your instructor grades" in i for i in seen["views/check.py"]["info"])
    assert any("runs in the instructor's copy" in i for i in seen["views/analytics.py"]["info"])


@pytest.mark.slow  # a release, and its pages in a fresh process
def test_a_release_page_fed_a_wrong_shape_explains_instead_of_crashing(tmp_path):
    release = build_release(tmp_path / "release")
    sub.reference(release / "exercises")
    sub.replace_function(release / "exercises", "ssr", "def predict(dosage, b3):\n    return np.zeros((3, 2))")
    seen = pages_in(release, ["views/ssr.py", "views/cross_entropy.py"])
    ssr_page = seen["views/ssr.py"]
    assert not ssr_page["exceptions"] and not ssr_page["errors"], ssr_page  # a sentence, not an exception
    said = " ".join(ssr_page["warnings"])
    assert "`predict` in exercises/ssr.py" in said and "returned shape \\(3, 2\\)" in said and "dosage=" in said
    assert not seen["views/cross_entropy.py"]["exceptions"] and not seen["views/cross_entropy.py"]["errors"]
    # The page ran to its end: the every-parameter sections, which need solutions/backprop.py, say so in one line.
    backprop_lines = [i for i in seen["views/cross_entropy.py"]["info"] if "reference's backprop module" in i]
    assert len(backprop_lines) == 1 and "exercises/backprop.py" in backprop_lines[0]


@pytest.mark.slow  # a release, and its pages in a fresh process
def test_a_release_page_fed_a_flipped_derivative_names_the_sign_and_the_functions(tmp_path):
    release = build_release(tmp_path / "release")
    sub.reference(release / "exercises")
    flipped = (
        "def ssr_derivative_b3(observed, predicted):\n    return -float(np.sum(ssr_contributions(observed, predicted)))"
    )
    sub.replace_function(release / "exercises", "ssr", flipped)
    seen = pages_in(release, ["views/ssr.py"])["views/ssr.py"]
    assert not seen["exceptions"] and not seen["errors"], seen
    assert len(seen["warnings"]) == 1 and "the opposite sign" in seen["warnings"][0]
    assert "ssr_derivative_b3" in seen["warnings"][0] and "clipped" not in seen["warnings"][0]


THREE_STEPS = """
def gradient_descent(derivative_at, start, learning_rate, min_step_size=0.001, max_steps=1000):
    values = [start]
    for _ in range(3):
        values.append(values[-1] - learning_rate * derivative_at(values[-1]))
    return values
"""


@pytest.mark.slow  # a release, and its pages in a fresh process
def test_a_release_page_runs_the_learners_own_gradient_descent(tmp_path):
    """In a release the run is the learner's gradient_descent itself (with their derivative, in the sandbox): one
    that always stops after three steps "converges" where its third step lands, not at the article's 2.61."""
    release = build_release(tmp_path / "release")
    sub.reference(release / "exercises")
    sub.replace_function(release / "exercises", "gradient_descent", THREE_STEPS)
    slope = lambda b3: ssr.ssr_derivative_b3(ex.EFFICACY, ssr.predict(ex.DOSAGE, b3))  # noqa: E731
    third = gd.gradient_descent(slope, ex.SSR_START_B3, ex.SSR_LEARNING_RATE, max_steps=3)[3]
    seen = pages_in(release, ["views/ssr.py"])["views/ssr.py"]
    assert not seen["exceptions"] and not seen["errors"], seen
    run = next(c for c in seen["captions"] if "b3 at convergence" in c)
    assert f"b3 at convergence: article 2.61 · computed {third:.4f}" in run and 2.61 - third > 0.05, run


@pytest.mark.slow  # a release, and its pages in a fresh process
def test_a_release_page_runs_a_solution_written_literally_from_the_docstrings(tmp_path):
    """tests/literal/ handles arrays, as the docstrings ask, and not plain lists, as they do not: the derivative the
    sandbox builds for the learner's gradient_descent must hand it arrays, as every other call does."""
    release = build_release(tmp_path / "release")
    for module in (Path(__file__).parent / "literal").glob("*.py"):
        shutil.copy(module, release / "exercises" / module.name)
    seen = pages_in(release, ["views/ssr.py", "views/cross_entropy.py"])
    for page, example in (("views/ssr.py", SSR), ("views/cross_entropy.py", CE)):
        assert not seen[page]["exceptions"] and not seen[page]["errors"] and not seen[page]["warnings"], seen[page]
        last = gd.gradient_descent(example.slope, example.start, example.learning_rate, ex.MIN_STEP_SIZE)[-1]
        run = next(c for c in seen[page]["captions"] if "at convergence" in c)
        assert f"at convergence: article {example.descent[1][-1].printed} · computed {last:.4f}" in run, run


def test_a_batch_of_learner_calls_is_one_request_held_to_the_same_contract(exercises):
    """learner.values_many (a run's uncached calls): the learner's values in order; the first failure raises
    NotWritten naming the function, and a shape the docstring does not promise is refused as values() refuses it."""
    sub.reference(exercises)
    sub.replace_function(exercises, "ssr", "def softplus(x):\n    return np.zeros(7)")
    z = np.array([-1.0, 0.0, 2.0])
    assert np.allclose(learner.values_many("logistic", "sigmoid", [(z,), (z + 1,)]), [lg.sigmoid(z), lg.sigmoid(z + 1)])
    with pytest.raises(learner.NotWritten) as wrong:
        learner.values_many("ssr", "softplus", [(z,)])
    assert wrong.value.failure.kind == "wrong_shape" and wrong.value.failure.function == "ssr.softplus"
    sub.replace_function(exercises, "logistic", "def sigmoid(z):\n    raise NotImplementedError")
    with pytest.raises(learner.NotWritten) as unwritten:
        learner.values_many("logistic", "sigmoid", [(z,), (z,)])
    assert unwritten.value.failure.kind == "not_implemented"
