"""The sandboxed side of grading: a template that starts one worker per submission, and the worker that runs it."""

# Theory of operation (the grader's side is grader/isolation.py and grader/sandbox.py):
# - The template runs inside the house (see grader/isolation.py), started once by the grader. It imports numpy,
#   then answers requests on a control socket; it never imports or runs learner code. "open": make a box folder,
#   write the submission's files into it from the memfd the grader sent, fork a worker. "close": wait briefly for
#   the worker's exit status, kill every process of the box, delete the folder.
# - The worker is forked from the template: a session of its own, /dev/null for its standard streams, resource
#   limits, the box's own uid and gid (when the template may set them), no new privileges, no new processes, a
#   scrubbed environment. It imports the learner's modules on request and answers each call with one framed reply.
# - Only plain data crosses: a JSON header and the raw float64 bytes of arrays; the grader re-validates it all.
# This file imports nothing from the project, and the grader imports frame/send/blob_slices from it, so module-level
# code has no side effects.
import builtins
import contextlib
import ctypes
import fcntl
import gc
import importlib.abc
import importlib.util
import io
import itertools
import json
import math
import operator
import os
import re
import resource
import shutil
import signal
import socket
import struct
import sys
import time
import traceback
import types
import warnings

MAGIC = b"BPL2"
HEAD = struct.Struct("<4sQQ")  # magic, header length, payload length
BLOCKED = ("solutions", "grader", "tests", "pytest", "_pytest", "dashboard")
MAX_ITEMS = 1_000_000  # numbers a reply may hold in arrays (8 MiB of float64)
MAX_LIST_ITEMS = 20_000  # values a reply may hold outside arrays, in lists, tuples and scalars (JSON: about 1 MB)
MAX_REPLY_BYTES = 8 * 2**20  # a reply's array bytes (a million float64 values); a larger reply fails that call
MAX_TEXT = 4096  # printed output kept per call
FLUSH_SECONDS = 0.2  # replies held back at most this long, so a batch of slow calls still reports as it goes
MAX_WATCHED = 10_000  # arguments up to this many values are checked for in-place changes
FILE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\.py")  # what the template writes into a box
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")  # a module or function a LearnerCall may name
BOX_NAME = re.compile(r"[a-z0-9-]{1,40}")
WORKER_FDS = (3, 4)  # the worker's request and reply pipes
IOV_MAX = 512  # buffers per writev call, well under Linux's limit of 1024
PR_SET_NO_NEW_PRIVS = 38
_dumps, _loads, _writev = json.dumps, json.loads, os.writev  # bound before learner code can replace them
_vars, _len, _all, _map, _is = vars, len, all, map, operator.is_  # the tampering check's own tools, likewise
np = _array_equal = None  # numpy and its array_equal, bound by the template (the grader imports this file without them)


# --- framing, shared with the grader: a JSON header, then the raw bytes of any arrays -----------


def frame(header: dict, blobs: list, raw: dict | None = None) -> list:
    """One message as a list of buffers, sent without joining them: header["blobs"] lists each blob's size in
    bytes, and arrays name their blob by index. Blobs are bytes or C-contiguous numpy arrays. raw: header entries
    already encoded as JSON text, spliced in as they are."""
    sizes = [memoryview(b).nbytes for b in blobs]
    head = _dumps({**header, "blobs": sizes})
    head = (head[:-1] + "".join(f', "{k}": {v}' for k, v in raw.items()) + "}" if raw else head).encode()
    return [HEAD.pack(MAGIC, len(head), sum(sizes)), head, *blobs]


def send(fd: int, buffers: list, writable=None) -> bool:
    """Write every buffer, in order, however many writes it takes (os.writev may write only part).

    writable: for a non-blocking fd (the grader's side), called before each write; when it says False (the deadline
    passed), the send stops and returns False."""
    views = [memoryview(b).cast("B") for b in buffers if memoryview(b).nbytes]
    while views:
        if writable is not None and not writable():
            return False
        try:
            written = _writev(fd, views[:IOV_MAX])
        except BlockingIOError:
            continue
        while views and written >= views[0].nbytes:
            written -= views[0].nbytes
            views.pop(0)
        if written:
            views[0] = views[0][written:]
    return True


def blob_slices(header: dict, payload) -> list:
    """The payload cut into the blobs the header announces."""
    cuts, start = [], 0
    for n in header.get("blobs", []):
        cuts.append(payload[start : start + int(n)])
        start += int(n)
    return cuts


