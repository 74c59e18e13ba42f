"""Finding a submission's exercise modules: a folder (top level or exercises/), or a .zip of one."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.rubric import FUNCTIONS

MODULE_FILES = tuple(f"{m}.py" for m in FUNCTIONS)
MAX_ZIP_BYTES, MAX_ZIP_FILES = 50 * 2**20, 2000  # unpacked size and member count a zip may have


class NotASubmission(ValueError):
    """The path given holds no exercise modules; the message says where the grader looked."""


@dataclass
class Located:
    """Where a submission's modules are, plus notes on files the grader ignores."""

    name: str
    module_dir: Path
    notes: list[str] = field(default_factory=list)
    cleanup: Path | None = None  # a temporary folder to delete (an unpacked zip)


def is_submission(path: Path) -> bool:
    if path.is_file():
        return path.suffix.lower() == ".zip"
    return _module_dir(path) is not None


def locate(path: Path) -> Located:
    """The module folder of a submission; raises NotASubmission with what was expected."""
    if not path.exists():
        raise NotASubmission(f"{path} does not exist")
    if path.is_file():
        return _unzip(path)
    module_dir = _module_dir(path)
    if module_dir is None:
        raise NotASubmission(f"{path} holds none of {', '.join(MODULE_FILES)}, neither at its top nor in exercises/")
    return Located(path.name, module_dir, _notes(module_dir))


def _module_dir(path: Path) -> Path | None:
    for candidate in (path, path / "exercises"):
        if candidate.is_dir() and any((candidate / f).is_file() for f in MODULE_FILES):
            return candidate
    return None


def _notes(module_dir: Path) -> list[str]:
    ignored = sorted(
        p.name
        for p in module_dir.glob("*.py")
        if p.name == "conftest.py" or p.name.startswith("test_") or p.name.endswith("_test.py")
    )
    if not ignored:
        return []
    return [f"Ignored {', '.join(ignored)}: the grader runs only the exercise modules, never a submission's tests."]


def _unzip(path: Path) -> Located:
    if path.suffix.lower() != ".zip" or not zipfile.is_zipfile(path):
        raise NotASubmission(f"{path} is not a folder or a .zip file")
    target = Path(tempfile.mkdtemp(prefix="backprop-zip-"))
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > MAX_ZIP_FILES or sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise NotASubmission(f"{path} is too large to be a submission")
            for member in members:
                parts = Path(member.filename).parts
                if member.filename.startswith("/") or ".." in parts or "__MACOSX" in parts:
                    continue  # never write outside the target folder
                archive.extract(member, target)
        roots = [p for p in target.iterdir() if p.is_dir()]
        found = _module_dir(target) or (len(roots) == 1 and _module_dir(roots[0])) or None
        if found is None:
            raise NotASubmission(f"{path} holds none of {', '.join(MODULE_FILES)}")
        return Located(path.stem, found, _notes(found), cleanup=target)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
