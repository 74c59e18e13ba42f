"""Packaging for instructors: a Gradescope autograder bundle, and a learner release without solutions/."""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[1]
GRADER_REQUIREMENTS = ("numpy", "pytest", "tqdm")  # what grading needs; the dashboard's libraries stay out
# In the bundle: everything grading reads. In a release: everything but the answers and the project's own tests.
# exercises/backprop.py only for its parameter names, which the backprop checks use.
BUNDLE_PARTS = ("grader", "solutions", "exercises/__init__.py", "exercises/examples.py", "exercises/backprop.py")
RELEASE_SKIP = {"solutions", "tests", "benchmarks", ".git", ".venv", ".ci", "artifacts", "autograder.zip"}
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
        out = build_release(parser.parse_args(argv[1:]).out)
        print(f"Wrote a learner release to {out} (no solutions/; the self-check runs the worked and property checks).")
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


def build_release(out: Path) -> Path:
    """A copy of the project for learners: stubs, dashboard, grader (self-check), docs; no reference."""
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"grader: {out} is not empty; give a new or empty folder")
    for path in _files(ROOT):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in RELEASE_SKIP or rel.name.startswith(".git"):
            continue
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, out / rel)
    return out


def grader_requirements() -> str:
    """The lines of requirements.txt for the libraries grading needs, with the project's own version ranges."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    keep = [line for line in lines if re.split(r"[<>=!~ \[]", line.strip())[0].lower() in GRADER_REQUIREMENTS]
    return "\n".join(keep) + "\n"


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not JUNK & set(p.relative_to(ROOT).parts))


def _add_script(z: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o755 << 16  # executable once unpacked
    z.writestr(info, text)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
