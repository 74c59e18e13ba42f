"""Where learner code runs: which isolation this machine allows, and the house that holds the template."""

# Theory of operation
# Three kinds of process take part in grading a submission:
# - The grader (trusted; root or a normal user) reads the submission into memory (grader/submission.py), computes
#   the expected values with the reference, compares and scores. It never runs learner code and never follows a
#   path a learner could have changed.
# - The template (trusted; grader/_worker.py) runs inside a house: a bubblewrap sandbox with its own mount, pid,
#   network, IPC and UTS namespaces, whose filesystem holds only a read-only Python with its site-packages, the
#   worker's code and a size-capped tmpfs of boxes. As root the house keeps no user namespace, and the template
#   holds just the capabilities it needs to give each box its own uid (SETUID, SETGID, CHOWN) and to clean a box
#   up (DAC_OVERRIDE, FOWNER); as a normal user the house is a user namespace with no capabilities. It never runs
#   learner code.
# - The worker (hostile: it runs learner code) is forked from the template per submission, into a box folder
#   holding its own copy of the files and of the examples' data. As root it runs as a uid and gid of its own
#   (UID_RANGE, one per learner in a class run), can read its box and nothing else of the house's boxes, and cannot
#   signal or trace the template. Limits hold for the whole box: one process (RLIMIT_NPROC at the count it already
#   has, so no fork and no thread), so the per-process memory, CPU, file-size and open-file limits are the box's;
#   the tmpfs caps its disk.
# What crosses: grader -> template, on a Unix socket: JSON requests, a memfd with the submission's files and the
#   examples' data, the worker's two pipe ends; template -> grader: the worker's pid, later its exit status.
#   grader <-> worker, on the pipes: framed JSON headers and raw float64 bytes, capped in size, every read and write
#   under a deadline.
# A house lives as long as its grading process (bubblewrap's --die-with-parent ends it with that process). As root,
# boxes are opened one after another in one house, each under a new uid, every process of that uid killed and its
# folder removed on close; as a normal user, every uid in a house is the same, so each submission gets a house of
# its own. Without namespaces, as root, the template runs on the host and boxes get a uid each ("uid" isolation):
# allowed only where the project is unreadable to other users and Python is readable to them. "none" runs learner
# code as the grader's user, only when asked for (--no-sandbox) or for one's own exercises.
from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import importlib.util
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
WORKER = Path(__file__).with_name("_worker.py")
EXAMPLES = ROOT / "data" / "examples.py"
UID_RANGE = range(61000, 64000)  # the uids (and gids) learners run as when the grader is root; none may be in use
UID_LOCKS = "backprop-lab-uids"  # under /run/lock: one lock file per uid a grader has handed out
BOXES_BYTES = 64 * 2**20  # the house's tmpfs of boxes: what one submission may write in all
STARTUP_SECONDS = 20.0  # the template imports numpy, maybe from a cold disk cache
ROOT_CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER")
HOUSE = "/house"  # inside the sandbox: worker.py and site-packages
# numpy's libraries read their thread count once, when the template imports numpy: one thread, before any fork
TEMPLATE_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Times in seconds, memory in MiB."""

    call_seconds: float = 2.0
    submission_seconds: float = 60.0
    memory_mb: int = 1024


DEFAULT_LIMITS = Limits()


class SandboxUnavailable(RuntimeError):
    """No sandbox can be set up here; the message says why and what would fix it."""


@dataclass(frozen=True)
class Isolation:
    """How learner code is isolated in this run; summary is the one line every report carries."""

    kind: Literal["namespaces", "uid", "none"]
    summary: str
    per_learner_uid: bool  # each learner runs as a uid of its own (the grader is root)

    @property
    def house_per_box(self) -> bool:
        """A normal user's house has one uid for everyone in it: each submission needs a house of its own."""
        return self.kind == "namespaces" and not self.per_learner_uid


NONE_FOR_SELF = Isolation("none", "none (your own exercises, run as you: no sandbox was available)", False)
NONE_ASKED = Isolation("none", "none (--no-sandbox: learner code ran with the grader's own privileges)", False)
_chosen: Isolation | SandboxUnavailable | None = None


