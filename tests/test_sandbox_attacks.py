"""Hostile submissions against the grader's sandbox: each attack is tried for real, and its exact outcome asserted."""

from __future__ import annotations

import io
import json
import os
import py_compile
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from grader import isolation
from grader.api import grade_class, grade_submission
from grader.isolation import NONE_ASKED, UID_RANGE, Limits, SandboxUnavailable, choose, free_uid, release_uid
from grader.rubric import RUBRIC
from grader.sandbox import Sandbox
from grader.submission import NotASubmission, load
from tests import submissions as sub

ROOT = Path(__file__).resolve().parents[1]
FULL = sum(RUBRIC.values())
LIMITS = Limits(call_seconds=3.0, submission_seconds=60.0)
# A line of the reference that no learner output may ever contain.
SECRET = "computed as logaddexp(0, x) so that x = 1000 does not overflow"
ATTACKED = ("ssr.softplus.worked", "ssr.softplus.reference", "ssr.softplus.properties")

pytestmark = [
    pytest.mark.slow,  # every attack for real, in real sandboxes: about 16 s
    pytest.mark.skipif(os.geteuid() != 0, reason="these attacks are written for a grader that runs as root"),
]


def everything_said(result) -> str:
    """Every word a result carries: feedback, printed output, notes and error."""
    return json.dumps(result.to_json())


