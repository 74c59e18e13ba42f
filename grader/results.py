"""Result dataclasses: one check, one submission, and their CSV, JSON and Gradescope forms."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from grader.rubric import BACKPROP_FUNCTIONS, FUNCTIONS, section_of

Status = Literal["passed", "failed", "not_implemented", "unavailable"]


@dataclass(frozen=True)
class CheckResult:
    """One check of one function: points are whole numbers, so totals are exact."""

    check_id: str  # "ssr.predict.worked"
    points: int
    max_points: int
    status: Status
    feedback: str = ""  # one line: for which input, expected vs got, and a hint; empty when passed
    output: str = ""  # what the learner's code printed, capped
    module_error: str = ""  # set when the function's whole module failed: "could not be imported: SyntaxError ..."
    advice: tuple[str, ...] = ()  # "not graded: ..." lines: worth fixing, worth no points (no docstring promises it)
    case: int | None = None  # a worked check that got a wrong value: which worked example (its index in the spec)
    got: Any = None  # and the value that came back, as numbers

    @property
    def function(self) -> str:
        return self.check_id.rsplit(".", 1)[0]

    @property
    def kind(self) -> str:
        return self.check_id.rsplit(".", 1)[1]


@dataclass
class SubmissionResult:
    """Every check of one submission, or the reason it could not be graded."""

    name: str
    checks: list[CheckResult] = field(default_factory=list)
    error: str = ""  # a problem with the submission as a whole
    notes: list[str] = field(default_factory=list)  # e.g. files the grader ignored
    seconds: float = 0.0
    isolation: str = ""  # how the learner's code was isolated, in one line ("" when none of it ran)

    @property
    def score(self) -> int:
        """The core score; the backprop section is reported apart (see section)."""
        return self.section("core")[0]

    @property
    def max_score(self) -> int:
        return self.section("core")[1]

    def section(self, name: str) -> tuple[int, int]:
        """Points earned and possible in one section of the rubric, leaving out checks that could not run."""
        checks = [c for c in self.checks if section_of(c.check_id) == name and c.status != "unavailable"]
        return sum(c.points for c in checks), sum(c.max_points for c in checks)

    def by_function(self) -> dict[str, tuple[int, int]]:
        """Points earned and possible per function, in rubric order, core first."""
        graded = {**FUNCTIONS, **BACKPROP_FUNCTIONS}
        totals = {f"{m}.{f}": [0, 0] for m, names in graded.items() for f in names}
        for c in self.checks:
            if c.status != "unavailable":
                totals[c.function][0] += c.points
                totals[c.function][1] += c.max_points
        return {name: (earned, best) for name, (earned, best) in totals.items() if best}

    def csv_row(self) -> dict[str, Any]:
        row: dict[str, Any] = {"learner": self.name}
        row.update({name: earned for name, (earned, _) in self.by_function().items()})
        row.update(total=self.score, max=self.max_score)
        row.update(zip(("backprop_total", "backprop_max"), self.section("backprop"), strict=True))
        row.update(error=self.error, isolation=self.isolation)
        return row

    def to_json(self) -> dict[str, Any]:
        return {
            "learner": self.name,
            "score": self.score,
            "max_score": self.max_score,
            "sections": {
                name: dict(zip(("score", "max_score"), self.section(name), strict=True))
                for name in ("core", "backprop")
            },
            "error": self.error,
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
            "isolation": self.isolation,
            "checks": [asdict(c) for c in self.checks],
        }

    def to_gradescope(self) -> dict[str, Any]:
        """results.json as Gradescope's autograder specification describes it."""
        tests = [_gradescope_test(c) for c in self.checks if c.status != "unavailable"]
        lines = [self.error, *self.notes, f"Sandbox: {self.isolation}" if self.isolation else ""]
        earned, best = self.section("backprop")
        if best:
            lines.append(f"Backprop section: {earned}/{best}, reported apart from the score.")
        return {
            "score": self.score,
            "execution_time": round(self.seconds, 3),
            "output": "\n".join(x for x in lines if x),
            "tests": tests,
        }


def _gradescope_test(c: CheckResult) -> dict[str, Any]:
    """One check as a Gradescope test; the backprop section's checks carry no points there (reported apart)."""
    test = {
        "name": c.check_id,
        "status": "passed" if c.status == "passed" else "failed",
        "output": "\n".join(x for x in (c.feedback, *c.advice, printed(c.output)) if x),
        "visibility": "visible",
    }
    if section_of(c.check_id) == "core":
        return {**test, "score": c.points, "max_score": c.max_points}
    return {**test, "name": f"{c.check_id} (backprop section, not in the score: {c.points}/{c.max_points})"}


def printed(text: str) -> str:
    """Learner output, quoted line by line, so nothing it prints can pass for the grader's own words."""
    if not text.strip():
        return ""
    return "Your code printed:\n" + "\n".join(f"  | {line}" for line in text.splitlines()[:20])
