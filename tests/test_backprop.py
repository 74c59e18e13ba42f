"""Full backpropagation: every parameter against central finite differences, the chain's links, and training."""

from __future__ import annotations

import concurrent.futures
import os
from pathlib import Path

import numpy as np
import pytest

from data import examples as ex
from data.iris import load_iris
from solutions import backprop as bp
from solutions import cross_entropy as ce
from solutions import ssr
from solutions._validate import Diverged
from tests.helpers import central_difference

SEEDS = range(12)
RTOL, ATOL = 1e-6, 1e-7
KINK = 1e-4  # keep every hidden ReLU input this far from 0: a finite difference across the corner is wrong


def close(analytic, numeric) -> None:
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


def random_dosage_case(rng: np.random.Generator):
    n = int(rng.integers(1, 10))
    params = dict(zip(bp.DOSAGE_NAMES, rng.normal(0, 2, len(bp.DOSAGE_NAMES)).tolist(), strict=True))
    return rng.uniform(0, 1, n), rng.uniform(-1, 2, n), params


def random_iris_case(rng: np.random.Generator):
    """Random flowers and parameters; flowers whose hidden inputs sit within KINK of ReLU's corner are redrawn."""
    params = dict(zip(bp.IRIS_NAMES, rng.normal(0, 1.5, len(bp.IRIS_NAMES)).tolist(), strict=True))
    n = int(rng.integers(1, 10))
    petal, sepal = rng.uniform(0, 1, 4 * n), rng.uniform(0, 1, 4 * n)
    clear = np.abs(bp.iris_forward(petal, sepal, params)["hidden_in"]).min(axis=1) > KINK
    assert clear.sum() >= n, "too many draws near the kink: widen the pool"
    return petal[clear][:n], sepal[clear][:n], rng.integers(0, 3, n), params


def dosage_loss(x, y, params) -> float:
    return ssr.ssr(y, bp.dosage_forward(x, params)["y_hat"])


def iris_loss(petal, sepal, k, params) -> float:
    return float(np.sum(ce.cross_entropy(bp.iris_forward(petal, sepal, params)["p"], k)))


def slope(loss, params: dict, name: str) -> float:
    """The central difference of loss(params) in one parameter, the others held fixed."""
    return central_difference(lambda v: loss(params | {name: v}), params[name])


@pytest.mark.parametrize("seed", SEEDS)
def test_dosage_totals_match_finite_differences_for_every_parameter(seed):
    x, y, params = random_dosage_case(np.random.default_rng(seed))
    totals = bp.gradient_totals(bp.dosage_gradients(x, y, params))
    numeric = [slope(lambda p: dosage_loss(x, y, p), params, name) for name in bp.DOSAGE_NAMES]
    close([totals[name] for name in bp.DOSAGE_NAMES], numeric)


@pytest.mark.parametrize("seed", SEEDS)
def test_dosage_contributions_are_each_samples_slope(seed):
    x, y, params = random_dosage_case(np.random.default_rng(seed))
    per_sample = bp.dosage_gradients(x, y, params)
    for i in range(len(x)):
        numeric = [slope(lambda p, i=i: dosage_loss(x[i : i + 1], y[i : i + 1], p), params, n) for n in bp.DOSAGE_NAMES]
        close([per_sample[name][i] for name in bp.DOSAGE_NAMES], numeric)


@pytest.mark.parametrize("seed", SEEDS)
def test_iris_totals_match_finite_differences_for_every_parameter(seed):
    petal, sepal, k, params = random_iris_case(np.random.default_rng(seed))
    totals = bp.gradient_totals(bp.iris_gradients(petal, sepal, k, params))
    numeric = [slope(lambda p: iris_loss(petal, sepal, k, p), params, name) for name in bp.IRIS_NAMES]
    close([totals[name] for name in bp.IRIS_NAMES], numeric)


@pytest.mark.parametrize("seed", SEEDS)
def test_iris_contributions_are_each_flowers_slope(seed):
    petal, sepal, k, params = random_iris_case(np.random.default_rng(seed))
    per_sample = bp.iris_gradients(petal, sepal, k, params)
    for i in range(len(k)):
        one = slice(i, i + 1)
        numeric = [slope(lambda p, s=one: iris_loss(petal[s], sepal[s], k[s], p), params, n) for n in bp.IRIS_NAMES]
        close([per_sample[name][i] for name in bp.IRIS_NAMES], numeric)


