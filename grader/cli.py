"""The command line: grade ./exercises, one submission or a class folder; build a Gradescope bundle; a release."""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from grader import kit, report
from grader.isolation import (
    DEFAULT_LIMITS,
    NONE_ASKED,
    NONE_FOR_SELF,
    Isolation,
    Limits,
    SandboxUnavailable,
    choose,
    prestart,
    readable_by_others,
)
from grader.results import SubmissionResult
from grader.rubric import ALL_CHECKS, BACKPROP_FUNCTIONS, FUNCTIONS
from grader.submission import MODULE_FILES, NotASubmission, is_submission

USAGE = """\
python -m grader [PATH] [options]       grade your exercises/, one submission, or a class folder
python -m grader bundle [--out ZIP]     build a Gradescope autograder bundle
python -m grader release --out DIR      write a learner copy of the project without solutions/"""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["bundle"], ["release"]):
        from grader import packaging  # only these commands need it

        return packaging.main(argv)
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)  # unwind, so every sandbox and temporary folder is removed
    self_check = args.path is None
    path = kit.exercises() if self_check else Path(args.path)
    limits = Limits(args.call_timeout, args.submission_timeout, args.memory_mb)
    if not path.exists() and not path.is_symlink():
        return _misuse(f"{path} does not exist; give a submission folder, a .zip of one, or a class folder", args)
    isolation = _isolation(args, self_check)
    if isinstance(isolation, str):
        return _misuse(isolation, args)
    if path.is_symlink() or is_submission(path):
        prestart(isolation)  # the sandbox's template imports numpy while this process imports pytest
        return _grade_one(path, args, limits, isolation)
    if path.is_dir() and args.jobs > 1:
        from grader import pool  # multiprocessing: a class run's alone

        pool.start_early()
    from grader.api import find_submissions

    submissions = find_submissions(path) if path.is_dir() else []
    if not submissions:
        return _misuse(
            f"{path} is not a submission (no {', '.join(MODULE_FILES)} at its top or in "
            "exercises/) and holds no submissions (subfolders or .zip files that have them)",
            args,
        )
    if args.gradescope:
        return _misuse("--gradescope writes the results of one submission; give one submission, not a class folder")
    if isolation.kind == "uid" and readable_by_others(path.resolve()):
        return _misuse(f"without namespaces every learner could read {path}; chmod -R go-rwx it first", args)
    return _grade_class(submissions, args, limits, isolation)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _isolation(args: argparse.Namespace, self_check: bool) -> Isolation | str:
    """The isolation to grade with, or why grading other people's code must be refused here."""
    if args.no_sandbox:
        return NONE_ASKED
    try:
        return choose()
    except SandboxUnavailable as exc:
        if self_check:
            print(f"Sandbox: none, so your own code runs as you ({exc})", file=sys.stderr)
            return NONE_FOR_SELF
        return f"cannot sandbox other people's code here: {exc}"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m grader", usage=USAGE, description=__doc__)
    p.add_argument("path", nargs="?", help="submission folder or .zip, or a class folder (default: exercises/)")
    p.add_argument("--jobs", type=_positive(int), default=os.cpu_count() or 1, help="submissions graded at once")
    p.add_argument("--csv", type=Path, help="gradebook: one row per learner")
    p.add_argument("--json", type=Path, help="every check of every learner")
    p.add_argument("--gradescope", type=Path, help="results.json in Gradescope's format (one submission)")
    p.add_argument("--call-timeout", type=_positive(float), default=DEFAULT_LIMITS.call_seconds, help="per call, s")
    p.add_argument("--submission-timeout", type=_positive(float), default=DEFAULT_LIMITS.submission_seconds)
    p.add_argument("--memory-mb", type=_positive(int), default=DEFAULT_LIMITS.memory_mb)
    p.add_argument("--no-sandbox", action="store_true", help="run submissions with your own privileges (unsafe)")
    p.add_argument("--only", type=_rubric_prefix, help="grade only these checks: a module, a function or one check")
    p.add_argument("--exit-code", action="store_true", help="exit with status 1 unless every graded check passed")
    return p


