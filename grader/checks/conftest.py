"""Loads the grader's pytest plugin for the checks in this folder."""

from grader.plugin import learner, pytest_addoption, pytest_configure  # noqa: F401  (pytest finds them here)