def choose() -> Isolation:
    """The strongest isolation this machine allows (probed once per process); SandboxUnavailable if there is none."""
    global _chosen
    if _chosen is None:
        try:
            _chosen = _probe()
        except SandboxUnavailable as exc:
            _chosen = exc
    if isinstance(_chosen, SandboxUnavailable):
        raise _chosen
    return _chosen


def for_own_work() -> Isolation:
    """The isolation for a learner checking their own exercises: the sandbox if there is one, else none."""
    try:
        return choose()
    except SandboxUnavailable:
        return NONE_FOR_SELF


def _probe() -> Isolation:
    root = os.geteuid() == 0
    why = _bwrap_fails(root)
    if why is None:
        who = "a uid of its own per learner" if root else "one house per learner"
        return Isolation("namespaces", f"namespaces (bubblewrap: mount, pid, net, ipc, uts), {who}", root)
    if not root:
        raise SandboxUnavailable(
            f"bubblewrap cannot make a sandbox here ({why}); install it (apt-get install bubblewrap) on a system that "
            "allows user namespaces, or pass --no-sandbox to run submissions with your own privileges"
        )
    readable = readable_by_others(ROOT)
    if readable:
        raise SandboxUnavailable(
            f"bubblewrap cannot make a sandbox here ({why}), and {readable} is readable by other users, so a uid of "
            f"its own would not hide the reference from learner code: install bubblewrap, or chmod -R go-rwx {ROOT}"
        )
    hidden = [p for p in (sys.base_prefix, *_site_dirs()) if not readable_by_others(Path(p).resolve())]
    if hidden:
        raise SandboxUnavailable(
            f"bubblewrap cannot make a sandbox here ({why}), and learner code running as a uid of its own could not "
            f"read Python at {hidden[0]}: install bubblewrap, or use a Python that other users can read"
        )
    return Isolation("uid", "uid only (no namespaces: a uid of its own per learner; the project is hidden)", True)


