"""The sandboxed child: imports a learner's modules and answers call requests with plain data, nothing else."""

# Runs as `python -I worker.py CONFIG_JSON`, reading requests on fd_in and writing replies on fd_out. It
# imports nothing from the project: the parent compares and scores, this process only runs learner code
# and reports what came back. Everything it sends is re-validated by the parent. The sandbox imports
# frame/split from here, so module-level code has no side effects.
import builtins
import contextlib
import importlib.abc
import importlib.util
import io
import json
import math
import operator
import os
import resource
import signal
import socket
import struct
import sys
import time
import traceback
import types
import warnings

import numpy as np

MAGIC = b"BPL1"
HEAD = struct.Struct("<4sQQ")  # magic, header length, payload length
BLOCKED = ("solutions", "grader", "tests", "pytest", "_pytest", "dashboard")
MAX_ITEMS = 1_000_000  # largest array or list sent back
MAX_TEXT = 4096  # printed output kept per call
MAX_WATCHED = 10_000  # arguments up to this many values are checked for in-place changes
GUARDED = {"builtins": builtins, "numpy": np, "numpy.testing": np.testing, "json": json}
IOV_MAX = 512  # buffers per writev call, well under Linux's limit of 1024
_dumps, _loads, _writev = json.dumps, json.loads, os.writev  # bound before learner code can replace them


# --- framing, shared with the parent: a JSON header, then the raw bytes of any arrays -----------


def frame(header: dict, blobs: list) -> list:
    """One message as a list of buffers, sent without joining them: header["blobs"] lists each blob's size in
    bytes, and arrays name their blob by index. Blobs are bytes or C-contiguous numpy arrays."""
    sizes = [memoryview(b).nbytes for b in blobs]
    head = _dumps({**header, "blobs": sizes}).encode()
    return [HEAD.pack(MAGIC, len(head), sum(sizes)), head, *blobs]


def send(fd: int, buffers: list) -> None:
    """Write every buffer, in order, however many writes it takes (os.writev may write only part)."""
    views = [memoryview(b).cast("B") for b in buffers if memoryview(b).nbytes]
    while views:
        written = _writev(fd, views[:IOV_MAX])
        while views and written >= views[0].nbytes:
            written -= views[0].nbytes
            views.pop(0)
        if written:
            views[0] = views[0][written:]


def blob_slices(header: dict, payload) -> list:
    """The payload cut into the blobs the header announces."""
    cuts, start = [], 0
    for n in header.get("blobs", []):
        cuts.append(payload[start : start + int(n)])
        start += int(n)
    return cuts


# --- the child's side --------------------------------------------------------------------------


