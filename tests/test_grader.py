"""The grader on fixture submissions: the reference, the stubs, typical mistakes and tampering, exact scores."""

from __future__ import annotations

import ast
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from data import examples as ex
from grader.api import grade_class, grade_group, grade_submission
from grader.checks.test_gradient_descent import CE_SLOPE, SSR_SLOPE
from grader.isolation import NONE_ASKED, Limits, choose
from grader.results import SubmissionResult
from grader.rubric import BACKPROP_FUNCTIONS, FUNCTIONS, RUBRIC, SECTIONS
from grader.sandbox import LearnerCall, Sandbox, X
from grader.submission import load
from solutions import cross_entropy as ce
from solutions import gradient_descent as gd
from solutions import ssr
from tests import submissions as sub

FULL = sum(RUBRIC.values())
BACKPROP = sum(SECTIONS["backprop"].values())
FAST = Limits(call_seconds=0.5, submission_seconds=30.0)  # endless loops cost half a second here


def checks_of(*functions: str, kinds: tuple[str, ...] = ("worked", "reference", "properties")) -> set[str]:
    return {f"{f}.{k}" for f in functions for k in kinds}


def whole_module(module: str) -> set[str]:
    return {c for c in RUBRIC if c.startswith(f"{module}.")}


VALUES = ("worked", "reference")
# name -> (how to build it from the reference, the checks it must lose)
CASES = {
    "sign_flipped": (
        lambda d: sub.replace_function(
            d,
            "ssr",
            "def ssr_contributions(observed, predicted):\n    y, y_hat = _pair(observed, predicted)\n"
            "    return 2.0 * (y - y_hat)",
        ),
        checks_of("ssr.ssr_contributions", "ssr.ssr_derivative_b3", kinds=VALUES),
    ),
    "minus_two_forgotten": (
        lambda d: sub.replace_function(
            d,
            "ssr",
            "def ssr_contributions(observed, predicted):\n    y, y_hat = _pair(observed, predicted)\n"
            "    return -(y - y_hat)",
        ),
        checks_of("ssr.ssr_contributions", "ssr.ssr_derivative_b3", kinds=VALUES),
    ),
    "not_summed": (
        lambda d: sub.replace_function(
            d, "ssr", "def ssr_derivative_b3(observed, predicted):\n    return ssr_contributions(observed, predicted)"
        ),
        checks_of("ssr.ssr_derivative_b3"),
    ),
    "p_instead_of_p_minus_1": (
        lambda d: sub.replace_function(
            d,
            "cross_entropy",
            "def cross_entropy_contributions_b3(probabilities, observed):\n"
            "    p, k = _probabilities_and_classes(probabilities, observed)\n    return p[:, 0]",
        ),
        checks_of(
            "cross_entropy.cross_entropy_contributions_b3", "cross_entropy.cross_entropy_derivative_b3", kinds=VALUES
        ),
    ),
    "learning_rate_twice": (
        lambda d: sub.replace_function(
            d,
            "gradient_descent",
            "def update(value, derivative, learning_rate):\n"
            "    return value - step_size(derivative, learning_rate) * learning_rate",
        ),
        checks_of("gradient_descent.update", "logistic.update", kinds=VALUES),
    ),
    "stopping_rule_off_by_one": (
        lambda d: sub.replace_function(
            d,
            "gradient_descent",
            """
            def gradient_descent(derivative_at, start, learning_rate, min_step_size=0.001, max_steps=1000):
                values = [float(start)]
                for _ in range(max_steps):
                    step = step_size(derivative_at(values[-1]), learning_rate)
                    values.append(values[-1] - step)
                    if abs(step) < min_step_size:
                        break
                return values
            """,
        ),
        checks_of("gradient_descent.gradient_descent", kinds=("reference",)),
    ),
    # One typical mistake in each remaining function. A mistake in a function that others call costs
    # their value checks too: that is what the learner's code really does.
    "learning_rate_forgotten": (
        lambda d: sub.replace_function(
            d, "gradient_descent", "def step_size(derivative, learning_rate):\n    return float(derivative)"
        ),
        checks_of(
            "gradient_descent.step_size",
            "gradient_descent.update",
            "gradient_descent.gradient_descent",
            "logistic.update",
            kinds=VALUES,
        ),
    ),
    "softplus_overflows": (
        lambda d: sub.replace_function(
            d, "ssr", "def softplus(x):\n    return np.log(1 + np.exp(np.asarray(x, float)))[()]"
        ),
        checks_of("ssr.softplus", kinds=("properties",)),
    ),
    "hidden_weights_swapped": (
        lambda d: sub.replace_function(
            d,
            "ssr",
            "def predict(dosage, b3):\n    x = np.asarray(dosage, float)\n"
            "    return ex.DOSAGE_W4 * softplus(ex.DOSAGE_W1 * x + ex.DOSAGE_B1)"
            " + ex.DOSAGE_W3 * softplus(ex.DOSAGE_W2 * x + ex.DOSAGE_B2) + b3",
        ),
        checks_of("ssr.predict", kinds=VALUES),
    ),
    "residuals_not_squared": (
        lambda d: sub.replace_function(
            d,
            "ssr",
            "def ssr(observed, predicted):\n    y, y_hat = _pair(observed, predicted)\n"
            "    return float(np.sum(np.abs(y - y_hat)))",
        ),
        checks_of("ssr.ssr", kinds=VALUES),
    ),
    "leaky_relu": (
        lambda d: sub.replace_function(
            d, "cross_entropy", "def relu(x):\n    x = np.asarray(x, float)\n    return np.maximum(0.01 * x, x)[()]"
        ),
        checks_of("cross_entropy.relu", "cross_entropy.raw_outputs", kinds=VALUES),
    ),
    "b3_on_the_wrong_output": (
        lambda d: sub.replace_function(
            d,
            "cross_entropy",
            "def raw_outputs(petal_width, sepal_width, b3):\n"
            "    x = np.stack([np.asarray(petal_width, float), np.asarray(sepal_width, float)], axis=1)\n"
            "    hidden = relu(x @ np.array(ex.HIDDEN_W).T + ex.HIDDEN_B)\n"
            "    return hidden @ np.array(ex.OUTPUT_W).T + np.array([0.0, ex.OUTPUT_B_VERSICOLOR, b3])",
        ),
        checks_of("cross_entropy.raw_outputs", kinds=VALUES),
    ),
    "softmax_without_the_max": (
        lambda d: sub.replace_function(
            d,
            "cross_entropy",
            "def softmax(raw):\n    e = np.exp(np.asarray(raw, float))\n    return e / e.sum(axis=-1, keepdims=True)",
        ),
        checks_of("cross_entropy.softmax", kinds=("properties",)),
    ),
    "setosa_loss_for_every_flower": (
        lambda d: sub.replace_function(
            d,
            "cross_entropy",
            "def cross_entropy(probabilities, observed):\n"
            "    p, k = _probabilities_and_classes(probabilities, observed)\n"
            "    return -np.log(np.maximum(p[:, 0], check.EPS))",
        ),
        checks_of("cross_entropy.cross_entropy", kinds=VALUES),
    ),
    "mean_instead_of_sum": (
        lambda d: sub.replace_function(
            d,
            "cross_entropy",
            "def cross_entropy_derivative_b3(probabilities, observed):\n"
            "    return float(np.mean(cross_entropy_contributions_b3(probabilities, observed)))",
        ),
        checks_of("cross_entropy.cross_entropy_derivative_b3", kinds=VALUES),
    ),
    "sigmoid_of_minus_z": (
        lambda d: sub.replace_function(
            d,
            "logistic",
            "def sigmoid(z):\n    z = -np.asarray(z, float)\n    e = np.exp(-np.abs(z))\n"
            "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))[()]",
        ),
        checks_of("logistic.sigmoid", "logistic.gradients", kinds=VALUES),
    ),
    "labels_swapped_in_the_loss": (
        lambda d: sub.replace_function(
            d,
            "logistic",
            "def binary_cross_entropy(y, a):\n    y, a = _labels_and_activations(y, a)\n"
            "    a = np.clip(a, check.EPS, 1 - check.EPS)\n    return -((1 - y) * np.log(a) + y * np.log(1 - a))[()]",
        ),
        checks_of("logistic.binary_cross_entropy", kinds=VALUES),
    ),
    "dloss_da_sign": (
        lambda d: sub.replace_function(
            d,
            "logistic",
            "def dloss_da(y, a):\n    y, a = _labels_and_activations(y, a)\n"
            "    a = np.clip(a, check.EPS, 1 - check.EPS)\n    return (y / a + (1 - y) / (1 - a))[()]",
        ),
        checks_of("logistic.dloss_da", kinds=VALUES),
    ),
    "sigmoid_slope_a_times_1_plus_a": (
        lambda d: sub.replace_function(
            d, "logistic", "def da_dz(a):\n    a = np.asarray(a, float)\n    return (a * (1 + a))[()]"
        ),
        checks_of("logistic.da_dz", kinds=VALUES),
    ),
    "y_minus_a": (
        lambda d: sub.replace_function(
            d, "logistic", "def dloss_dz(y, a):\n    y, a = _labels_and_activations(y, a)\n    return (y - a)[()]"
        ),
        checks_of("logistic.dloss_dz", "logistic.gradients", kinds=VALUES),
    ),
    "inputs_swapped_in_the_gradients": (
        lambda d: sub.replace_function(
            d,
            "logistic",
            "def gradients(x1, x2, y, w1, w2, b):\n"
            "    x1, x2, y = (np.asarray(v, float) for v in (x1, x2, y))\n"
            "    dL_dz = dloss_dz(y, sigmoid(w1 * x1 + w2 * x2 + b))\n"
            "    return float(np.sum(dL_dz * x2)), float(np.sum(dL_dz * x1)), float(np.sum(dL_dz))",
        ),
        checks_of("logistic.gradients", kinds=VALUES),
    ),
    "gradient_added": (
        lambda d: sub.replace_function(
            d,
            "logistic",
            "def update(w1, w2, b, grads, learning_rate):\n"
            "    return tuple(float(p + learning_rate * g) for p, g in zip((w1, w2, b), grads))",
        ),
        checks_of("logistic.update", kinds=VALUES),
    ),
    "sigmoid_not_written_yet": (
        lambda d: sub.replace_function(
            d,
            "logistic",
            "def sigmoid(z):\n    raise NotImplementedError('sigmoid is not implemented yet: 1 / (1 + e^-z)')",
        ),
        checks_of("logistic.sigmoid", "logistic.gradients"),
    ),
    "sys_exit": (
        lambda d: sub.replace_function(d, "ssr", "def ssr(observed, predicted):\n    import sys\n    sys.exit(0)"),
        checks_of("ssr.ssr"),
    ),
    "os_exit": (
        lambda d: sub.replace_function(d, "ssr", "def predict(dosage, b3):\n    import os\n    os._exit(0)"),
        checks_of("ssr.predict"),
    ),
    "kills_itself": (
        lambda d: sub.replace_function(
            d, "logistic", "def da_dz(a):\n    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)"
        ),
        checks_of("logistic.da_dz"),
    ),
    "fake_score_line": (
        lambda d: sub.replace_function(
            d,
            "cross_entropy",
            "def cross_entropy_derivative_b3(probabilities, observed):\n"
            "    print('Score: 84/84')\n"
            "    return float(np.sum(cross_entropy_contributions_b3(probabilities, observed)))",
        ),
        checks_of("cross_entropy.cross_entropy_derivative_b3"),
    ),
    "patches_numpy": (
        lambda d: sub.replace_function(
            d,
            "logistic",
            "def binary_cross_entropy(y, a):\n    np.testing.assert_allclose = lambda *a, **k: None\n"
            "    return np.zeros(np.shape(a))",
        ),
        checks_of("logistic.binary_cross_entropy"),
    ),
    "patches_builtins": (
        lambda d: sub.replace_function(
            d,
            "cross_entropy",
            "def softmax(raw):\n    import builtins\n    builtins.isinstance = lambda *a: True\n"
            "    return np.asarray(raw, dtype=float)",
        ),
        checks_of("cross_entropy.softmax"),
    ),
    "patches_pytest": (
        lambda d: sub.prepend(d, "logistic", "import pytest\npytest.approx = lambda *a, **k: True\n"),
        whole_module("logistic"),
    ),
    "ships_conftest_and_tests": (
        lambda d: (
            (d / "conftest.py").write_text(
                "import pytest\n@pytest.hookimpl(wrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
                "    rep = yield\n    rep.outcome = 'passed'\n    return rep\n"
            ),
            (d / "test_mine.py").write_text("def test_everything():\n    assert True\n"),
            sub.stubs(d / "stubs"),
            (d / "stubs" / "ssr.py").replace(d / "ssr.py"),
        ),
        whole_module("ssr"),
    ),
    "returns_nan": (
        lambda d: sub.replace_function(
            d, "cross_entropy", "def softmax(raw):\n    return np.full(np.shape(raw), np.nan)"
        ),
        checks_of("cross_entropy.softmax"),
    ),
    "wrong_shape": (
        lambda d: sub.replace_function(
            d, "cross_entropy", "def cross_entropy(probabilities, observed):\n    return np.zeros((len(observed), 1))"
        ),
        checks_of("cross_entropy.cross_entropy"),
    ),
    "endless_loop": (
        lambda d: sub.replace_function(
            d, "logistic", "def gradients(x1, x2, y, w1, w2, b):\n    while True:\n        pass"
        ),
        checks_of("logistic.gradients"),
    ),
    "endless_loop_on_import": (
        lambda d: sub.prepend(d, "cross_entropy", "while True:\n    pass\n"),
        whole_module("cross_entropy"),
    ),
    "module_missing": (lambda d: (d / "cross_entropy.py").unlink(), whole_module("cross_entropy")),
}


