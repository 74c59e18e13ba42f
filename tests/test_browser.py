"""The dashboard in a real browser: every page renders, Step moves b3, Check grades; each page is screenshotted."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api as playwright

from dashboard.learner import EXERCISES_ENV
from tests import submissions as sub

ROOT = Path(__file__).parents[1]
SHOTS = ROOT / "artifacts" / "screenshots"
LOG = ROOT / "artifacts" / "streamlit.log"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = {  # sidebar label -> screenshot name
    "Overview": "overview",
    "Sum of squared residuals": "ssr",
    "Cross-entropy with SoftMax": "cross_entropy",
    "Sigmoid with binary cross-entropy": "sigmoid",
    "Class analytics": "analytics",
}
STEP_RESULT = {"Sum of squared residuals": 1.57, "Cross-entropy with SoftMax": -1.23}
NETWORK_SECTIONS = ("Every parameter", "Train every parameter")  # on both pages of STEP_RESULT
PICKS = {  # page -> the parameter the browser picks, and its label in the picker
    "Sum of squared residuals": ("w3", "w3 (top → output)"),
    "Cross-entropy with SoftMax": ("w_bottom_setosa", "w_bottom_setosa (bottom → Setosa)"),
}
TIMEOUT_MS = 20_000
VIEWPORT = {"width": 1400, "height": 1000}

pytestmark = [
    pytest.mark.slow,  # a real browser: about 17 s
    pytest.mark.xdist_group("browser"),  # one worker: one server and one browser for both tests, not one each
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    """Poll Streamlit's health endpoint until it answers; fail early if the server died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"streamlit did not answer at {url} within {seconds} s")


MIXED_SSR = """
def ssr_contributions(observed, predicted):
    return 2.0 * (np.asarray(observed, dtype=float) - np.asarray(predicted, dtype=float))
"""
UNWRITTEN_SIGMOID = """
def sigmoid(z):
    raise NotImplementedError("sigmoid is not implemented yet")
"""


@pytest.fixture(scope="module")
def mixed_exercises(tmp_path_factory) -> Path:
    """What a learner has mid-way: most functions right, one with the wrong sign, one not written yet."""
    folder = sub.reference(tmp_path_factory.mktemp("learner") / "exercises")
    sub.replace_function(folder, "ssr", MIXED_SSR)
    sub.replace_function(folder, "logistic", UNWRITTEN_SIGMOID)
    return folder


@pytest.fixture(scope="module")
def app_url(mixed_exercises: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    LOG.parent.mkdir(parents=True, exist_ok=True)
    log = LOG.open("w")  # the server's output, for when this test fails in CI
    env = {**os.environ, EXERCISES_ENV: str(mixed_exercises)}
    server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def page(app_url: str):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport=VIEWPORT)
        tab.set_default_timeout(TIMEOUT_MS)
        tab.goto(app_url)
        yield tab
        browser.close()


def wait_for_page(tab, title: str) -> None:
    """Wait until the page's title shows, its script has finished and its charts are drawn."""
    tab.get_by_role("heading", name=title, exact=False).first.wait_for()
    tab.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
    for chart in tab.locator("[data-testid='stVegaLiteChart']").all():
        chart.locator("canvas, svg").first.wait_for()


def whole_page_screenshot(tab, path: Path) -> None:
    """Streamlit scrolls inside its main area, so grow the window to the content's height for one full shot."""
    width = tab.viewport_size["width"]
    height = tab.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    tab.set_viewport_size({"width": width, "height": max(height, VIEWPORT["height"])})
    tab.wait_for_timeout(300)  # charts re-layout to the new size
    tab.screenshot(path=path)
    tab.set_viewport_size(VIEWPORT)


def pick_a_parameter(tab, title: str) -> None:
    """Choose a weight in the Every parameter picker and wait for its total derivative to show."""
    name, option = PICKS[title]
    box = tab.locator("[data-testid='stSelectbox'] input").first
    box.scroll_into_view_if_needed()
    box.click()
    tab.keyboard.type(name)  # a click on the box does not open its list here; typing filters it, Enter picks
    tab.get_by_role("option", name=option).wait_for()
    tab.keyboard.press("Enter")
    tab.get_by_text(re.compile(rf"d(SSR|CE)/d{name} = sum of the terms")).wait_for()
    wait_for_page(tab, title)
    assert tab.locator("[data-testid='stException']").count() == 0


