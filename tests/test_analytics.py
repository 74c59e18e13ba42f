"""The class analytics page: a class file's scores, pass rates and diagnosed mistakes, and bad files in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import analytics

APP = str(Path(__file__).parents[1] / "dashboard" / "app.py")
SAMPLE = analytics.SAMPLE.read_text()


def page(path: str = "") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run().switch_page("views/analytics.py").run()
    if path:
        at.text_input(key="analytics_path").set_value(path).run()
    assert not at.exception
    return at


def test_the_sample_class_shows_scores_pass_rates_and_the_mistakes_behind_them():
    at = page()
    assert [m.value for m in at.metric] == ["30", "80/84", "0"]
    rates = at.dataframe[0].value
    assert list(rates["pass rate"]) == sorted(rates["pass rate"])  # worst first
    assert rates["pass rate"].iloc[0] == pytest.approx(19 / 30)  # the 5 sign errors and 4 missing factors of 2
    wrong = at.dataframe[1].value
    said = {(row.check, row.learners): row._4 for row in wrong.itertuples()}
    assert said[("ssr.ssr_contributions.worked", 5)] == "sign flipped"
    assert said[("ssr.ssr_contributions.worked", 4)] == "a factor 2 missing"
    assert said[("gradient_descent.update.worked", 3)] == "learning rate applied twice"
    assert said[("cross_entropy.cross_entropy_derivative_b3.worked", 4)].startswith("not summed")


def test_each_mistake_is_recomputed_from_the_reference_on_the_checks_input():
    assert analytics.diagnose("ssr.ssr_derivative_b3.worked", 0, 15.6551) == "sign flipped"
    assert analytics.diagnose("ssr.ssr_derivative_b3.worked", 0, -7.8276) == "a factor 2 missing"
    assert analytics.diagnose("ssr.ssr_derivative_b3.worked", 0, -31.31) == "twice too large"
    assert analytics.diagnose("gradient_descent.step_size.worked", 0, -0.157) == "learning rate applied twice"
    assert analytics.diagnose("ssr.ssr_derivative_b3.worked", 0, 3.0) == ""  # a mistake it does not know


@pytest.mark.parametrize(
    ("content", "words"),
    [("not json at all", "not a class file"), (json.dumps({"submissions": []}), "holds no graded checks")],
)
def test_a_file_that_is_not_a_class_file_is_said_in_words(tmp_path, content, words):
    path = tmp_path / "class.json"
    path.write_text(content)
    at = page(str(path))
    assert words in at.error[0].value and not at.metric


def test_a_path_that_cannot_be_read_is_said_in_words(tmp_path):
    at = page(str(tmp_path / "missing.json"))
    assert "could not be read (No such file or directory)" in at.error[0].value
