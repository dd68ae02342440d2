"""Reading a plugin's per-project settings with nothing but ``sqlite3`` and ``json``.

``ops list``, shell completion and ``run --help`` read these switches for every plugin; importing
``store`` (and the model classes) for them would cost more than the reads themselves.
``store.set_plugin_setting`` writes them.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database


def plugin_setting(db: Database | sqlite3.Connection, name: str) -> dict:
    """Plugin ``name``'s switch and stored parameters: ``{"name", "enabled", "params"}``
    (enabled, no parameters when nothing was stored)."""
    found = db.execute("select enabled, params from plugin_settings where name = ?", [name]).fetchone()
    if found is None:
        return {"name": name, "enabled": True, "params": None}
    return {"name": name, "enabled": bool(found[0]), "params": None if found[1] is None else json.loads(found[1])}