@pytest.mark.parametrize("seed", SEEDS)
def test_per_sample_contributions_add_up_to_the_totals(seed):
    rng = np.random.default_rng(seed)
    x, y, dosage_params = random_dosage_case(rng)
    petal, sepal, k, iris_params = random_iris_case(rng)
    for per_sample in (bp.dosage_gradients(x, y, dosage_params), bp.iris_gradients(petal, sepal, k, iris_params)):
        totals = bp.gradient_totals(per_sample)
        assert list(totals) == list(per_sample)
        close(list(totals.values()), [np.sum(v) for v in per_sample.values()])


@pytest.mark.parametrize("seed", SEEDS)
def test_the_chain_links_multiply_to_each_samples_contribution(seed):
    rng = np.random.default_rng(seed)
    x, y, dosage_params = random_dosage_case(rng)
    petal, sepal, k, iris_params = random_iris_case(rng)
    dosage, iris = bp.dosage_gradients(x, y, dosage_params), bp.iris_gradients(petal, sepal, k, iris_params)
    for name in bp.DOSAGE_NAMES:
        links = bp.dosage_chain(x, y, dosage_params, name)
        assert next(iter(links)) == "dSSR/dy_hat" and list(links)[-1].endswith(f"/d{name}")
        close(np.prod(list(links.values()), axis=0), dosage[name])
    for name in bp.IRIS_NAMES:
        links = bp.iris_chain(petal, sepal, k, iris_params, name)
        assert next(iter(links)).startswith("dCE/d") and list(links)[-1].endswith(f"/d{name}")
        close(np.prod(list(links.values()), axis=0), iris[name])


@pytest.mark.parametrize("seed", SEEDS)
def test_the_single_parameter_exercises_match_the_full_gradients(seed):
    rng = np.random.default_rng(seed)
    x, y, dosage_params = random_dosage_case(rng)
    petal, sepal, k, iris_params = random_iris_case(rng)
    dosage, iris = bp.dosage_gradients(x, y, dosage_params), bp.iris_gradients(petal, sepal, k, iris_params)
    close(bp.dssr_dw3(x, y, dosage_params), dosage["w3"])
    close(bp.dssr_dw1(x, y, dosage_params), dosage["w1"])
    close(bp.dce_dw_bottom_setosa(petal, sepal, k, iris_params), iris["w_bottom_setosa"])
    close(bp.dce_dw_petal_top(petal, sepal, k, iris_params), iris["w_petal_top"])
    dz = bp.dce_dz(bp.iris_forward(petal, sepal, iris_params)["p"], k)
    close(dz, np.stack([iris["b_setosa"], iris["b_versicolor"], iris["b_virginica"]], axis=1))


@pytest.mark.parametrize("b3", [-3.0, 0.0, 1.5655, 2.6092])
def test_b3_agrees_with_the_single_parameter_modules(b3):
    dosage = bp.dosage_gradients(ex.DOSAGE, ex.EFFICACY, bp.dosage_parameters() | {"b3": b3})
    y_hat = ssr.predict(ex.DOSAGE, b3)
    close(dosage["b3"], ssr.ssr_contributions(ex.EFFICACY, y_hat))
    close(bp.gradient_totals(dosage)["b3"], ssr.ssr_derivative_b3(ex.EFFICACY, y_hat))
    params = bp.iris_parameters() | {"b_setosa": b3 - 2}
    iris = bp.iris_gradients(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, ex.OBSERVED_SPECIES, params)
    p = ce.softmax(ce.raw_outputs(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, b3 - 2))
    close(iris["b_setosa"], ce.cross_entropy_contributions_b3(p, ex.OBSERVED_SPECIES))
    close(bp.gradient_totals(iris)["b_setosa"], ce.cross_entropy_derivative_b3(p, ex.OBSERVED_SPECIES))


def test_the_article_parameters_reproduce_the_single_parameter_forward_passes():
    dosage = bp.dosage_parameters()
    assert dosage["b3"] == ex.SSR_START_B3 and list(dosage) == list(bp.DOSAGE_NAMES)
    close(bp.dosage_forward(ex.DOSAGE, dosage)["y_hat"], ssr.predict(ex.DOSAGE, ex.SSR_START_B3))
    iris = bp.iris_parameters()
    assert iris["b_setosa"] == ex.CE_START_B3 and list(iris) == list(bp.IRIS_NAMES)
    z = bp.iris_forward(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, iris)["z"]
    close(z, ce.raw_outputs(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, ex.CE_START_B3))


