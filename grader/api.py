"""The grader's API: grade one submission or a whole class folder; the CLI and the dashboard call these."""

from __future__ import annotations

import multiprocessing
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.plugin import Collector
from grader.results import SubmissionResult
from grader.sandbox import DEFAULT_LIMITS, Limits, prestart
from grader.submission import NotASubmission, is_submission, locate

CHECKS = Path(__file__).with_name("checks")
# pytest's own plugins that wrap every test (output capture, logging, warnings...) do nothing for checks whose
# learner code runs in another process; leaving them out saves a quarter of pytest's time per submission.
UNUSED_PLUGINS = ("terminal", "logging", "warnings", "capture", "junitxml", "doctest", "faulthandler", "pastebin",
                  "stepwise", "lfplugin", "unraisableexception", "threadexception", "setuponly", "setupplan",
                  "tmpdir", "monkeypatch", "recwarn", "legacypath")  # fmt: skip


def grade_submission(
    path: str | Path, limits: Limits = DEFAULT_LIMITS, watch: tuple[Path, ...] = ()
) -> SubmissionResult:
    """Run every check on one submission (a folder or a .zip); raises NotASubmission if it holds no modules.

    watch: output files the learner's code must not write (a call that changes one, or its folder, fails).
    """
    started = time.monotonic()
    located = locate(Path(path))
    prestart()
    collector = Collector()
    collector.located = located
    args = [
        str(CHECKS),
        f"--rootdir={CHECKS}",
        f"--call-timeout={limits.call_seconds}",
        f"--submission-timeout={limits.submission_seconds}",
        f"--memory-mb={limits.memory_mb}",
        *(f"-pno:{name}" for name in UNUSED_PLUGINS),
        *(f"--watch={p}" for p in watch),
    ]
    try:
        code = pytest.main(args, plugins=[collector])  # with its terminal plugin off, pytest prints nothing
    finally:
        if located.cleanup is not None:
            shutil.rmtree(located.cleanup, ignore_errors=True)
    result = collector.result
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        result.error = f"the checks did not run (pytest exit code {int(code)}; its message is on standard error)"
    result.seconds = time.monotonic() - started
    return result


def find_submissions(folder: str | Path) -> list[Path]:
    """A class folder's submissions: each subfolder or .zip that holds exercise modules, by name."""
    return sorted(p for p in Path(folder).iterdir() if not p.name.startswith(".") and is_submission(p))


def grade_class(submissions: list[Path], jobs: int, limits: Limits = DEFAULT_LIMITS) -> Iterator[SubmissionResult]:
    """Grade submissions in parallel, yielding each result in order as soon as it and those before it are done.

    No output files are watched here: with several learners running at once, a write could not be pinned on
    one of them. The class outputs are written after grading and replace whatever is at their paths.
    """
    tasks = [(p, limits) for p in submissions]
    if jobs <= 1:
        yield from (_grade_or_explain(t) for t in tasks)
        return
    with multiprocessing.get_context("forkserver").Pool(jobs, maxtasksperchild=50) as pool:
        yield from pool.imap(_grade_or_explain, tasks, chunksize=1)


def _grade_or_explain(task: tuple[Path, Limits]) -> SubmissionResult:
    path, limits = task
    try:
        return grade_submission(path, limits)
    except NotASubmission as exc:
        return SubmissionResult(name=path.stem, error=str(exc))
