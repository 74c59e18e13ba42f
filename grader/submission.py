"""Reading a submission into memory: a folder (top level or exercises/) or a .zip of one, as data, never as links."""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.rubric import BACKPROP_FUNCTIONS, FUNCTIONS

MODULE_FILES = tuple(f"{m}.py" for m in {**FUNCTIONS, **BACKPROP_FUNCTIONS})
MAX_FILES = 50  # .py files a submission's module folder may hold
MAX_FILE_BYTES = 2**20  # one module
MAX_TOTAL_BYTES = 8 * 2**20  # all modules together
MAX_ZIP_MEMBERS = 2000
MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\.py")
OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # never a link; a FIFO must not block


class NotASubmission(ValueError):
    """The path cannot be graded as a submission; the message says what was wrong and what is expected."""


@dataclass(frozen=True)
class Submission:
    """A submission's module files, read into memory: the sandbox stages these bytes, never the original paths."""

    name: str
    files: dict[str, bytes]  # "ssr.py" -> its bytes
    notes: tuple[str, ...] = field(default=())  # e.g. files the grader ignored


def is_submission(path: Path) -> bool:
    """A .zip file, or a folder with exercise modules at its top or in exercises/ (links are not looked through)."""
    if path.is_symlink():
        return False
    if path.is_file():
        return path.suffix.lower() == ".zip"
    return any(_is_plain_file(folder / f) for folder in (path, path / "exercises") for f in MODULE_FILES)


def _is_plain_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode) and not path.parent.is_symlink()
    except OSError:
        return False


def load(path: Path) -> Submission:
    """Read a submission into memory; raises NotASubmission with what was wrong and what is expected."""
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        raise NotASubmission(f"{path} cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(mode):
        raise NotASubmission(f"{path.name} is a symbolic link; submit a folder or a .zip file")
    if stat.S_ISREG(mode) and path.suffix.lower() == ".zip":
        return _from_zip(path)
    if not stat.S_ISDIR(mode):
        raise NotASubmission(f"{path.name} is not a folder or a .zip file")
    try:
        return _from_folder(path)
    except OSError as exc:
        raise NotASubmission(f"{path.name} could not be read ({exc.strerror})") from None


# --- a folder -------------------------------------------------------------------------------------


def _from_folder(path: Path) -> Submission:
    top = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        module_dir, where = top, ""
        if not _holds_modules(top):
            module_dir, where = _subfolder(top, "exercises", path), "exercises/"
        try:
            files = _read_modules(module_dir, path.name, where)
        finally:
            if module_dir != top:
                os.close(module_dir)
    finally:
        os.close(top)
    return Submission(path.name, files, _notes(files))


def _holds_modules(dir_fd: int) -> bool:
    return any(e.name in MODULE_FILES for e in os.scandir(dir_fd))


def _subfolder(top: int, name: str, path: Path) -> int:
    expected = f"{path.name} holds none of {', '.join(MODULE_FILES)}, neither at its top nor in exercises/"
    try:
        mode = os.stat(name, dir_fd=top, follow_symlinks=False).st_mode
    except FileNotFoundError:
        raise NotASubmission(expected) from None
    if stat.S_ISLNK(mode):
        raise NotASubmission(f"{path.name}/{name} is a symbolic link; submit the files themselves")
    if not stat.S_ISDIR(mode):
        raise NotASubmission(expected)
    fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=top)
    if not _holds_modules(fd):
        os.close(fd)
        raise NotASubmission(expected)
    return fd


def _read_modules(dir_fd: int, name: str, where: str) -> dict[str, bytes]:
    """Every .py file of the folder, each checked to be a plain file of its own, within the size caps."""
    entries = [e for e in os.scandir(dir_fd) if e.name.endswith(".py")]
    if len(entries) > MAX_FILES:
        raise NotASubmission(f"{name}/{where} holds {len(entries)} .py files; at most {MAX_FILES} are graded")
    files: dict[str, bytes] = {}
    for entry in sorted(entries, key=lambda e: e.name):
        label = f"{name}/{where}{entry.name}"
        if not MODULE_NAME.fullmatch(entry.name):
            raise NotASubmission(f"{label}: a module name has letters, digits and underscores only")
        try:
            fd = os.open(entry.name, OPEN_FLAGS, dir_fd=dir_fd)
        except OSError as exc:
            raise NotASubmission(f"{label} {_what_it_is(entry)}; submit plain files ({exc.strerror})") from None
        try:
            files[entry.name] = _read_plain(fd, label)
        finally:
            os.close(fd)
    _check_total(files, name)
    return files