def _positive(kind: type) -> Callable[[str], int | float]:
    """An argparse type: a number of this kind, greater than 0."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            expected = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{text!r} is not {expected}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text} must be greater than 0")
        return value

    return parse


def _rubric_prefix(text: str) -> str:
    """An argparse type: a module (ssr), a function (ssr.softplus) or a check (ssr.softplus.worked) of the rubric."""
    if not any(check_id == text or check_id.startswith(text + ".") for check_id in ALL_CHECKS):
        raise argparse.ArgumentTypeError(f"{text!r} names no module, function or check of grader/rubric.py")
    return text


def _outputs_of(args: argparse.Namespace) -> tuple[Path, ...]:
    return tuple(p.resolve() for p in (args.csv, args.json, args.gradescope) if p is not None)


def _misuse(message: str, args: argparse.Namespace | None = None) -> int:
    """Say what was wrong; on Gradescope also leave a results.json that tells the learner."""
    print(f"grader: {message}", file=sys.stderr)
    if args is not None and args.gradescope:
        with _atomic(args.gradescope) as out:
            json.dump(SubmissionResult(name="", error=message).to_gradescope(), out, indent=1)
    return 2


def _grade_one(path: Path, args: argparse.Namespace, limits: Limits, isolation: Isolation) -> int:
    from grader.api import grade_submission  # imports pytest: after the sandbox has started

    try:
        result = grade_submission(path, limits, _outputs_of(args), isolation, only=args.only)
    except NotASubmission as exc:
        result = SubmissionResult(name=path.stem, error=str(exc))
    graded = bool(result.checks) or not result.error  # else nothing was graded: one line, and a non-zero exit
    if graded:
        sys.stdout.write(report.table(result))
    else:
        print(f"grader: {result.error}", file=sys.stderr)
    with _outputs(args) as write:
        write(result)
    if args.gradescope:
        with _atomic(args.gradescope) as out:
            json.dump(result.to_gradescope(), out, indent=1)
    if args.exit_code and any(c.status not in ("passed", "unavailable") for c in result.checks):
        return 1
    return 0 if graded else 1


def _grade_class(submissions: list[Path], args: argparse.Namespace, limits: Limits, isolation: Isolation) -> int:
    from tqdm import tqdm

    from grader.api import grade_class

    started, scores = time.monotonic(), []
    jobs = max(1, min(args.jobs, len(submissions)))
    with _outputs(args) as write:
        # A bar on a terminal; in a log (CI, a pipe) a plain line per learner instead.
        bar = tqdm(total=len(submissions), unit="submission", file=sys.stderr, disable=None)
        for result in grade_class(submissions, jobs, limits, isolation, args.only):
            write(result)
            scores.append((result.name, result.score, result.max_score, result.error))
            bar.update()
            if bar.disable:
                print(f"graded {len(scores)}/{len(submissions)}: {result.name}", file=sys.stderr, flush=True)
        bar.close()
    for name, score, best, error in scores:
        print(f"{name:<30}{score:>4}/{best:<4}{'  ' + error if error else ''}")
    print(f"Graded {len(scores)} submission(s) in {time.monotonic() - started:.1f} s with {jobs} jobs.")
    print(f"Sandbox: {isolation.summary}")
    return 0


@contextmanager
def _outputs(args: argparse.Namespace) -> Iterator:
    """A writer that streams each result to --csv and --json as it arrives; files appear complete or not at all."""
    with _atomic(args.csv) as csv_file, _atomic(args.json) as json_file:
        rows = csv.DictWriter(csv_file, _csv_columns()) if csv_file else None
        if rows:
            rows.writeheader()
        if json_file:
            json_file.write(f'{{"rubric": {json.dumps(ALL_CHECKS)},\n "submissions": [\n')
        first = [True]

        def write(result: SubmissionResult) -> None:
            if rows:
                rows.writerow(result.csv_row())
            if json_file:
                json_file.write(("" if first[0] else ",\n") + json.dumps(result.to_json()))
                first[0] = False

        yield write
        if json_file:
            json_file.write("\n]}\n")


def _csv_columns() -> list[str]:
    core = [f"{m}.{f}" for m, names in FUNCTIONS.items() for f in names]
    backprop = [f"{m}.{f}" for m, names in BACKPROP_FUNCTIONS.items() for f in names]
    return ["learner", *core, "total", "max", *backprop, "backprop_total", "backprop_max", "error", "isolation"]


@contextmanager
def _atomic(path: Path | None) -> Iterator[TextIO | None]:
    """Write to a temporary file beside path, then rename it into place, so no reader sees half a file."""
    if path is None:
        yield None
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", newline="") as out:
            yield out
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a gradebook is for the instructor's tools to read
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
