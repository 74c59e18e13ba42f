"""The learner's feedback table: a row per function, a line per failed check, and the score last."""

from __future__ import annotations

from dataclasses import replace

from grader.results import SubmissionResult, printed

WIDTH = 48  # column where the points start


def table(result: SubmissionResult) -> str:
    lines = [f"Backprop Lab grader: {result.name}", *result.notes]
    if result.error:
        lines.append(f"Could not grade: {result.error}")
    for function, (earned, best) in result.by_function().items():
        checks = [c for c in result.checks if c.function == function and c.status != "unavailable"]
        if checks and all(c.status == "not_implemented" for c in checks):
            lines.append(f"{function:<{WIDTH}}{earned:>3}/{best:<3} not implemented yet")
            continue
        lines.append(f"{function:<{WIDTH}}{earned:>3}/{best:<3}")
        failed = [c for c in checks if c.status != "passed"]
        if len(failed) > 1 and len({c.feedback for c in failed}) == 1:  # one cause, said once
            failed = [replace(failed[0], check_id=f"{function}.all checks")]
        for c in failed:
            lines.append(f"    {c.kind:<12}{c.feedback}")
            lines += [f"        {line}" for line in printed(c.output).splitlines()]
    unavailable = sum(c.max_points for c in result.checks if c.status == "unavailable")
    if unavailable:
        lines.append(
            f"Not counted: {unavailable} points of checks against the reference solutions, which this copy does not "
            "have (your instructor's grader runs them)."
        )
    lines.append(f"Score: {result.score}/{result.max_score}")
    return "\n".join(lines) + "\n"