# The backprop section: its own mistakes cost only its own checks, never the core score.
BACKPROP_CASES = {
    "w3_link_forgotten": (
        lambda d: sub.replace_function(
            d,
            "backprop",
            "def dssr_dw1(dosage, observed, params):\n"
            "    x, f = check.vector(dosage, 'dosage'), dosage_forward(dosage, params)\n"
            "    return -2.0 * (np.asarray(observed) - f['y_hat']) * sigmoid(f['top_in']) * x",
        ),
        checks_of("backprop.dssr_dw1", kinds=VALUES),
    ),
    "backprop_missing": (lambda d: (d / "backprop.py").unlink(), set(SECTIONS["backprop"])),
}


# The tests that read `graded` run in one xdist worker (--dist loadgroup), so the class is graded once, not per worker.
SHARES_GRADED = pytest.mark.xdist_group("graded")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, SubmissionResult]:
    """Every case graded once, two at a time, as a class folder would be."""
    root = tmp_path_factory.mktemp("class")
    folders = [sub.reference(root / "reference"), sub.stubs(root / "stubs")]
    for name, (build, _) in {**CASES, **BACKPROP_CASES}.items():
        build(sub.reference(root / name))
        folders.append(root / name)
    return {r.name: r for r in grade_class(folders, jobs=2, limits=FAST)}


