"""Fixture submissions built at test time: the reference as a learner would hand it in, then edited."""

from __future__ import annotations

import ast
import shutil
import textwrap
from pathlib import Path

ROOT = Path(__file__).parents[1]


def reference(dest: Path) -> Path:
    """The reference solutions as a submission folder (learner files import from exercises, not solutions)."""
    dest.mkdir(parents=True, exist_ok=True)
    for src in (ROOT / "solutions").glob("*.py"):
        if src.name != "__init__.py":
            text = src.read_text().replace("from solutions import", "from exercises import")
            text = text.replace("from solutions.", "from exercises.")
            (dest / src.name).write_text(text)
    return dest


def stubs(dest: Path) -> Path:
    """The pristine exercise stubs (kit/exercises/) as a submission folder."""
    dest.mkdir(parents=True, exist_ok=True)
    for src in (ROOT / "kit" / "exercises").glob("*.py"):
        if src.name != "__init__.py":
            shutil.copy(src, dest / src.name)
    return dest


def replace_function(folder: Path, module: str, source: str) -> None:
    """Swap one top-level function of folder/module.py for new source (same name)."""
    path = folder / f"{module}.py"
    lines = path.read_text().splitlines()
    new = textwrap.dedent(source).strip("\n")
    name = ast.parse(new).body[0].name
    node = next(n for n in ast.parse("\n".join(lines)).body if isinstance(n, ast.FunctionDef) and n.name == name)
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    path.write_text("\n".join([*lines[:start], new, *lines[node.end_lineno :]]) + "\n")


def prepend(folder: Path, module: str, source: str) -> None:
    """Put module-level code at the top of folder/module.py, after its docstring and future import."""
    path = folder / f"{module}.py"
    text = path.read_text()
    marker = "from __future__ import annotations\n"
    path.write_text(text.replace(marker, marker + textwrap.dedent(source), 1))
