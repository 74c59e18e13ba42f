"""The pytest plugin behind the checks: --submission, the learner fixture, the points marker and the results."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
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

    The API hands it the submissions and a way to sandbox each (one pytest session grades several: the learner
    fixture is parametrised over them, so collection is paid once). Plain pytest over the checks loads one
    submission at session start and sandboxes it as the learner's own work.
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

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if self.submissions is not None and len(self.submissions) > 1 and "learner" in metafunc.fixturenames:
            ids = [f"learner{i}" for i in range(len(self.submissions))]
            metafunc.parametrize("learner", range(len(self.submissions)), indirect=True, scope="session", ids=ids)

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        ids = [_check_id(item) for item in items if _submission_of(item) == 0]
        missing, twice = set(ALL_CHECKS) - set(ids), {i for i in ids if ids.count(i) > 1}
        if missing or twice or not set(ids) <= set(ALL_CHECKS):
            raise pytest.UsageError(f"checks and rubric disagree: missing {missing}, twice {twice}")
        only = config.getoption("--only")
        if only:
            chosen = [i for i in items if _check_id(i) == only or _check_id(i).startswith(only + ".")]
            config.hook.pytest_deselected(items=[i for i in items if i not in chosen])
            items[:] = chosen
        # Learner by learner, and a function's three checks one after another: the first asks for all three's calls
        # (checking.outcomes_of), so the outcomes it holds for the other two are used, and freed, at once.
        order = {check_id: i for i, check_id in enumerate(ALL_CHECKS)}
        items.sort(key=lambda item: (_submission_of(item), order[_check_id(item)]))

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
            self.results[_submission_of(item)].checks.append(_check_result(item, exc))
        return rep

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
        """For the API, which reads results and prints nothing: run the item's setup, call and teardown hooks,
        without the reports, log hooks and timing that pytest builds around each (a third of grading time)."""
        if self.print_table:
            return None  # plain pytest: its own protocol, so its terminal shows every check
        ihook, result = item.ihook, self.results[_submission_of(item)]
        failure = _failure_of(lambda: ihook.pytest_runtest_setup(item=item))
        if failure is None:
            failure = _failure_of(lambda: ihook.pytest_runtest_call(item=item))
        result.checks.append(_check_result(item, failure))
        broken = _failure_of(lambda: ihook.pytest_runtest_teardown(item=item, nextitem=nextitem))
        if broken is not None and not result.error:
            result.error = f"the grader failed while cleaning up ({type(broken).__name__}: {broken})"
        return True

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
        finally:  # pytest runs this as the next learner's checks start: what goes wrong is still this learner's
            _close(sandbox, result)
            result.seconds = time.monotonic() - started


@pytest.fixture(scope="session")
def learner(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A submission's modules behind a sandboxed worker (one of several when the API grades a group)."""
    yield from collector_of(request.config).sandboxed(getattr(request, "param", 0))


def _close(sandbox: Sandbox | None, result: SubmissionResult) -> None:
    """Close a learner's sandbox; a failure is a note on that learner's row (the checks had all run)."""
    try:
        if sandbox is not None:
            sandbox.close()
    except Exception as exc:
        result.notes.append(f"the grader could not close the sandbox cleanly ({type(exc).__name__}: {exc})")


def _submission_of(item: pytest.Item) -> int:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("learner", 0) if callspec is not None else 0


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
        return CheckResult(check_id, 0, best, "failed", str(exc), printed, exc.module_error, advice)
    # Anything else is a fault in the check itself: report it plainly, never as the learner's fault.
    return CheckResult(check_id, 0, best, "failed", feedback=f"grader error: {type(exc).__name__}: {exc}")
