"""README and CI stay in step: the two commands come first, CI runs the test command, every function is named."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from tests.test_contract import CONTRACT

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", README)


def test_readme_opens_with_the_dashboard_and_test_commands():
    before_prose = README.split("Backprop Lab teaches")[0]
    dashboard, tests = readme_commands()[:2]
    assert dashboard in before_prose and tests in before_prose
    assert "pip install -r requirements.txt" in dashboard and "streamlit run dashboard/app.py" in dashboard
    assert "pip install -r requirements.txt" in tests and "pytest" in tests


def test_ci_runs_the_readme_test_command_exactly():
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in ci_lines


def test_readme_is_short_and_every_link_in_the_docs_leads_somewhere():
    assert len(README.encode()) <= 6 * 1024  # what it is, the two commands, a screenshot, links
    for page in (ROOT / "README.md", *(ROOT / "docs").glob("*.md")):
        for target in re.findall(r"\]\(([^)#:]+)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to {target}, which is missing"


def test_streamlit_sends_no_usage_statistics():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False


def test_the_learners_guide_names_every_function_in_the_order_to_work_in():
    guide = (ROOT / "docs" / "exercises.md").read_text()
    for module, names in CONTRACT.items():
        assert f"`{module}.py`" in guide
        for name in names:
            assert f"`{name}(" in guide, f"docs/exercises.md does not name {module}.{name}"
    order = [guide.index(f"`{m}.py`") for m in ("gradient_descent", "ssr", "cross_entropy", "logistic", "backprop")]
    assert order == sorted(order)
