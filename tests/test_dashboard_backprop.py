"""The network pages' every-parameter sections under AppTest: the picked parameter's chain rule, totals and training."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import network
from dashboard.examples import CE, SSR
from data import examples as ex
from solutions import backprop as bp
from tests.test_dashboard import B3_PAGES, metric, numbers_are_finite, open_page, table

EXAMPLES = {"ssr": SSR, "ce": CE}
PICKS = {"ssr": "w3", "ce": "w_petal_top"}  # an output weight, and a hidden weight whose node feeds three outputs
LOSS = {"ssr": "SSR", "ce": "CE"}
LAST_LINK = {"ssr": "dy_hat/dw3", "ce": "dtop_in/dw_petal_top"}  # the chain table's last column for each pick


def reference_terms(prefix: str, name: str, value: float | None = None) -> np.ndarray:
    """Each sample's derivative from the reference, every other parameter at the article's value."""
    if prefix == "ssr":
        params = bp.dosage_parameters() | ({} if value is None else {name: value})
        return bp.dosage_gradients(ex.DOSAGE, ex.EFFICACY, params)[name]
    params = bp.iris_parameters() | ({} if value is None else {name: value})
    return bp.iris_gradients(ex.PETAL_WIDTH, ex.SEPAL_WIDTH, ex.OBSERVED_SPECIES, params)[name]


def headings(at: AppTest) -> list[str]:
    return [h.value for h in at.subheader]


def picked(prefix: str, name: str) -> AppTest:
    at = open_page(B3_PAGES[prefix])
    at.selectbox(key=f"{prefix}_pick_name").set_value(name).run()
    assert not at.exception
    return at


@pytest.mark.parametrize("prefix", ["ssr", "ce"])
def test_both_sections_render_below_the_b3_content(prefix):
    at = open_page(B3_PAGES[prefix])
    assert not at.exception
    titles = headings(at)
    assert titles.index("Gradient descent") < titles.index("Every parameter") < titles.index("Train every parameter")
    assert numbers_are_finite(at)
    names = at.selectbox(key=f"{prefix}_pick_name").options
    assert len(names) == len(EXAMPLES[prefix].network.names()) and "→" in names[0]


@pytest.mark.parametrize("prefix", ["ssr", "ce"])
def test_a_picked_parameter_shows_the_reference_total_and_a_matching_finite_difference(prefix):
    name = PICKS[prefix]
    at = picked(prefix, name)
    assert at.number_input(key=f"{prefix}_pick_value").value == pytest.approx(EXAMPLES[prefix].network.article()[name])
    terms = reference_terms(prefix, name)
    chain = table(at, LAST_LINK[prefix])
    assert np.allclose(chain["term = product"], terms, rtol=1e-12, atol=1e-15)
    total = metric(at, f"d{LOSS[prefix]}/d{name} = sum of the terms")
    assert total == pytest.approx(terms.sum(), abs=1e-6)
    assert abs(metric(at, f"finite difference along {name}") - terms.sum()) < 1e-5


def test_changing_the_value_changes_the_table_and_a_new_pick_starts_at_the_article_value():
    at = picked("ssr", "w1")
    before = table(at, "dtop_in/dw1")
    at.number_input(key="ssr_pick_value").set_value(1.0).run()
    after = table(at, "dtop_in/dw1")
    assert not at.exception and not after.equals(before)
    assert after["term = product"].to_numpy() == pytest.approx(reference_terms("ssr", "w1", 1.0))
    at.selectbox(key="ssr_pick_name").set_value("b2").run()
    assert at.number_input(key="ssr_pick_value").value == pytest.approx(bp.dosage_parameters()["b2"])


def test_default_dosage_training_fits_the_three_dosages():
    at = open_page(B3_PAGES["ssr"])
    assert metric(at, "final SSR") < 0.01
    trained = table(at, "trained y_hat")
    assert np.allclose(trained["trained y_hat"].astype(float), ex.EFFICACY, atol=0.05)
    assert len(table(at, "start (seeded)")) == len(bp.DOSAGE_NAMES)


def test_default_iris_training_classifies_the_flowers():
    at = open_page(B3_PAGES["ce"])
    accuracy = next(m.value for m in at.metric if m.label.startswith("accuracy on the 150 flowers"))
    assert float(accuracy.rstrip("%")) / 100 >= 0.9
    assert next(m.value for m in at.metric if m.label.startswith("article flowers correct")) == "3 of 3"
    assert list(table(at, "p of the predicted species")["correct"]) == ["✓"] * 3


def test_a_huge_learning_rate_is_reported_in_words():
    at = open_page(B3_PAGES["ssr"])
    at.number_input(key="ssr_train_lr").set_value(1000.0).run()
    assert not at.exception
    assert any("Training diverged at step" in e.value and "smaller learning rate" in e.value for e in at.error)
    assert numbers_are_finite(at)


def test_iris_training_that_makes_the_loss_worse_says_so():
    at = open_page(B3_PAGES["ce"])
    at.number_input(key="ce_train_steps").set_value(200).run()
    at.number_input(key="ce_train_lr").set_value(1000.0).run()
    assert not at.exception
    assert any("ended higher than it started" in w.value for w in at.warning)
    assert numbers_are_finite(at)


def test_a_dead_relu_node_is_named_with_every_parameter_it_stops():
    """Seed 0 starts the iris network's top node below 0 for every flower: its weights and those leaving it never
    move, and the page names exactly those six."""
    at = open_page(B3_PAGES["ce"])
    at.number_input(key="ce_train_seed").set_value(0).run()
    note = next(i.value for i in at.info if "never moved" in i.value)
    final = table(at, "trained")
    stuck = list(final.loc[final["start (seeded)"] == final["trained"], "parameter"])
    assert note.startswith(f"{len(stuck)} parameters never moved: {', '.join(stuck)}.") and len(stuck) == 6
    assert all("top" in name for name in stuck)


@pytest.mark.parametrize("prefix", ["ssr", "ce"])
def test_without_the_reference_backprop_the_sections_say_why(prefix, monkeypatch):
    monkeypatch.setattr(network, "AVAILABLE", False)  # what mathsource leaves when solutions/ is absent
    at = open_page(B3_PAGES[prefix])
    assert not at.exception and "Every parameter" not in headings(at)
    lines = [i.value for i in at.info if "backprop module" in i.value]
    assert len(lines) == 1 and "Check my exercises" in lines[0] and "exercises/backprop.py" in lines[0]