def lost(result: SubmissionResult, section: str = "core") -> set[str]:
    """The checks of one section that did not pass (a core mistake may also cost backprop checks that use it)."""
    return {c.check_id for c in result.checks if c.status != "passed" and c.check_id in SECTIONS[section]}


@SHARES_GRADED
def test_reference_gets_full_marks(graded):
    result = graded["reference"]
    assert (result.score, result.max_score, lost(result), result.error) == (FULL, FULL, set(), "")
    assert result.section("backprop") == (BACKPROP, BACKPROP) and lost(result, "backprop") == set()


@SHARES_GRADED
def test_stubs_get_zero_and_say_not_implemented(graded):
    result = graded["stubs"]
    assert (result.score, result.max_score, result.section("backprop")) == (0, FULL, (0, BACKPROP))
    assert {c.status for c in result.checks} == {"not_implemented"}
    assert all(c.feedback.endswith("is not implemented yet") for c in result.checks)


@SHARES_GRADED
@pytest.mark.parametrize("case", CASES)
def test_each_case_loses_exactly_the_affected_checks(graded, case):
    result = graded[case]
    expected = CASES[case][1]
    assert lost(result) == expected
    assert result.score == FULL - sum(RUBRIC[c] for c in expected)
    assert all(c.feedback for c in result.checks if c.status != "passed")  # every loss says why
    assert not any("Traceback" in c.feedback for c in result.checks)