def learner_processes() -> list[int]:
    """Processes started by this test run that run as one of the learners' uids right now."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uid = int(next(x for x in status.read_text().splitlines() if x.startswith("Uid:")).split()[1])
        except (OSError, StopIteration, ValueError):
            continue
        if uid in UID_RANGE and _descends_from_us(int(status.parent.name)):
            found.append(int(status.parent.name))
    return found


def _descends_from_us(pid: int) -> bool:
    """Whether pid is this test process or started by it (a grader run on the same machine is not ours)."""
    while pid > 1:
        if pid == os.getpid():
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
    return False


def leftovers() -> list[str]:
    return sorted(str(p) for p in Path(tempfile.gettempdir()).glob("backprop-*"))  # conftest: one per worker


@pytest.fixture(autouse=True)
def nothing_left_behind():
    """After every attack: no new learner process still running, no temporary folder of the grader's left.

    (Workers that were running before the test, such as a dashboard test's cached learner sandbox, are not ours.)"""
    folders, running = leftovers(), set(learner_processes())
    yield
    deadline = time.monotonic() + 5
    while set(learner_processes()) - running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(learner_processes()) - running == set()
    assert leftovers() == folders


def stubs_with(folder: Path, module: str, source: str) -> Path:
    """The untouched stubs, with one function replaced by an attack."""
    sub.stubs(folder)
    sub.replace_function(folder, module, source)
    return folder


# --- reading the reference, every way -------------------------------------------------------------

# Each attack tries to get solutions/ssr.py; if it can, it prints it and returns the right answer (as a learner who
# copied the reference would). In the sandbox every one must fail: the same score as the untouched stubs, 0.
# Folders the walking attack skips, to find the project within its 2 s on a busy machine (never one on its path).
SKIPPABLE = {"proc", "sys", "dev", "usr", "etc", "var", "boot", "run", "opt", "lib", ".venv", ".git", ".pyenv"}
WALK_SKIPS = sorted((SKIPPABLE | {".cache", "site-packages", "node_modules", "__pycache__"}) - set(ROOT.parts))
STEAL = {
    "absolute_path": f"text = read({str(ROOT / 'solutions' / 'ssr.py')!r})",
    "proc_cwd": f"""
        text = None
        for pid in os.listdir('/proc'):
            for where in ('cwd', 'root' + {str(ROOT)!r}):
                try:
                    text = read(f'/proc/{{pid}}/{{where}}/solutions/ssr.py')
                except OSError:
                    pass
        """,
    "walk_root": """
        text, started = None, time.monotonic()
        for top, dirs, files in os.walk('/'):
            dirs[:] = [d for d in dirs if d not in {skip!r}]
            if top.endswith('/solutions') and 'ssr.py' in files:
                text = read(os.path.join(top, 'ssr.py'))
                break
            if time.monotonic() - started > 2:
                break
        """.replace("{skip!r}", repr(WALK_SKIPS)),
    "pycache": """
        import glob, marshal
        text = None
        for pyc in glob.glob({pattern!r}):
            code = marshal.loads(read(pyc, 'rb')[16:])
            text = repr([c.co_consts for c in code.co_consts if getattr(c, 'co_name', '') == 'softplus'])
        """.format(pattern=str(ROOT / "solutions" / "__pycache__" / "ssr*.pyc")),
    "git_history": f"""
        import subprocess
        text = subprocess.run(['git', '-C', {str(ROOT)!r}, 'show', 'HEAD:solutions/ssr.py'],
                              capture_output=True, text=True, check=True).stdout
        """,
    "import_blocker_removed": """
        import sys
        sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != 'Blocker']
        sys.path.insert(0, {root!r})
        for name in [m for m in sys.modules if m == 'exercises' or m.startswith('exercises.')]:
            pass
        import importlib.util
        spec = importlib.util.spec_from_file_location('stolen', {path!r})
        text = read(spec.origin)
        """.format(root=str(ROOT), path=str(ROOT / "solutions" / "ssr.py")),
}


def stealing_softplus(how: str) -> str:
    body = textwrap.indent(textwrap.dedent(STEAL[how]).strip(), "    ")
    return (
        "def softplus(x):\n    import os, time\n\n"
        "    def read(path, mode='r'):\n        with open(path, mode) as f:\n            return f.read()\n\n"
        f"{body}\n"
        "    start = text.index('ln(1 + e^x)')  # the reference's softplus docstring\n"
        "    print(text[start : start + 300])\n"
        "    return np.logaddexp(0.0, np.asarray(x, dtype=float))[()]\n"
    )


@pytest.fixture(scope="module")
def stealers(tmp_path_factory) -> dict[str, Path]:
    py_compile.compile(str(ROOT / "solutions" / "ssr.py"))  # the .pyc the pycache attack looks for
    root = tmp_path_factory.mktemp("stealers")
    return {how: stubs_with(root / how, "ssr", stealing_softplus(how)) for how in STEAL}


def test_no_way_of_reading_the_reference_earns_a_point_or_leaks_a_line(stealers):
    results = {r.name: r for r in grade_class(list(stealers.values()), jobs=2, limits=LIMITS)}
    for how, result in results.items():
        assert (result.score, result.error) == (0, ""), how
        assert SECRET not in everything_said(result), how
        assert result.isolation.startswith("namespaces"), how


def test_the_same_attacks_do_work_without_the_sandbox(stealers):
    """The attacks are real: with --no-sandbox each one reads the reference and takes softplus's points."""
    working = [p for how, p in stealers.items() if how != "git_history" or (ROOT / ".git").exists()]
    for result in grade_class(working, jobs=2, limits=LIMITS, isolation=NONE_ASKED):
        softplus = {c.check_id for c in result.checks if c.status == "passed"}
        assert softplus == set(ATTACKED), result.name
        assert SECRET in everything_said(result), result.name


# --- links and other non-files in a submission ----------------------------------------------------


def make_links(root: Path) -> dict[str, tuple[Path, str]]:
    """Submissions that are not plain files, and the words their row must carry."""
    cases: dict[str, tuple[Path, str]] = {}

    def folder(name: str) -> Path:
        return sub.stubs(root / name)

    d = folder("symlink_to_reference")
    (d / "ssr.py").unlink()
    (d / "ssr.py").symlink_to(ROOT / "solutions" / "ssr.py")
    cases[d.name] = (d, "ssr.py is a symbolic link")
    d = folder("symlink_to_shadow")
    (d / "helper.py").symlink_to("/etc/shadow")
    cases[d.name] = (d, "helper.py is a symbolic link")
    d = root / "symlinked_exercises"
    d.mkdir()
    (d / "exercises").symlink_to(ROOT / "solutions")
    cases[d.name] = (d, "exercises is a symbolic link")
    d = folder("dangling_symlink")
    (d / "extra.py").symlink_to(root / "nowhere.py")
    cases[d.name] = (d, "extra.py is a symbolic link")
    d = folder("hard_link")
    outside = root / "outside_copy.py"
    outside.write_text((ROOT / "solutions" / "ssr.py").read_text())
    (d / "ssr.py").unlink()
    os.link(outside, d / "ssr.py")
    cases[d.name] = (d, "ssr.py is a hard link")
    d = folder("fifo")
    os.mkfifo(d / "ssr.py.tmp")
    (d / "ssr.py").unlink()
    os.rename(d / "ssr.py.tmp", d / "ssr.py")
    cases[d.name] = (d, "ssr.py is a FIFO")
    d = folder("device_file")
    os.mknod(d / "extra.py", 0o600 | 0o020000, os.makedev(1, 3))  # a character device, like /dev/null
    cases[d.name] = (d, "extra.py is a device file")
    d = folder("oversized")
    (d / "big.py").write_text("# " + "x" * 2**21 + "\n")
    cases[d.name] = (d, "big.py is 2,097,155 bytes")
    d = folder("too_many_files")
    for i in range(60):
        (d / f"extra_{i}.py").write_text("")
    cases[d.name] = (d, "holds 65 .py files")
    for name, entry, words in (
        ("zip_dotdot", "../../evil.py", "holds an entry outside its own folder"),
        ("zip_absolute", "/tmp/evil.py", "holds an entry outside its own folder"),
    ):
        archive = root / f"{name}.zip"
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("ssr.py", "")
            z.writestr(zipfile.ZipInfo(entry), "print('escaped')")
        cases[name] = (archive, words)
    archive = root / "zip_symlink.zip"
    with zipfile.ZipFile(archive, "w") as z:
        link = zipfile.ZipInfo("ssr.py")
        link.create_system, link.external_attr = 3, (0o120777 << 16)
        z.writestr(link, str(ROOT / "solutions" / "ssr.py"))
    cases["zip_symlink"] = (archive, "holds a symbolic link")
    return cases


def test_links_devices_fifos_and_oversized_files_are_refused_with_a_row(tmp_path):
    cases = make_links(tmp_path / "class")
    results = {r.name: r for r in grade_class([p for p, _ in cases.values()], jobs=2, limits=LIMITS)}
    assert set(results) == set(cases)
    for name, (_, words) in cases.items():
        result = results[name]
        assert words in result.error, (name, result.error)
        assert (result.score, result.checks) == (0, []), name
        assert SECRET not in everything_said(result) and "root:" not in everything_said(result), name
    assert not Path("/tmp/evil.py").exists()


def test_loading_reads_bytes_and_never_follows_a_link(tmp_path):
    honest = sub.reference(tmp_path / "honest")
    loaded = load(honest)
    assert loaded.files["ssr.py"] == (honest / "ssr.py").read_bytes()
    (tmp_path / "link").symlink_to(honest)
    with pytest.raises(NotASubmission, match="is a symbolic link"):
        load(tmp_path / "link")


# --- who the learner's code runs as, and what it can reach -------------------------------------------


def test_learner_code_runs_as_a_uid_of_its_own_and_cannot_read_a_root_only_canary(tmp_path):
    canary = tmp_path / "canary.txt"
    canary.write_text("CANARY-7d41 root-only secret")
    canary.chmod(0o600)
    spy = stubs_with(
        tmp_path / "spy",
        "ssr",
        f"""
        def ssr(observed, predicted):
            import os
            for path in ({str(canary)!r}, '/etc/shadow', '/root/.bashrc'):
                try:
                    print(open(path).read())
                except OSError as error:
                    print('no', type(error).__name__)
            for path in ('/tmp/pwned', {str(tmp_path / "pwned")!r}):
                try:
                    open(path, 'w').write('x')
                    print('wrote', path)
                except OSError as error:
                    print('no', type(error).__name__)
            return float(os.getuid() * 1000 + os.getgid() % 1000)
        """,
    )
    result = grade_submission(spy, LIMITS)
    said = everything_said(result)
    assert "CANARY-7d41" not in said and "root:" not in said and "wrote" not in said
    assert not (tmp_path / "pwned").exists() and not Path("/tmp/pwned").exists()
    uid = int(result.isolation.rsplit("uid ", 1)[1])
    assert uid in UID_RANGE
    worked = next(c for c in result.checks if c.check_id == "ssr.ssr.worked")
    assert f"got {uid * 1000 + uid % 1000:.6g}" in worked.feedback  # the learner's own uid and gid, not root's


def test_every_learner_of_a_class_gets_a_uid_of_their_own(tmp_path):
    folders = [stubs_with(tmp_path / f"l{i}", "ssr", "def ssr(observed, predicted):\n    import os\n"
                          "    return float(os.getuid())") for i in range(4)]  # fmt: skip
    results = list(grade_class(folders, jobs=2, limits=LIMITS))
    uids = [int(r.isolation.rsplit("uid ", 1)[1]) for r in results]
    assert len(set(uids)) == 4 and all(u in UID_RANGE for u in uids)
    for r, uid in zip(results, uids, strict=True):
        assert f"got {uid:.6g}" in next(c.feedback for c in r.checks if c.check_id == "ssr.ssr.worked")


def test_two_graders_on_one_machine_never_hand_out_the_same_uid():
    """A second grader process (another class graded at the same time) skips the uids the first one holds, even
    when no process runs as them yet, and gets one back once the first has let go of it."""
    hold = (
        "import sys; from grader.isolation import free_uid, release_uid\n"
        "uid = free_uid(UID_RANGE_LAST); print(uid, flush=True); sys.stdin.read(); release_uid(uid)"
    ).replace("UID_RANGE_LAST", str(UID_RANGE[-1]))  # a class run starts at the range's start
    other = subprocess.Popen([sys.executable, "-c", hold], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)  # fmt: skip
    try:
        theirs = int(other.stdout.readline())
        ours = free_uid(theirs)
        release_uid(ours)
        assert theirs in UID_RANGE and ours in UID_RANGE and ours != theirs
    finally:
        other.communicate("", timeout=30)
    again = free_uid(theirs)
    release_uid(again)
    assert again == theirs


@pytest.mark.skipif(os.geteuid() != 0, reason="starting a process as another uid needs root")
def test_a_uid_some_process_runs_as_is_never_handed_out():
    """Not even when no grader holds it: a leftover process (its real uid, as here, or any of its four) counts."""
    busy = UID_RANGE[-2]  # a class run starts at the range's start
    sleeper = subprocess.Popen(["sleep", "30"], user=busy, group=busy)
    try:
        time.sleep(0.1)  # past the exec: /proc now shows the sleeper's uids
        given = free_uid(busy)
        release_uid(given)
        assert given != busy and given in UID_RANGE
    finally:
        sleeper.kill()
        sleeper.wait()
    again = free_uid(busy)
    release_uid(again)
    assert again == busy


@pytest.mark.parametrize("unreadable", [PermissionError(13, "Permission denied"), b"Uid:\t60001\n"])
def test_a_process_whose_uids_cannot_be_read_stops_the_search_for_a_free_uid(unreadable, monkeypatch):
    """Fail closed: a /proc entry that cannot be read (hidepid, a short line) is not taken as 'no uid in use'."""
    real_open = open

    def fake_open(path, *args, **kwargs):
        if str(path) == f"/proc/{os.getpid()}/status":
            if isinstance(unreadable, Exception):
                raise unreadable
            return io.BytesIO(unreadable)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(isolation, "open", fake_open, raising=False)
    with pytest.raises(SandboxUnavailable, match=f"cannot see which uids process {os.getpid()} runs as"):
        free_uid(UID_RANGE[-3])


# --- classmates -----------------------------------------------------------------------------------------

MALLORY = """
def ssr(observed, predicted):
    import glob, os, signal, time
    if getattr(ssr, 'tried', False):
        return 0.0  # one second of looking, on the first call, while the classmates' checks run
    ssr.tried = True
    found, started = [], time.monotonic()
    while time.monotonic() - started < 1.0:
        mine = os.path.basename(os.path.dirname(os.getcwd()))  # "<uid>-<grader pid>-<n>": guess a classmate's box
        uid, pid, n = mine.split('-')
        paths = [f'/boxes/{u}-{pid}-{k}/submission/ssr.py' for u in range(int(uid) - 3, int(uid) + 4) for k in (1, 2)]
        paths += glob.glob('/boxes/*/submission/*.py') + glob.glob('/tmp/backprop-*/**/*.py', recursive=True)
        for path in paths:
            if f'/{mine}/' in path:
                continue  # its own files
            try:
                found.append(open(path).read())
            except OSError:
                pass
        for pid in os.listdir('/proc'):
            if pid.isdigit() and int(pid) != os.getpid():
                for what in ('cmdline', 'environ', 'cwd/ssr.py'):
                    try:
                        found.append(open(f'/proc/{pid}/{what}', 'rb').read().decode(errors='replace'))
                    except OSError:
                        pass
                try:
                    os.kill(int(pid), signal.SIGKILL)
                    found.append(f'killed {pid}')
                except OSError:
                    pass
    print('\\n'.join(found)[-3000:])
    return 0.0
"""


def test_a_classmate_cannot_read_or_kill_another_learners_work(tmp_path):
    alice = sub.reference(tmp_path / "alice")
    sub.prepend(alice, "ssr", "# ALICE-SECRET-91f3\n")
    mallory = stubs_with(tmp_path / "mallory", "ssr", MALLORY)
    # Both open at once in one house, as on the dashboard or in the same grading process.
    with Sandbox(load(alice), choose(), LIMITS) as a, Sandbox(load(mallory), choose(), LIMITS) as m:
        assert a.call("ssr", "ssr_derivative_b3", [0.0, 1.0, 0.0], [-2.6, -1.6, -2.61]).ok
        attack = m.call("ssr", "ssr", [0.0], [0.0])
        assert attack.ok and "ALICE-SECRET" not in attack.output and "killed" not in attack.output
        after = a.call("ssr", "ssr_derivative_b3", [0.0, 1.0, 0.0], [-2.6, -1.6, -2.61])
        assert after.ok and after.value.value == pytest.approx(-15.62)
    # And in a class run, two at a time.
    results = {r.name: r for r in grade_class([alice, mallory, sub.reference(tmp_path / "bob")], 2, LIMITS)}
    assert results["alice"].score == FULL and results["bob"].score == FULL
    passed = {c.check_id for c in results["mallory"].checks if c.status == "passed"}
    assert passed == {"ssr.ssr.properties"}  # returning a float, as any function that returns 0.0 would
    assert "ALICE-SECRET" not in everything_said(results["mallory"])


# --- processes that try to outlive grading, or to stall it ---------------------------------------------


def test_fork_setsid_and_threads_are_refused_and_nothing_outlives_grading(tmp_path):
    escaper = stubs_with(
        tmp_path / "escaper",
        "ssr",
        """
        def ssr(observed, predicted):
            import os, threading, time
            try:
                if os.fork() == 0:
                    os.setsid()
                    time.sleep(60)
                    os._exit(0)
            except OSError as error:
                print('fork refused:', error)
            try:
                threading.Thread(target=time.sleep, args=(60,)).start()
            except RuntimeError as error:
                print('thread refused:', error)
            return 1.0
        """,
    )
    result = grade_submission(escaper, LIMITS)
    said = everything_said(result)
    assert "fork refused: [Errno 11] Resource temporarily unavailable" in said
    assert "thread refused: can't start new thread" in said
    # the autouse fixture asserts no learner process is left


def test_a_worker_that_stalls_its_pipes_or_ignores_the_alarm_is_stopped_in_time(tmp_path):
    staller = sub.reference(tmp_path / "staller")
    sub.replace_function(
        staller,
        "ssr",
        "def softplus(x):\n    import os\n    r, w = os.pipe()\n    os.dup2(r, 3)  # the worker now reads a dead pipe\n"
        "    return np.logaddexp(0.0, np.asarray(x, dtype=float))[()]",
    )
    sub.replace_function(
        staller,
        "ssr",
        "def ssr(observed, predicted):\n    import signal\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "    while True:\n        pass",
    )
    sub.replace_function(
        staller, "logistic", "def da_dz(a):\n    import os\n    os.write(4, b'garbage that is not a reply' * 100)\n"
    )
    limits = Limits(call_seconds=0.5, submission_seconds=30.0)
    started = time.monotonic()
    result = grade_submission(staller, limits)
    assert time.monotonic() - started < 20
    feedback = {c.check_id: c.feedback for c in result.checks}
    assert "did not return within 0.5 s" in feedback["ssr.ssr.worked"]
    assert "the grader's channel was written to" in feedback["logistic.da_dz.worked"]
    lost = {c.check_id for c in result.checks if c.status != "passed" and c.check_id in RUBRIC}
    assert lost >= {f"ssr.ssr.{k}" for k in ("worked", "reference", "properties")}
    # a fresh worker replaces each broken one: the honest functions still pass
    assert {"ssr.predict.worked", "logistic.sigmoid.reference", "cross_entropy.softmax.properties"} <= {
        c.check_id for c in result.checks if c.status == "passed"
    }


# --- resources -------------------------------------------------------------------------------------------


def test_memory_disk_and_reply_size_are_capped_per_submission(tmp_path):
    hog = stubs_with(
        tmp_path / "hog",
        "ssr",
        """
        def ssr(observed, predicted):
            import os
            try:
                np.ones(2**28)  # 2 GiB, twice the memory limit
            except MemoryError:
                print('memory refused')
            written = 0
            try:
                for i in range(200):
                    with open(os.path.join(os.environ['TMPDIR'], f'fill{i}'), 'wb') as f:
                        f.write(b'x' * 2**20)
                    written += 1
            except OSError as error:
                print('disk refused after', written, 'MiB:', error.strerror)
            return 1.0
        """,
    )
    sub.replace_function(hog, "ssr", "def softplus(x):\n    return [0.0] * 10**7")
    sub.replace_function(hog, "ssr", "def ssr_contributions(observed, predicted):\n    return np.zeros(3 * 10**6)")
    result = grade_submission(hog, LIMITS)
    said = everything_said(result)
    assert "memory refused" in said
    assert "disk refused after 0 MiB: Operation not permitted" in said  # no file may be made at all
    feedback = {c.check_id: c.feedback for c in result.checks}
    assert "returned a value of type list of 10000000 items" in feedback["ssr.softplus.worked"]
    assert "returned a value of type ndarray of float64 with 3000000 values" in feedback["ssr.ssr_contributions.worked"]


def test_the_graders_own_memory_stays_bounded_whatever_a_learner_returns(tmp_path):
    big = sub.stubs(tmp_path / "big")
    for module, names in (("ssr", ["softplus", "predict", "ssr_contributions"]), ("logistic", ["sigmoid", "da_dz"])):
        for name in names:
            src = (big / f"{module}.py").read_text()
            args = src.split(f"def {name}(", 1)[1].split(")", 1)[0]
            sub.replace_function(big, module, f"def {name}({args}):\n    return np.arange(10**6, dtype=float)")
    measure = "import resource, sys; from grader.cli import main; main(sys.argv[1:]); "
    measure += "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    done = subprocess.run([sys.executable, "-c", measure, str(big)], cwd=ROOT, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    baseline = subprocess.run([sys.executable, "-c", measure, str(sub.stubs(tmp_path / "stubs"))], cwd=ROOT,
                              capture_output=True, timeout=120)  # fmt: skip
    grown_mb = (int(done.stdout.split()[-1]) - int(baseline.stdout.split()[-1])) / 1024
    assert grown_mb < 160  # a check holds at most 24 MiB of replies, plus the arrays numpy makes comparing them


