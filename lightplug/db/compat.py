"""Refusing a project made by a newer lightplug, whose schema this one does not know."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database


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
