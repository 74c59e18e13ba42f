"""The pytest plugin behind the checks: --submission, the learner fixture, the points marker and the results."""

from __future__ import annotations

import contextlib
import functools
import inspect
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader import kit, report
from grader.checking import CheckFailed, NotImplementedYet
from grader.isolation import Limits, SandboxUnavailable, for_own_work
from grader.results import CheckResult, SubmissionResult
from grader.rubric import ALL_CHECKS
from grader.sandbox import Sandbox
from grader.submission import NotASubmission, Submission, load


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("backprop-grader")
    group.addoption("--submission", default=None, help="folder or .zip with the exercise modules (default: exercises/)")
    group.addoption("--call-timeout", type=float, default=Limits.call_seconds, help="seconds per call")
    group.addoption("--submission-timeout", type=float, default=Limits.submission_seconds, help="seconds in all")
    group.addoption("--only", default=None, help="run only the checks of this module, function or check id")
    group.addoption("--memory-mb", type=int, default=Limits.memory_mb, help="memory limit of the learner's process")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(check_id): the rubric entry (grader/rubric.py) this check earns")
    if collector_of(config) is None:  # plain pytest; the API registers its own collector
        config.pluginmanager.register(Collector(), "backprop-collector")


def collector_of(config: pytest.Config) -> Collector | None:
    return next((p for p in config.pluginmanager.get_plugins() if isinstance(p, Collector)), None)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport | None:
    """A failed check's report is its one line of feedback: no traceback to read, and none to build."""
    if call.when != "call" or call.excinfo is None or not isinstance(call.excinfo.value, CheckFailed):
        return None  # pytest's own report
    return pytest.TestReport(
        item.nodeid,
        item.location,
        dict.fromkeys(item.keywords, 1),
        "failed",
        str(call.excinfo.value),
        call.when,
        duration=call.duration,
        start=call.start,
        stop=call.stop,
        user_properties=item.user_properties,
    )


class Collector:
    """Turns each check's pytest outcome into a CheckResult per submission; prints the table under plain pytest.

    Plain pytest over the checks loads one submission at session start, sandboxes it as the learner's own work
    (the learner fixture) and runs the checks with pytest's own protocol, so its terminal shows each. The API hands
    it several submissions and a way to sandbox each, and prints nothing: pytest collects the checks once, and the
    run loop below calls each check function for each submission in turn (pytest's per-test protocol, its setup,
    reports and hooks, cost more than a check itself).
    """

    def __init__(
        self,
        submissions: list[Submission] | None = None,
        sandbox_for: Callable[[int, Submission], Sandbox] | None = None,
    ) -> None:
        self.print_table = submissions is None
        self.submissions, self.sandbox_for = submissions, sandbox_for
        self.results = [SubmissionResult(s.name, notes=list(s.notes)) for s in submissions or []]

    @property
    def result(self) -> SubmissionResult:
        return self.results[0]

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        ids = [_check_id(item) for item in items]
        missing, twice = set(ALL_CHECKS) - set(ids), {i for i in ids if ids.count(i) > 1}
        if missing or twice or not set(ids) <= set(ALL_CHECKS):
            raise pytest.UsageError(f"checks and rubric disagree: missing {missing}, twice {twice}")
        only = config.getoption("--only")
        if only:
            chosen = [i for i in items if _check_id(i) == only or _check_id(i).startswith(only + ".")]
            config.hook.pytest_deselected(items=[i for i in items if i not in chosen])
            items[:] = chosen
        # A function's three checks one after another: the first asks for all three's calls (checking.outcomes_of),
        # so the outcomes it holds for the other two are used, and freed, at once.
        order = {check_id: i for i, check_id in enumerate(ALL_CHECKS)}
        items.sort(key=lambda item: order[_check_id(item)])
        unusual = [i.nodeid for i in items if set(inspect.signature(i.function).parameters) - set(CHECK_ARGUMENTS)]
        if unusual:
            raise pytest.UsageError(f"checks may take only {CHECK_ARGUMENTS} as arguments: {unusual}")

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.submissions is not None:
            return
        opt = session.config.getoption
        try:
            self.submissions = [load(Path(opt("--submission") or kit.exercises()))]
        except NotASubmission as exc:
            raise pytest.UsageError(str(exc)) from None
        limits = Limits(opt("--call-timeout"), opt("--submission-timeout"), opt("--memory-mb"))
        self.sandbox_for = lambda _, submission: Sandbox(submission, for_own_work(), limits)  # a learner's own work
        self.results = [SubmissionResult(s.name, notes=list(s.notes)) for s in self.submissions]

    def pytest_sessionfinish(self) -> None:
        order = {check_id: i for i, check_id in enumerate(ALL_CHECKS)}
        for result in self.results:
            result.checks = [] if result.error else sorted(result.checks, key=lambda c: order[c.check_id])

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Iterator:
        rep = yield
        if rep.when == "call" or (rep.when == "setup" and not rep.passed):
            exc = call.excinfo.value if call.excinfo is not None else None
            self.results[0].checks.append(_check_result(item, exc))
        return rep

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        """For the API: every check of every submission, learner by learner, each in its own sandbox."""
        if self.print_table or session.config.option.collectonly:
            return None  # plain pytest: its own loop and protocol
        for index in range(len(self.submissions)):
            self._grade(index, session.items)
        return True

    def _grade(self, index: int, items: list[pytest.Item]) -> None:
        result = self.results[index]
        try:
            with contextlib.contextmanager(self.sandboxed)(index) as sandbox:
                for item in items:
                    for leftover in ("learner_output", "advice"):  # the previous learner's, on the same item
                        item.__dict__.pop(leftover, None)
                    args = {"learner": sandbox, "spec": item.callspec.params["spec"], "request": _Request(item)}
                    result.checks.append(_check_result(item, _failure_of(functools.partial(item.function, **args))))
        except pytest.skip.Exception:
            pass  # the sandbox could not start: result.error says why, and no check ran

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.print_table:
            terminalreporter.write_line("")
            terminalreporter.write(report.table(self.result))

    def sandboxed(self, index: int) -> Iterator[Sandbox]:
        """Submission index in its sandbox for as long as its checks run; its result notes how long and how."""
        started, result = time.monotonic(), self.results[index]
        sandbox = None
        try:
            sandbox = self.sandbox_for(index, self.submissions[index])
            result.isolation = sandbox.summary
            sandbox.start()
        except Exception as exc:  # SandboxUnavailable, or an OSError making a pipe: none of its code ran
            why = str(exc) if isinstance(exc, SandboxUnavailable) else f"{type(exc).__name__}: {exc}"
            result.error = f"could not sandbox: {why}"  # no checks are reported
            _close(sandbox, result)
            pytest.skip(result.error)
        try:
            yield sandbox
        finally:
            _close(sandbox, result)
            result.seconds = time.monotonic() - started


