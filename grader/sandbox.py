"""Runs learner functions in a child process with time, memory and output limits; returns plain, checked data."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader._worker import HEAD, MAGIC, blob_slices, frame, send

WORKER = Path(__file__).with_name("_worker.py")
EXAMPLES = Path(__file__).parents[1] / "exercises" / "examples.py"
NOBODY = 65534  # uid and gid the child drops to when the grader runs as root
MAX_REPLY_BYTES = 64 * 2**20  # a reply larger than this ends the child
MAX_OUTPUT_BYTES = 2**20  # file-size limit for the child's stdout/stderr and anything else it writes
MAX_FILES, MAX_FILE_BYTES = 50, 2**20  # what is copied from a submission folder
PIPELINE_BYTES = 32 * 1024  # requests sent ahead at most: half a Linux pipe's buffer
STARTUP_SECONDS = 20.0  # a cold start imports numpy from a cold disk cache
_drop_root = os.geteuid() == 0  # as root, children run as nobody, unless nobody cannot run this Python


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Times in seconds, memory in MiB."""

    call_seconds: float = 2.0
    submission_seconds: float = 60.0
    memory_mb: int = 1024


DEFAULT_LIMITS = Limits()


@dataclass
class Outcome:
    """What one call of a learner function produced, as plain data."""

    ok: bool
    value: Any = None
    kind: str = ""  # on failure: not_implemented, exception, import_error, timeout, crashed, tampered, ...
    message: str = ""
    output: str = ""  # what the learner's code printed during the call
    warnings: list[str] = field(default_factory=list)
    mutated: list[int] = field(default_factory=list)  # positions of arguments the call modified