def test_relu_derivative_is_zero_at_the_kink():
    assert bp.relu_derivative(0.0) == 0.0 and isinstance(bp.relu_derivative(0.0), float)
    np.testing.assert_array_equal(bp.relu_derivative([-2.0, -1e-300, 0.0, 1e-300, 3.0]), [0, 0, 0, 1, 1])
    # A flower whose top node receives exactly 0 (bias cancels the inputs) adds nothing to the top node's weights.
    params = bp.iris_parameters() | {"w_petal_top": 0.0, "w_sepal_top": 0.0, "b_top": 0.0}
    per_flower = bp.iris_gradients([0.3], [0.6], [1], params)
    assert [per_flower[n][0] for n in ("w_petal_top", "w_sepal_top", "b_top")] == [0.0, 0.0, 0.0]


def test_dosage_training_from_a_seeded_start_fits_the_three_samples():
    params, losses, history = bp.train_dosage(ex.DOSAGE, ex.EFFICACY, seed=0)
    assert losses.shape == (5001,) and history.shape == (5001, 7)
    steps_to_fit = int(np.argmax(losses < 0.01))
    assert 0 < steps_to_fit < 5000 and np.all(losses[steps_to_fit:] < 0.01), "fits, and stays fitted"
    assert dosage_loss(ex.DOSAGE, ex.EFFICACY, params) == pytest.approx(losses[-1], abs=1e-12)
    assert list(params.values()) == history[-1].tolist()


def test_training_takes_plain_gradient_descent_steps():
    for train, names, args in (
        (bp.train_dosage, bp.DOSAGE_NAMES, (ex.DOSAGE, ex.EFFICACY)),
        (bp.train_iris, bp.IRIS_NAMES, (ex.PETAL_WIDTH, ex.SEPAL_WIDTH, ex.OBSERVED_SPECIES)),
    ):
        _, losses, history = train(*args, learning_rate=0.05, steps=3, seed=7)
        np.testing.assert_array_equal(history[0], np.random.default_rng(7).normal(size=len(names)))
        gradients = bp.dosage_gradients if train is bp.train_dosage else bp.iris_gradients
        for t in range(3):
            start = dict(zip(names, history[t], strict=True))
            totals = bp.gradient_totals(gradients(*args, start))
            close(history[t + 1], history[t] - 0.05 * np.array([totals[n] for n in names]))
        loss = dosage_loss if train is bp.train_dosage else iris_loss
        close(losses, [loss(*args, dict(zip(names, h, strict=True))) for h in history])


def test_training_is_reproducible_and_the_seed_matters():
    first, second = (bp.train_dosage(ex.DOSAGE, ex.EFFICACY, steps=5, seed=3) for _ in range(2))
    np.testing.assert_array_equal(first[2], second[2])
    assert not np.array_equal(first[2][0], bp.train_dosage(ex.DOSAGE, ex.EFFICACY, steps=5, seed=4)[2][0])


def test_iris_network_trained_on_all_150_flowers_classifies_the_article_flowers():
    flowers = load_iris()
    params, losses, _ = bp.train_iris(flowers["petal"], flowers["sepal"], flowers["observed"], seed=0)
    assert losses[-1] < losses[0] / 5
    accuracy = np.mean(
        bp.iris_forward(flowers["petal"], flowers["sepal"], params)["p"].argmax(axis=1) == flowers["observed"]
    )
    assert accuracy > 0.9
    article = bp.iris_forward(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, params)["p"].argmax(axis=1)
    np.testing.assert_array_equal(article, ex.OBSERVED_SPECIES)


def test_a_learning_rate_that_overflows_is_reported():
    with pytest.raises(Diverged, match=r"training diverged at step .* try a smaller learning_rate") as raised:
        bp.train_dosage(ex.DOSAGE, ex.EFFICACY, learning_rate=100.0, steps=200, seed=0)
    assert isinstance(raised.value, ValueError) and 0 < raised.value.step < 200  # the dashboard shows the step
    assert f"at step {raised.value.step} " in str(raised.value)