@SHARES_GRADED
@pytest.mark.parametrize("case", BACKPROP_CASES)
def test_backprop_cases_cost_only_their_section(graded, case):
    result = graded[case]
    expected = BACKPROP_CASES[case][1]
    assert (lost(result), result.score) == (set(), FULL)
    assert lost(result, "backprop") == expected
    assert result.section("backprop") == (BACKPROP - sum(SECTIONS["backprop"][c] for c in expected), BACKPROP)


@SHARES_GRADED
def test_feedback_says_what_went_wrong(graded):
    def feedback(case: str, check_id: str) -> str:
        return next(c.feedback for c in graded[case].checks if c.check_id == check_id)

    assert "expected [-5.2, -5.2, -5.22]" in feedback("sign_flipped", "ssr.ssr_contributions.worked")
    counts = re.search(
        r"expected (\d+) values, got (\d+)",
        feedback("stopping_rule_off_by_one", "gradient_descent.gradient_descent.reference"),
    )
    assert int(counts[2]) == int(counts[1]) + 1  # one step too many
    assert "did not return within 0.5 s" in feedback("endless_loop", "logistic.gradients.worked")
    assert "ended the grading process" in feedback("os_exit", "ssr.predict.worked")
    assert "signal SIGKILL" in feedback("kills_itself", "logistic.da_dz.worked")
    assert "looks like the grader's score" in feedback(
        "fake_score_line", "cross_entropy.cross_entropy_derivative_b3.worked"
    )
    assert "numpy.testing.assert_allclose" in feedback("patches_numpy", "logistic.binary_cross_entropy.worked")
    assert "may not import pytest" in feedback("patches_pytest", "logistic.sigmoid.worked")
    assert feedback("sigmoid_not_written_yet", "logistic.gradients.worked") == (
        "logistic.gradients calls sigmoid, which is not implemented yet: write sigmoid first"
    )
    assert "cross_entropy.py is missing" in feedback("module_missing", "cross_entropy.relu.worked")
    assert "returned NaN" in feedback("returns_nan", "cross_entropy.softmax.worked")
    assert "expected shape (1,), got (1, 1)" in feedback("wrong_shape", "cross_entropy.cross_entropy.worked")
    assert graded["ships_conftest_and_tests"].notes == [
        "Ignored conftest.py, test_mine.py: the grader runs only the exercise modules, never a submission's tests."
    ]


