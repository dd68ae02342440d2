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
from typing import TYPE_CHECKING

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


@contextlib.contextmanager
def write(db: Database) -> Iterator[Database]:
    """A write transaction: ``BEGIN IMMEDIATE`` (waiting for the lock), or a savepoint if nested.

    Commits when the block ends, rolls back if it raises (``KeyboardInterrupt`` included). A
    transaction that Python's sqlite3 opened implicitly outside any ``write`` (a plugin writing
    through ``db.conn`` directly) is committed first, so that it cannot swallow this one unseen.
    """
    depth = getattr(db, "_write_depth", 0)
    if db.conn.in_transaction and depth:
        with db.atomic():
            yield db
        return
    if db.conn.in_transaction:
        db.conn.execute("COMMIT")
    with _busy_as_error():
        db.conn.execute("BEGIN IMMEDIATE")
    db._write_depth = depth + 1  # type: ignore[attr-defined]
    try:
        yield db
    except BaseException:
        db._write_depth = depth  # type: ignore[attr-defined]
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db._write_depth = depth  # type: ignore[attr-defined]
    try:
        with _busy_as_error():
            db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise


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