CHECK_ARGUMENTS = ("learner", "spec", "request")  # what a check function may ask for


@dataclass(frozen=True)
class _Request:
    """What a check function uses of pytest's request when the API runs it: the node it reports on."""

    node: pytest.Item


@pytest.fixture(scope="session")
def learner(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """Plain pytest's submission behind a sandboxed worker, for the whole session."""
    yield from collector_of(request.config).sandboxed(0)


def _close(sandbox: Sandbox | None, result: SubmissionResult) -> None:
    """Close a learner's sandbox; a failure is a note on that learner's row (the checks had all run)."""
    try:
        if sandbox is not None:
            sandbox.close()
    except Exception as exc:
        result.notes.append(f"the grader could not close the sandbox cleanly ({type(exc).__name__}: {exc})")


def _check_id(item: pytest.Item) -> str:
    marker = item.get_closest_marker("points")
    if marker is None or not marker.args or marker.args[0] not in ALL_CHECKS:
        raise pytest.UsageError(f"{item.nodeid} has no points marker naming a rubric entry")
    return marker.args[0]


def _failure_of(phase: Callable[[], object]) -> BaseException | None:
    """What a test phase raised (a failed check, a skip, a fault of the grader), or None."""
    try:
        phase()
    except (Exception, pytest.skip.Exception, pytest.fail.Exception) as exc:
        return exc
    return None


def _check_result(item: pytest.Item, exc: BaseException | None) -> CheckResult:
    """The result of a check that raised exc (None: it passed)."""
    check_id = _check_id(item)
    best = ALL_CHECKS[check_id]
    printed = getattr(item, "learner_output", "")
    advice = tuple(getattr(item, "advice", ()))
    if exc is None:
        return CheckResult(check_id, best, best, "passed", output=printed, advice=advice)
    if isinstance(exc, pytest.skip.Exception):
        return CheckResult(check_id, 0, best, "unavailable", feedback=exc.msg)
    if isinstance(exc, NotImplementedYet):
        return CheckResult(check_id, 0, best, "not_implemented", feedback=str(exc), output=printed)
    if isinstance(exc, CheckFailed):
        return CheckResult(check_id, 0, best, "failed", str(exc), printed, exc.module_error, advice, exc.case, exc.got)
    # Anything else is a fault in the check itself: report it plainly, never as the learner's fault.
    return CheckResult(check_id, 0, best, "failed", feedback=f"grader error: {type(exc).__name__}: {exc}")