# --- the template: boxes and workers -------------------------------------------------------------


def template(control_fd: int, settings: dict) -> None:
    """Answer "open" and "close" requests until the grader hangs up; then close every box left."""
    global np, _array_equal
    sys.path[:0] = settings["site"]
    import numpy
    import numpy.random  # the kit's train_* functions seed it: imported lazily, 10-15 ms per worker
    import numpy.testing  # guarded below; imported lazily it would cost every worker 25 ms
    import numpy.typing  # (the kit's modules import ArrayLike from it)

    np, _array_equal = numpy, numpy.array_equal
    gc.freeze()  # a worker's collections then leave the template's objects alone: fewer copy-on-write page copies
    control = socket.socket(fileno=control_fd)
    control.send(_dumps({"ready": True, "uid": os.getuid()}).encode())
    workers: dict = {}  # box name -> the worker's pid
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 16, 3)
        except OSError:
            break
        if not message:
            break  # the grader is gone
        try:
            request = _loads(message)
            handler = {"open": open_box, "close": close_box}[request["op"]]
            reply = handler(request, fds, settings, workers, control)
        except BaseException as exc:  # a request the template cannot carry out; the grader reports it
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            for fd in fds:
                os.close(fd)
        control.send(_dumps(reply).encode())
    for box in list(workers):
        close_box({"box": box, "uid": None, "wait": 0}, [], settings, workers, control)
    if settings.get("remove_boxes"):  # a host folder of the grader's: gone with the template, however the grader ended
        remove_tree(settings["boxes"])


def open_box(request: dict, fds: list, settings: dict, workers: dict, control) -> dict:
    """A box folder holding the submission's files (readable, not writable, by the box's gid), and its worker."""
    files_fd, req_r, reply_w = fds
    name, uid, gid = request["box"], request.get("uid"), request.get("gid")
    if not BOX_NAME.fullmatch(name) or name in workers:
        raise ValueError(f"bad box name {name!r}")
    box = os.path.join(settings["boxes"], name)
    paths = {"box": box, "submission": os.path.join(box, "submission"), "tmp": os.path.join(box, "tmp")}
    paths["examples"] = os.path.join(box, "examples.py")  # the grader's copy of the examples' data
    for key, mode in (("box", 0o750), ("submission", 0o750), ("tmp", 0o700)):
        os.mkdir(paths[key], mode)
        if uid is not None:
            os.chown(paths[key], uid if key == "tmp" else 0, gid)
    files, examples = read_files(files_fd)
    for path, data in [*((os.path.join(paths["submission"], n), b) for n, b in files), (paths["examples"], examples)]:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        with open(fd, "wb") as out:
            out.write(data)
            if uid is not None:
                os.fchown(out.fileno(), 0, gid)
    pid = os.fork()
    if pid == 0:
        become_worker(request, paths, req_r, reply_w, control)
    workers[name] = pid
    return {"pid": pid}


def read_files(fd: int) -> tuple:
    """From a framed memfd: the submission's (name, bytes) pairs, and the examples' data the grader sent."""
    os.lseek(fd, 0, os.SEEK_SET)
    with open(os.dup(fd), "rb") as source:
        data = source.read()
    _, n_head, _ = HEAD.unpack_from(data)
    header = _loads(data[HEAD.size : HEAD.size + n_head])
    blobs = blob_slices(header, memoryview(data)[HEAD.size + n_head :])
    names = header["names"]
    if len(names) + 1 != len(blobs) or not all(isinstance(n, str) and FILE_NAME.fullmatch(n) for n in names):
        raise ValueError("the submission's file names are not plain module names")
    return [(n, bytes(b)) for n, b in zip(names, blobs, strict=False)], bytes(blobs[-1])


def close_box(request: dict, fds: list, settings: dict, workers: dict, control) -> dict:
    """The worker's exit status if it ended within request["wait"] seconds; then nothing of the box is left."""
    name = request["box"]
    pid = workers.pop(name, None)
    status = wait_for(pid, float(request.get("wait", 0))) if pid else None
    end_processes(request.get("uid"), pid, settings)
    if pid and status is None:
        status = wait_for(pid, 2.0)
    box = os.path.join(settings["boxes"], name)
    if BOX_NAME.fullmatch(name) and not remove_tree(box):
        return {"status": status, "error": f"box {name} could not be removed"}
    return {"status": status}