def _what_it_is(entry: os.DirEntry) -> str:
    if entry.is_symlink():
        return "is a symbolic link"
    return "cannot be opened as a plain file"


def _read_plain(fd: int, label: str) -> bytes:
    """The bytes of an opened file that must be a regular file with one link, no larger than MAX_FILE_BYTES."""
    st = os.fstat(fd)
    kind = _kind(st.st_mode)
    if kind:
        raise NotASubmission(f"{label} is {kind}; submit plain files")
    if st.st_nlink > 1:
        raise NotASubmission(f"{label} is a hard link to another file; submit a copy of the file itself")
    if st.st_size > MAX_FILE_BYTES:
        raise NotASubmission(f"{label} is {st.st_size:,} bytes; a module may have at most {MAX_FILE_BYTES:,}")
    with os.fdopen(os.dup(fd), "rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise NotASubmission(f"{label} is larger than {MAX_FILE_BYTES:,} bytes")
    return data


def _kind(mode: int) -> str:
    """What a non-regular file is, in words; "" for a regular file."""
    kinds = [
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a device file"),
        (stat.S_ISBLK, "a device file"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((word for test, word in kinds if test(mode)), "")


def _check_total(files: dict[str, bytes], name: str) -> None:
    total = sum(len(b) for b in files.values())
    if total > MAX_TOTAL_BYTES:
        raise NotASubmission(f"{name}'s modules hold {total:,} bytes; at most {MAX_TOTAL_BYTES:,} are graded")


def _notes(files: dict[str, bytes]) -> tuple[str, ...]:
    ignored = sorted(n for n in files if n == "conftest.py" or n.startswith("test_") or n.endswith("_test.py"))
    if not ignored:
        return ()
    return (f"Ignored {', '.join(ignored)}: the grader runs only the exercise modules, never a submission's tests.",)


# --- a zip ----------------------------------------------------------------------------------------


def _from_zip(path: Path) -> Submission:
    """The module files of a zip, read from the archive into memory: nothing is extracted to disk."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise NotASubmission(f"{path.name} holds {len(members)} entries; at most {MAX_ZIP_MEMBERS}")
            for m in members:
                _check_member(m, path.name)
            folder = _zip_module_folder([m for m in members if not m.is_dir()], path.name)
            files = {}
            for m in members:
                pure = PurePosixPath(m.filename)
                if not m.is_dir() and str(pure.parent) == folder and pure.suffix == ".py":
                    files[pure.name] = _read_member(archive, m, path.name)
            if len(files) > MAX_FILES:
                raise NotASubmission(f"{path.name} holds {len(files)} .py files in one folder; at most {MAX_FILES}")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
        raise NotASubmission(f"{path.name} is not a readable zip file ({exc})") from None
    except OSError as exc:
        raise NotASubmission(f"{path.name} could not be read ({exc.strerror or exc})") from None
    _check_total(files, path.name)
    return Submission(path.stem, files, _notes(files))


def _check_member(m: zipfile.ZipInfo, name: str) -> None:
    pure = PurePosixPath(m.filename.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or m.filename.startswith(("/", "\\")) or ":" in pure.parts[0]:
        raise NotASubmission(f"{name} holds an entry outside its own folder ({m.filename[:80]}); zip the folder itself")
    kind = _kind(m.external_attr >> 16) if m.create_system == 3 and not m.is_dir() else ""
    if kind:
        raise NotASubmission(f"{name} holds {kind} ({m.filename[:80]}); submit plain files")


def _zip_module_folder(members: list[zipfile.ZipInfo], name: str) -> str:
    """The folder inside the zip that holds the exercise modules: the top, one folder down, or its exercises/."""
    folders = {str(PurePosixPath(m.filename).parent) for m in members if PurePosixPath(m.filename).name in MODULE_FILES}
    folders -= {f for f in folders if "__MACOSX" in f}
    best = sorted(folders, key=lambda f: (f.count("/"), f))
    if not best:
        raise NotASubmission(f"{name} holds none of {', '.join(MODULE_FILES)}")
    return best[0]


def _read_member(archive: zipfile.ZipFile, m: zipfile.ZipInfo, name: str) -> bytes:
    if m.file_size > MAX_FILE_BYTES:
        raise NotASubmission(
            f"{name}: {m.filename} is {m.file_size:,} bytes; a module may have at most {MAX_FILE_BYTES:,}"
        )
    with archive.open(m) as f:
        data = f.read(MAX_FILE_BYTES + 1)  # the size in the header may lie
    if len(data) > MAX_FILE_BYTES:
        raise NotASubmission(f"{name}: {m.filename} is larger than {MAX_FILE_BYTES:,} bytes")
    return data
