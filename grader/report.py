"""The learner's feedback table: a row per function, a line per failed check, and the score last."""

from __future__ import annotations

from dataclasses import replace

from grader.results import SubmissionResult, printed
from grader.rubric import section_of

WIDTH = 48  # column where the points start


def table(result: SubmissionResult) -> str:
    lines = [f"Backprop Lab grader: {result.name}", *result.notes]
    if result.isolation:
        lines.append(f"Sandbox: {result.isolation}")
    if result.error:
        lines.append(f"Could not grade: {result.error}")
    sections_seen, modules_said = set(), set()
    for function, points in result.by_function().items():
        section = section_of(f"{function}.worked")
        if section != "core" and section not in sections_seen:
            lines.append("Backprop section (every parameter; reported apart from the score):")
        sections_seen.add(section)
        broken = next((c.module_error for c in result.checks if c.function == function and c.module_error), "")
        module = function.split(".")[0]
        if broken and module not in modules_said:  # one line for the module, not one per check
            lines.append(f"{module}.py {broken}")
            modules_said.add(module)
        lines += (
            [f"{function:<{WIDTH}}{points[0]:>3}/{points[1]:<3}"]
            if broken
            else _function_lines(result, function, points)
        )
    return "\n".join([*lines, *_footer(result, sections_seen)]) + "\n"


def _function_lines(result: SubmissionResult, function: str, points: tuple[int, int]) -> list[str]:
    """A function's row, then one line per failed check (one line in all when they share a cause)."""
    row = f"{function:<{WIDTH}}{points[0]:>3}/{points[1]:<3}"
    checks = [c for c in result.checks if c.function == function and c.status != "unavailable"]
    if checks and all(c.status == "not_implemented" for c in checks):
        return [f"{row} not implemented yet"]
    failed = [c for c in checks if c.status != "passed"]
    if len(failed) > 1 and len({c.feedback for c in failed}) == 1:
        failed = [replace(failed[0], check_id=f"{function}.all checks")]
    lines = [row]
    for c in failed:
        lines += [f"    {c.kind:<12}{c.feedback}", *(f"        {line}" for line in printed(c.output).splitlines())]
    return lines + [f"    {'advice':<12}{line}" for c in checks for line in c.advice]


def _footer(result: SubmissionResult, sections: set[str]) -> list[str]:
    """The backprop section's total, what could not be checked here, and the score, last."""
    lines = ["Backprop section: {}/{}".format(*result.section("backprop"))] if "backprop" in sections else []
    missing = {s: sum(c.max_points for c in result.checks if c.status == "unavailable" and section_of(c.check_id) == s)
               for s in ("core", "backprop")}  # fmt: skip
    if any(missing.values()):
        lines.append(
            f"Not counted: {missing['core']} points of the score ({missing['backprop']} of the backprop section) are "
            "checks against the reference solutions, which this copy does not have; your instructor's grader runs them."
        )
    return [*lines, f"Score: {result.score}/{result.max_score}"]