def remove_tree(path: str) -> bool:
    """Remove a folder. A worker cannot make files, folders or links, so a box holds what the template wrote and
    shutil.rmtree (which never follows links) does it; /bin/rm -rf is the fallback should that ever fail."""
    if not os.path.lexists(path):
        return True
    with contextlib.suppress(OSError, RecursionError):
        shutil.rmtree(path)
    if os.path.lexists(path):
        pid = os.fork()
        if pid == 0:
            with contextlib.suppress(BaseException):
                os.execv("/bin/rm", ["rm", "-rf", "--one-file-system", "--", path])
            os._exit(127)
        os.waitpid(pid, 0)
    return not os.path.lexists(path)


def end_processes(uid, pid, settings: dict) -> None:
    """Kill every process the box started: all of its uid's, all of the house's, or the worker's session."""
    if uid is not None:
        kill_uid(uid, pid)
    elif settings["house_per_box"]:  # this house holds one learner: everything but the template and init is theirs
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
    elif pid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def kill_uid(uid: int, pid) -> None:
    """Kill the worker, and anything else running as its uid. RLIMIT_NPROC keeps the worker from starting other
    processes, so a look through /proc normally finds none; if it does, a helper running as the uid signals every
    process of the uid (kill(-1) cannot miss one that is starting)."""
    if pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if not any(entry.isdigit() and int(entry) != pid and _runs_as(entry, uid) for entry in os.listdir("/proc")):
        return
    helper = os.fork()
    if helper == 0:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        with contextlib.suppress(ProcessLookupError):  # ESRCH: none left (a killed, unreaped one still counts)
            for _ in range(3):
                os.kill(-1, signal.SIGKILL)
                time.sleep(0.001)
        os._exit(0)
    os.waitpid(helper, 0)


def _runs_as(entry: str, uid: int) -> bool:
    try:
        return os.stat(f"/proc/{entry}").st_uid == uid
    except OSError:
        return False  # gone already


def wait_for(pid: int, seconds: float):
    """How the worker ended: its exit code, minus the signal number if a signal ended it; None if still running."""
    deadline, pause = time.monotonic() + seconds, 0.0001  # a killed worker is gone within a fraction of a millisecond
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() >= deadline:
            return None
        time.sleep(pause)
        pause = min(2 * pause, 0.002)


def become_worker(request: dict, paths: dict, req_r: int, reply_w: int, control) -> None:
    """In the forked child: a session, fds 3 and 4 only, limits, the box's uid; then serve the learner."""
    try:
        os.setsid()
        control.close()
        pipes = [fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for fd in (req_r, reply_w)]
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        for fd, target in zip(pipes, WORKER_FDS, strict=True):
            os.dup2(fd, target)
        os.closerange(WORKER_FDS[-1] + 1, 1 << 16)
        os.chdir(paths["tmp"])
        os.environ.clear()
        os.environ.update(request["env"], TMPDIR=paths["tmp"], HOME=paths["tmp"])
        for kind, value in request["limits"].items():
            resource.setrlimit(getattr(resource, kind), (value, value))
        if request.get("uid") is not None:
            drop_privileges(request["uid"], request["gid"])
        no_new_processes()
        ctypes.CDLL(None).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        deny_syscalls()
        config = {"module_dir": paths["submission"], "examples": paths["examples"]}
        start_worker({**config, "fd_in": WORKER_FDS[0], "fd_out": WORKER_FDS[1]})
    except BaseException as exc:
        with contextlib.suppress(BaseException):
            send(WORKER_FDS[1], frame({"ready": False, "error": f"{type(exc).__name__}: {exc}"}, []))
        os._exit(70)
    os._exit(0)