class Blocker(importlib.abc.MetaPathFinder):
    """Refuses the project's own packages and pytest: submissions get numpy and the standard library."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"submissions may not import {name.split('.')[0]} (the grader blocks it)")
        return None


def snapshot() -> dict:
    """A copy of the namespaces a submission must leave alone."""
    return {name: dict(vars(mod)) for name, mod in GUARDED.items()}


def tampering(before: dict) -> list:
    """Names replaced or removed in a guarded namespace (new names are fine: `import numpy.typing` adds one)."""
    missing, changed = object(), []
    for name, mod in GUARDED.items():
        now, old = vars(mod), before[name]
        if len(now) == len(old) and all(map(operator.is_, now.values(), old.values())):
            continue  # the usual case, checked at C speed: same names, same objects, same order
        changed += [f"{name}.{k}" for k, v in old.items() if now.get(k, missing) is not v]
        if not changed:
            before[name] = dict(now)  # only additions: accept them once
    return changed[:5]


def setup_package(config: dict) -> None:
    """A package named `exercises` over the submission's folder, with the grader's own copy of examples."""
    pkg = types.ModuleType("exercises")
    pkg.__path__ = [config["module_dir"]]
    sys.modules["exercises"] = pkg
    spec = importlib.util.spec_from_file_location("exercises.examples", config["examples"])
    examples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(examples)
    sys.modules["exercises.examples"] = pkg.examples = examples
    sys.path.insert(0, config["module_dir"])


def decode(v, blobs):
    t = v["t"]
    if t == "array":  # a writable view of this request's own receive buffer: no copy
        return np.frombuffer(blobs[v["blob"]], dtype=v["dtype"]).reshape(v["shape"])
    if t in ("list", "tuple"):
        items = [decode(i, blobs) for i in v["items"]]
        return items if t == "list" else tuple(items)
    if t == "dict":
        return {k: decode(x, blobs) for k, x in v["items"]}
    if t == "fn":
        return slope_function(v["kind"], v["c"])
    return v["v"]


def slope_function(kind, c):
    """The derivative functions gradient_descent is checked with: plain Python, no reference code."""
    if kind == "affine":  # c0 (x - c1): the slope of a parabola
        return lambda x: c[0] * (x - c[1])
    # a sum of sigmoids minus a count: cross-entropy's slope in b3; tanh form cannot overflow
    return lambda x: sum(0.5 * (1.0 + math.tanh((x + s) / 2.0)) for s in c[:-1]) - c[-1]


def encode(v, blobs, depth=0):
    if isinstance(v, bool | np.bool_):
        return {"t": "bool", "v": bool(v)}
    if v is None:
        return {"t": "none"}
    if isinstance(v, int | float | np.integer | np.floating):
        return {"t": "float" if isinstance(v, float | np.floating) else "int", "type": type(v).__name__, "v": float(v)}
    if isinstance(v, np.ndarray):
        if v.dtype.kind not in "biuf" or v.size > MAX_ITEMS:
            return {"t": "other", "type": f"ndarray of {v.dtype} with {v.size} values"}
        blobs.append(np.ascontiguousarray(v, dtype="<f8"))
        return {"t": "array", "shape": list(v.shape), "blob": len(blobs) - 1}
    if type(v) in (list, tuple) and depth < 3 and len(v) <= MAX_ITEMS:
        return {"t": type(v).__name__, "items": [encode(i, blobs, depth + 1) for i in v]}
    return {"t": "other", "type": type(v).__name__}


def learner_line(tb, module_dir: str) -> str:
    """Where in the learner's own files the error happened, e.g. 'ssr.py line 12' (no source is read)."""
    ours = [
        (f.f_code.co_filename, line) for f, line in traceback.walk_tb(tb) if f.f_code.co_filename.startswith(module_dir)
    ]
    return f"{os.path.basename(ours[-1][0])} line {ours[-1][1]}" if ours else ""


def failure(kind, exc, module_dir):
    where = learner_line(exc.__traceback__, module_dir)
    return {"ok": False, "kind": kind, "type": type(exc).__name__, "message": str(exc)[:500], "where": where}


class CallTimeout(BaseException):
    """Raised inside learner code when a call runs out of time (a BaseException, so `except Exception` in
    learner code does not swallow it)."""


def on_alarm(signum, frame):
    raise CallTimeout


def load(module_name: str, clean: dict, module_dir: str):
    """The learner's module, or a failed reply if importing it failed or changed the guarded namespaces."""
    fresh = f"exercises.{module_name}" not in sys.modules
    try:
        module = importlib.import_module(f"exercises.{module_name}")
    except BaseException as exc:  # a SyntaxError, a NameError at module level, a blocked import...
        return None, failure("import_error", exc, module_dir)
    problems = tampering(clean) if fresh else []
    if problems:
        return None, {"ok": False, "kind": "tampered", "message": "while importing: " + ", ".join(problems)}
    return module, None