DOSAGE_ARGS = (ex.DOSAGE, ex.EFFICACY)
IRIS_ARGS = (ex.PETAL_WIDTH, ex.SEPAL_WIDTH, ex.OBSERVED_SPECIES)
BAD = [
    (lambda: bp.dosage_gradients(*DOSAGE_ARGS, {"w1": 1.0}), ValueError, "missing .*'b1'"),
    (lambda: bp.dosage_gradients(*DOSAGE_ARGS, bp.dosage_parameters() | {"w9": 1.0}), ValueError, "unknown .*'w9'"),
    (lambda: bp.dosage_forward(ex.DOSAGE, [1.0] * 7), TypeError, "params must be a dict"),
    (lambda: bp.dosage_forward(ex.DOSAGE, bp.dosage_parameters() | {"w3": np.nan}), ValueError, r"params\['w3'\]"),
    (lambda: bp.dssr_dw3([0.0, 1.0], [0.0], bp.dosage_parameters()), ValueError, "observed and dosage"),
    (lambda: bp.dosage_chain(*DOSAGE_ARGS, bp.dosage_parameters(), "w5"), ValueError, "name must be one of"),
    (lambda: bp.iris_chain(*IRIS_ARGS, bp.iris_parameters(), "b3"), ValueError, "name must be one of"),
    (lambda: bp.iris_gradients([0.1], [0.2], [3], bp.iris_parameters()), ValueError, "each 0, 1 or 2"),
    (lambda: bp.iris_forward([0.1, 0.2], [0.2], bp.iris_parameters()), ValueError, "petal_width and sepal_width"),
    (lambda: bp.dce_dz([0.2, 0.3, 0.5], [0]), ValueError, r"must be \(n, 3\)"),
    (lambda: bp.gradient_totals([1.0, 2.0]), TypeError, "per_sample must be a dict"),
    (lambda: bp.train_dosage(*DOSAGE_ARGS, steps=-1), ValueError, "steps must be a whole number"),
    (lambda: bp.train_iris(*IRIS_ARGS, seed=True), ValueError, "seed must be a whole number"),
    (lambda: bp.train_iris(*IRIS_ARGS, learning_rate=0.0), ValueError, "learning_rate must be greater than 0"),
]


@pytest.mark.parametrize(("call", "error", "words"), BAD, ids=[w for _, _, w in BAD])
def test_bad_input_gets_a_clear_message(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_inputs_are_not_modified():
    x, y, petal, sepal, k = (np.array(a, dtype=float) for a in (*DOSAGE_ARGS, *IRIS_ARGS))
    dosage, iris = bp.dosage_parameters(), bp.iris_parameters()
    copies = [a.copy() for a in (x, y, petal, sepal, k)], dict(dosage), dict(iris)
    bp.dosage_chain(x, y, dosage, "w1"), bp.dssr_dw1(x, y, dosage), bp.train_dosage(x, y, steps=2)
    bp.iris_chain(petal, sepal, k, iris, "w_petal_top"), bp.dce_dw_petal_top(petal, sepal, k, iris)
    bp.train_iris(petal, sepal, k, steps=2)
    for now, then in zip((x, y, petal, sepal, k), copies[0], strict=True):
        np.testing.assert_array_equal(now, then)
    assert (dosage, iris) == copies[1:]


def _fit_and_stay(lr: float, seed: int) -> bool | None:
    """Whether training from this seed reaches SSR < 0.01 and stays there (None: never reaches it)."""
    losses = bp.train_dosage(ex.DOSAGE, ex.EFFICACY, lr, 5000, seed)[1]
    below = np.nonzero(losses < 0.01)[0]
    return bool(np.all(losses[below[0] :] < 0.01)) if len(below) else None


@pytest.mark.slow  # 60 training runs of 5000 updates, spread over the machine's cores
def test_what_the_learners_guide_says_about_seeds_and_learning_rates():
    """docs/exercises.md: at 0.03, 19 of seeds 0-29 reach SSR < 0.01 and 15 stay; at 0.1, 15 of 21 jump back."""
    runs = [(lr, seed) for lr in (0.03, 0.1) for seed in range(30)]
    with concurrent.futures.ProcessPoolExecutor(os.cpu_count()) as pool:
        fits = dict(zip(runs, pool.map(_fit_and_stay, *zip(*runs, strict=True)), strict=True))
    for lr, reached, stayed in ((0.03, 19, 15), (0.1, 21, 6)):
        outcomes = {seed: stays for (rate, seed), stays in fits.items() if rate == lr and stays is not None}
        assert (len(outcomes), sum(outcomes.values())) == (reached, stayed), lr
        if lr == 0.03:
            assert sorted(s for s, stays in outcomes.items() if not stays) == [3, 12, 20, 27]
    guide = (Path(__file__).parents[1] / "docs" / "exercises.md").read_text()
    assert "19 reach" in guide and "15 of them stay" in guide and "seeds\n3, 12, 20 and 27" in guide
