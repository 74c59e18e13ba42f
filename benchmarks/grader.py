"""Benchmark the grader: the sandbox's start cost, one submission from start to exit, a class of 100 with --jobs 2."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from tests import submissions as sub  # noqa: E402

# As an instructor's shell runs it: Python caches bytecode (some sandboxes set PYTHONDONTWRITEBYTECODE, which makes
# every run compile the project's modules again, 60 ms more per process). The first of the repeats writes the cache.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
CLASS_SIZES = (100, 300)  # the target is for 100; 300 shows whether memory grows with the count
REPEATS = 5
CLASS_REPEATS = 3


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        p = int(status.parent.name)
        children.setdefault(int(fields["PPid"]), []).append(p)
        rss[p] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total / 1024


def timed(args: list[str], sample_memory: bool = False) -> tuple[float, float]:
    """Wall seconds and, when asked, peak resident memory (MB) of a command and everything it starts. Reading
    /proc takes CPU from the command, so a timing run does not sample."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    peak = [0.0]

    def sample() -> None:
        while sample_memory and proc.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    proc.wait()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{args} failed with exit code {proc.returncode}")
    return time.perf_counter() - started, peak[0]


def sandbox_start_ms(one: Path) -> tuple[str, float, float]:
    """The isolation used, a house's start (template up, numpy imported) and a box's (files staged, worker ready)."""
    from grader.isolation import House, choose
    from grader.sandbox import Sandbox
    from grader.submission import load

    isolation, houses, boxes = choose(), [], []
    for _ in range(REPEATS):
        started = time.perf_counter()
        house = House(isolation)
        house._ask({"op": "close", "box": "none", "uid": None}, [])  # answered once the template is ready
        houses.append(time.perf_counter() - started)
        house.close()
    submission = load(one)
    for _ in range(REPEATS * 4):
        with Sandbox(submission, isolation) as sandbox:
            if boxes == []:
                sandbox.start()  # the first also starts the shared house: not counted
            started = time.perf_counter()
            sandbox._kill()
            sandbox.start()
            boxes.append(time.perf_counter() - started)
    return isolation.summary, 1000 * statistics.median(houses), 1000 * statistics.median(boxes)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    try:
        one = sub.reference(work / "one")
        isolation, house_ms, box_ms = sandbox_start_ms(one)
        print(f"sandbox: {isolation}")
        print(f"sandbox start: a house {house_ms:.0f} ms (median of {REPEATS}), a box {box_ms:.1f} ms (median)")
        seconds = [timed([sys.executable, "-m", "grader", str(one)])[0] for _ in range(REPEATS)]
        spread = f"min {min(seconds):.2f}, max {max(seconds):.2f}, over {REPEATS} runs"
        print(f"one submission, process start to exit: median {statistics.median(seconds):.2f} s ({spread})")
        for size in CLASS_SIZES:
            klass = work / f"class{size}"
            for i in range(size):  # three in four correct, one in four untouched stubs
                (sub.stubs if i % 4 == 3 else sub.reference)(klass / f"learner{i:03d}")
            command = [sys.executable, "-m", "grader", str(klass), "--jobs", "2", "--csv", str(work / "g.csv")]
            seconds = [timed(command)[0] for _ in range(CLASS_REPEATS)]
            peak = timed(command, sample_memory=True)[1]
            spread = f"min {min(seconds):.1f}, max {max(seconds):.1f}, over {CLASS_REPEATS} runs"
            print(f"{size} submissions, --jobs 2: median {statistics.median(seconds):.1f} s ({spread}), ", end="")
            print(f"peak memory {peak:.0f} MB (whole process tree, one more run)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