# --- bad input never stops a class run; a bad one alone is one line ---------------------------------------


def test_a_class_run_gives_every_learner_a_row_whatever_their_folder_holds(tmp_path):
    klass = tmp_path / "class"
    sub.reference(klass / "good")
    (klass / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    (klass / "empty").mkdir()
    (klass / "notes_only").mkdir()
    (klass / "notes_only" / "README.txt").write_text("I will hand it in tomorrow")
    syntax = sub.reference(klass / "syntax")
    (syntax / "ssr.py").write_text("def softplus(x:\n")
    done = subprocess.run(
        [sys.executable, "-m", "grader", str(klass), "--jobs", "2", "--csv", str(tmp_path / "g.csv")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = {r.split(",")[0]: r for r in (tmp_path / "g.csv").read_text().splitlines()[1:]}
    assert set(rows) == {"good", "corrupt", "empty", "notes_only", "syntax"}
    assert "not a readable zip file" in rows["corrupt"]
    assert "holds none of" in rows["empty"] and "holds none of" in rows["notes_only"]
    assert "Traceback" not in done.stdout + done.stderr
    good = next(line for line in done.stdout.splitlines() if line.startswith("good"))
    assert f"{FULL}/{FULL}" in good


def test_one_corrupt_zip_alone_is_one_line_and_a_non_zero_exit(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x05\x06" + b"\0" * 10)
    done = subprocess.run([sys.executable, "-m", "grader", str(bad)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("grader: bad.zip is not a readable zip file")


# --- cleanup, also when the run is stopped ------------------------------------------------------------------


@pytest.mark.slow
def test_sigterm_mid_class_leaves_no_process_and_no_folder(tmp_path):
    klass = tmp_path / "class"
    for i in range(6):
        stubs_with(klass / f"slow{i}", "ssr", "def ssr(observed, predicted):\n    import time\n    time.sleep(5)")
    running = set(learner_processes())
    proc = subprocess.Popen([sys.executable, "-m", "grader", str(klass), "--jobs", "2"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 30
    while len(set(learner_processes()) - running) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(set(learner_processes()) - running) >= 2, "grading never started"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert proc.returncode != 0
    # the autouse fixture asserts that no learner process and no /tmp/backprop-* folder is left


# --- found by a red-team review: a box that cannot be removed, IPC between boxes, forged replies ------------


def test_folders_and_files_cannot_be_made_so_no_box_can_fill_the_disk_or_the_kernel(tmp_path):
    # A tmpfs caps bytes, not inodes: 700,000 empty folders once held 750 MB of kernel memory, and a folder 3,000
    # deep defeated shutil.rmtree and left the box full for the next learner. Now nothing can be made at all.
    deep = stubs_with(
        tmp_path / "a_deep",
        "ssr",
        """
        def ssr(observed, predicted):
            import os, socket, tempfile
            os.chdir(os.environ["HOME"])
            for attempt in (lambda: os.mkdir("d"), lambda: open("f", "w"), lambda: os.symlink("/", "l"),
                            lambda: tempfile.TemporaryFile(), lambda: os.mkfifo("p"),
                            lambda: socket.socket(socket.AF_UNIX).bind("s")):  # a bound socket is a file too
                try:
                    attempt()
                    print("made something")
                except OSError as error:
                    print("refused:", error.strerror)
            return 0.0
        """,
    )
    after = sub.reference(tmp_path / "b_after")
    results = {r.name: r for r in grade_class([deep, after], jobs=1, limits=LIMITS)}  # one house, one after another
    said = everything_said(results["a_deep"])
    assert "refused: Operation not permitted" in said and "made something" not in said
    assert (results["b_after"].score, results["b_after"].error) == (FULL, "")


def test_ipc_namespaces_and_tracing_are_denied_in_a_worker(tmp_path):
    prober = stubs_with(
        tmp_path / "prober",
        "ssr",
        """
        def ssr(observed, predicted):
            import ctypes, os
            libc = ctypes.CDLL(None, use_errno=True)
            for name, call in (("shmget", lambda: libc.shmget(0x4242, 2**28, 0o1666)),
                               ("msgget", lambda: libc.msgget(0x4242, 0o1666)),
                               ("semget", lambda: libc.semget(0x4242, 1, 0o1666)),
                               ("unshare", lambda: libc.unshare(0x10000000)),
                               ("ptrace", lambda: libc.ptrace(16, 1, 0, 0)),
                               ("mkdir", lambda: libc.mkdir(b"/tmp/x", 0o700))):
                result = call()
                print(name, "refused" if result == -1 and ctypes.get_errno() == 1 else f"allowed {result}")
            return 0.0
        """,
    )
    said = everything_said(grade_submission(prober, LIMITS))
    for name in ("shmget", "msgget", "semget", "unshare", "ptrace", "mkdir"):
        assert f"{name} refused" in said, name


def test_forged_replies_fail_their_own_call_and_never_the_grader(tmp_path):
    forger = sub.reference(tmp_path / "forger")
    for name, value in (("softplus", '{"t": "int", "type": "int", "v": 10**400}'), ("ssr", "'[' * 5000 + ']' * 5000")):
        args = "x" if name == "softplus" else "observed, predicted"
        sub.replace_function(
            forger,
            "ssr",
            f"""
            def {name}({args}):
                import json, os, struct, sys, time
                frame = sys._getframe()
                while "req" not in frame.f_locals:
                    frame = frame.f_back
                value = {value}
                text = value if isinstance(value, str) else json.dumps(value)
                reply = '{{"ok": true, "value": ' + text + ', "mutated": [], "warnings": []}}'
                request_id = str(frame.f_locals["req"]["id"])
                head = ('{{"id": ' + request_id + ', "start": 0, "replies": [' + reply + ']}}').encode()
                os.write(4, struct.pack("<4sQQ", b"BPL2", len(head), 0) + head)
                time.sleep(30)
            """,
        )
    result = grade_submission(forger, Limits(call_seconds=1.0, submission_seconds=60.0))
    feedback = {c.check_id: c.feedback for c in result.checks}
    assert "the reply could not be read" in feedback["ssr.softplus.worked"]
    assert "the grader's channel was written to" in feedback["ssr.ssr.worked"]
    assert not any("grader error" in f for f in feedback.values())
    honest = {"ssr.ssr_contributions", "ssr.ssr_derivative_b3", "logistic.sigmoid", "cross_entropy.softmax"}
    assert {c.function for c in result.checks if c.status == "passed"} >= honest


def test_a_forged_reply_that_claims_success_and_an_end_at_once_is_garbled(tmp_path):
    """ok with a failure's kind ("timeout" would end the request): before, that success was copied to every later
    call of the function; now it is garbled, the worker is ended, and no check of the function passes."""
    forger = sub.reference(tmp_path / "forger")
    sub.replace_function(
        forger,
        "ssr",
        """
        def softplus(x):
            import os, struct, sys, time
            frame = sys._getframe()
            while "req" not in frame.f_locals:
                frame = frame.f_back
            reply = '{"ok": true, "kind": "timeout", "value": {"t": "float", "type": "float", "v": 2.5}}'
            head = ('{"id": ' + str(frame.f_locals["req"]["id"]) + ', "start": 0, "replies": [' + reply + ']}').encode()
            os.write(4, struct.pack("<4sQQ", b"BPL2", len(head), 0) + head)
            time.sleep(30)
        """,
    )
    result = grade_submission(forger, Limits(call_seconds=1.0, submission_seconds=60.0))
    softplus = {c.kind: c for c in result.checks if c.function == "ssr.softplus"}
    assert {c.status for c in softplus.values()} == {"failed"}
    assert "the grader's channel was written to" in softplus["worked"].feedback
    assert {c.status for c in result.checks if c.function == "logistic.sigmoid"} == {"passed"}
