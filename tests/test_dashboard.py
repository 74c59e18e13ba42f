"""Headless tests of every dashboard page with Streamlit's AppTest: article values, buttons, controls, divergence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[1] / "dashboard" / "app.py")
PAGES = ["views/overview.py", "views/ssr.py", "views/cross_entropy.py", "views/sigmoid.py"]
B3_PAGES = {"ssr": "views/ssr.py", "ce": "views/cross_entropy.py"}


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    return at.switch_page(page).run()


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The first dataframe on the page that has this column (AppTest does not expose a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def metric(at: AppTest, label: str) -> float:
    return float(next(m.value for m in at.metric if m.label.startswith(label)))


def text(at: AppTest) -> str:
    """Every markdown, caption, info and error text on the page."""
    return "\n".join(e.value for kind in (at.markdown, at.caption, at.info, at.error) for e in kind)


def numbers_are_finite(at: AppTest) -> bool:
    frames = [d.value.select_dtypes("number") for d in at.dataframe]
    return all(np.isfinite(f.to_numpy(dtype=float)).all() for f in frames)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(page):
    at = open_page(page)
    assert not at.exception
    assert at.title[0].value
    assert numbers_are_finite(at)


def test_ssr_page_shows_the_article_values():
    at = open_page("views/ssr.py")
    predictions = table(at, "predicted y_hat")
    assert [round(v, 2) for v in predictions["predicted y_hat"]] == [-2.60, -1.61, -2.61]
    assert round(metric(at, "dSSR/db3"), 1) == -15.7
    assert abs(metric(at, "central finite difference") - metric(at, "dSSR/db3")) < 1e-4
    contributions = table(at, "term = product")
    assert contributions["term = product"].sum() == pytest.approx(-15.6551, abs=1e-4)
    for printed in ("article -2.6 ", "article -1.6 ", "article -2.61 ", "article -15.7 ", "article 2.19 "):
        assert printed in text(at)


def test_cross_entropy_page_shows_the_article_values():
    at = open_page("views/cross_entropy.py")
    predictions = table(at, "p Setosa")
    assert [round(v, 2) for v in predictions["p Setosa"]] == [0.15, 0.04, 0.04]
    assert list(predictions["observed"]) == ["Setosa", "Virginica", "Versicolor"]
    assert round(metric(at, "dCE/db3"), 2) == -0.77
    assert abs(metric(at, "central finite difference") - metric(at, "dCE/db3")) < 1e-4
    words = list(table(at, "in words")["in words"])
    assert words[0] == "p_Setosa - 1 because Setosa was observed"
    assert "article -0.77 · computed -0.7732" in text(at)


@pytest.mark.parametrize(("prefix", "after_one_step"), [("ssr", 1.57), ("ce", -1.23)])
def test_one_step_moves_b3_as_in_the_article(prefix, after_one_step):
    at = open_page(B3_PAGES[prefix])
    at.button(key=f"{prefix}_step").click().run()
    assert not at.exception
    assert round(at.number_input(key=f"{prefix}_b3").value, 2) == after_one_step
    history = table(at, "new b3")
    assert len(history) == 1 and round(history["new b3"][0], 2) == after_one_step
    assert "Step 1: b3 moved from" in text(at)


@pytest.mark.parametrize(("prefix", "converged"), [("ssr", 2.61), ("ce", -0.03)])
def test_run_to_convergence_ends_where_the_article_does(prefix, converged):
    at = open_page(B3_PAGES[prefix])
    at.button(key=f"{prefix}_run").click().run()
    assert not at.exception
    assert round(at.number_input(key=f"{prefix}_b3").value, 2) == converged
    assert len(table(at, "new b3")) == 9
    assert "Converged after 9" in text(at)
    at.button(key=f"{prefix}_reset").click().run()
    assert at.number_input(key=f"{prefix}_b3").value in (0.0, -2.0)
    assert "No steps yet" in text(at)


@pytest.mark.parametrize(("prefix", "value"), [("ssr", 1.5655), ("ce", 0.5)])
def test_moving_b3_changes_the_tables(prefix, value):
    at = open_page(B3_PAGES[prefix])
    before = table(at, "squared residual" if prefix == "ssr" else "p Setosa")
    at.number_input(key=f"{prefix}_b3").set_value(value).run()
    assert not at.exception
    assert not table(at, "squared residual" if prefix == "ssr" else "p Setosa").equals(before)
    if prefix == "ssr":
        assert round(metric(at, "dSSR/db3"), 2) == -6.26


@pytest.mark.parametrize("prefix", ["ssr", "ce"])
def test_a_huge_learning_rate_reports_divergence_in_words(prefix):
    at = open_page(B3_PAGES[prefix])
    at.number_input(key=f"{prefix}_lr").set_value(1000.0).run()
    at.button(key=f"{prefix}_run").click().run()
    assert not at.exception
    assert "diverged" in at.error[0].value and "smaller learning rate" in at.error[0].value
    at.button(key=f"{prefix}_step").click().run()
    assert not at.exception and at.error
    assert numbers_are_finite(at)


@pytest.mark.parametrize("prefix", ["ssr", "ce"])
def test_a_learning_rate_that_overshoots_stops_the_run(prefix):
    at = open_page(B3_PAGES[prefix])
    at.number_input(key=f"{prefix}_lr").set_value(2.0 if prefix == "ssr" else 30.0).run()
    at.button(key=f"{prefix}_run").click().run()
    assert not at.exception
    assert "loss grew" in at.error[0].value
    assert numbers_are_finite(at)


@pytest.mark.parametrize("page", PAGES[1:])
def test_extreme_control_values_do_not_crash(page):
    at = open_page(page)
    for box in at.number_input:
        box.set_value(box.max)
    at.run()
    press_step_and_run(at)
    for box in at.number_input:
        if box.min < 0:
            box.set_value(box.min)
    at.run()
    press_step_and_run(at)
    assert numbers_are_finite(at)


def press_step_and_run(at: AppTest) -> None:
    for button in [b for b in at.button if b.key.endswith(("_step", "_run"))]:
        at.button(key=button.key).click().run()
        assert not at.exception


def test_sigmoid_page_matches_the_hand_worked_example():
    at = open_page("views/sigmoid.py")
    assert round(metric(at, "total loss"), 4) == 3.5432
    update = table(at, "central finite difference")
    assert [round(v, 4) for v in update["derivative dL/dparam (sum)"]] == [-2.4593, -0.7106, -0.8693]
    assert np.allclose(update["central finite difference"], update["derivative dL/dparam (sum)"], atol=1e-5)
    at.button(key="sig_step").click().run()
    assert not at.exception
    assert [round(at.number_input(key=k).value, 4) for k in ("sig_w1", "sig_w2", "sig_b")] == [0.7459, 0.5711, -1.9131]
    assert round(metric(at, "total loss"), 4) == 3.1202


def test_sigmoid_controls_run_and_divergence():
    at = open_page("views/sigmoid.py")
    before = table(at, "a = sigmoid(z)")
    at.number_input(key="sig_w2").set_value(-1.0).run()
    assert not table(at, "a = sigmoid(z)").equals(before)
    at.radio(key="sig_curve_param").set_value("b").run()
    at.button(key="sig_reset").click().run()
    at.button(key="sig_run").click().run()
    assert not at.exception
    assert "Stopped after the maximum of 1000 steps" in text(at)
    at.button(key="sig_run").click().run()
    assert "Converged after 162 more steps" in text(at)
    at.number_input(key="sig_lr").set_value(1000.0).run()
    at.button(key="sig_run").click().run()
    assert not at.exception and "diverged" in at.error[0].value


def test_a_clipped_loss_is_explained_not_hidden():
    at = open_page("views/cross_entropy.py")
    assert not at.warning
    at.number_input(key="ce_b3").set_value(100.0).run()
    assert not at.exception
    assert "clipped" in at.warning[0].value
    assert round(metric(at, "dCE/db3"), 4) == 2.0


def _reference_numbers(prefix: str, b3: float) -> dict[str, np.ndarray]:
    """What solutions/ itself returns at b3, called here directly (not through the dashboard)."""
    from data import examples as ex
    from solutions import cross_entropy as ce
    from solutions import ssr

    if prefix == "ssr":
        y_hat = ssr.predict(ex.DOSAGE, b3)
        return {
            "predicted y_hat": y_hat,
            "term = product": ssr.ssr_contributions(ex.EFFICACY, y_hat),
            "SSR": np.array([ssr.ssr(ex.EFFICACY, y_hat)]),
            "dSSR/db3": np.array([ssr.ssr_derivative_b3(ex.EFFICACY, y_hat)]),
        }
    p = ce.softmax(ce.raw_outputs(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, b3))
    return {
        "p Setosa": p[:, 0],
        "cross-entropy -ln p_observed": ce.cross_entropy(p, ex.OBSERVED_SPECIES),
        "term = product": ce.cross_entropy_contributions_b3(p, ex.OBSERVED_SPECIES),
        "total cross-entropy": np.array([np.sum(ce.cross_entropy(p, ex.OBSERVED_SPECIES))]),
        "dCE/db3": np.array([ce.cross_entropy_derivative_b3(p, ex.OBSERVED_SPECIES)]),
    }


@pytest.mark.parametrize(("prefix", "b3"), [("ssr", 1.3), ("ce", -0.7)])
def test_each_b3_page_shows_the_reference_functions_numbers(prefix, b3):
    """Every number on a b3 page is the reference's own output: tables, totals and gradient descent's path."""
    from data import examples as ex
    from solutions import gradient_descent as gd
    from tests.helpers import dce_db3_at, dssr_db3_at

    at = open_page(B3_PAGES[prefix])
    at.number_input(key=f"{prefix}_b3").set_value(b3).run()
    for name, expected in _reference_numbers(prefix, b3).items():
        if len(expected) == 1:  # a metric, printed to 4 decimals
            assert metric(at, name) == pytest.approx(expected[0], abs=5e-5), name
        else:  # a table column, at full precision
            np.testing.assert_allclose(table(at, name)[name].to_numpy(), expected, rtol=1e-12, atol=1e-12)
    at.button(key=f"{prefix}_run").click().run()
    history = table(at, "new b3")
    lr = at.number_input(key=f"{prefix}_lr").value
    slope = dssr_db3_at if prefix == "ssr" else dce_db3_at
    path = gd.gradient_descent(slope, b3, lr, ex.MIN_STEP_SIZE, ex.MAX_STEPS)
    np.testing.assert_allclose([history["old b3"][0], *history["new b3"]], path, rtol=1e-12, atol=1e-12)


def test_the_sigmoid_page_shows_the_reference_functions_numbers():
    from data import examples as ex
    from solutions import logistic as lg

    at = open_page("views/sigmoid.py")
    params = ex.SIGMOID_START
    z = params[0] * np.array(ex.SIGMOID_X1) + params[1] * np.array(ex.SIGMOID_X2) + params[2]
    a = lg.sigmoid(z)
    np.testing.assert_allclose(table(at, "a = sigmoid(z)")["a = sigmoid(z)"], a, rtol=1e-12)
    np.testing.assert_allclose(table(at, "loss")["loss"], lg.binary_cross_entropy(ex.SIGMOID_Y, a), rtol=1e-12)
    grads = lg.gradients(ex.SIGMOID_X1, ex.SIGMOID_X2, ex.SIGMOID_Y, *params)
    update = table(at, "derivative dL/dparam (sum)")
    np.testing.assert_allclose(update["derivative dL/dparam (sum)"], grads, rtol=1e-12)
    np.testing.assert_allclose(update["new value"], lg.update(*params, grads, ex.SIGMOID_LEARNING_RATE), rtol=1e-12)
    at.number_input(key="sig_max_steps").set_value(20).run()
    at.button(key="sig_run").click().run()
    history = table(at, "new w1")
    for row in history.itertuples(index=False):
        params = lg.update(*params, lg.gradients(ex.SIGMOID_X1, ex.SIGMOID_X2, ex.SIGMOID_Y, *params), 0.1)
        np.testing.assert_allclose([row[-4], row[-3], row[-2]], params, rtol=1e-12)
    assert len(history) == 20