class Sandbox:
    """One learner's modules behind a child process; a fresh child replaces one that died or timed out."""

    def __init__(self, module_dir: Path | None, limits: Limits = DEFAULT_LIMITS, watch: tuple[Path, ...] = ()) -> None:
        self.module_dir, self.limits = module_dir, limits
        self.watch = watch  # the grader's output files: a call that creates or changes one tampered with results
        self.spent = 0.0  # seconds this submission's calls have taken
        self.broken: dict[str, Outcome] = {}  # module or function -> the failure that ends it for good
        self.pid: int | None = None  # the worker process, forked by the template
        self.open_fds: list[int] = []
        self.log = None
        self.workdir = Path(tempfile.mkdtemp(prefix="backprop-grade-"))
        self.next_id = 0

    def call(self, module: str, function: str, *args: Any) -> Outcome:
        """Call module.function(*args) in the child; never raises for anything the learner's code does."""
        return self.call_many(module, function, [args])[0]

    def call_many(self, module: str, function: str, calls: list[tuple], check_inputs: bool = True) -> list[Outcome]:
        """One outcome per argument tuple, in order, stopping at the first failed call (the later entries
        repeat its outcome). The first call goes alone, so a function that fails at once costs one call;
        the rest go in one request, which the child answers in one reply. check_inputs: report arguments
        (of up to 10,000 values) that a call changed in place."""
        outcomes = self._batch(module, function, calls[:1], check_inputs)
        if calls[1:] and outcomes[0].ok:
            outcomes += self._batch(module, function, calls[1:], check_inputs)
        return outcomes + [outcomes[-1]] * (len(calls) - len(outcomes))

    def close(self) -> None:
        self._kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _batch(self, module: str, function: str, calls: list[tuple], check_inputs: bool) -> list[Outcome]:
        refusal = self._refusal(module, function)
        if refusal is not None:
            return [refusal]
        started, before = time.monotonic(), _stat_all(self.watch)
        try:
            outcomes = self._exchange(module, function, calls, check_inputs)
        finally:
            self.spent += time.monotonic() - started
        if _stat_all(self.watch) != before:
            self._kill()
            message = "wrote to the grader's output files, which is not allowed"
            return [self._break(f"{module}.{function}", Outcome(False, kind="tampered", message=message))]
        return outcomes

    def _refusal(self, module: str, function: str) -> Outcome | None:
        """The outcome of a call that is not made: a broken module or function, a missing file, no time left."""
        for key in (module, f"{module}.{function}"):
            if key in self.broken:
                return self.broken[key]
        if self.module_dir is None or not (self.module_dir / f"{module}.py").is_file():
            return self._break(module, Outcome(False, kind="missing_module", message=f"{module}.py is missing"))
        if self.spent >= self.limits.submission_seconds:
            msg = f"the submission's time limit ({self.limits.submission_seconds:g} s) was used up"
            return Outcome(False, kind="budget", message=msg)
        return None

    def _exchange(self, module: str, function: str, calls: list[tuple], check_inputs: bool) -> list[Outcome]:
        """Send the calls in one request; the reply holds an outcome per call, up to the first failure."""
        if self.pid is None:
            self._start()
        self.next_id += 1
        blobs: list = []
        request = {
            "id": self.next_id,
            "module": module,
            "function": function,
            "calls": [[encode(a, blobs) for a in args] for args in calls],
            "call_seconds": self.limits.call_seconds,
            "check_inputs": check_inputs,
        }
        try:
            send(self.to_child, frame(request, blobs))
        except OSError:
            return [self._died(module, function)]
        # The child stops each call at call_seconds itself; this deadline catches a child that does not.
        wait = min(self.limits.call_seconds * len(calls) + 1.0, self.limits.submission_seconds - self.spent)
        reply = self._read_reply(wait)
        if reply is None:
            return [self._died(module, function)]
        if reply == "timeout":
            self._kill()
            return [self._timed_out(module, function)]
        header, reply_blobs = reply
        replies = header.get("replies")
        if header.get("id") != self.next_id or not isinstance(replies, list) or not 0 < len(replies) <= len(calls):
            self._kill()
            return [Outcome(False, kind="garbled", message="the grader's channel was written to by the submission")]
        return [self._outcome(module, function, r, reply_blobs) for r in replies]

    def _timed_out(self, module: str, function: str) -> Outcome:
        secs = self.limits.call_seconds
        why = Outcome(False, kind="timeout", message=f"did not return within {secs:g} s (an endless loop?)")
        return self._break(f"{module}.{function}", why)

    def _outcome(self, module: str, function: str, reply: Any, blobs: list) -> Outcome:
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            self._kill()
            return Outcome(False, kind="garbled", message="the grader's channel was written to by the submission")
        out = Outcome(
            ok=reply["ok"],
            kind=str(reply.get("kind", ""))[:40],
            message=" ".join(str(x) for x in (reply.get("type", ""), reply.get("message", "")) if x)[:500],
            output=str(reply.get("output", ""))[-4096:],
        )
        if reply.get("where"):
            out.message += f" ({str(reply['where'])[:80]})"
        if out.ok:
            try:
                out.value = decode(reply["value"], blobs)
                out.warnings = [str(w)[:200] for w in reply.get("warnings", [])][:5]
                out.mutated = [int(i) for i in reply.get("mutated", [])][:10]
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                return Outcome(False, kind="garbled", message=f"the reply could not be read ({exc})")
        elif out.kind == "timeout":
            return self._timed_out(module, function)
        elif out.kind == "tampered":
            self._kill()  # the child exits after reporting tampering; make sure
            at_import = out.message.startswith("while importing")
            return self._break(module if at_import else f"{module}.{function}", out)
        elif out.kind in ("import_error", "missing_function"):
            return self._break(module if out.kind == "import_error" else f"{module}.{function}", out)
        return out

    def _died(self, module: str, function: str) -> Outcome:
        code = _template.exit_status(self.pid) if _template and self.pid else None  # its pipe closed: it is ending
        self._kill()
        how = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
        why = Outcome(False, kind="crashed", message=f"ended the grading process ({how})")
        return self._break(f"{module}.{function}", why)

    def _break(self, key: str, outcome: Outcome) -> Outcome:
        self.broken[key] = outcome
        return outcome

    # --- the child process ----------------------------------------------------------------

    def _start(self) -> None:
        global _drop_root, _template
        while True:
            try:
                self._spawn(as_nobody=_drop_root)
                started = self._read_reply(STARTUP_SECONDS)
                if isinstance(started, tuple) and started[0].get("ready") is True:
                    return
            except (OSError, ValueError):  # the template could not start or fork
                pass
            self._kill()
            _template = None
            if not _drop_root:
                raise RuntimeError(f"the grader's worker process did not start; see {self.workdir}")
            _drop_root = False  # nobody cannot reach this Python installation: run as the grader's own user

    def _spawn(self, as_nobody: bool) -> None:
        req_r, self.to_child = os.pipe()
        self.from_child, reply_w = os.pipe()
        self.open_fds = [self.to_child, self.from_child]
        run = self._stage_files(as_nobody)
        self.log = open(self.workdir / "child-output.txt", "wb")  # noqa: SIM115  (closed in _kill)
        request = {
            "op": "fork",
            "run": str(run),
            "env": _child_env(run),
            "limits": _rlimits(self.limits),
            "config": {"module_dir": str(self.workdir / "submission"), "examples": str(self.workdir / "examples.py")},
        }
        try:
            self.pid = _get_template(as_nobody).fork(request, [req_r, reply_w, self.log.fileno()])
        finally:
            os.close(req_r)
            os.close(reply_w)

    def _stage_files(self, as_nobody: bool) -> Path:
        """Copy what the child reads into its own folder, so it needs nothing else of the project's."""
        (self.workdir / "submission").mkdir(exist_ok=True)
        for src in sorted(self.module_dir.glob("*.py"))[:MAX_FILES]:
            if src.stat().st_size <= MAX_FILE_BYTES:
                shutil.copyfile(src, self.workdir / "submission" / src.name)
        shutil.copyfile(EXAMPLES, self.workdir / "examples.py")
        run = self.workdir / "run"
        run.mkdir(exist_ok=True)
        if as_nobody:
            for path in [self.workdir, *self.workdir.rglob("*")]:
                os.chown(path, NOBODY, NOBODY)
        return run

    def _read_reply(self, seconds: float) -> tuple[dict, list] | str | None:
        """A (header, blobs) reply; "timeout" when none came in time; None when the child is gone."""
        deadline = time.monotonic() + max(seconds, 0.0)
        head = self._read_exact(HEAD.size, deadline)
        if not isinstance(head, bytearray):
            return head
        magic, n_head, n_payload = HEAD.unpack(head)
        if magic != MAGIC or n_head + n_payload > MAX_REPLY_BYTES:
            return ({"id": None}, [])
        body = self._read_exact(n_head + n_payload, deadline)
        if not isinstance(body, bytearray):
            return body
        try:
            reply = json.loads(body[:n_head])
            return (reply, blob_slices(reply, memoryview(body)[n_head:])) if isinstance(reply, dict) else ({}, [])
        except (ValueError, TypeError):
            return ({"id": None}, [])

    def _read_exact(self, n: int, deadline: float) -> bytearray | str | None:
        data, filled = bytearray(n), 0
        view = memoryview(data)
        while filled < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_child], [], [], left)[0]:
                return "timeout"
            got = os.readv(self.from_child, [view[filled:]])
            if not got:
                return None
            filled += got
        return data

    def _kill(self) -> None:
        if self.pid is not None:
            for kill in (os.killpg, os.kill):  # its group, and itself in case it had not made the group yet
                with contextlib.suppress(ProcessLookupError):
                    kill(self.pid, signal.SIGKILL)
            self.pid = None
        for fd in self.open_fds:
            os.close(fd)
        self.open_fds = []
        if self.log is not None:
            self.log.close()
            self.log = None