def _bwrap_fails(root: bool) -> str | None:
    """Why a house cannot start here, or None when one can."""
    if shutil.which("bwrap") is None:
        return "bwrap is not installed"
    try:
        done = subprocess.run(
            [*_house_command(root, str(BOXES_BYTES)), "/bin/true"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None if done.returncode == 0 else (done.stderr.strip().splitlines() or ["bwrap failed"])[-1]


def readable_by_others(path: Path) -> str | None:
    """path, if a user other than its owner can read it (every folder above it lets others pass)."""
    parts = [path, *path.parents][::-1]
    if not all(p.stat().st_mode & stat.S_IXOTH for p in parts[:-1]):
        return None
    return str(path) if path.stat().st_mode & (stat.S_IROTH | stat.S_IXOTH) else None


def _site_dirs() -> list[str]:
    """The site-packages folder numpy is installed in (found without importing numpy, which takes a while)."""
    spec = importlib.util.find_spec("numpy")
    if spec is None or spec.origin is None:
        raise SandboxUnavailable("numpy is not installed for this Python")
    return [str(Path(spec.origin).resolve().parents[1])]


def _house_command(root: bool, boxes_bytes: str) -> list[str]:
    """bubblewrap's arguments for a house: a read-only Python, the worker's code, a tmpfs of boxes."""
    args = ["bwrap", "--die-with-parent", "--new-session", "--clearenv"]
    args += [a for key, value in TEMPLATE_ENV.items() for a in ("--setenv", key, value)]
    if root:  # no user namespace: the template stays real root (with a few capabilities) so it can set uids
        args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        args += [a for cap in ROOT_CAPS for a in ("--cap-add", cap)]
    else:
        args += ["--unshare-all"]
    binds = [("/usr", "/usr"), ("/etc/ld.so.cache", "/etc/ld.so.cache")]
    prefix = os.path.realpath(sys.base_prefix)
    if not prefix.startswith("/usr/"):
        binds.append((prefix, prefix))
    binds += [(site, f"{HOUSE}/site-{i}") for i, site in enumerate(_site_dirs())]
    binds.append((str(WORKER), f"{HOUSE}/worker.py"))
    # bubblewrap would make the folders above a bind 0700: make them passable (and empty but for the bind) first
    above = sorted({str(p) for _, dest in binds for p in Path(dest).parents if str(p) != "/"}, key=len)
    args += [a for folder in above for a in ("--perms", "0755", "--dir", folder)]
    args += [a for src, dest in binds if os.path.exists(src) for a in ("--ro-bind", src, dest)]
    for top in ("/bin", "/lib", "/lib32", "/lib64", "/sbin"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "0755", "--dir", "/tmp"]
    return [*args, "--perms", "0711", "--size", boxes_bytes, "--tmpfs", "/boxes"]


class House:
    """A template process, in a sandbox or not, that opens and closes boxes on request."""

    def __init__(self, isolation: Isolation) -> None:
        self.isolation = isolation
        self.lock = threading.RLock()  # one request and its answer at a time, whichever thread asks
        self.host_boxes: Path | None = None  # without namespaces, boxes live in a host folder of the grader's
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        python = os.path.realpath(sys.executable)
        if isolation.kind == "namespaces":
            site, worker = [f"{HOUSE}/site-{i}" for i in range(len(_site_dirs()))], f"{HOUSE}/worker.py"
            boxes = "/boxes"
            command = _house_command(isolation.per_learner_uid, str(BOXES_BYTES))
        else:
            site, worker, command = _site_dirs(), str(WORKER), []
            self.host_boxes = Path(tempfile.mkdtemp(prefix="backprop-boxes-"))
            self.host_boxes.chmod(0o711)
            boxes = str(self.host_boxes)
        settings = {"site": site, "boxes": boxes, "house_per_box": isolation.house_per_box}
        settings["remove_boxes"] = self.host_boxes is not None
        argv = [python, "-I", "-S", worker, "--template", str(theirs.fileno()), json.dumps(settings)]
        self.proc = _spawner.submit(
            subprocess.Popen,
            [*command, *argv],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=TEMPLATE_ENV,
        ).result()
        theirs.close()
        atexit.register(self.close)
        self.ready = False  # the template imports numpy meanwhile; the first request waits for it

    def _await_ready(self) -> None:
        self.ready = True
        self.sock.settimeout(STARTUP_SECONDS)
        try:
            ready = json.loads(self.sock.recv(4096) or b"{}")
        except (OSError, ValueError):
            ready = {}
        if ready.get("ready") is not True:
            self.close()
            said = self.proc.stderr.read().decode(errors="replace").strip().splitlines() if self.proc.stderr else []
            raise SandboxUnavailable(f"the sandbox did not start ({said[-1] if said else 'no message'})")
        self.proc.stderr.close()

    def open_box(
        self, box: str, uid: int | None, files_fd: int, pipes: tuple[int, int], env: dict, limits: dict
    ) -> int:
        """Start a worker in a new box; its pid (in the house's pid namespace)."""
        request = {"op": "open", "box": box, "uid": uid, "gid": uid, "env": env, "limits": limits}
        reply = self._ask(request, [files_fd, *pipes])
        if "pid" not in reply:
            raise SandboxUnavailable(f"the box could not be opened ({reply.get('error', 'no answer')})")
        return int(reply["pid"])

    def close_box(self, box: str, uid: int | None, wait: float = 0.0) -> int | None:
        """Kill every process of the box and remove it; the worker's exit status if it ended by itself in time."""
        reply: dict = {"error": "no answer"}
        with contextlib.suppress(OSError, ValueError, SandboxUnavailable):
            reply = self._ask({"op": "close", "box": box, "uid": uid, "wait": wait}, [])
        if "error" in reply:  # something of the box may be left: no later learner may share this house
            self.close()
        return reply.get("status")

    def _ask(self, request: dict, fds: list[int]) -> dict:
        with self.lock:
            if not self.ready:
                self._await_ready()
            if self.proc.poll() is not None:
                raise SandboxUnavailable("the sandbox's template process has ended")
            try:
                socket.send_fds(self.sock, [json.dumps(request).encode()], fds)
                return json.loads(self.sock.recv(4096))
            except (OSError, ValueError) as exc:  # a late answer would be read as the next one's: end this house
                self.close()
                raise SandboxUnavailable(f"the sandbox's template did not answer ({exc})") from exc

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        """End the template (which closes any box still open) and everything in the house."""
        with self.lock, contextlib.suppress(OSError):
            self.sock.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self.proc.kill()
        self.proc.wait()
        if self.host_boxes is not None:
            shutil.rmtree(self.host_boxes, ignore_errors=True)
        atexit.unregister(self.close)


# bubblewrap's --die-with-parent follows the thread that started it: houses are started from one thread that lives
# as long as the process, never from a short-lived one (Streamlit runs each script run in a thread of its own).
_spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="backprop-house")
_shared: dict[Isolation, House] = {}
_shared_lock = threading.Lock()


def house_for(isolation: Isolation) -> tuple[House, bool]:
    """A house for one submission, and whether it is shared (kept for the next) or the submission's own."""
    if isolation.house_per_box:
        return House(isolation), False
    with _shared_lock:
        house = _shared.get(isolation)
        if house is None or not house.alive():
            if house is not None:
                house.close()
            house = _shared[isolation] = House(isolation)
    return house, True


def prestart(isolation: Isolation) -> None:
    """Start the shared house now, so the template's numpy import overlaps the grader's own start-up."""
    if not isolation.house_per_box:
        with contextlib.suppress(SandboxUnavailable, OSError):
            house_for(isolation)


def free_uid(hint: int | None = None) -> int:
    """A uid of UID_RANGE that no process uses now and no other grader holds, starting at hint (a class run
    passes one per learner). It stays this grader's until release_uid, even across grader processes."""
    used = set()
    for entry in os.listdir("/proc"):  # every uid of every process (real, effective, saved, filesystem)
        if entry.isdigit():
            used.update(_uids_of(entry))
    start = UID_RANGE.index(hint) if hint in UID_RANGE else (os.getpid() * 7919) % len(UID_RANGE)
    with _shared_lock:
        for i in range(len(UID_RANGE)):
            uid = UID_RANGE[(start + i) % len(UID_RANGE)]
            if uid not in used and uid not in _held and (fd := _lock_uid(uid)) is not None:
                _held[uid] = fd
                return uid
    raise SandboxUnavailable(f"every uid of {UID_RANGE.start}-{UID_RANGE.stop - 1} is in use")


def _uids_of(pid: str) -> tuple[int, ...]:
    """A process's four uids; none if it has ended. Anything else unreadable stops the search for a free uid: a
    uid some process might run as is never handed out."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            line = next((x for x in status if x.startswith(b"Uid:")), b"")
    except (FileNotFoundError, ProcessLookupError):
        return ()  # it ended while we looked
    except OSError as error:
        raise SandboxUnavailable(f"cannot see which uids process {pid} runs as ({error})") from None
    fields = line.split()[1:]
    if len(fields) != 4 or not all(f.isdigit() for f in fields):
        raise SandboxUnavailable(f"cannot see which uids process {pid} runs as (its status says {line[:80]!r})")
    return tuple(map(int, fields))


_held: dict[int, int] = {}  # uid -> the fd of its lock file, for the uids this process gave out


def release_uid(uid: int | None) -> None:
    with _shared_lock:
        fd = _held.pop(uid, None)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(_uid_locks() / str(uid))  # while still locked: a grader waiting on it sees a stale inode
            os.close(fd)


@functools.cache
def _uid_locks() -> Path:
    """The root-only folder of uid lock files (on /run/lock, a tmpfs: stale locks vanish at boot). Every grader
    process must find the same folder, so it never follows TMPDIR."""
    base = Path("/run/lock") if Path("/run/lock").is_dir() else Path("/tmp")
    folder = base / UID_LOCKS
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise SandboxUnavailable(f"{folder} must be a folder of the grader's user that no one else can write")
    return folder


def _lock_uid(uid: int) -> int | None:
    """The fd of uid's lock file, locked; None when another grader process holds it. Two graders on one machine
    (two classes at once, a test run beside a class run) must not hand one uid to two learners: in "uid" isolation
    they would share files and signals, and closing one would kill the other's worker."""
    path = _uid_locks() / str(uid)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                return fd
        os.close(fd)  # its holder released and unlinked it while we opened it: try the new file
