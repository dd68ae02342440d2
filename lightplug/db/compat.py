"""Which schema a project has: current (nothing to do), older (migrate), or newer (refuse)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

#: the names of ``lightplug.db.schema``'s migrations, in order (schema.py checks that they agree)
SCHEMA_STEPS = ("m001_initial", "m002_run_lifecycle", "m004_maps", "m005_lightly", "m006_run_executor",
                "m007_exact_file_names")
MIGRATION_SET = "lightplug"


def schema_is_current(conn: sqlite3.Connection) -> bool:
    """Whether exactly this version's migrations were applied (read with plain sqlite3, so that
    opening an up-to-date project does not import sqlite-utils). False also for a new or a newer
    database: ``check_not_newer`` and ``schema.migrate`` then decide."""
    try:
        found = conn.execute("select name from _sqlite_migrations where migration_set = ?",
                             [MIGRATION_SET]).fetchall()
    except sqlite3.OperationalError:  # no migrations table yet
        return False
    return sorted(name for (name,) in found) == sorted(SCHEMA_STEPS)


class ProjectTooNew(Exception):
    """The project's schema has steps this lightplug does not know; nothing was changed."""


def check_not_newer(db: Database) -> None:
    """``ProjectTooNew`` if a migration unknown to this version was applied to ``db``."""
    from .schema import migrations

    if migrations.migrations_table not in db.table_names():
        return
    known = {m.name for m in migrations._migrations}
    unknown = sorted({m.name for m in migrations.applied(db)} - known)
    if unknown:
        from .. import __version__

        raise ProjectTooNew(
            f"this project was last opened by a newer lightplug (its schema has steps {', '.join(unknown)} "
            f"that lightplug {__version__} does not know); nothing was changed. "
            "Upgrade lightplug (pip install -U lightplug) to use it")
