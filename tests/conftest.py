"""Test-session set-up: slow tests first, and under pytest-xdist a temporary folder per worker process."""

from __future__ import annotations

import os
import shutil
import tempfile
from multiprocessing import util

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # The sandbox attacks assert that grading leaves no backprop-* folder in the temporary folder; with two
    # workers grading at once, each must look only at its own (the grader, and every process it starts, follow
    # TMPDIR through the tempfile module).
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        folder = tempfile.mkdtemp(prefix=f"bpl-tests-{worker}-")
        os.chmod(folder, 0o1777)  # as /tmp is: the normal-user tests' worlds must be reachable by other users
        os.environ["TMPDIR"] = folder
        tempfile.tempdir = None  # forget the folder tempfile already chose
        # Removed at exit after multiprocessing has removed its own folder in it (its finalizer's priority is -100).
        util.Finalize(None, shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}, exitpriority=-101)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Slow tests first: xdist hands out tests in collection order, so a long test started last would leave the
    # other workers idle at the end; started first, the short ones fill in around it.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: each file keeps its order