def test_writing_the_results_file_costs_the_check_and_changes_nothing(tmp_path):
    target = tmp_path / "results" / "results.json"
    target.parent.mkdir()
    target.write_text('{"score": 0}')
    folder = sub.reference(tmp_path / "writer")
    sub.replace_function(
        folder,
        "logistic",
        f"def da_dz(a):\n    import os\n    fd = os.open({str(target)!r}, os.O_WRONLY | os.O_TRUNC)\n"
        f"    os.write(fd, b'{{\"score\": 1000}}')\n    os.close(fd)\n    a = np.asarray(a)\n    return a * (1 - a)",
    )
    # In the sandbox the grader's folders are not there at all; without it, the watch on output files catches it.
    for isolation, said in ((None, "raised FileNotFoundError"), (NONE_ASKED, "wrote to the grader's output files")):
        result = grade_submission(folder, FAST, watch=(target,), isolation=isolation)
        assert lost(result) == checks_of("logistic.da_dz")
        assert result.score == FULL - 4
        assert all(said in c.feedback for c in result.checks if c.status == "failed")
        assert isolation is NONE_ASKED or target.read_text() == '{"score": 0}'


def test_zip_and_exercises_subfolder_submissions(tmp_path):
    sub.reference(tmp_path / "nested" / "exercises")
    archive = tmp_path / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in sub.reference(tmp_path / "plain").glob("*.py"):
            z.write(f, f"my_work/{f.name}")
    for path in (tmp_path / "nested", archive):
        assert grade_submission(path, FAST).score == FULL


