"""The grader's command line, plain pytest over the checks, the Gradescope bundle and the learner release."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.packaging import build_bundle
from grader.rubric import ALL_CHECKS, BACKPROP_FUNCTIONS, FUNCTIONS, RUBRIC
from tests import submissions as sub

ROOT = Path(__file__).parents[1]
FULL = sum(RUBRIC.values())
WITHOUT_REFERENCE = sum(p for c, p in RUBRIC.items() if not c.endswith(".reference"))


def run(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})}
    )


def test_without_arguments_it_grades_the_projects_exercises_from_any_folder_making_them_first(tmp_path):
    """In a copy of the project (the real exercises/ holds the learner's work, which no test may depend on)."""
    project = tmp_path / "project"
    for part in ("grader", "data", "kit", "solutions"):
        shutil.copytree(ROOT / part, project / part, ignore=shutil.ignore_patterns("__pycache__"))
    done = run("-m", "grader", cwd=project / "kit", env={"PYTHONPATH": str(project)})
    assert done.returncode == 0, done.stderr
    assert (
        "Made " in done.stderr
        and (project / "exercises" / "ssr.py").read_text() == (ROOT / "kit" / "exercises" / "ssr.py").read_text()
    )
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
    assert {(out / name).stat().st_mode & 0o777 for name in ("g.csv", "g.json", "results.json")} == {0o644}


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
    # Not a terminal (a CI log): a plain line per learner instead of a progress bar.
    assert [line for line in done.stderr.splitlines() if line.startswith("graded ")] == [
        f"graded {i}/3: {name}" for i, name in enumerate(["alice", "bob", "carol"], 1)
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["--jobs", "0"],
        ["--jobs", "-3"],
        ["--jobs", "two"],
        ["--call-timeout", "-1"],
        ["--submission-timeout", "0"],
        ["--memory-mb", "0"],
        ["--only", "ssr.softmax"],
    ],
    ids=lambda a: " ".join(a),
)
def test_bad_options_exit_2_with_a_usage_line(tmp_path, args):
    done = run("-m", "grader", str(sub.stubs(tmp_path / "s")), *args)
    assert done.returncode == 2 and done.stderr.startswith("usage:"), done.stderr
    assert f"error: argument {args[0]}" in done.stderr and "Traceback" not in done.stderr


def test_a_module_that_cannot_be_imported_is_one_line_of_feedback(tmp_path):
    folder = sub.reference(tmp_path / "typo")
    (folder / "ssr.py").write_text((folder / "ssr.py").read_text() + "\ndef broken(:\n")
    done = run("-m", "grader", str(folder))
    said = [line.split()[0] for line in done.stdout.splitlines() if "SyntaxError" in line]
    assert said == ["ssr.py", "backprop.py"]  # once for the module, once for the module that imports it
    assert "ssr.softplus                                      0/4" in done.stdout


def test_only_and_exit_code_grade_one_function_for_a_pass_or_fail_status(tmp_path):
    stubs, answers = sub.stubs(tmp_path / "stubs"), sub.reference(tmp_path / "answers")
    for folder, status in ((stubs, 1), (answers, 0)):
        done = run("-m", "grader", str(folder), "--only", "ssr.softplus", "--exit-code")
        assert done.returncode == status and done.stdout.strip().splitlines()[-1].startswith("Score: ")
        rows = [line.split()[0] for line in done.stdout.splitlines() if line.startswith(("ssr.", "logistic."))]
        assert rows == ["ssr.softplus"]


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