def drop_privileges(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
        raise PermissionError(f"could not become uid {uid}")
    try:
        os.setuid(0)
    except PermissionError:
        return
    raise PermissionError("root could be regained after dropping privileges")


def no_new_processes() -> None:
    """RLIMIT_NPROC at the number of processes this uid already has here: the kernel refuses any fork or thread."""
    uid, mine = os.getuid(), 0
    for entry in os.listdir("/proc"):
        with contextlib.suppress(OSError):
            mine += entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid
    resource.setrlimit(resource.RLIMIT_NPROC, (mine, mine))


# What a worker may not call (EPERM), by architecture: objects that outlive its processes or are shared beyond its
# box (SysV IPC, POSIX message queues, keyrings), new namespaces, tracing, io_uring, bpf, perf, and anything that
# makes a file, folder, link or socket file (bind; a tmpfs caps bytes, not inodes: empty folders alone could fill the
# kernel's memory).
# Learner code needs none of them; Python just skips writing bytecode when it cannot.
DENIED = {
    "x86_64": {"shmget": 29, "shmat": 30, "semget": 64, "msgget": 68, "mq_open": 240, "ptrace": 101, "unshare": 272,
               "setns": 308, "add_key": 248, "request_key": 249, "keyctl": 250, "perf_event_open": 298, "bpf": 321,
               "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
               "creat": 85, "mkdir": 83, "mkdirat": 258, "mknod": 133, "mknodat": 259, "symlink": 88,
               "symlinkat": 266, "link": 86, "linkat": 265, "openat2": 437, "bind": 49},
    "aarch64": {"shmget": 194, "shmat": 196, "semget": 190, "msgget": 186, "mq_open": 180, "ptrace": 117,
                "unshare": 97, "setns": 268, "add_key": 217, "request_key": 218, "keyctl": 219,
                "perf_event_open": 241, "bpf": 280, "userfaultfd": 282, "io_uring_setup": 425, "io_uring_enter": 426,
                "io_uring_register": 427, "mkdirat": 34, "mknodat": 33, "symlinkat": 36, "linkat": 37,
                "openat2": 437, "bind": 200},
}  # fmt: skip
OPENS = {"x86_64": {2: 1, 257: 2}, "aarch64": {56: 2}}  # open and openat: the argument holding the flags
ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}  # AUDIT_ARCH_*
CREATES = 0o100 | 0o20000000  # O_CREAT, O_TMPFILE: an open that makes a file is denied too
X32_BIT = 0x40000000  # x86_64's x32 system calls: denied whole
LOAD, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06  # BPF_LD|W|ABS, BPF_JMP|{JEQ,JGE,JSET}|K, BPF_RET|K
ALLOW, EPERM = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO with errno 1


class SockFilter(ctypes.Structure):
    _fields_ = (("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint))


class SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter)))


def seccomp_program(machine: str) -> list[tuple[int, int, int, int]]:
    """Classic BPF: EPERM for DENIED, for file-making opens and for any other architecture's calls; allow the rest.

    Jump targets are written as labels ("deny", "flags<n>") and resolved to BPF's forward offsets at the end.
    """
    code = [(LOAD, 0, 0, 4), (JEQ, 0, "deny", ARCH[machine]), (LOAD, 0, 0, 0), (JGE, "deny", 0, X32_BIT)]
    code += [(JEQ, "deny", 0, n) for n in DENIED[machine].values()]
    code += [(JEQ, f"flags{n}", 0, n) for n in OPENS[machine]]
    code.append((RET, 0, 0, ALLOW))
    labels = {}
    for n, arg in OPENS[machine].items():  # the low 32 bits of args[arg] (little-endian) hold the flags
        labels[f"flags{n}"] = len(code)
        code += [(LOAD, 0, 0, 16 + 8 * arg), (JSET, "deny", 0, CREATES), (RET, 0, 0, ALLOW)]
    labels["deny"] = len(code)
    code.append((RET, 0, 0, EPERM))
    return [
        (op, labels.get(jt, i + 1) - i - 1, labels.get(jf, i + 1) - i - 1, k) for i, (op, jt, jf, k) in enumerate(code)
    ]


def deny_syscalls() -> None:
    """Install seccomp_program for this machine (KeyError: no filter for this architecture, so no sandbox)."""
    program = seccomp_program(os.uname().machine)
    filters = (SockFilter * len(program))(*(SockFilter(*f) for f in program))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(22, 2, ctypes.byref(SockFprog(len(program), filters)), 0, 0) != 0:  # PR_SET_SECCOMP, FILTER
        raise OSError(ctypes.get_errno(), "the system call filter could not be installed")


# --- the worker: the learner's modules and their calls ---------------------------------------------


