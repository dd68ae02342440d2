"""Moving image files safely: never over an existing file, one at a time, put back on error.

A move is a hard link at the destination and the removal of the source (one file system), else
an exclusive copy (``O_EXCL``) and the removal of the source; either way an existing file at the
destination is never replaced, even by another process racing this one. ``apply_moves`` does a
list of moves in order and, when one fails, moves back every file it had moved, newest first.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field

EXIT_FAILED = 1  # a file is missing or in the way: nothing was moved
EXIT_IO = 74  # the file system refused (permissions, read-only, full, name too long)


@dataclass(frozen=True)
class Move:
    """Move the file of image ``instance_id`` from ``src`` to ``dst`` (absolute paths)."""

    instance_id: int
    src: str
    dst: str

    def reverse(self) -> Move:
        return Move(self.instance_id, self.dst, self.src)


@dataclass
class FileMoveError(Exception):
    """Files could not be moved; every file moved before was put back (but those in ``stuck``).

    ``code`` is the exit code to use: 1 when a file is missing or in the way, 74 for I/O errors.
    """

    message: str
    code: int = EXIT_FAILED
    stuck: list[Move] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


def problems(moves: Sequence[Move]) -> list[str]:
    """What stops ``moves`` before anything is touched: missing sources, taken destinations."""
    found: list[str] = []
    targets: set[str] = set()
    for move in moves:
        if not os.path.lexists(move.src):
            found.append(f"{move.src} is missing on disk")
        elif os.path.lexists(move.dst) or move.dst in targets:
            found.append(f"{move.dst} exists already (it is never replaced)")
        targets.add(move.dst)
    return found


def move_file(src: str, dst: str) -> None:
    """Move ``src`` to ``dst`` (creating its folder), never replacing a file there."""
    os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
    try:
        os.link(src, dst, follow_symlinks=False)  # fails with EEXIST rather than replace
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS):
            raise
        _copy_exclusive(src, dst)
    try:
        os.unlink(src)
    except BaseException:
        os.unlink(dst)  # the source stays where it was
        raise


def _copy_exclusive(src: str, dst: str) -> None:
    """Copy ``src`` to a new file ``dst`` (never an existing one), with its times and mode."""
    with open(src, "rb") as reader:
        writer = open(dst, "xb")  # raises FileExistsError, and then nothing of ours is there
        try:
            with writer:
                shutil.copyfileobj(reader, writer, 1 << 20)
                writer.flush()
                os.fsync(writer.fileno())
            shutil.copystat(src, dst)
        except BaseException:
            os.unlink(dst)
            raise


def _reason(exc: BaseException) -> tuple[str, int]:
    if isinstance(exc, FileNotFoundError):
        return "it is missing on disk", EXIT_FAILED
    if isinstance(exc, FileExistsError):
        return "a file is in the way at the destination", EXIT_FAILED
    if isinstance(exc, OSError):
        return exc.strerror or str(exc), EXIT_IO
    return type(exc).__name__, EXIT_FAILED


def apply_moves(moves: Sequence[Move]) -> None:
    """Do ``moves`` in order; if one fails, put back those done and raise ``FileMoveError``.

    ``KeyboardInterrupt`` puts them back too, then propagates.
    """
    done: list[Move] = []
    try:
        for move in moves:
            move_file(move.src, move.dst)
            done.append(move)
        tidy_trash([m.src for m in moves])
    except BaseException as exc:
        stuck = put_back(done)
        if not isinstance(exc, Exception):
            raise
        failed = moves[len(done)]
        reason, code = _reason(exc)
        if isinstance(exc, FileNotFoundError) and TRASH_MARK in failed.src:
            reason = "it is no longer in the trash (`lightplug images empty-trash` forgets trashed images for good)"
        elif isinstance(exc, FileExistsError):
            reason += " (it is never replaced): move it away and try again"
        text = f"cannot move {failed.src} to {failed.dst}: {reason}; "
        text += (f"nothing was moved ({len(done)} file(s) moved before it were put back)" if done
                 else "nothing was moved")
        if stuck:
            text += ("; but these could not be put back, move them by hand: "
                     + ", ".join(f"{m.dst} (was {m.src})" for m in stuck[:5])
                     + (f" and {len(stuck) - 5} more" if len(stuck) > 5 else ""))
        raise FileMoveError(text, code, stuck) from exc


TRASH_MARK = os.sep + os.path.join(".lightplug", "trash") + os.sep


def tidy_trash(paths: Sequence[str]) -> None:
    """Remove the folders of ``paths`` inside a project's trash that are empty now (up to the trash)."""
    for path in paths:
        if TRASH_MARK not in path:
            continue
        top = path[:path.index(TRASH_MARK) + len(TRASH_MARK)]
        folder = os.path.dirname(path)
        while folder.startswith(top) and len(folder) >= len(top):
            try:
                os.rmdir(folder)
            except OSError:
                break
            folder = os.path.dirname(folder)


def put_back(done: Sequence[Move]) -> list[Move]:
    """Move the files of ``done`` back, newest first; returns those that could not be."""
    stuck: list[Move] = []
    for move in reversed(done):
        try:
            move_file(move.dst, move.src)
        except OSError:
            stuck.append(move)
    return stuck


def free_name(folder: str, name: str, taken: set[str]) -> str:
    """``folder/name``, or ``folder/stem (2).ext`` … when that path exists or is in ``taken``."""
    stem, ext = os.path.splitext(name)
    candidate = os.path.join(folder, name)
    n = 1
    while os.path.lexists(candidate) or candidate in taken:
        n += 1
        candidate = os.path.join(folder, f"{stem} ({n}){ext}")
    return candidate
