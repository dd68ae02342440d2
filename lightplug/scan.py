"""Finding the files to import, and reading one safely, whatever a folder holds.

* Only regular files are read. FIFOs, sockets and devices (also behind a symlink) are skipped
  with a reason: they are never opened by the scan, and ``read_regular`` checks again on the open
  file (``O_NONBLOCK``, then ``fstat``), so a file swapped for a FIFO cannot hang a reader.
* Folders are walked iteratively (any depth), sorted, hidden entries (``.name``) left out.
  Symlinks to files are followed; symlinks to folders are not (no loops, nothing outside the
  folders named), and are reported. A folder that cannot be listed is reported, not fatal.
* Names are kept exactly: a name whose bytes are not UTF-8 is a ``str`` with surrogate escapes
  (``os.fsdecode``), which ``open()`` and ``os.fsencode`` turn back into the same bytes.
* Limits: at most ``max_file_bytes()`` bytes are read from one file (``LIGHTPLUG_MAX_FILE_BYTES``,
  default 512 MiB) and images over ``max_pixels()`` pixels are not decoded
  (``LIGHTPLUG_MAX_PIXELS``, default 100 million; enforced by ``imaging.decode_image``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

MAX_FILE_BYTES_ENV = "LIGHTPLUG_MAX_FILE_BYTES"
MAX_PIXELS_ENV = "LIGHTPLUG_MAX_PIXELS"
DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024
DEFAULT_MAX_PIXELS = 100_000_000  # a 100-megapixel camera's photo; ~400 MB decoded at most
_READ_STEP = 1 << 20  # bytes read at a time past the size the file said it had


@dataclass
class Skipped:
    """A file (or folder) that was not imported, and why."""

    path: str
    reason: str


@dataclass
class Scan:
    """What ``scan`` found: the files to read, and the entries skipped with their reasons."""

    files: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class Refused(ValueError):
    """A file that is not read: not a regular file, or larger than the limit. ``str()`` is the reason."""


def _limit(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip().replace("_", "")
    return int(text) if text.isdigit() and int(text) > 0 else default


def max_file_bytes() -> int:
    """The most bytes read from one file: ``LIGHTPLUG_MAX_FILE_BYTES`` or 512 MiB."""
    return _limit(MAX_FILE_BYTES_ENV, DEFAULT_MAX_FILE_BYTES)


def max_pixels() -> int:
    """The most pixels (width x height) an image may have to be decoded: ``LIGHTPLUG_MAX_PIXELS`` or 100 million."""
    return _limit(MAX_PIXELS_ENV, DEFAULT_MAX_PIXELS)


@contextlib.contextmanager
def limits(pixels: int | None = None, file_bytes: int | None = None) -> Iterator[None]:
    """Use these limits (None: keep the current one) for the block, in this process and its workers.

    The limits travel in the environment, which worker processes copy when they start: workers
    started with other limits are stopped (between imports, so nothing is lost) and started again.
    """
    wanted = {MAX_PIXELS_ENV: pixels, MAX_FILE_BYTES_ENV: file_bytes}
    changes = {k: str(v) for k, v in wanted.items() if v is not None and os.environ.get(k) != str(v)}
    if not changes:
        yield
        return
    try:
        with environment(changes):
            _restart_workers()
            yield
    finally:
        _restart_workers()  # with the limits as they were


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` in ``os.environ`` for the block; the variables are as they were after it."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _restart_workers() -> None:
    from .compute.pools import terminate_workers

    terminate_workers()


def describe(mode: int) -> str:
    """What kind of file ``mode`` (``st_mode``) is, in words."""
    for test, name in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISDIR, "folder"), (stat.S_ISREG, "regular file")):
        if test(mode):
            return name
    return "unknown kind of file"


def _not_regular(mode: int, through_link: bool) -> str:
    return f"not a regular file ({'symlink to a ' if through_link else ''}{describe(mode)})"


def os_reason(exc: OSError, what: str = "file") -> str:
    """Why a ``what`` could not be read, from the ``OSError`` that said so."""
    if exc.errno == errno.ELOOP:
        return "symlink loop (a symlink that leads back to itself)"
    if exc.errno == errno.ENAMETOOLONG:
        below = ": nothing under it was looked at" if what == "folder" else ""
        return f"path too long for the system (File name too long){below}"
    if exc.errno == errno.ENOENT:
        return f"{what} not found (removed or renamed meanwhile, or a broken symlink)"
    return f"unreadable {what}: {exc.strerror or exc}"


def read_regular(path: str, limit: int | None = None) -> bytes:
    """The bytes of the regular file at ``path`` (symlinks followed), at most ``limit`` of them
    (``max_file_bytes()``). ``Refused`` for anything else or anything larger; ``OSError`` when
    it cannot be read. Never blocks on a FIFO, never reads a device."""
    limit = max_file_bytes() if limit is None else limit
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise Refused(_not_regular(info.st_mode, os.path.islink(path)))
    _check_size(info.st_size, limit)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)  # what was opened, which may not be what was checked above
        if not stat.S_ISREG(info.st_mode):
            raise Refused(_not_regular(info.st_mode, os.path.islink(path)))
        _check_size(info.st_size, limit)
        parts: list[bytes] = []
        total, step = 0, info.st_size + 1  # one read, unless the file grew
        while total <= limit:
            chunk = os.read(fd, min(step, limit + 1 - total))
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
            step = _READ_STEP
    finally:
        os.close(fd)
    _check_size(total, limit)
    return b"".join(parts)


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise Refused(f"file too large: more than {limit:,} bytes "
                      f"(import --max-file-bytes, {MAX_FILE_BYTES_ENV})")


def scan(paths: Iterable[str | os.PathLike], recursive: bool = True) -> Scan:
    """The regular files named or found under the folders named, absolute, in order, each once;
    everything else that was named or found is in ``skipped`` with its reason."""
    found = Scan()
    for given in paths:
        named = os.path.abspath(os.path.expanduser(os.fspath(given)))
        path = os.path.realpath(named)  # a path named on the command line is followed
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            found.skipped.append(Skipped(named, os_reason(exc, "file or folder")))
            continue
        if stat.S_ISDIR(mode):
            _walk(path, recursive, found)
        elif stat.S_ISREG(mode):
            found.files.append(path)
        else:
            found.skipped.append(Skipped(named, _not_regular(mode, os.path.islink(named))))
    found.files = list(dict.fromkeys(found.files))
    return found


def _walk(top: str, recursive: bool, found: Scan) -> None:
    """Depth first, sorted, without recursion: the files of a folder, then its sub-folders."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted((e for e in listing if not e.name.startswith(".")), key=lambda e: e.name)
        except OSError as exc:
            found.skipped.append(Skipped(folder, os_reason(exc, "folder")))
            continue
        folders = []
        for entry in entries:
            kind = _entry_kind(entry, found)
            if kind == "file":
                found.files.append(entry.path)
            elif kind == "folder":
                folders.append(entry.path)
            elif kind == "linked folder" and recursive:
                target = os.path.realpath(entry.path)
                found.skipped.append(Skipped(entry.path, f"symlink to a folder, not followed "
                                                         f"(import {target} itself to include it)"))
        if recursive:
            stack += reversed(folders)


def _entry_kind(entry: os.DirEntry, found: Scan) -> str:
    """``file``, ``folder``, ``linked folder`` or ``skipped`` (then added to ``found.skipped``)."""
    try:
        if entry.is_symlink():
            try:
                mode = os.stat(entry.path).st_mode  # the target
            except FileNotFoundError:
                found.skipped.append(Skipped(entry.path, "broken symlink (its target does not exist)"))
                return "skipped"
            if stat.S_ISDIR(mode):
                return "linked folder"
            through_link = True
        else:
            if entry.is_dir(follow_symlinks=False):
                return "folder"
            if entry.is_file(follow_symlinks=False):
                return "file"
            mode, through_link = entry.stat(follow_symlinks=False).st_mode, False
    except OSError as exc:
        found.skipped.append(Skipped(entry.path, os_reason(exc)))
        return "skipped"
    if stat.S_ISREG(mode):
        return "file"
    found.skipped.append(Skipped(entry.path, _not_regular(mode, through_link)))
    return "skipped"