class Blocker(importlib.abc.MetaPathFinder):
    """Refuses the project's own packages and pytest: submissions get numpy and the standard library."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"submissions may not import {name.split('.')[0]} (the grader blocks it)")
        return None


def guarded() -> dict:
    return {"builtins": builtins, "numpy": np, "numpy.testing": np.testing, "json": json}


def snapshot() -> dict:
    """A copy of the namespaces a submission must leave alone."""
    return {name: dict(vars(mod)) for name, mod in guarded().items()}


def tampering(before: dict) -> list:
    """Names replaced or removed in a guarded namespace (new names are fine: `import numpy.typing` adds one). It
    uses only tools bound when this file was imported, before any learner code: a learner who replaces builtins.all
    does not blind it."""
    missing, changed = object(), []
    for name, mod in guarded().items():
        now, old = _vars(mod), before[name]
        if _len(now) == _len(old) and _all(_map(_is, now.values(), old.values())):
            continue  # the usual case, checked at C speed: same names, same objects, same order
        changed += [f"{name}.{k}" for k, v in old.items() if now.get(k, missing) is not v]
        if not changed:
            before[name] = dict(now)  # only additions: accept them once
    return changed[:5]


def setup_package(config: dict) -> None:
    """A package named `exercises` over the submission's folder, and `data.examples`, the grader's own copy of the
    examples' data (also as `exercises.examples`, where the stubs kept it before it moved to data/)."""
    pkg, data = types.ModuleType("exercises"), types.ModuleType("data")
    pkg.__path__, data.__path__ = [config["module_dir"]], []  # data holds the examples and nothing else
    sys.modules["exercises"], sys.modules["data"] = pkg, data
    spec = importlib.util.spec_from_file_location("data.examples", config["examples"])
    examples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(examples)
    sys.modules["data.examples"] = sys.modules["exercises.examples"] = data.examples = pkg.examples = examples
    sys.path.insert(0, config["module_dir"])


def decode(v, blobs):
    """An argument the grader sent; a described call at the top becomes a function of one number."""
    value = decode_value(v, blobs)
    return learner_function(value) if type(value) is LearnerCall else value


class LearnerCall(tuple):
    """(module, function, args): a call of the learner's own function inside a learner_function."""


ARGUMENT = object()  # where a learner_function's number goes


def learner_function(call):
    """x -> module.function(*args), with ARGUMENT replaced by x and nested calls by their values."""

    def value_of(node, x):
        if node is ARGUMENT:
            return x
        if type(node) is not LearnerCall:
            return node
        module, function, args = node
        try:
            fn = getattr(importlib.import_module(f"exercises.{module}"), function)
        except CallTimeout:
            raise
        except BaseException as exc:  # named as what it is, not as a fault of the function that was handed it
            raise ImportError(f"exercises/{module}.py has no usable {function} ({type(exc).__name__}: {exc})") from exc
        return fn(*(value_of(a, x) for a in args))

    return lambda x: value_of(call, x)


def decode_value(v, blobs):
    t = v["t"]
    if t == "array":  # a writable view of this request's own receive buffer: no copy
        return np.frombuffer(blobs[v["blob"]], dtype=v["dtype"]).reshape(v["shape"])
    if t in ("list", "tuple"):
        items = [decode_value(i, blobs) for i in v["items"]]
        return items if t == "list" else tuple(items)
    if t == "dict":
        return {k: decode_value(x, blobs) for k, x in v["items"]}
    if t == "fn":
        return slope_function(v["kind"], v["c"])
    if t == "call" and PLAIN_NAME.fullmatch(v["module"]) and PLAIN_NAME.fullmatch(v["function"]):
        return LearnerCall((v["module"], v["function"], tuple(decode_value(a, blobs) for a in v["args"])))
    if t == "arg":
        return ARGUMENT
    return v["v"]


def slope_function(kind, c):
    """The derivative functions gradient_descent is checked with: plain Python, no reference code."""
    if kind == "affine":  # c0 (x - c1): the slope of a parabola
        return lambda x: c[0] * (x - c[1])
    # a sum of sigmoids minus a count: cross-entropy's slope in b3; tanh form cannot overflow
    return lambda x: sum(0.5 * (1.0 + math.tanh((x + s) / 2.0)) for s in c[:-1]) - c[-1]


