"""The grader's API: grade one submission or a whole class folder; the CLI and the dashboard call these."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.isolation import DEFAULT_LIMITS, UID_RANGE, Isolation, Limits, SandboxUnavailable, choose, prestart
from grader.plugin import Collector
from grader.results import SubmissionResult
from grader.sandbox import Sandbox
from grader.submission import NotASubmission, load

CHECKS = Path(__file__).with_name("checks")
# pytest's own plugins that wrap every test (output capture, logging, warnings...) do nothing for checks whose
# learner code runs in another process; leaving them out saves a quarter of pytest's time per submission.
UNUSED_PLUGINS = ("terminal", "logging", "warnings", "capture", "junitxml", "doctest", "faulthandler", "pastebin",
                  "stepwise", "lfplugin", "unraisableexception", "threadexception", "setuponly", "setupplan",
                  "tmpdir", "monkeypatch", "recwarn", "legacypath")  # fmt: skip


def grade_submission(
    path: str | Path,
    limits: Limits = DEFAULT_LIMITS,
    watch: tuple[Path, ...] = (),
    isolation: Isolation | None = None,
    uid_hint: int | None = None,
) -> SubmissionResult:
    """Run every check on one submission (a folder or a .zip) in a sandbox.

    Raises NotASubmission when the path cannot be graded (no modules, a link, a corrupt zip...). A sandbox that
    cannot be set up gives a result with error "could not sandbox: <reason>" and no checks: nothing of the
    submission ran. isolation: as chosen by grader.isolation.choose() when None. watch: output files the learner's
    code must not write (a call that changes one fails).
    """
    started = time.monotonic()
    submission = load(Path(path))
    try:
        isolation = isolation or choose()
        sandbox = Sandbox(submission, isolation, limits, uid_hint, watch)
    except SandboxUnavailable as exc:
        return SubmissionResult(name=submission.name, error=f"could not sandbox: {exc}", notes=list(submission.notes))
    try:
        sandbox.start()
        collector = Collector(submission, sandbox)
        code = pytest.main(_pytest_args(limits), plugins=[collector])  # with its terminal plugin off, it prints nothing
    except SandboxUnavailable as exc:
        error = f"could not sandbox: {exc}"
        return SubmissionResult(submission.name, error=error, notes=list(submission.notes), isolation=sandbox.summary)
    finally:
        sandbox.close()
    result = collector.result
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        result.error = f"the checks did not run (pytest exit code {int(code)}; its message is on standard error)"
    result.seconds = time.monotonic() - started
    return result


def _pytest_args(limits: Limits) -> list[str]:
    return [
        str(CHECKS),
        f"--rootdir={CHECKS}",
        f"--call-timeout={limits.call_seconds}",
        f"--submission-timeout={limits.submission_seconds}",
        f"--memory-mb={limits.memory_mb}",
        *(f"-pno:{name}" for name in UNUSED_PLUGINS),
    ]


def find_submissions(folder: str | Path) -> list[Path]:
    """A class folder's learners: every subfolder and .zip, by name (links too: grading refuses them in a row)."""
    entries = sorted(p for p in Path(folder).iterdir() if not p.name.startswith("."))
    return [p for p in entries if p.is_symlink() or p.is_dir() or p.suffix.lower() == ".zip"]


def grade_class(
    submissions: list[Path], jobs: int, limits: Limits = DEFAULT_LIMITS, isolation: Isolation | None = None
) -> Iterator[SubmissionResult]:
    """Grade submissions in parallel, yielding each result in order as soon as it and those before it are done.

    Every submission gets a result, with the reason in error when it could not be graded. Learner i runs as uid
    UID_RANGE[i] (modulo its length) when the grader is root. No output files are watched here: the sandbox keeps
    learners away from them, and the class outputs are written after grading.
    """
    tasks = [(p, limits, isolation, UID_RANGE[i % len(UID_RANGE)]) for i, p in enumerate(submissions)]
    if jobs <= 1:
        if isolation is not None:
            prestart(isolation)
        yield from (_grade_or_explain(t) for t in tasks)
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["grader.api"])  # each pool worker starts with pytest and the checks imported
    with context.Pool(jobs) as pool:
        yield from pool.imap(_grade_or_explain, tasks, chunksize=1)


def _grade_or_explain(task: tuple[Path, Limits, Isolation | None, int]) -> SubmissionResult:
    path, limits, isolation, uid = task
    try:
        return grade_submission(path, limits, isolation=isolation, uid_hint=uid)
    except NotASubmission as exc:
        return SubmissionResult(name=path.stem, error=str(exc))
    except Exception as exc:  # a class run never stops for one learner: the row says what went wrong
        return SubmissionResult(name=path.stem, error=f"could not be graded ({type(exc).__name__}: {exc})")