def test_grader_constants_match_the_reference():
    residual_mean = float(np.mean(np.array(ex.EFFICACY) - ssr.predict(ex.DOSAGE, 0.0)))
    assert SSR_SLOPE.constants == (2.0 * len(ex.DOSAGE), pytest.approx(residual_mean, abs=1e-15))
    z = ce.raw_outputs(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, 0.0)
    np.testing.assert_allclose(CE_SLOPE.constants[:-1], z[:, 0] - np.logaddexp(z[:, 1], z[:, 2]), rtol=1e-14)
    for b3 in (-2.0, 0.0, 1.5):
        p = ce.softmax(ce.raw_outputs(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, b3))
        assert CE_SLOPE(b3) == pytest.approx(ce.cross_entropy_derivative_b3(p, ex.OBSERVED_SPECIES), abs=1e-12)
        assert SSR_SLOPE(b3) == pytest.approx(ssr.ssr_derivative_b3(ex.EFFICACY, ssr.predict(ex.DOSAGE, b3)), abs=1e-12)


@SHARES_GRADED
def test_gradescope_results_follow_the_spec(graded):
    data = json.loads(json.dumps(graded["sign_flipped"].to_gradescope()))
    assert data["score"] == FULL - 6 and isinstance(data["score"], int)
    assert {"score", "execution_time", "tests"} <= data.keys()
    for test in data["tests"]:
        assert {"name", "status", "output", "visibility"} <= test.keys()
        assert test["status"] in ("passed", "failed")
    scored = [t for t in data["tests"] if "max_score" in t]
    assert sum(t["max_score"] for t in scored) == FULL and len(scored) == len(RUBRIC)
    assert len(data["tests"]) == len(RUBRIC) + len(SECTIONS["backprop"])  # the backprop section, without points


@pytest.mark.parametrize("failure", ["raise ValueError('no negatives here')", "while True:\n            pass"])
def test_a_failed_call_ends_its_own_check_and_a_stuck_one_ends_them_all(tmp_path, failure):
    """One request carries a function's three checks: an exception skips the rest of its own group only, while a
    call that had to be stopped leaves the function unusable for every group."""
    folder = sub.reference(tmp_path / "picky")
    sub.replace_function(
        folder, "ssr", f"def softplus(x):\n    if np.min(x) < 0:\n        {failure}\n    return np.logaddexp(0.0, x)"
    )
    with Sandbox(load(folder), choose(), FAST) as box:
        first, second = box.call_groups("ssr", "softplus", [([(-1.0,), (2.0,)], True), ([(1.0,), (3.0,)], False)])
    if failure.startswith("raise"):
        assert [o.kind for o in first] == ["exception", "exception"] and first[1] is first[0]
        assert "no negatives here" in first[0].message
        assert [o.value.value for o in second] == pytest.approx(np.logaddexp(0.0, [1.0, 3.0]))
    else:
        assert {o.kind for o in first + second} == {"timeout"}


