"""A transaction that Python's sqlite3 opened implicitly (a plugin writing through ``db.conn``
outside ``write``) must not swallow the writes that follow: the next ``write`` commits it first."""

from __future__ import annotations

import sqlite3

from lightplug import api
from lightplug.db.tx import write


def test_implicit_transaction_is_committed_not_swallowed(tmp_path):
    root = api.init_project(tmp_path / "p")
    with api.open_project(root, plugins=False) as project:
        db = project.db
        db.conn.execute("INSERT INTO plugin_settings (name, enabled) VALUES ('stray', 1)")  # opens a transaction
        assert db.conn.in_transaction
        with write(db):
            db.execute("INSERT INTO plugin_settings (name, enabled) VALUES ('ours', 0)")
        assert not db.conn.in_transaction
        with write(db):  # nesting still works: an inner write is a savepoint of the outer one
            db.execute("INSERT INTO plugin_settings (name, enabled) VALUES ('outer', 1)")
            try:
                with write(db):
                    db.execute("INSERT INTO plugin_settings (name, enabled) VALUES ('inner', 1)")
                    raise RuntimeError("inner fails")
            except RuntimeError:
                pass
    conn = sqlite3.connect(root / ".lightplug" / "project.db")
    names = {r[0] for r in conn.execute("select name from plugin_settings")}
    assert names >= {"stray", "ours", "outer"} and "inner" not in names


def test_writes_through_the_raw_connection_and_the_database_nest_as_one(tmp_path):
    """``write`` takes the project's ``Database`` or its plain connection (``Project.conn``, what
    read-mostly commands use without sqlite-utils): both count the same blocks, so one nested in
    the other is a savepoint, and an error rolls back only what its own block wrote."""
    root = api.init_project(tmp_path / "p")
    with api.open_project(root, plugins=False) as project:
        conn = project.conn
        with write(conn) as same:
            assert same is conn and conn.in_transaction
            conn.execute("INSERT INTO plugin_settings (name, enabled) VALUES ('raw outer', 1)")
            with write(project.db):  # a savepoint of the raw block, not a second BEGIN
                project.db.execute("INSERT INTO plugin_settings (name, enabled) VALUES ('db inner', 1)")
            try:
                with write(conn):
                    conn.execute("INSERT INTO plugin_settings (name, enabled) VALUES ('raw failed', 1)")
                    raise RuntimeError("inner fails")
            except RuntimeError:
                pass
            assert conn.in_transaction  # the outer block goes on
        assert not conn.in_transaction
        try:
            with write(project.db):
                with write(conn):
                    conn.execute("INSERT INTO plugin_settings (name, enabled) VALUES ('all lost', 1)")
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            pass
        with write(conn):  # the count went back to zero: a fresh transaction
            conn.execute("INSERT INTO plugin_settings (name, enabled) VALUES ('after', 1)")
    names = {r[0] for r in sqlite3.connect(root / ".lightplug" / "project.db").execute("select name from plugin_settings")}
    assert {"raw outer", "db inner", "after"} <= names and not {"raw failed", "all lost"} & names
