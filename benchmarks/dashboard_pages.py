"""Times each dashboard page's rerun under AppTest (median of several), switch off and on, and first trainings."""

from __future__ import annotations

import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `python benchmarks/dashboard_pages.py` puts only benchmarks/ on the path

from dashboard import network  # noqa: E402
from dashboard.compare import TOGGLE  # noqa: E402
from dashboard.examples import CE, SSR, Example  # noqa: E402
from dashboard.learner import EXERCISES_ENV  # noqa: E402
from tests import submissions  # noqa: E402

APP = str(ROOT / "dashboard" / "app.py")
PAGES = {
    "Overview": ("views/overview.py", None),
    "Sum of squared residuals": ("views/ssr.py", "ssr_run"),
    "Cross-entropy with SoftMax": ("views/cross_entropy.py", "ce_run"),
    "Sigmoid with binary cross-entropy": ("views/sigmoid.py", "sig_run"),
    "Check my exercises": ("views/check.py", None),
}
METHOD_PAGES = list(PAGES)[1:4]
RERUNS = 15
CLICKS = 5  # the Check button grades every function: fewer repeats
BUDGET_MS = 100.0
CLASS_SIZE = 1000  # learners in the analytics page's timing
ANALYTICS_BUDGET_MS = 200.0


def median_rerun_ms(at: AppTest, reruns: int = RERUNS) -> float:
    """Median wall time of `reruns` reruns of the current page; the first run already filled the caches."""
    times = []
    for _ in range(reruns):
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1000)
    assert not at.exception, at.exception
    return statistics.median(times)


def time_page(page: str, run_key: str | None) -> tuple[float, float, float | None]:
    """(first run, median rerun, median rerun after Run to convergence) in ms."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    start = time.perf_counter()
    at.switch_page(page).run()
    first = (time.perf_counter() - start) * 1000
    warm = median_rerun_ms(at)
    after_run = None
    if run_key:
        at.button(key=run_key).click().run()
        after_run = median_rerun_ms(at)
    return first, warm, after_run


def check_click_ms() -> float:
    """Median wall time of pressing Check my exercises (grading every function of the project's exercises/)."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGES["Check my exercises"][0]).run()
    times = []
    for _ in range(CLICKS):
        start = time.perf_counter()
        at.button(key="check_run").click().run()
        times.append((time.perf_counter() - start) * 1000)
    assert not at.exception, at.exception
    return statistics.median(times)


def switch_on_ms(page: str) -> tuple[float, float]:
    """(first run, median rerun) of a method page with the learner switch on, over a correct submission."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGES["Check my exercises"][0]).run()
    at.toggle(key=TOGGLE).set_value(True).run()
    start = time.perf_counter()
    at.switch_page(page).run()
    first = (time.perf_counter() - start) * 1000
    return first, median_rerun_ms(at)


def first_training_ms(net: Example) -> float:
    """One uncached training at the page's defaults: what the first visit to a network page waits for."""
    network.train.clear()
    start = time.perf_counter()
    network.train(net, *network.defaults(net))
    return (time.perf_counter() - start) * 1000


def main() -> int:
    """Print one line per page; exit 1 if a warm rerun exceeds the budget."""
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # AppTest's bare-mode warnings would drown the table
    print(f"{'page':36} {'first run':>10} {'rerun':>8} {'after Run':>10}   (ms, median of {RERUNS} reruns)")
    slow = False
    for name, (page, run_key) in PAGES.items():
        first, warm, after_run = time_page(page, run_key)
        later = f"{after_run:10.1f}" if after_run is not None else f"{'-':>10}"
        print(f"{name:36} {first:10.1f} {warm:8.1f} {later}")
        slow |= max(warm, after_run or 0.0) > BUDGET_MS
    print("(the two network pages' rows include Every parameter and Train every parameter, training cached)")
    for name, net in (("dosage network (3 dosages)", SSR), ("iris network (150 flowers)", CE)):
        _, lr, steps = network.defaults(net)
        print(f"First training of the {name}, lr {lr:g}, {steps} steps: {first_training_ms(net):.0f} ms (uncached)")
    print(f"Check my exercises: pressing the button {check_click_ms():.0f} ms (median of {CLICKS}; grades every check)")
    with tempfile.TemporaryDirectory() as folder:
        os.environ[EXERCISES_ENV] = str(submissions.reference(Path(folder) / "exercises"))
        print("With the learner switch on (a correct submission, so every value is computed and compared):")
        for name in METHOD_PAGES:
            first, warm = switch_on_ms(PAGES[name][0])
            print(f"{name:36} {first:10.1f} {warm:8.1f}")
            slow |= warm > BUDGET_MS
    print(f"budget: {BUDGET_MS:.0f} ms per rerun -> {'EXCEEDED' if slow else 'met'}")
    first, p95 = analytics_ms(CLASS_SIZE)
    verdict = "met" if p95 <= ANALYTICS_BUDGET_MS else "EXCEEDED"
    print(f"Class analytics, a class of {CLASS_SIZE}: first run {first:.0f} ms, rerun p95 {p95:.1f} ms "
          f"(budget {ANALYTICS_BUDGET_MS:.0f} ms -> {verdict})")  # fmt: skip
    return 1 if slow or p95 > ANALYTICS_BUDGET_MS else 0


def analytics_ms(size: int) -> tuple[float, float]:
    """The analytics page on a class of `size`: the sample class's learners repeated, renamed."""
    sample = json.loads((ROOT / "data" / "sample_class.json").read_text())
    learners = [{**s, "learner": f"{s['learner']}-{i}"} for i in range(size // len(sample["submissions"]) + 1)
                for s in sample["submissions"]][:size]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "class.json"
        path.write_text(json.dumps({**sample, "submissions": learners}))
        at = AppTest.from_file(APP, default_timeout=120).run().switch_page("views/analytics.py").run()
        started = time.perf_counter()
        at.text_input(key="analytics_path").set_value(str(path)).run()
        first = 1000 * (time.perf_counter() - started)
        times = []
        for _ in range(RERUNS * 2):
            started = time.perf_counter()
            at.run()
            times.append(1000 * (time.perf_counter() - started))
    return first, statistics.quantiles(times, n=20)[-1]


if __name__ == "__main__":
    sys.exit(main())
