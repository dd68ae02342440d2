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
