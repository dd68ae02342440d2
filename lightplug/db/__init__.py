"""The project database: schema migrations, reads and writes, commits with undo.

sqlite-utils (~70 ms to import) is imported only when a command first needs a
``sqlite_utils.Database``: a project opens on a plain ``sqlite3`` connection
(``tx.connect_raw``), and commands that only read a few settings (``ops list``, shell
completion, ``run --help``) never build one. Every runtime import of sqlite-utils goes through
``lean_import()``: sqlite-utils imports numpy and pandas when they are installed, only to name
their scalar types in ``COLUMN_TYPE_MAPPING`` (numpy alone costs ~0.15 s). They are hidden while
it loads, and the mapping learns those types on first use instead, so a table created from
numpy values gets the same column types as before.
"""

from __future__ import annotations

import sqlite3
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

_HIDDEN = ("numpy", "pandas")  # what sqlite_utils.db imports only for COLUMN_TYPE_MAPPING


class _ColumnTypes(dict):
    """sqlite-utils' ``COLUMN_TYPE_MAPPING`` that also knows numpy's and pandas' scalar types,
    looked up when one is first met (the same types sqlite-utils adds when it imports them)."""

    def __missing__(self, key: Any) -> str:
        found = _scalar_type(key)
        if found is None:
            raise KeyError(key)
        self[key] = found
        return found

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except (KeyError, TypeError):
            return default


def _scalar_type(key: Any) -> str | None:
    """The column type of a numpy or pandas scalar type ``key`` (None for anything else)."""
    module = getattr(key, "__module__", "") or ""
    if not isinstance(key, type):
        return None
    if module.split(".")[0] == "numpy":
        import numpy as np

        if issubclass(key, np.integer):
            return "INTEGER"
        if issubclass(key, np.floating):
            return "REAL"
    if module.split(".")[0] == "pandas" and key.__name__ == "Timestamp":
        return "TEXT"
    return None


def lean_import() -> None:
    """Import sqlite-utils without letting it import numpy or pandas (unless they are already
    loaded, when nothing is hidden and sqlite-utils maps their types itself)."""
    if "sqlite_utils.db" in sys.modules:
        return
    hidden = [name for name in _HIDDEN if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes "import numpy" raise ImportError
    try:
        import sqlite_utils.db as sqlite_utils_db
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
    if hidden:
        sqlite_utils_db.COLUMN_TYPE_MAPPING = _ColumnTypes(sqlite_utils_db.COLUMN_TYPE_MAPPING)


def database(conn: sqlite3.Connection) -> Database:
    """A ``sqlite_utils.Database`` over the open connection ``conn`` (no plugins of sqlite-utils run)."""
    lean_import()
    from sqlite_utils import Database

    return Database(conn, execute_plugins=False)