class _Template:
    """A clean worker process, numpy already imported, that forks a fresh worker for each sandbox.

    It never runs learner code itself, so every fork starts as clean as a new process, in a few milliseconds
    instead of the tenth of a second a new Python with numpy takes. One per grading process.
    """

    def __init__(self, as_nobody: bool) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="backprop-template-"))
        shutil.copyfile(WORKER, self.home / "worker.py")
        if as_nobody:
            for path in (self.home, self.home / "worker.py"):
                os.chown(path, NOBODY, NOBODY)
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(STARTUP_SECONDS)
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(self.home / "worker.py"), "--template", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.home,
            env=_child_env(self.home),
            preexec_fn=_drop_privileges if as_nobody else None,
        )
        theirs.close()
        self.as_nobody = as_nobody
        self.lock = threading.Lock()
        atexit.register(self.close)

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.sock.close()
        shutil.rmtree(self.home, ignore_errors=True)

    def fork(self, request: dict, fds: list[int]) -> int:
        with self.lock:  # one question and its answer at a time, whichever thread asks (the dashboard has several)
            socket.send_fds(self.sock, [json.dumps(request).encode()], fds)
            return int(json.loads(self.sock.recv(4096))["pid"])

    def exit_status(self, pid: int) -> int | None:
        try:
            with self.lock:
                self.sock.send(json.dumps({"op": "status", "pid": pid}).encode())
                return json.loads(self.sock.recv(4096))["status"]
        except (OSError, ValueError, KeyError):
            return None

    def alive(self) -> bool:
        return self.proc.poll() is None


