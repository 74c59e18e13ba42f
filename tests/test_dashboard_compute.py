"""The dashboard's number helpers: they agree with solutions/, chunked runs match whole ones, the chain rule holds."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pandas as pd
import pytest

from dashboard import charts, compute, mathsource
from dashboard.cachekey import cache_key, loads
from dashboard.examples import CE, SSR
from data import examples as ex
from grader.sandbox import CallFailure
from solutions import gradient_descent as gd
from solutions import logistic as lg
from solutions._validate import Diverged
from tests.helpers import dce_db3_at, dssr_db3_at

SLOPES = {"ssr": dssr_db3_at, "ce": dce_db3_at}  # written out in tests/helpers.py, independently of the dashboard


def path(run: compute.Run) -> list[float]:
    return [run.rows[0].old, *(row.new for row in run.rows)]


@pytest.mark.parametrize("example", [SSR, CE], ids=["ssr", "ce"])
def test_descent_visits_what_solutions_gradient_descent_visits(example):
    start, lr = example.start, example.learning_rate
    run = compute.descent(example, start, lr, ex.MAX_STEPS)
    assert run.converged and run.problem is None
    assert path(run) == gd.gradient_descent(SLOPES[example.key], start, lr, ex.MIN_STEP_SIZE, ex.MAX_STEPS)
    for row in run.rows:
        assert row.step_size == gd.step_size(row.derivative, lr) and row.new == gd.update(row.old, row.derivative, lr)


@pytest.mark.parametrize("example", [SSR, CE], ids=["ssr", "ce"])
def test_a_run_in_chunks_matches_one_whole_run(example):
    start, lr = example.start, example.learning_rate
    whole = compute.descent(example, start, lr, ex.MAX_STEPS)
    rows, value, part = [], start, compute.Run((), False, None)
    while not part.converged:
        part = compute.descent(example, value, lr, 2)
        rows += part.rows
        value = rows[-1].new
    assert tuple(rows) == whole.rows


@pytest.mark.parametrize("example", [SSR, CE], ids=["ssr", "ce"])
def test_divergence_stops_with_words_and_finite_numbers(example):
    for lr in (5.0, 50.0, 1000.0):
        run = compute.descent(example, example.start, lr, ex.MAX_STEPS)
        assert not run.converged and "diverged" in run.problem
        assert all(np.isfinite(v) and abs(v) <= compute.PARAM_LIMIT for row in run.rows for v in row)


def test_a_step_that_would_leave_the_range_is_refused():
    run = compute.step(SSR, 0.0, 1000.0)
    assert run.rows == () and "outside the range" in run.problem


@pytest.mark.parametrize("b3", [-50.0, -2.0, 0.0, 2.6, 30.0])
def test_each_contribution_is_the_product_of_its_chain_rule_factors(b3):
    ssr_table = compute.contributions(SSR, b3)
    assert np.allclose(ssr_table.iloc[:, 1] * ssr_table.iloc[:, 2], ssr_table["term = product"])
    ce_table = compute.contributions(CE, b3)
    product = ce_table.iloc[:, 1] * ce_table.iloc[:, 2] * ce_table.iloc[:, 3]
    assert np.allclose(product, ce_table["term = product"], atol=1e-12)


@pytest.mark.parametrize("params", [ex.SIGMOID_START, (2.0, -1.0, 0.5), (-3.0, 4.0, 1.0)])
def test_sigmoid_terms_add_up_to_the_gradients(params):
    table = compute.sigmoid_contributions(params)
    assert np.allclose(table["dL/da"] * table["da/dz = a(1-a)"], table["dL/dz = a - y"])
    sums = (table["term w1"].sum(), table["term w2"].sum(), table["term b"].sum())
    assert np.allclose(sums, compute.sigmoid_gradients(params))
    assert np.allclose(compute.sigmoid_numeric_gradients(params), sums, atol=1e-5)


def test_sigmoid_descent_matches_repeated_logistic_updates():
    run = compute.sigmoid_descent(ex.SIGMOID_START, ex.SIGMOID_LEARNING_RATE, 50)
    params = ex.SIGMOID_START
    for row in run.rows:
        grads = lg.gradients(ex.SIGMOID_X1, ex.SIGMOID_X2, ex.SIGMOID_Y, *params)
        params = lg.update(*params, grads, ex.SIGMOID_LEARNING_RATE)
        assert row.new == params
    assert len(run.rows) == 50 and not run.converged


def test_window_and_thin():
    assert compute.window((-1.0, 6.0), ()) == (-1.0, 6.0)
    assert compute.window((-1.0, 6.0), (7.83, -0.2)) == (-1.0, 8.0)
    assert compute.window((-1.0, 6.0), (1e9,)) == (-1.0, compute.PARAM_LIMIT)
    long = tuple(range(1001))
    thinned = compute.thin(long)
    assert len(thinned) <= 200 and thinned[0] == 0 and thinned[-1] == 1000
    assert compute.thin((1, 2, 3)) == (1, 2, 3)


@pytest.mark.parametrize(("w1", "w2", "b"), [(0.5, 0.5, -2.0), (1.0, 0.0, -2.0), (0.0, 0.0, 1.0)])
def test_boundary_points_lie_where_z_is_zero(w1, w2, b):
    line = charts.boundary_points(w1, w2, b, (0.0, 4.0))
    if w1 == w2 == 0:
        assert line.empty
    else:
        assert np.allclose(w1 * line["x1"] + w2 * line["x2"] + b, 0.0)


@pytest.mark.parametrize("example", [SSR, CE], ids=["ssr", "ce"])
def test_a_flipped_slope_is_told_apart_from_a_learning_rate_that_is_too_large(example):
    too_large = compute.descent.__wrapped__(example, example.start, 5.0, ex.MAX_STEPS)
    assert "Try a smaller learning rate" in too_large.problem and "sign" not in too_large.problem
    flipped = dataclasses.replace(example, key=f"{example.key}_flipped", slope=lambda b3: -example.slope(b3))
    run = compute.descent.__wrapped__(flipped, example.start, 0.05, 100)  # a step far too short to overshoot
    assert "the derivative's sign looks wrong" in run.problem and example.slope_functions in run.problem
    assert "smaller learning rate" not in run.problem


def test_a_flipped_sigmoid_gradient_is_told_apart_too(monkeypatch):
    right = compute._sigmoid_gradients
    monkeypatch.setattr(compute, "_sigmoid_gradients", lambda params: tuple(-g for g in right(params)))
    run = compute.sigmoid_descent.__wrapped__(ex.SIGMOID_START, 0.01, 50)
    assert "the derivative's sign looks wrong" in run.problem and "dloss_dz and gradients" in run.problem


def test_a_run_that_gradient_descent_itself_stops_keeps_its_path_and_says_why():
    """A slope that turns infinite past b3 = 2.5 makes solutions' gradient_descent raise Diverged in the run's second
    stretch: the page keeps the steps made before it, and gradient_descent's own message for the whole run (so the
    step it names counts from the run's start, not the stretch's)."""
    broken = dataclasses.replace(SSR, key="ssr_inf", slope=lambda b3: np.inf if b3 > 2.5 else SSR.slope(b3))
    lr = 0.01  # slow enough that b3 passes 2.5 after more than one stretch
    with pytest.raises(Diverged) as whole:
        gd.gradient_descent(broken.slope, SSR.start, lr, ex.MIN_STEP_SIZE, ex.MAX_STEPS)
    run = compute.descent.__wrapped__(broken, SSR.start, lr, ex.MAX_STEPS)
    assert whole.value.step > compute.STRETCH and run.problem == str(whole.value) and not run.converged
    made = gd.gradient_descent(broken.slope, SSR.start, lr, ex.MIN_STEP_SIZE, whole.value.step)
    assert path(run) == made and made[-1] > 2.5


def test_a_learners_gradient_descent_is_held_to_its_docstring(monkeypatch):
    """Start first and at most max_steps + 1 values: one that returns more, or loses the start, is told so."""
    right = compute.gd.gradient_descent
    for wrong in (lambda *a: [*right(*a), 9.0, 9.0], lambda *a: right(*a)[1:], lambda *a: []):
        monkeypatch.setattr(compute.gd, "gradient_descent", wrong)
        with pytest.raises(mathsource.NotWritten) as told:
            compute.descent.__wrapped__(SSR, 2.0, 0.001, 3)  # three steps: too short to converge
        failure = told.value.failure
        assert failure.kind == "wrong_shape" and "docstring promises start (2) first" in failure.message


def test_in_a_release_the_valueerror_gradient_descents_docstring_asks_for_is_a_divergence(monkeypatch):
    monkeypatch.setattr(mathsource, "REFERENCE", False)
    said = CallFailure("exception", "gradient_descent.gradient_descent", "diverged at step 7", error_type="ValueError")
    assert (
        mathsource.divergence(mathsource.NotWritten(said))
        == "your gradient_descent stopped the run: diverged at step 7"
    )
    other = CallFailure("exception", "gradient_descent.gradient_descent", "oops", error_type="TypeError")
    assert mathsource.divergence(mathsource.NotWritten(other)) is None
    assert mathsource.divergence(Diverged("overflow", 3)) is None  # the reference's type means nothing in a release


def test_cache_keys_depend_on_values_alone():
    """Equal values give equal keys wherever the arrays came from (plain pickle does not: a second array that shares
    the first's dtype object is pickled as a back-reference), and any change of value, dtype or shape a new key."""
    a, b = np.array([1.0, 2.0]), np.array([3.0])
    copied = pickle.loads(pickle.dumps(a))
    assert pickle.dumps((a, b)) != pickle.dumps((copied, b))  # why cache_key exists
    assert cache_key(a, b) == cache_key(copied, b)
    others = [np.array([1.0, 2.5]), np.array([1, 2]), np.array([[1.0, 2.0]]), np.array([1.0, 2.0], dtype=np.float32)]
    assert len({cache_key(x, b) for x in [a, *others]}) == 5
    table = pd.DataFrame({"b3": [0.0, -0.0], "name": ["x", "y"]})
    assert loads(cache_key(table))[0].equals(table) and cache_key(table) == cache_key(pickle.loads(pickle.dumps(table)))