def encode(v, blobs, budget, depth=0):
    """A returned value as plain data; budget = [array values, other values] still allowed in this reply."""
    budget[1] -= not isinstance(v, np.ndarray)
    if isinstance(v, bool | np.bool_):
        return {"t": "bool", "v": bool(v)}
    if v is None:
        return {"t": "none"}
    if isinstance(v, int | float | np.integer | np.floating):
        return {"t": "float" if isinstance(v, float | np.floating) else "int", "type": type(v).__name__, "v": float(v)}
    if isinstance(v, np.ndarray):
        budget[0] -= v.size
        if v.dtype.kind not in "biuf" or budget[0] < 0:
            return {"t": "other", "type": f"ndarray of {v.dtype} with {v.size} values"}
        blobs.append(np.ascontiguousarray(v, dtype="<f8"))
        return {"t": "array", "shape": list(v.shape), "blob": len(blobs) - 1}
    if type(v) in (list, tuple) and depth < 3 and len(v) <= budget[1]:
        return {"t": type(v).__name__, "items": [encode(i, blobs, budget, depth + 1) for i in v]}
    if type(v) is dict and depth < 3 and len(v) <= budget[1] and all(type(k) is str and len(k) <= 80 for k in v):
        return {"t": "dict", "items": [[k, encode(x, blobs, budget, depth + 1)] for k, x in v.items()]}
    if type(v) in (list, tuple, dict):
        return {"t": "other", "type": f"{type(v).__name__} of {len(v)} items"}
    return {"t": "other", "type": type(v).__name__}


def learner_frame(tb, module_dir: str) -> tuple:
    """Where in the learner's own files the error happened: ('ssr.py line 12', the function it was in), or ('', '')."""
    ours = [(f.f_code, line) for f, line in traceback.walk_tb(tb) if f.f_code.co_filename.startswith(module_dir)]
    if not ours:
        return "", ""
    code, line = ours[-1]
    return f"{os.path.basename(code.co_filename)} line {line}", code.co_name


def failure(kind, exc, module_dir):
    where, function = learner_frame(exc.__traceback__, module_dir)
    message = str(exc)[:500]
    return {"ok": False, "kind": kind, "type": type(exc).__name__, "message": message, "where": where, "in": function}


class CallTimeout(BaseException):
    """Raised inside learner code when a call runs out of time (a BaseException, so `except Exception` in
    learner code does not swallow it)."""


def on_alarm(signum, frame):
    raise CallTimeout


def load(module_name: str, clean: dict, module_dir: str, seconds: float):
    """The learner's module, or a failed reply if importing it failed, took too long or changed the guarded
    namespaces."""
    fresh = f"exercises.{module_name}" not in sys.modules
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        module = importlib.import_module(f"exercises.{module_name}")
    except CallTimeout:
        why = f"importing it took longer than {seconds:g} s (an endless loop at module level?)"
        return None, {"ok": False, "kind": "import_error", "type": "TimeoutError", "message": why, "at_import": True}
    except BaseException as exc:  # a SyntaxError, a NameError at module level, a blocked import...
        return None, {**failure("import_error", exc, module_dir), "at_import": True}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    problems = tampering(clean) if fresh else []
    if problems:
        why = "while importing: " + ", ".join(problems)
        return None, {"ok": False, "kind": "tampered", "message": why, "at_import": True}
    return module, None


def run_call(fn, args, seconds, check_inputs):
    """Call fn(*args) and encode what it returned, both within the time limit: (reply, blobs)."""
    watched = check_inputs and all(not isinstance(a, np.ndarray) or a.size <= MAX_WATCHED for a in args)
    before = [a.copy() if watched and isinstance(a, np.ndarray) else None for a in args]
    blobs: list = []
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            budget = [MAX_ITEMS, MAX_LIST_ITEMS]
            encoded = encode(fn(*args), blobs, budget)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    mutated = [
        i for i, (a, b) in enumerate(zip(args, before, strict=True)) if b is not None and not _array_equal(a, b, True)
    ]
    size = sum(b.nbytes for b in blobs)
    if size > MAX_REPLY_BYTES:
        why = f"returned {size:,} bytes of numbers, more than the {MAX_REPLY_BYTES:,} one call may return"
        return {"ok": False, "kind": "too_large", "message": why}, []
    if budget[1] < 0:  # a nested list can exceed it after its outer list was allowed
        return {"ok": False, "kind": "too_large", "message": f"returned more than {MAX_LIST_ITEMS:,} values"}, []
    warned = [str(w.message)[:200] for w in caught][:5]
    return {"ok": True, "value": encoded, "mutated": mutated, "warnings": warned}, blobs


