"""Headless smoke tests of every dashboard page with Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[1] / "dashboard" / "app.py")
PAGES = ["pages/overview.py", "pages/ssr.py"]


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    return at.switch_page(page).run()


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(page):
    at = open_page(page)
    assert not at.exception
    assert at.title[0].value


def test_ssr_page_shows_the_article_values():
    at = open_page("pages/ssr.py")
    table = at.dataframe[0].value
    assert [round(v, 2) for v in table["predicted y_hat"]] == [-2.60, -1.61, -2.61]
    assert round(float(at.metric[0].value), 1) == -15.7
    assert abs(float(at.metric[1].value) - float(at.metric[0].value)) < 1e-4


def test_moving_b3_changes_the_table():
    at = open_page("pages/ssr.py")
    at.number_input(key="ssr_b3").set_value(1.5655).run()
    assert not at.exception
    assert round(float(at.metric[0].value), 2) == -6.26