def run_call(fn, args, clean, seconds, check_inputs):
    """Call fn(*args) with a time limit, and say what came back and what the call did on the way."""
    watched = check_inputs and all(not isinstance(a, np.ndarray) or a.size <= MAX_WATCHED for a in args)
    before = [a.copy() if watched and isinstance(a, np.ndarray) else None for a in args]
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            value = fn(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    mutated = [
        i for i, (a, b) in enumerate(zip(args, before, strict=True)) if b is not None and not np.array_equal(a, b, True)
    ]
    problems = tampering(clean)
    if problems:
        return {"ok": False, "kind": "tampered", "message": ", ".join(problems)}, None
    return {"ok": True, "mutated": mutated, "warnings": [str(w.message)[:200] for w in caught][:5]}, value


def run_request(req, blobs_in, clean, module_dir):
    """Every call of one request, up to the first that fails: (replies, blobs of their arrays)."""
    module, failed = load(req["module"], clean, module_dir)
    if failed:
        return [failed], []
    fn = getattr(module, req["function"], None)
    if not callable(fn):
        return [
            {
                "ok": False,
                "kind": "missing_function",
                "message": f"{req['module']}.py has no function {req['function']}",
            }
        ], []
    replies, blobs = [], []
    for encoded in req["calls"]:
        out = io.StringIO()
        sys.stdout = sys.stderr = out
        try:
            args = [decode(a, blobs_in) for a in encoded]
            reply, value = run_call(fn, args, clean, req["call_seconds"], req.get("check_inputs", True))
            if reply["ok"]:
                reply["value"] = encode(value, blobs)
        except CallTimeout:
            reply = {"ok": False, "kind": "timeout", "message": "ran out of time"}
        except NotImplementedError as exc:
            reply = failure("not_implemented", exc, module_dir)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt too: the call failed, the worker goes on
            reply = failure("exception", exc, module_dir)
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        reply["output"] = out.getvalue()[-MAX_TEXT:]
        replies.append(reply)
        if not reply["ok"]:
            break
    return replies, blobs


def read_exact(stream, n: int) -> bytearray:
    """n bytes into a fresh, writable buffer (arrays decoded from it are views, not copies)."""
    data = bytearray(n)
    if stream.readinto(data) != n:
        raise EOFError
    return data


def serve(config: dict) -> None:
    clean, module_dir = snapshot(), config["module_dir"]
    reader, fd_out = os.fdopen(config["fd_in"], "rb"), config["fd_out"]
    send(fd_out, frame({"ready": True}, []))
    while True:
        _, n_head, n_payload = HEAD.unpack(read_exact(reader, HEAD.size))
        req = _loads(read_exact(reader, n_head))
        blobs_in = blob_slices(req, memoryview(read_exact(reader, n_payload)))
        replies, blobs = run_request(req, blobs_in, clean, module_dir)
        send(fd_out, frame({"id": req["id"], "replies": replies}, blobs))
        if replies[-1].get("kind") == "tampered":
            os._exit(3)  # this process is no longer trustworthy; the parent starts a fresh one


def template(control_fd: int) -> None:
    """Fork server: for each request, fork a fresh worker from this process, which never runs learner code."""
    control = socket.socket(fileno=control_fd)
    statuses: dict = {}
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 16, 3)
        except OSError:
            return
        if not message:
            return  # the grader is gone
        request = _loads(message)
        if request["op"] == "status":
            control.send(_dumps({"status": exit_status(request["pid"], statuses)}).encode())
            continue
        pid = os.fork()
        if pid == 0:
            control.close()
            become_worker(request, fds)
        for fd in fds:
            os.close(fd)
        _reap(statuses)
        control.send(_dumps({"pid": pid}).encode())


def exit_status(pid: int, statuses: dict, wait_seconds: float = 1.0):
    """How a forked worker ended: its exit code, minus the signal number if a signal ended it, or None."""
    deadline = time.monotonic() + wait_seconds
    while pid not in statuses and time.monotonic() < deadline:
        _reap(statuses)
        time.sleep(0.005)
    status = statuses.pop(pid, None)
    return None if status is None else os.waitstatus_to_exitcode(status)


def _reap(statuses: dict) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        statuses[pid] = status


def become_worker(request: dict, fds: list) -> None:
    """In a freshly forked child: its own session, limits, folder and environment; then serve the learner."""
    try:
        os.setsid()
        fd_in, fd_out, log = fds
        os.dup2(log, 1)
        os.dup2(log, 2)
        for kind, value in request["limits"].items():
            resource.setrlimit(getattr(resource, kind), (value, value))
        os.chdir(request["run"])
        os.environ.clear()
        os.environ.update(request["env"])
        start_worker({**request["config"], "fd_in": fd_in, "fd_out": fd_out})
    except BaseException:
        traceback.print_exc()
        os._exit(70)
    os._exit(0)


def start_worker(config: dict) -> None:
    signal.signal(signal.SIGALRM, on_alarm)
    sys.meta_path.insert(0, Blocker())
    for name in [m for m in sys.modules if m.split(".")[0] in BLOCKED]:
        del sys.modules[name]
    setup_package(config)
    with contextlib.suppress(EOFError):  # the parent closed the pipe: grading is over
        serve(config)


def main() -> None:
    sys.path.pop(0)  # -I puts this file's folder first; learner code must not import from it
    if sys.argv[1] == "--template":
        template(int(sys.argv[2]))
    else:
        start_worker(json.loads(sys.argv[1]))


if __name__ == "__main__":
    main()
