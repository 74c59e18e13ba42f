"""The grader's command line, plain pytest over the checks, the Gradescope bundle and the learner release."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.packaging import build_bundle, build_release
from grader.rubric import ALL_CHECKS, BACKPROP_FUNCTIONS, FUNCTIONS, RUBRIC
from tests import submissions as sub

ROOT = Path(__file__).parents[1]
FULL = sum(RUBRIC.values())
WITHOUT_REFERENCE = sum(p for c, p in RUBRIC.items() if not c.endswith(".reference"))


def run(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})}
    )


def test_learner_run_without_arguments_grades_exercises(tmp_path):
    sub.stubs(tmp_path / "exercises")
    done = run("-m", "grader", cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == f"Score: 0/{FULL}"
    graded = {**FUNCTIONS, **BACKPROP_FUNCTIONS}
    assert sum("not implemented yet" in line for line in lines) == sum(len(f) for f in graded.values())
    assert "Traceback" not in done.stdout + done.stderr


def test_one_submission_with_csv_json_and_gradescope(tmp_path):
    folder = sub.reference(tmp_path / "alice")
    out = tmp_path / "out"
    done = run("-m", "grader", str(folder), "--csv", str(out / "g.csv"), "--json", str(out / "g.json"),
               "--gradescope", str(out / "results.json"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == f"Score: {FULL}/{FULL}"
    row = next(csv.DictReader((out / "g.csv").open()))
    assert (row["learner"], row["total"], row["max"], row["ssr.predict"]) == ("alice", str(FULL), str(FULL), "4")
    assert json.loads((out / "g.json").read_text())["submissions"][0]["score"] == FULL
    assert json.loads((out / "results.json").read_text())["score"] == FULL


def test_class_folder_in_parallel(tmp_path):
    klass = tmp_path / "class"
    sub.reference(klass / "alice")
    sub.stubs(klass / "bob" / "exercises")
    with zipfile.ZipFile(klass / "carol.zip", "w") as z:
        for f in sub.reference(tmp_path / "carol").glob("*.py"):
            z.write(f, f.name)
    (klass / "notes.txt").write_text("not a submission")
    done = run("-m", "grader", str(klass), "--jobs", "2", "--csv", str(tmp_path / "grades.csv"))
    assert done.returncode == 0, done.stderr
    rows = {r["learner"]: r for r in csv.DictReader((tmp_path / "grades.csv").open())}
    assert {name: int(r["total"]) for name, r in rows.items()} == {"alice": FULL, "bob": 0, "carol": FULL}
    assert "Graded 3 submission(s)" in done.stdout


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p / "missing", "does not exist"),
        (lambda p: p, "is not a submission"),
        (lambda p: (p / "a.txt").write_text("x") and p / "a.txt", "is not a submission"),
    ],
    ids=["missing", "empty folder", "a text file"],
)
def test_misuse_exits_non_zero_with_a_message(tmp_path, make, words):
    done = run("-m", "grader", str(make(tmp_path)))
    assert done.returncode == 2
    assert words in done.stderr and "Traceback" not in done.stderr


def test_plain_pytest_over_the_checks(tmp_path):
    folder = sub.reference(tmp_path / "ref")
    done = run("-m", "pytest", "grader/checks", "--submission", str(folder))
    assert done.returncode == 0, done.stdout[-2000:]
    assert f"Score: {FULL}/{FULL}" in done.stdout and f"{len(ALL_CHECKS)} passed" in done.stdout


def test_gradescope_bundle_runs_in_an_autograder_tree(tmp_path):
    bundle = build_bundle(tmp_path / "autograder.zip")
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root)
        assert {"setup.sh", "run_autograder", "source/requirements-grader.txt"} <= set(z.namelist())
    (root / "run_autograder").chmod(0o755)
    sub.reference(root / "submission")
    sub.replace_function(root / "submission", "ssr", "def ssr(observed, predicted):\n    return 0.0")
    done = subprocess.run(
        ["bash", str(root / "run_autograder")],
        env={**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == FULL - 3  # ssr.ssr's worked and reference checks
    assert len(results["tests"]) == len(ALL_CHECKS)  # the backprop section shows too, without points


def test_learner_release_has_no_solutions_and_its_self_check_says_what_it_skips(tmp_path):
    release = build_release(tmp_path / "release")
    assert not (release / "solutions").exists() and not (release / "tests").exists()
    assert (release / "exercises" / "ssr.py").exists() and (release / "dashboard" / "app.py").exists()
    done = run("-m", "grader", cwd=release)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == f"Score: 0/{WITHOUT_REFERENCE}"
    for f in (release / "exercises").glob("*.py"):
        f.unlink()
    sub.reference(release / "exercises")
    (release / "exercises" / "__init__.py").write_text('"""Exercises."""\n')
    (release / "exercises" / "examples.py").write_text((ROOT / "exercises" / "examples.py").read_text())
    done = run("-m", "grader", cwd=release)
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == f"Score: {WITHOUT_REFERENCE}/{WITHOUT_REFERENCE}"
    assert f"Not counted: {FULL - WITHOUT_REFERENCE} points" in lines[-2]
