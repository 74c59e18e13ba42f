"""Loads the grader's pytest plugin for the checks in this folder."""

from grader.plugin import (  # noqa: F401  (pytest finds them here)
    learner,
    pytest_addoption,
    pytest_configure,
    pytest_runtest_makereport,
)