_template: _Template | None = None


def prestart() -> None:
    """Start the template now, so its numpy import overlaps the grader's own start-up."""
    with contextlib.suppress(OSError):
        _get_template(_drop_root)


def _get_template(as_nobody: bool) -> _Template:
    global _template
    if _template is None or not _template.alive() or _template.as_nobody != as_nobody:
        _template = _Template(as_nobody)
    return _template


def _stat_all(paths: tuple[Path, ...]) -> list:
    """What is needed to notice a write: size, modification time and inode of each path (None if missing)."""
    found = []
    for path in paths:
        try:
            st = path.stat()
            found.append((st.st_size, st.st_mtime_ns, st.st_ino))
        except OSError:
            found.append(None)
    return found


def _child_env(workdir: Path) -> dict[str, str]:
    """A scrubbed environment: nothing of the grader's own, one thread for numpy's libraries."""
    one = "1"
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": one,
        "OMP_NUM_THREADS": one,
        "MKL_NUM_THREADS": one,
    }


def _rlimits(limits: Limits) -> dict[str, int]:
    """Resource limits for one worker, applied right after it is forked."""
    return {
        "RLIMIT_AS": limits.memory_mb * 2**20,
        "RLIMIT_FSIZE": MAX_OUTPUT_BYTES,
        "RLIMIT_CPU": int(limits.submission_seconds) + 5,
        "RLIMIT_CORE": 0,
    }


def _drop_privileges() -> None:
    """Run before the template starts, when the grader is root: become nobody, with few processes allowed."""
    resource.setrlimit(resource.RLIMIT_NPROC, (64, 64))
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


# --- values across the pipe: only plain data, rebuilt here by the grader's own numpy --------------


def encode(v: Any, blobs: list[bytes]) -> dict:
    """An argument as header data for the child; array bytes go to blobs."""
    if isinstance(v, SlopeFunction):
        return {"t": "fn", "kind": v.kind, "c": list(v.constants)}
    if isinstance(v, np.ndarray):
        data = np.ascontiguousarray(v)
        blobs.append(data)
        return {"t": "array", "dtype": data.dtype.str, "shape": list(data.shape), "blob": len(blobs) - 1}
    if isinstance(v, list | tuple):
        return {"t": type(v).__name__, "items": [encode(i, blobs) for i in v]}
    if isinstance(v, dict):
        return {"t": "dict", "items": [[str(k), encode(x, blobs)] for k, x in v.items()]}
    return {"t": "float" if isinstance(v, float) else "int", "v": v}


def decode(v: Any, blobs: list) -> Any:
    """A reply value as the grader's own objects: Scalar, list, tuple, float64 array, Foreign, None, bool."""
    if not isinstance(v, dict) or not isinstance(v.get("t"), str):
        raise ValueError("not an encoded value")
    t = v["t"]
    if t == "array":
        shape = [int(n) for n in v["shape"]]
        return np.frombuffer(blobs[int(v["blob"])], dtype="<f8").reshape(shape)  # a view of the grader's own buffer
    if t in ("list", "tuple"):
        items = [decode(i, blobs) for i in v["items"]]
        return items if t == "list" else tuple(items)
    if t in ("float", "int"):
        return Scalar(float(v["v"]), str(v.get("type", t))[:40], t == "int")
    if t == "bool":
        return bool(v["v"])
    if t == "none":
        return None
    return Foreign(str(v.get("type", "?"))[:80])


@dataclass(frozen=True)
class Scalar:
    """A number the learner returned, with the name of its Python type (float, float64, int...)."""

    value: float
    type_name: str
    is_int: bool


@dataclass(frozen=True)
class Foreign:
    """A returned object that is not plain data: only its type's name crosses over."""

    type_name: str


@dataclass(frozen=True)
class SlopeFunction:
    """A derivative function, described by data: the child builds it from a fixed menu."""

    kind: str  # "affine": c0 (x - c1); "sigmoids": sum of sigmoid(x + c_i) minus the last constant
    constants: tuple[float, ...]

    def __call__(self, x: float) -> float:
        c = self.constants
        if self.kind == "affine":
            return c[0] * (x - c[1])
        return float(sum(0.5 * (1.0 + np.tanh((x + s) / 2.0)) for s in c[:-1]) - c[-1])