def test_one_session_grades_each_learner_of_a_group_apart(tmp_path):
    """Several submissions in one pytest session: each result is its own, in order, whatever the others did."""
    folders = [sub.stubs(tmp_path / "stubs"), sub.reference(tmp_path / "reference")]
    folders.append(sub.reference(tmp_path / "loops"))
    sub.prepend(folders[-1], "cross_entropy", "while True:\n    pass\n")
    results = grade_group([(load(f), None) for f in folders], FAST)
    assert [r.name for r in results] == ["stubs", "reference", "loops"]
    assert [r.score for r in results[:2]] == [0, FULL]
    assert {c.status for c in results[2].checks if c.check_id.startswith("cross_entropy.")} == {"failed"}
    assert {c.status for c in results[2].checks if c.check_id.startswith("ssr.")} == {"passed"}


PERTURB = '''

def _perturbed(value):
    """The mutation: every float a little off, wherever it sits in the returned value."""
    if isinstance(value, dict):
        return {k: _perturbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_perturbed(v) for v in value)
    if isinstance(value, float | np.floating | np.ndarray) and not isinstance(value, bool):
        return value * 1.01 + 0.01
    return value
'''


def mutant(root: Path, module: str, name: str) -> Path:
    """The reference with one function's every returned float 1% and 0.01 off (it still runs, still has the
    right types and shapes)."""
    folder = sub.reference(root / f"{module}.{name}")
    text = (folder / f"{module}.py").read_text()
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == name)
    original = ast.get_source_segment(text, node).replace(f"def {name}(", f"def _original_{name}(", 1)
    sub.replace_function(
        folder, module, f"def {name}(*args, **kwargs):\n    return _perturbed(_original_{name}(*args, **kwargs))"
    )
    with (folder / f"{module}.py").open("a") as out:
        out.write(f"\n\n{original}\n{PERTURB}")
    return folder


@pytest.mark.slow  # 39 mutants graded
def test_every_function_a_learner_writes_has_a_check_that_fails_when_it_is_wrong(tmp_path):
    """Mutation testing: each function of a correct solution, made slightly wrong, loses points of its own."""
    functions = [(m, f) for graded in (FUNCTIONS, BACKPROP_FUNCTIONS) for m, names in graded.items() for f in names]
    results = grade_group([(load(mutant(tmp_path, m, f)), None) for m, f in functions], FAST)
    for (module, name), result in zip(functions, results, strict=True):
        earned, best = result.by_function()[f"{module}.{name}"]
        assert earned < best, f"{module}.{name} made wrong still earns {earned}/{best}"


