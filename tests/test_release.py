"""The learner release: built from the pristine stubs, with a learner README, and both commands working in it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import packaging
from grader.rubric import ALL_CHECKS
from tests import submissions as sub
from tests.helpers import release_python

ROOT = Path(__file__).parents[1]
PARTS = ("grader", "dashboard", "data", "kit", "docs", ".streamlit", "requirements.txt")
pytestmark = pytest.mark.slow  # builds a release and runs its commands in fresh processes: about 5 s
RUNNABLE = sum(points for check_id, points in ALL_CHECKS.items() if not check_id.endswith(".reference"))


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """A release built from a checkout whose exercises/ holds a full set of answers."""
    checkout = tmp_path_factory.mktemp("checkout")
    for part in PARTS:
        copy = shutil.copytree if (ROOT / part).is_dir() else shutil.copy2
        copy(ROOT / part, checkout / part)
    sub.reference(checkout / "exercises")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(packaging, "ROOT", checkout)
        mp.setattr(packaging, "KIT", checkout / "kit")
        return packaging.build_release(tmp_path_factory.mktemp("out") / "release")


def run(release: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    python = release / ".venv" / "bin" / "python"
    if not python.exists():
        python = release_python(release)
    return subprocess.run([python, *args], cwd=cwd or release, capture_output=True, text=True, timeout=300)


def test_every_stub_in_the_release_is_pristine_whatever_the_checkout_holds(release):
    assert not (release / "solutions").exists() and not (release / "tests").exists()
    for module in sorted((release / "exercises").glob("[!_]*.py")):
        assert module.read_text() == (ROOT / "kit" / "exercises" / module.name).read_text()
        assert "raise NotImplementedError" in module.read_text()
    readme = (release / "README.md").read_text()
    assert "exercises/gradient_descent.py" in readme and "zip" in readme and "python -m grader" in readme
    assert "Gradescope" not in readme  # the learner's README, not the instructor's


def test_pytest_in_a_release_shows_every_unwritten_function_as_a_failure_with_feedback(release):
    done = run(release, "-m", "pytest", "-q")
    summary = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 1 and "error" not in summary, done.stdout[-2000:]
    failed, skipped = (int(re.search(rf"(\d+) {word}", summary).group(1)) for word in ("failed", "skipped"))
    assert (failed, skipped) == (len(ALL_CHECKS) * 2 // 3, len(ALL_CHECKS) // 3)  # no reference here: skipped
    assert "ssr.softplus is not implemented yet" in done.stdout and "Score: 0/" in done.stdout


def test_the_grader_runs_from_any_folder_of_a_release(release, tmp_path):
    done = run(release, "-m", "grader", cwd=release / "docs")
    assert done.returncode == 0 and "Score: 0/42" in done.stdout, done.stderr
    answers = shutil.copytree(release, tmp_path / "answered", ignore=shutil.ignore_patterns(".venv"))
    sub.reference(answers / "exercises")
    done = run(answers, "-m", "grader", "--json", str(tmp_path / "r.json"), cwd=answers / "dashboard")
    assert done.returncode == 0 and "Score: 42/42" in done.stdout, done.stderr
    checks = json.loads((tmp_path / "r.json").read_text())["submissions"][0]["checks"]
    assert {c["check_id"] for c in checks if c["status"] == "unavailable"} == {
        c for c in ALL_CHECKS if c.endswith(".reference")
    }
    assert all("not in this copy" in c["feedback"] for c in checks if c["status"] == "unavailable")


def test_the_classroom_workflow_grades_each_function_for_its_points(release, tmp_path):
    workflow = (release / ".github" / "workflows" / "classroom.yml").read_text()
    steps = re.findall(r"command: (.+)\n\s+timeout: \d+\n\s+max-score: (\d+)", workflow)
    assert len(steps) == len({c.rsplit(".", 1)[0] for c in ALL_CHECKS}) and sum(int(p) for _, p in steps) == RUNNABLE
    answers = shutil.copytree(release, tmp_path / "answered", ignore=shutil.ignore_patterns(".venv"))
    sub.reference(answers / "exercises")
    for command, _ in steps[:2] + steps[-1:]:  # a core function first, a backprop one last
        args = command.removeprefix(".venv/bin/python ").split()
        assert run(release, *args).returncode == 1  # the stubs: not implemented
        assert run(answers, *args).returncode == 0, run(answers, *args).stdout


def test_release_refuses_a_folder_that_is_not_empty_with_a_usage_line(tmp_path):
    (tmp_path / "old.txt").write_text("keep me")
    done = subprocess.run(
        [sys.executable, "-m", "grader", "release", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and done.stderr.startswith("usage:") and "not an empty folder" in done.stderr
    assert (tmp_path / "old.txt").read_text() == "keep me"