def test_every_page_renders_and_step_moves_b3(page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    titles = {"Overview": "Backprop Lab"}
    for label, shot in PAGES.items():
        page.locator("[data-testid='stSidebarNavLink']", has_text=label).click()
        wait_for_page(page, titles.get(label, label))
        assert page.locator("[data-testid='stException']").count() == 0, f"{label} shows an exception"
        if label in STEP_RESULT:
            page.get_by_role("button", name="Step", exact=True).click()
            moved = page.get_by_text(re.compile(r"Step 1: b3 moved from"))
            moved.wait_for()
            new_value = float(re.search(r"to (-?\d+\.\d+)", moved.inner_text()).group(1))
            assert round(new_value, 2) == STEP_RESULT[label]
            wait_for_page(page, label)
            assert page.locator("[data-testid='stException']").count() == 0
            for section in NETWORK_SECTIONS:  # below the b3 content, so the full-page screenshot holds them
                assert page.get_by_role("heading", name=section, exact=True).count() == 1, f"{label}: no {section}"
            pick_a_parameter(page, label)
        if shot == "analytics":  # the sample class: its diagnosed mistakes are on the page
            page.get_by_role("heading", name="Wrong values and the mistakes they point to").wait_for()
            assert page.get_by_text("Showing the sample class").count() == 1  # (the tables are canvas grids)
        if shot == "sigmoid":  # the loss-per-step chart appears only once descent has run
            page.get_by_role("button", name="Run to convergence").click()
            page.get_by_text(re.compile(r"Stopped after the maximum|Converged after")).wait_for()
            wait_for_page(page, label)
            assert page.locator("[data-testid='stException']").count() == 0
        whole_page_screenshot(page, SHOTS / f"{shot}.png")
    # Back on a page visited before, its inputs still hold where Step left them.
    page.locator("[data-testid='stSidebarNavLink']", has_text="Sum of squared residuals").click()
    wait_for_page(page, "Sum of squared residuals")
    # (the page is drawn before its rerun restores the value: wait for the rerun, as a learner's eye would)
    playwright.expect(page.get_by_role("spinbutton", name="b3")).to_have_value("1.5655", timeout=TIMEOUT_MS)


def test_check_page_grades_and_the_switch_shows_the_learners_values(page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("[data-testid='stSidebarNavLink']", has_text="Check my exercises").click()
    wait_for_page(page, "Check my exercises")
    page.get_by_role("button", name="Check my exercises").click()
    page.locator("[data-testid='stMetricValue']").first.wait_for()
    wait_for_page(page, "Check my exercises")
    assert page.locator("[data-testid='stException']").count() == 0
    score = page.locator("[data-testid='stMetricValue']").first.inner_text()
    assert re.fullmatch(r"\d+/84", score) and score not in ("0/84", "84/84"), score
    whole_page_screenshot(page, SHOTS / "check.png")
    page.get_by_text("Show my functions' values on the method pages").click()
    wait_for_page(page, "Check my exercises")
    page.locator("[data-testid='stSidebarNavLink']", has_text="Sum of squared residuals").click()
    wait_for_page(page, "Sum of squared residuals")
    page.get_by_text("Your functions").first.wait_for()  # table cells are drawn on a canvas, not in the DOM
    assert page.locator("[data-testid='stException']").count() == 0
    whole_page_screenshot(page, SHOTS / "ssr_with_yours.png")
    page.locator("[data-testid='stSidebarNavLink']", has_text="Sigmoid with binary cross-entropy").click()
    wait_for_page(page, "Sigmoid with binary cross-entropy")
    page.get_by_text("in exercises/logistic.py is not implemented yet").first.wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    whole_page_screenshot(page, SHOTS / "sigmoid_with_yours.png")