def run_request(req, blobs_in, clean, module_dir):
    """Every call of one request: yields (reply, blobs of its arrays) per call. The calls come in groups (one per
    check); a failed call skips the rest of its group (a "skipped" reply each), a timeout ends the request."""
    module, failed = load(req["module"], clean, module_dir, req["call_seconds"])
    if failed:
        yield failed, []
        return
    fn = getattr(module, req["function"], None)
    if not callable(fn):
        missing = f"{req['module']}.py has no function {req['function']}"
        yield {"ok": False, "kind": "missing_function", "message": missing}, []
        return
    calls = iter(req["calls"])
    for size, check_inputs in req["groups"]:
        group = list(itertools.islice(calls, size))
        for done, encoded in enumerate(group, 1):
            reply, blobs = run_one(fn, encoded, blobs_in, req["call_seconds"], check_inputs, module_dir)
            yield reply, blobs
            if reply["kind"] == "timeout":
                return
            if not reply["ok"]:
                yield from [({"ok": False, "kind": "skipped"}, [])] * (len(group) - done)
                break


def run_one(fn, encoded, blobs_in, seconds, check_inputs, module_dir):
    """One call, whatever it does: (reply, blobs)."""
    out, blobs = io.StringIO(), []
    sys.stdout = sys.stderr = out
    try:
        args = [decode(a, blobs_in) for a in encoded]
        reply, blobs = run_call(fn, args, seconds, check_inputs)
    except CallTimeout:
        reply = {"ok": False, "kind": "timeout", "message": "ran out of time"}
    except NotImplementedError as exc:
        reply = failure("not_implemented", exc, module_dir)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt too: the call failed, the worker goes on
        reply = failure("exception", exc, module_dir)
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    reply["output"] = out.getvalue()[-MAX_TEXT:]
    reply.setdefault("kind", "")
    return reply, blobs


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
        replies, blobs, start, flushed = [], [], 0, time.monotonic()
        for index, (reply, reply_blobs) in enumerate(run_request(req, blobs_in, clean, module_dir)):
            replies.append({**reply, "first_blob": len(blobs)})
            blobs += reply_blobs
            # Replies go in one frame per request, but never wait long (the grader's deadline is per call) or grow big.
            if time.monotonic() - flushed > FLUSH_SECONDS or sum(b.nbytes for b in blobs) >= MAX_REPLY_BYTES:
                flush(fd_out, req["id"], start, replies, blobs, clean)
                replies, blobs, start, flushed = [], [], index + 1, time.monotonic()
        if replies:
            flush(fd_out, req["id"], start, replies, blobs, clean)


def flush(fd_out: int, request_id: int, start: int, replies: list, blobs: list, clean: dict) -> None:
    """Send the replies held, unless a call since the last flush changed the guarded namespaces: then none of
    them can be trusted (they were encoded and checked with tools the learner may have replaced), the first of
    them says so, and this process ends. Checked per flush, not per call, for speed. What a worker reports of a call
    beyond its value (an input changed in place, a numpy warning) is the worker's own word: learner code shares its
    process and can forge frames, or patch and restore a tool between two flushes. The check keeps honest mistakes
    and casual patching out; the grader trusts a reply's values only as far as it compares them itself."""
    problems = tampering(clean)
    if problems and replies[-1].get("kind") != "tampered":  # an import that tampered has said so already
        replies, blobs = [{"ok": False, "kind": "tampered", "message": ", ".join(problems), "first_blob": 0}], []
    send(fd_out, frame({"id": request_id, "start": start, "replies": replies}, blobs))
    if replies[-1].get("kind") == "tampered":
        os._exit(3)  # this process is no longer trustworthy; the grader starts a fresh one


def start_worker(config: dict) -> None:
    signal.signal(signal.SIGALRM, on_alarm)
    sys.meta_path.insert(0, Blocker())
    for name in [m for m in sys.modules if m.split(".")[0] in BLOCKED]:
        del sys.modules[name]
    setup_package(config)
    with contextlib.suppress(EOFError, BrokenPipeError):  # the grader closed the pipe: grading is over
        serve(config)


def main() -> None:
    sys.path.pop(0)  # -I puts this file's folder first; learner code must not import from it
    template(int(sys.argv[2]), _loads(sys.argv[3]))


if __name__ == "__main__":
    main()
