"""The grader's API: grade one submission or a whole class folder; the CLI and the dashboard call these."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from grader import pool
from grader.isolation import DEFAULT_LIMITS, UID_RANGE, Isolation, Limits, SandboxUnavailable, choose, prestart
from grader.plugin import Collector
from grader.results import SubmissionResult
from grader.sandbox import Sandbox
from grader.submission import NotASubmission, Submission, load

CHECKS = Path(__file__).with_name("checks")
GROUP_SIZE = 10  # submissions per pytest session in a class run
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
    only: str | None = None,
) -> SubmissionResult:
    """Run every check on one submission (a folder or a .zip) in a sandbox.

    Raises NotASubmission when the path cannot be graded (no modules, a link, a corrupt zip...). A sandbox that
    cannot be set up gives a result with error "could not sandbox: <reason>" and no checks: nothing of the
    submission ran. isolation: as chosen by grader.isolation.choose() when None. watch: output files the learner's
    code must not write (a call that changes one fails). only: a module, function or check id; the others are left
    out of the result.
    """
    return grade_group([(load(Path(path)), uid_hint)], limits, watch, isolation, only)[0]


def grade_group(
    group: list[tuple[Submission, int | None]],
    limits: Limits = DEFAULT_LIMITS,
    watch: tuple[Path, ...] = (),
    isolation: Isolation | None = None,
    only: str | None = None,
) -> list[SubmissionResult]:
    """Grade loaded submissions, each with its uid hint, in one pytest session (collecting the checks costs a
    fifth of a submission's time, so a class run pays it once per group); one result per submission, in order."""
    try:
        isolation = isolation or choose()
    except SandboxUnavailable as exc:
        return [_unsandboxed(submission, exc) for submission, _ in group]
    submissions = [submission for submission, _ in group]

    def sandbox_for(index: int, submission: Submission) -> Sandbox:
        return Sandbox(submission, isolation, limits, group[index][1], watch)

    collector = Collector(submissions, sandbox_for)
    code = pytest.main(_pytest_args(limits, only), plugins=[collector])  # its terminal plugin is off: it prints nothing
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        for result in collector.results:
            result.checks = []
            result.error = f"the checks did not run (pytest exit code {int(code)}; its message is on standard error)"
    return collector.results


def _unsandboxed(submission: Submission, exc: SandboxUnavailable) -> SubmissionResult:
    return SubmissionResult(submission.name, error=f"could not sandbox: {exc}", notes=list(submission.notes))


def _pytest_args(limits: Limits, only: str | None = None) -> list[str]:
    return [
        *([f"--only={only}"] if only else []),
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
    submissions: list[Path],
    jobs: int,
    limits: Limits = DEFAULT_LIMITS,
    isolation: Isolation | None = None,
    only: str | None = None,
) -> Iterator[SubmissionResult]:
    """Grade submissions in parallel, yielding each result in order as soon as it and those before it are done.

    Every submission gets a result, with the reason in error when it could not be graded. Learner i runs as uid
    UID_RANGE[i] (modulo its length) when the grader is root. No output files are watched here: the sandbox keeps
    learners away from them, and the class outputs are written after grading. Submissions are graded in groups of
    up to GROUP_SIZE, one pytest session each, with groups small enough to keep every job busy to the end.
    """
    tasks = [(p, UID_RANGE[i % len(UID_RANGE)]) for i, p in enumerate(submissions)]
    groups = [(part, limits, isolation, only) for part in _shrinking_groups(tasks, jobs)]
    if jobs <= 1:
        if isolation is not None:
            prestart(isolation)
        for group in groups:
            yield from _grade_or_explain(group)
        return
    # Each worker starts its house (the template imports numpy) while it collects its first group's checks.
    start = (prestart, (isolation,)) if isolation is not None else (None, ())
    with pool.context().Pool(jobs, *start) as workers:
        for results in workers.imap(_grade_or_explain, groups, chunksize=1):
            yield from results


def _shrinking_groups(tasks: list, jobs: int) -> list[list]:
    """Groups of up to GROUP_SIZE that shrink towards the end (guided scheduling): big groups pay pytest's start
    once for many learners, small last ones keep every job busy until the class is done."""
    groups, start = [], 0
    while start < len(tasks):
        size = max(2, min(GROUP_SIZE, (len(tasks) - start) // (2 * max(jobs, 1))))
        groups.append(tasks[start : start + size])
        start += size
    return groups


def _grade_or_explain(
    group: tuple[list[tuple[Path, int]], Limits, Isolation | None, str | None],
) -> list[SubmissionResult]:
    """One result per submission of the group, whatever happens: a class run never stops for one learner."""
    tasks, limits, isolation, only = group
    results: list[SubmissionResult | None] = [None] * len(tasks)
    loaded = []
    for i, (path, uid) in enumerate(tasks):
        try:
            loaded.append((i, load(path), uid))
        except NotASubmission as exc:
            results[i] = SubmissionResult(name=path.stem, error=str(exc))
    try:
        group = [(submission, uid) for _, submission, uid in loaded]
        graded = grade_group(group, limits, isolation=isolation, only=only) if group else []
    except Exception as exc:  # the row says what went wrong
        error = f"could not be graded ({type(exc).__name__}: {exc})"
        graded = [SubmissionResult(sub.name, error=error, notes=list(sub.notes)) for _, sub, _ in loaded]
    for (i, _, _), result in zip(loaded, graded, strict=True):
        results[i] = result
    return results
