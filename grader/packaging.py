"""Packaging for instructors: a Gradescope autograder bundle, and a learner release without solutions/."""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import zipfile
from pathlib import Path

from grader.rubric import ALL_CHECKS

ROOT = Path(__file__).parents[1]
GRADER_REQUIREMENTS = ("numpy", "pytest", "tqdm")  # what grading needs; the dashboard's libraries stay out
# In the bundle: everything grading reads. In a release: everything but the answers and the project's own tests.
BUNDLE_PARTS = ("grader", "solutions", "data/__init__.py", "data/examples.py")
KIT = ROOT / "kit"
# In a release, besides the kit: what the dashboard and the self-check need, and the learners' docs.
RELEASE_PARTS = ("grader", "dashboard", "data", "requirements.txt", ".streamlit", "docs/exercises.md",
                 "docs/sigmoid-example.md")  # fmt: skip
NOT_RELEASED = {"data/sample_class.json", "data/make_sample_class.py"}  # the instructors' analytics sample
SETUP_COMMAND = "python3 -m venv .venv && .venv/bin/pip install --quiet -r requirements-grader.txt -e ."
CLASSROOM_HEAD = """# GitHub Classroom autograding: a test per function, worth its worked and property points.
name: Autograding Tests
'on': [push, repository_dispatch]
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
"""
CLASSROOM_STEP = """      - name: {name}
        id: {id}
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: {name}
          setup-command: "{setup}"
          command: .venv/bin/python -m grader --only {name} --exit-code
          timeout: 5
          max-score: {points}
"""
CLASSROOM_TAIL = """      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
{env}        with:
          runners: {runners}
"""
JUNK = {"__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache"}

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv bubblewrap
cd /autograder/source
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet -r requirements-grader.txt
# Learner code runs in a bubblewrap sandbox as a uid of its own. Where the container allows no namespaces, the
# grader falls back to that uid alone, which is safe only if the grader and the reference are unreadable to it
# (and Python, in /autograder/venv, readable).
chmod -R go-rwx /autograder/source
chmod -R go+rX /autograder/venv
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission; results land in results/results.json.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${PYTHON:-$ROOT/venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
mkdir -p "$ROOT/results"
cd "$ROOT/source"
"$PYTHON" -m grader "$ROOT/submission" --jobs 1 --gradescope "$ROOT/results/results.json"
"""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m grader {argv[0]}")
    if argv[0] == "bundle":
        parser.add_argument("--out", type=Path, default=Path("autograder.zip"), help="the zip to write")
        out = build_bundle(parser.parse_args(argv[1:]).out)
        print(f"Wrote {out}: upload it as the autograder of a Gradescope programming assignment.")
    else:
        parser.add_argument("--out", type=Path, required=True, help="an empty or new folder")
        try:
            out = build_release(parser.parse_args(argv[1:]).out)
        except ReleaseError as exc:
            parser.error(str(exc))  # the usage line, the reason, exit status 2
        print(f"Wrote a learner kit to {out}: stubs, dashboard, self-check and a GitHub Classroom workflow.")
    return 0


def build_bundle(out: Path) -> Path:
    """setup.sh and run_autograder at the zip's top, the grader and the reference under source/."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        _add_script(z, "setup.sh", SETUP_SH)
        _add_script(z, "run_autograder", RUN_AUTOGRADER)
        z.writestr("source/requirements-grader.txt", grader_requirements())
        for part in BUNDLE_PARTS:
            for path in _files(ROOT / part):
                z.write(path, f"source/{path.relative_to(ROOT)}")
    return out


class ReleaseError(ValueError):
    """A release that cannot be written where asked."""


def build_release(out: Path) -> Path:
    """A learner kit: the pristine stubs (never the working tree's exercises/), the dashboard, the grader for
    self-checks, the learner README and docs, a GitHub Classroom workflow; no reference, no project tests."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} is not an empty folder; give a new or empty one")
    for part in RELEASE_PARTS:
        for path in _files(ROOT / part):
            if path.relative_to(ROOT).as_posix() not in NOT_RELEASED:
                _copy(path, out / path.relative_to(ROOT))
    for path in _files(KIT / "exercises"):
        _copy(path, out / "exercises" / path.relative_to(KIT / "exercises"))  # the learner's copy to fill in
        _copy(path, out / path.relative_to(ROOT))  # the stubs as shipped, to start again from
    for name in ("README.md", "pyproject.toml"):
        _copy(KIT / name, out / name)
    (out / "requirements-grader.txt").write_text(grader_requirements())
    (out / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
    (out / ".github" / "workflows" / "classroom.yml").write_text(classroom_workflow())
    return out


def classroom_workflow() -> str:
    """GitHub Classroom autograding: one test per graded function, passing when every check of that function that
    runs in the learner's repository passes (`python -m grader --only F --exit-code`). The repository has no
    reference solutions, so a test is worth the function's worked and property points; the reference checks are
    left to the instructor's grader."""
    steps, runners = [], []
    for i, (function, points) in enumerate(_points_per_function().items()):
        step_id = function.replace(".", "-").replace("_", "-")
        setup = SETUP_COMMAND if i == 0 else ""
        steps.append(CLASSROOM_STEP.format(name=function, id=step_id, setup=setup, points=points))
        runners.append(step_id)
    env = "".join(f'          {r.upper()}_RESULTS: "${{{{steps.{r}.outputs.result}}}}"\n' for r in runners)
    return CLASSROOM_HEAD + "".join(steps) + CLASSROOM_TAIL.format(env=env, runners=",".join(runners))


def _points_per_function() -> dict[str, int]:
    totals: dict[str, int] = {}
    for check_id, points in ALL_CHECKS.items():
        function, kind = check_id.rsplit(".", 1)
        totals[function] = totals.get(function, 0) + (0 if kind == "reference" else points)
    return totals


def grader_requirements() -> str:
    """The lines of requirements.txt for the libraries grading needs, with the project's own version ranges."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    keep = [line for line in lines if re.split(r"[<>=!~ \[]", line.strip())[0].lower() in GRADER_REQUIREMENTS]
    return "\n".join(keep) + "\n"


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not JUNK & set(p.relative_to(ROOT).parts))


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    target.chmod(0o644)


def _add_script(z: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o755 << 16  # executable once unpacked
    z.writestr(info, text)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