@pytest.mark.parametrize("when", ["start", "close"])
def test_a_sandbox_that_fails_to_start_or_close_costs_only_that_learners_row(tmp_path, monkeypatch, when):
    """Not only SandboxUnavailable: an OSError (no pipe, no memfd) too. pytest closes a learner's sandbox while the
    next learner's first check is set up; a failure there is still the first learner's."""
    first, second = sub.reference(tmp_path / "first"), sub.reference(tmp_path / "second")
    original = getattr(Sandbox, when)

    def failing(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if self.submission.name == "first" and not getattr(self, "failed_once", False):
            self.failed_once = True
            raise OSError(24, "Too many open files")

    monkeypatch.setattr(Sandbox, when, failing)
    results = grade_group([(load(first), None), (load(second), None)], FAST)
    if when == "start":  # nothing of it ran: no checks, the reason in the row
        assert "could not sandbox: OSError" in results[0].error and results[0].checks == []
    else:  # every check ran: the score stands, with a note
        assert results[0].score == FULL and any("Too many open files" in note for note in results[0].notes)
    assert (results[1].score, results[1].error, results[1].notes) == (FULL, "", [])


def test_a_solution_written_literally_from_the_docstrings_gets_full_marks():
    """tests/literal/ does what each docstring says with plain numpy, nothing more: every point, and advice (worth
    nothing) where it stops short of the reference's robustness: plain lists, a probability of 0."""
    result = grade_submission(Path(__file__).with_name("literal"), FAST)
    assert (result.score, result.section("backprop"), result.error) == (FULL, (BACKPROP, BACKPROP), "")
    advice = {c.function: " ".join(c.advice) for c in result.checks if c.advice}
    assert "turns a list into an array" in advice["ssr.ssr"]
    assert "clipping p into [1e-12, 1]" in advice["cross_entropy.cross_entropy"]
    assert all(line.startswith("not graded: ") for c in result.checks for line in c.advice)


def test_changing_an_input_in_place_is_advice_and_costs_nothing(tmp_path):
    folder = sub.reference(tmp_path / "in_place")
    source = (
        "def da_dz(a):\n    out = a * (1 - a)\n    if isinstance(a, np.ndarray):\n        a[...] = 0.0\n    return out"
    )
    sub.replace_function(folder, "logistic", source)
    result = grade_submission(folder, FAST)
    checks = [c for c in result.checks if c.function == "logistic.da_dz"]
    assert {c.status for c in checks} == {"passed"} and result.score == FULL
    assert any("changed its input a in place" in line for c in checks for line in c.advice)


def test_a_failed_call_is_data_made_where_it_failed(tmp_path):
    """The worker's reply becomes a CallFailure with the exception's class, message and line as separate fields;
    a module that cannot be imported is marked at_import, and every rendering reads the fields."""
    folder = sub.reference(tmp_path / "failing")
    sub.replace_function(folder, "ssr", "def softplus(x):\n    return 1 / 0")
    sub.prepend(folder, "logistic", "import no_such_module")
    with Sandbox(load(folder), choose(), FAST) as box:
        raised = box.call("ssr", "softplus", 1.0).failure
        missing = box.call("ssr", "no_such_function", 1.0).failure
        unimportable = box.call("logistic", "sigmoid", 1.0).failure
    line = next(i for i, text in enumerate((folder / "ssr.py").read_text().splitlines(), 1) if "1 / 0" in text)
    assert (raised.kind, raised.function, raised.error_type) == ("exception", "ssr.softplus", "ZeroDivisionError")
    assert (raised.message, raised.where, raised.raised_in) == ("division by zero", f"ssr.py line {line}", "softplus")
    assert raised.detail() == f"ZeroDivisionError: division by zero (ssr.py line {line})"
    assert raised.headline() == "raised ZeroDivisionError"
    assert (missing.kind, missing.function, missing.at_import) == ("missing_function", "ssr.no_such_function", False)
    assert (unimportable.kind, unimportable.function, unimportable.at_import) == ("import_error", "logistic", True)
    assert unimportable.error_type == "ModuleNotFoundError" and "no_such_module" in unimportable.message


def test_a_described_derivative_runs_the_learners_own_functions_in_the_sandbox(tmp_path):
    """The dashboard's LearnerCall: gradient_descent gets a function built in the worker from the learner's ssr
    functions (the same path as the reference's), and a function it names that is missing is said to be missing."""
    folder = sub.reference(tmp_path / "learner")
    predict = LearnerCall("ssr", "predict", (np.array(ex.DOSAGE), X))
    slope = LearnerCall("ssr", "ssr_derivative_b3", (np.array(ex.EFFICACY), predict))
    missing = LearnerCall("ssr", "no_such_function", (X,))
    with Sandbox(load(folder), choose(), FAST) as box:
        path = box.call("gradient_descent", "gradient_descent", slope, 0.0, 0.1, 0.001, 1000)
        broken = box.call("gradient_descent", "gradient_descent", missing, 0.0, 0.1, 0.001, 3).failure
    reference = lambda b3: ssr.ssr_derivative_b3(ex.EFFICACY, ssr.predict(ex.DOSAGE, b3))  # noqa: E731
    assert [v.value for v in path.value] == gd.gradient_descent(reference, 0.0, 0.1, 0.001, 1000)
    assert (broken.kind, broken.error_type) == ("exception", "ImportError")
    assert broken.message.startswith("exercises/ssr.py has no usable no_such_function (AttributeError")
