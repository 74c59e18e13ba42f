"""The grader run by a normal user: bubblewrap in a user namespace, one house per learner, the same attacks fail."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from grader.packaging import grader_requirements
from grader.rubric import RUBRIC
from tests import submissions as sub
from tests.test_sandbox_attacks import MALLORY, SECRET, stealing_softplus, stubs_with

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")  # Debian's: a normal user can reach it, unlike a Python under /root
NOBODY = ["/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user for the test"),
]


@pytest.fixture(scope="module")
def user_world():
    """A folder a normal user can read: a venv of Debian's Python with what grading needs, and the project's code."""
    base = Path(tempfile.mkdtemp(prefix="bpl-user-test-"))
    try:
        venv = base / "venv"
        # No pip of its own (ensurepip takes seconds): this interpreter's pip installs into it.
        subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
        (base / "requirements.txt").write_text(grader_requirements())
        python = str(venv / "bin" / "python")
        pip = [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--quiet",
            "-r",
            str(base / "requirements.txt"),
        ]
        subprocess.run(pip, check=True, capture_output=True, timeout=600)
        ignore = shutil.ignore_patterns("__pycache__")
        for part in ("grader", "data", "solutions"):
            shutil.copytree(ROOT / part, base / "project" / part, ignore=ignore)
        (base / "out").mkdir()
        subprocess.run(["chmod", "-R", "a+rX", str(base)], check=True)
        (base / "out").chmod(0o777)
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_as_a_normal_user_each_learner_has_a_house_of_their_own(user_world):
    klass = user_world / "class"
    alice = sub.reference(klass / "alice")
    sub.prepend(alice, "ssr", "# ALICE-SECRET-91f3\n")
    stubs_with(klass / "mallory", "ssr", MALLORY)
    stubs_with(
        klass / "thief", "ssr", stealing_softplus("absolute_path").replace(str(ROOT), str(user_world / "project"))
    )
    subprocess.run(["chmod", "-R", "a+rX", str(klass)], check=True)
    out = user_world / "out" / "class.json"
    python = str(user_world / "venv" / "bin" / "python")
    done = subprocess.run(
        [*NOBODY, python, "-m", "grader", str(klass), "--jobs", "1", "--json", str(out)],  # one process, in turn
        cwd=user_world / "project", capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    results = {r["learner"]: r for r in json.loads(out.read_text())["submissions"]}
    assert all("one house per learner" in r["isolation"] for r in results.values())
    assert results["alice"]["score"] == sum(RUBRIC.values())
    said = json.dumps([results["mallory"], results["thief"]])
    assert "ALICE-SECRET" not in said and SECRET not in said and "killed" not in said
    assert results["thief"]["score"] == 0


def test_as_a_normal_user_without_bubblewrap_other_peoples_code_is_refused(user_world, tmp_path):
    klass = user_world / "class-refused"
    sub.reference(klass / "alice")
    subprocess.run(["chmod", "-R", "a+rX", str(klass)], check=True)
    python = str(user_world / "venv" / "bin" / "python")
    no_bwrap = {"PATH": str(tmp_path)}  # an empty PATH folder: bwrap cannot be found
    done = subprocess.run([*NOBODY, python, "-m", "grader", str(klass)], cwd=user_world / "project",
                          capture_output=True, text=True, timeout=120, env=no_bwrap)  # fmt: skip
    assert done.returncode == 2
    assert "cannot sandbox other people's code here: bubblewrap cannot make a sandbox here" in done.stderr
    assert "--no-sandbox" in done.stderr and "Traceback" not in done.stderr


def test_as_root_without_namespaces_each_learner_gets_a_uid_and_the_project_stays_hidden(user_world, tmp_path):
    project = tmp_path / "project"  # under pytest's 0700 folder: other users cannot read it
    shutil.copytree(user_world / "project", project)
    klass = tmp_path / "class"
    sub.reference(klass / "alice")
    stubs_with(klass / "thief", "ssr", stealing_softplus("absolute_path").replace(str(ROOT), str(project)))
    out = tmp_path / "class.json"
    python = str(user_world / "venv" / "bin" / "python")
    no_bwrap = {"PATH": str(tmp_path / "no-bwrap")}
    done = subprocess.run([python, "-m", "grader", str(klass), "--jobs", "2", "--json", str(out)], cwd=project,
                          capture_output=True, text=True, timeout=300, env=no_bwrap)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    results = {r["learner"]: r for r in json.loads(out.read_text())["submissions"]}
    assert all(r["isolation"].startswith("uid only") for r in results.values())
    assert results["alice"]["score"] == sum(RUBRIC.values()), json.dumps(results["alice"])[:3000]
    assert results["thief"]["score"] == 0 and SECRET not in json.dumps(results["thief"])
    assert "Permission denied" in json.dumps(results["thief"])
