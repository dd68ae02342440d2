"""Opening the project database and writing to it: the only way a write transaction starts.

Every write is a short transaction that takes SQLite's write lock up front (``BEGIN
IMMEDIATE``), so a writer that finds the database busy *waits* (up to the busy timeout) instead
of failing: a deferred transaction that has read first would be refused the lock upgrade at
once, without the busy handler ever being called. Whatever decides a write must be read inside
``write()``. Nested ``write()`` blocks become savepoints of the enclosing transaction.

Readers need nothing: in WAL mode they never block writers and see a consistent snapshot per
statement (materialise query results with ``list()`` before writing).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, Union

if TYPE_CHECKING:
    from sqlite_utils import Database

BUSY_TIMEOUT_ENV = "LIGHTPLUG_BUSY_TIMEOUT"
DEFAULT_BUSY_TIMEOUT = 60.0  # seconds a writer waits for another process's write to finish


class DatabaseBusy(RuntimeError):
    """The write lock stayed taken for longer than the busy timeout."""


def busy_timeout() -> float:
    """Seconds to wait for the write lock: ``LIGHTPLUG_BUSY_TIMEOUT`` or 60."""
    text = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    try:
        value = float(text) if text else DEFAULT_BUSY_TIMEOUT
    except ValueError:
        value = DEFAULT_BUSY_TIMEOUT
    return max(0.0, value)


def connect_raw(path: str | os.PathLike) -> sqlite3.Connection:
    """Open ``path`` with plain ``sqlite3``, in WAL mode with the busy timeout set."""
    timeout = busy_timeout()
    conn = sqlite3.connect(str(Path(path)), timeout=timeout, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            with _busy_as_error():
                conn.execute("PRAGMA journal_mode = wal")
        conn.execute("PRAGMA synchronous = NORMAL")  # durable in WAL mode up to the last checkpoint
        conn.execute("PRAGMA recursive_triggers = on")  # as sqlite-utils' Database sets it
    except BaseException:
        conn.close()
        raise
    return conn


#: what ``write`` and the plain-SQL readers take: the project's ``Database`` or its raw connection
Target = Union["Database", sqlite3.Connection]
T = TypeVar("T", bound=Target)
_depth: dict[int, int] = {}  # id(connection) -> open write() blocks (no entry: none open)


def raw(db: Target) -> sqlite3.Connection:
    """The ``sqlite3`` connection of ``db`` (a ``Database`` or the connection itself)."""
    return db if isinstance(db, sqlite3.Connection) else db.conn


@contextlib.contextmanager
def write(db: T) -> Iterator[T]:
    """A write transaction: ``BEGIN IMMEDIATE`` (waiting for the lock), or a savepoint if nested.

    ``db`` is the project's ``Database`` or its raw connection (``Project.conn``: no sqlite-utils
    needed); both count the same blocks. Commits when the block ends, rolls back if it raises
    (``KeyboardInterrupt`` included). A transaction that Python's sqlite3 opened implicitly
    outside any ``write`` (a plugin writing through ``db.conn`` directly) is committed first, so
    that it cannot swallow this one unseen.
    """
    conn = raw(db)
    key = id(conn)  # entries live only while a block is open on the connection: ids stay unique
    depth = _depth.get(key, 0)
    if conn.in_transaction and depth:
        name = f"lightplug_{depth}"
        conn.execute(f"SAVEPOINT {name}")
        _depth[key] = depth + 1
        try:
            yield db
        except BaseException:
            if conn.in_transaction:  # (an error that ended the transaction took the savepoint too)
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            raise
        else:
            conn.execute(f"RELEASE {name}")
        finally:
            _depth[key] = depth
        return
    if conn.in_transaction:
        conn.execute("COMMIT")
    with _busy_as_error():
        conn.execute("BEGIN IMMEDIATE")
    _depth[key] = depth + 1
    try:
        yield db
    except BaseException:
        _restore(key, depth)
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    _restore(key, depth)
    try:
        with _busy_as_error():
            conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _restore(key: int, depth: int) -> None:
    if depth:
        _depth[key] = depth
    else:
        _depth.pop(key, None)


@contextlib.contextmanager
def _busy_as_error() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseBusy(busy_message()) from exc
        raise


def busy_message() -> str:
    """What to tell a user whose write waited longer than the busy timeout."""
    return (f"the project database stayed locked by another lightplug process for more than "
            f"{busy_timeout():g} s; nothing was written; wait for it to finish and try again, "
            f"or raise {BUSY_TIMEOUT_ENV} (seconds)")
