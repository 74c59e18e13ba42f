"""Every number the articles print, at the articles' precision, and the reference file's full-precision values."""

from __future__ import annotations

import numpy as np
import pytest

from data import examples as ex
from solutions import cross_entropy as ce
from solutions import gradient_descent as gd
from solutions import ssr
from tests.helpers import dce_db3_at, dssr_db3_at, probabilities_at


def article(value: float, decimals: int) -> float:
    """A computed value rounded the way the article printed it."""
    return round(float(value), decimals)


@pytest.fixture(scope="module")
def ssr_path() -> list[float]:
    return gd.gradient_descent(dssr_db3_at, ex.SSR_START_B3, ex.SSR_LEARNING_RATE)


@pytest.fixture(scope="module")
def ce_path() -> list[float]:
    return gd.gradient_descent(dce_db3_at, ex.CE_START_B3, ex.CE_LEARNING_RATE)


# --- Sum of squared residuals ---------------------------------------------------------------


def test_ssr_article_first_step_predictions_and_gradient():
    y_hat = ssr.predict(ex.DOSAGE, 0.0)
    assert [article(v, 2) for v in y_hat] == [-2.60, -1.61, -2.61]  # article: -2.6, -1.6, -2.61
    assert abs(y_hat[1] - (-1.6)) <= 0.01
    assert article(ssr.ssr_derivative_b3(ex.EFFICACY, y_hat), 1) == -15.7


def test_ssr_article_step_size_and_new_b3():
    d = dssr_db3_at(ex.SSR_START_B3)
    assert article(gd.step_size(d, ex.SSR_LEARNING_RATE), 2) == -1.57
    assert article(gd.update(ex.SSR_START_B3, d, ex.SSR_LEARNING_RATE), 2) == 1.57


def test_ssr_article_second_step(ssr_path):
    b3 = ssr_path[1]
    # The article's second-step predictions came from a figure: each is within 0.01 of ours.
    assert np.all(np.abs(ssr.predict(ex.DOSAGE, 1.57) - np.array([-1.03, -0.03, -1.04])) <= 0.01)
    assert article(dssr_db3_at(b3), 2) == -6.26
    assert article(ssr_path[2], 2) == 2.19


def test_ssr_article_converges_at_2_61(ssr_path):
    assert article(ssr_path[-1], 2) == 2.61


def test_ssr_reference_full_precision(ssr_path):
    np.testing.assert_allclose(ssr.predict(ex.DOSAGE, 0.0), [-2.6037, -1.6090, -2.6149], atol=5e-5)
    np.testing.assert_allclose(ssr_path[:4], [0.0, 1.5655, 2.1917, 2.4422], atol=5e-5)
    np.testing.assert_allclose([dssr_db3_at(b) for b in ssr_path[:3]], [-15.6551, -6.2620, -2.5048], atol=5e-5)
    assert len(ssr_path) == 10  # steps 0..9; step 9's size -0.0004 is below 0.001, so it is not applied
    assert ssr_path[-1] == pytest.approx(2.6085, abs=5e-5)
    assert dssr_db3_at(ssr_path[-1]) == pytest.approx(-0.0041, abs=5e-5)
    optimum = np.mean(np.array(ex.EFFICACY) - ssr.predict(ex.DOSAGE, 0.0))
    assert optimum == pytest.approx(2.6092, abs=5e-5)
    assert dssr_db3_at(optimum) == pytest.approx(0.0, abs=1e-12)


# --- Cross-entropy with SoftMax -------------------------------------------------------------


def test_ce_article_probabilities_and_terms():
    p = probabilities_at(ex.CE_START_B3)
    assert [article(v, 2) for v in p[:, 0]] == [0.15, 0.04, 0.04]
    terms = ce.cross_entropy_contributions_b3(p, ex.OBSERVED_SPECIES)
    assert [article(v, 2) for v in terms] == [-0.85, 0.04, 0.04]
    assert article(ce.cross_entropy_derivative_b3(p, ex.OBSERVED_SPECIES), 2) == -0.77


def test_ce_article_update_and_convergence(ce_path):
    assert article(ce_path[1], 2) == -1.23
    assert article(ce_path[-1], 2) == -0.03


def test_ce_reference_full_precision(ce_path):
    z = ce.raw_outputs(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, ex.CE_START_B3)
    np.testing.assert_allclose(z, [[-0.9632, 0.0032, 0.1352], [-2.0, 0.0, 1.0], [-1.9102, 0.8632, 0.1042]], atol=5e-5)
    p = ce.softmax(z)
    expected_p = [[0.1509, 0.3966, 0.4525], [0.0351, 0.2595, 0.7054], [0.0408, 0.6533, 0.3059]]
    np.testing.assert_allclose(p, expected_p, atol=5e-5)
    np.testing.assert_allclose(ce.cross_entropy(p, ex.OBSERVED_SPECIES), [1.8913, 0.3490, 0.4256], atol=5e-5)
    terms = ce.cross_entropy_contributions_b3(p, ex.OBSERVED_SPECIES)
    np.testing.assert_allclose(terms, [-0.8491, 0.0351, 0.0408], atol=5e-5)
    assert ce.cross_entropy_derivative_b3(p, ex.OBSERVED_SPECIES) == pytest.approx(-0.7732, abs=5e-5)
    assert ce_path[1] == pytest.approx(-1.2268, abs=5e-5)


def test_ce_stopping_rule_against_reference_figure(ce_path):
    # The reference's -0.0323 applies the last, sub-0.001 step; the contract stops before it.
    last = ce_path[-1]
    assert abs(gd.step_size(dce_db3_at(last), ex.CE_LEARNING_RATE)) < ex.MIN_STEP_SIZE
    assert abs(gd.step_size(dce_db3_at(ce_path[-2]), ex.CE_LEARNING_RATE)) >= ex.MIN_STEP_SIZE
    assert last == pytest.approx(-0.0332, abs=5e-5)
    assert gd.update(last, dce_db3_at(last), ex.CE_LEARNING_RATE) == pytest.approx(-0.0323, abs=5e-5)


# --- The stopping rule itself ---------------------------------------------------------------


def test_gradient_descent_stops_before_a_tiny_step_and_respects_max_steps():
    def slope(v: float) -> float:
        return 2 * (v - 3)  # of (v - 3)^2, minimum at 3

    path = gd.gradient_descent(slope, 0.0, 0.25, min_step_size=0.01)
    assert path == [0.0, 1.5, 2.25, 2.625, 2.8125, 2.90625, 2.953125, 2.9765625, 2.98828125]
    assert gd.gradient_descent(slope, 0.0, 0.25, max_steps=2) == [0.0, 1.5, 2.25]
    assert gd.gradient_descent(slope, 3.0, 0.25) == [3.0]
    assert gd.gradient_descent(slope, 0.0, 0.25, max_steps=0) == [0.0]
