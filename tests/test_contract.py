"""The exercise contract: the pristine stubs (kit/exercises/) and solutions/ share names and signatures; stubs raise;
the math stays pure."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from grader.rubric import BACKPROP_FUNCTIONS, FUNCTIONS

ROOT = Path(__file__).parents[1]
# Every function a learner writes is graded: the rubric lists them all.
CONTRACT = {**FUNCTIONS, **BACKPROP_FUNCTIONS}
MODULES = list(CONTRACT)
# What the pure modules may import: no streamlit, no file or process access.
ALLOWED_IMPORTS = {"__future__", "collections", "math", "numpy", "typing", "data.examples", "solutions"}
STUBS = "kit.exercises"  # the stubs as shipped, never the learner's copy in exercises/


def public_functions(package: str, module: str) -> dict[str, object]:
    mod = importlib.import_module(f"{package}.{module}")
    return {
        name: obj
        for name, obj in vars(mod).items()
        if inspect.isfunction(obj) and not name.startswith("_") and obj.__module__ == mod.__name__
    }


@pytest.mark.parametrize("module", MODULES)
def test_both_sides_expose_exactly_the_contract(module):
    assert sorted(public_functions(STUBS, module)) == sorted(CONTRACT[module])
    assert sorted(public_functions("solutions", module)) == sorted(CONTRACT[module])


@pytest.mark.parametrize("module", MODULES)
def test_signatures_match(module):
    stubs, refs = public_functions(STUBS, module), public_functions("solutions", module)
    for name in CONTRACT[module]:
        assert inspect.signature(stubs[name]) == inspect.signature(refs[name]), f"{module}.{name}"


@pytest.mark.parametrize(("module", "name"), [(m, n) for m in MODULES for n in CONTRACT[m]])
def test_every_stub_raises_not_implemented_naming_itself(module, name):
    stub = public_functions(STUBS, module)[name]
    assert stub.__doc__ and len(stub.__doc__) > 40, "each stub explains itself"
    with pytest.raises(NotImplementedError, match=rf"^{name} is not implemented yet"):
        stub(*[None] * len(inspect.signature(stub).parameters))


@pytest.mark.parametrize(
    "path", sorted([*ROOT.glob("solutions/*.py"), *ROOT.glob("kit/exercises/*.py")]), ids=lambda p: p.name
)
def test_math_modules_are_pure(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            if isinstance(node, ast.ImportFrom):  # `from data import examples` imports data.examples
                names = [f"{node.module}.{a.name}" if node.module == "data" else node.module for a in node.names]
            else:
                names = [a.name for a in node.names]
            for name in names:
                allowed = name in ALLOWED_IMPORTS or name.split(".")[0] in ALLOWED_IMPORTS
                assert allowed, f"{path.name} imports {name}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"open", "exec", "eval", "print"}, f"{path.name} calls {node.func.id}"


def test_both_sides_name_the_parameters_alike():
    stubs, refs = importlib.import_module(f"{STUBS}.backprop"), importlib.import_module("solutions.backprop")
    for names in ("DOSAGE_NAMES", "IRIS_NAMES"):
        assert getattr(stubs, names) == getattr(refs, names)


def test_every_python_file_starts_with_a_docstring():
    for path in ROOT.rglob("*.py"):
        if ".venv" in path.parts:
            continue
        assert ast.get_docstring(ast.parse(path.read_text())), f"{path.relative_to(ROOT)} has no docstring"
