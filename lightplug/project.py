"""A project directory: finding it, creating it, opening its database and loading its plugins."""

from __future__ import annotations

import contextlib
import inspect
import os
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Coroutine

from .work_queue import WorkQueue

if TYPE_CHECKING:
    import asyncio

    from sqlite_utils import Database

    from .dialect import Dialect
    from .host import PluginHost
    from .models import DeleteFolderConfirm, Instance

PROJECT_DIR = ".lightplug"
DB_NAME = "project.db"
PROJECT_ENV = "LIGHTPLUG_PROJECT"
COLLECTION_ID = "default"


class ProjectNotFound(Exception):
    """No project here (nor in any parent directory)."""


class PluginDataError(Exception):
    """A plugin's data folder cannot be used safely."""


def data_folder_name(plugin: str) -> str:
    """The name of plugin ``plugin``'s folder in ``plugin_data/``: the name itself when it is a
    plain file name (letters, digits, ``._-``, not starting with a dot), else a sanitised form plus
    a short digest, so that no name (``..``, ``../x``, ``/etc``) reaches outside that folder."""
    import hashlib
    import re

    if re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}", plugin):
        return plugin
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", plugin).strip("._")[:60] or "plugin"
    digest = hashlib.sha256(plugin.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"{safe}-{digest}"


def find_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` holding ``.lightplug/project.db``."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / PROJECT_DIR / DB_NAME).is_file():
            return candidate
    return None


def resolve_root(explicit: str | os.PathLike | None) -> Path:
    """The project root from ``-C``, then ``LIGHTPLUG_PROJECT``, then the working directory."""
    given = explicit or os.environ.get(PROJECT_ENV)
    if given:
        path = Path(given).expanduser()
        if (path / PROJECT_DIR / DB_NAME).is_file():
            return path.resolve()
        raise ProjectNotFound(f"{path} is not a lightplug project (no {PROJECT_DIR}/{DB_NAME}); "
                              f"create one with: lightplug init {path}")
    root = find_root(Path.cwd())
    if root is None:
        raise ProjectNotFound("not inside a lightplug project (nor any parent directory); "
                              "create one with `lightplug init`, or pass -C/--project DIR")
    return root


def init_project(directory: Path) -> tuple[Path, bool]:
    """Create the project in ``directory``; returns ``(root, created)``."""
    root = directory.expanduser().resolve()
    existed = (root / PROJECT_DIR / DB_NAME).is_file()
    (root / PROJECT_DIR / "plugin_data").mkdir(parents=True, exist_ok=True)
    Project(root).close()
    return root, not existed


@dataclass
class Events:
    """Listeners registered by plugins for project events, and the plugin that owns each one."""

    instance_import: list[Callable] = field(default_factory=list)
    instances_import: list[Callable] = field(default_factory=list)
    folder_delete: list[Callable] = field(default_factory=list)
    owners: dict[int, str] = field(default_factory=dict)  # id(listener) -> plugin name

    def _lists(self) -> tuple[list[Callable], ...]:
        return (self.instance_import, self.instances_import, self.folder_delete)

    def mark(self) -> tuple[int, ...]:
        """How many listeners there are now (before a plugin starts)."""
        return tuple(len(listeners) for listeners in self._lists())

    def claim(self, mark: tuple[int, ...], plugin: str) -> None:
        """Record ``plugin`` as the owner of every listener added since ``mark``."""
        for listeners, n in zip(self._lists(), mark):
            for callback in listeners[n:]:
                self.owners[id(callback)] = plugin

    def drop(self, mark: tuple[int, ...]) -> None:
        """Forget the listeners added since ``mark`` (their plugin failed to start)."""
        for listeners, n in zip(self._lists(), mark):
            del listeners[n:]


class Project:
    """An open project: its database, work queue, events and the plugin units started in it."""

    def __init__(self, root: Path) -> None:
        from .db.compat import check_not_newer, schema_is_current
        from .db.tx import connect_raw

        self.root = Path(root)
        self.dir = self.root / PROJECT_DIR
        self.conn = connect_raw(self.dir / DB_NAME)  # `db` wraps it when first asked for
        self._db: Database | None = None
        self._db_lock = threading.Lock()
        if not schema_is_current(self.conn):
            from .db.schema import migrate

            try:
                check_not_newer(self.db)
                migrate(self.db)
            except BaseException:
                self.conn.close()
                raise
        self.collection_id = COLLECTION_ID
        self.tasks = WorkQueue()
        self.events = Events()
        self.plugins: dict[str, Any] = {}  # started units (Panoptic-style plugin instances) by name
        self.plugin_dialects: dict[str, Dialect] = {}  # the dialect of each of them
        self.plugin_errors: dict[str, str] = {}
        self.listener_errors: list[str] = []
        self.host: PluginHost | None = None
        self._temp_id = 0
        self.current_run_id: int | None = None  # set while a run executes (its writes are tagged)
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def db(self) -> Database:
        """The project database as a ``sqlite_utils.Database`` over ``conn``, built on first use
        (importing sqlite-utils), once even when threads ask at the same time."""
        if self._db is None:
            with self._db_lock:
                if self._db is None:
                    from .db import database

                    self._db = database(self.conn)
        return self._db

    # -- helpers --------------------------------------------------------------------------
    def next_temp_id(self) -> int:
        """A fresh negative id for an object that a commit will create."""
        self._temp_id -= 1
        return self._temp_id

    def plugin_data_path(self, name: str) -> Path:
        """The per-project data folder of plugin ``name`` (created if missing): always a real
        folder directly inside ``.lightplug/plugin_data/``, whatever the name (see ``data_folder_name``)."""
        path = self.plugin_data_dir(name)
        if path.is_symlink():
            raise PluginDataError(f"the data folder of plugin {name!r} ({path}) is a symbolic link; "
                                  "lightplug does not follow it: remove the link")
        path.mkdir(parents=True, exist_ok=True)
        return path

    def remove_plugin_data(self, name: str) -> None:
        """Delete the data folder of plugin ``name``, and nothing else (a link is removed, not followed)."""
        path = self.plugin_data_dir(name)
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)

    def plugin_data_dir(self, name: str) -> Path:
        """Where plugin ``name``'s data folder is (it may not exist)."""
        return self.dir / "plugin_data" / data_folder_name(name)

    def run(self, coroutine: Coroutine) -> Any:
        """Run ``coroutine`` on the project's event loop (plugin prints go to stderr, not stdout)."""
        if self._loop is None:
            import asyncio

            self._loop = asyncio.new_event_loop()
        from .aio import run_interruptibly

        with contextlib.redirect_stdout(sys.stderr):
            return run_interruptibly(self._loop, coroutine)

    def hook_arguments(self) -> dict[str, Any]:
        """What event hooks may take besides their event's own arguments, offered by the dialects."""
        from .dialect import dialects

        out: dict[str, Any] = {}
        for dialect in dialects():
            out.update(dialect.hook_arguments(self))
        return out

    def interface(self) -> Any:
        """The project interface plugins know (``PluginProjectInterface``), not tied to a plugin:
        what event hooks receive as ``project``, handy in scripts."""
        return self.hook_arguments()["project"]

    # -- plugins --------------------------------------------------------------------------
    def load_plugins(self, host: PluginHost, only: set[str] | None = None) -> None:
        """Start the enabled per-project units of the loaded plugins (of the entry points ``only``).

        Each dialect creates its units (Panoptic-style classes: created, given their stored
        settings, ``_start`` awaited). One that raises or calls ``sys.exit()`` on the way is
        skipped: its error goes to ``plugin_errors`` and stderr, and the event listeners it
        registered are dropped. Units already started are kept.
        """
        from .host import CONTAINED, describe_error
        from .plugin_state import enabled

        self.host = host
        for name, dialect in host.units(only):
            if name in self.plugins or name in self.plugin_errors or not enabled(self, name):
                continue
            mark = self.events.mark()
            try:
                self.plugins[name] = dialect.start_unit(self, name)
                self.plugin_dialects[name] = dialect
                self.events.claim(mark, name)
            except CONTAINED as exc:  # one plugin must not break the project, not even with sys.exit()
                self.events.drop(mark)
                self.plugin_errors[name] = describe_error(exc)
                print(f"lightplug: plugin {name!r} failed to start and was skipped: "
                      f"{self.plugin_errors[name]}", file=sys.stderr)

    # -- events ---------------------------------------------------------------------------
    async def emit_import(self, instances: list[Instance]) -> None:
        """Tell plugins about newly imported instances."""
        if not instances:
            return
        for callback in self.events.instances_import:
            await self._notify(callback, instances)
        for callback in self.events.instance_import:
            for instance in instances:
                if not await self._notify(callback, instance):
                    break
        if self.host is not None:
            await self._notify_hooks("on_import", instances=instances)

    async def emit_folder_delete(self, confirm: DeleteFolderConfirm) -> None:
        """Tell plugins that folders and their instances were removed."""
        for callback in self.events.folder_delete:
            await self._notify(callback, confirm)
        if self.host is not None:
            await self._notify_hooks("on_folder_delete", deleted=confirm)

    async def _notify(self, callback: Callable, *args: Any, owner: str | None = None) -> bool:
        """Call one listener; a failure (``sys.exit()`` too) is reported as its plugin's and does not
        stop the others. What it prints goes to stderr."""
        from .host import CONTAINED, describe_error

        owner = owner or self.events.owners.get(id(callback))
        try:
            with contextlib.redirect_stdout(sys.stderr):
                await _maybe_await(callback(*args))
            return True
        except CONTAINED as exc:
            self.listener_errors.append(f"{getattr(callback, '__qualname__', callback)}: {describe_error(exc)}")
            who = f"plugin {owner!r}: " if owner else ""
            print(f"lightplug: {who}event listener failed: {self.listener_errors[-1]}", file=sys.stderr)
            return False

    async def _notify_hooks(self, hook_name: str, **kwargs: Any) -> None:
        """Call the module hook ``hook_name`` of every loaded plugin enabled in this project."""
        from .plugin_state import enabled

        if self.host is None:
            return
        impls = [i for i in self.host.module_hooks(hook_name).get_hookimpls() if enabled(self, i.plugin_name)]
        if impls:
            arguments = {**self.hook_arguments(), **kwargs}
        for impl in impls:
            await self._notify(impl.function, *[arguments[a] for a in impl.argnames], owner=impl.plugin_name)

    def close(self) -> None:
        """Close the database and the event loop."""
        if self._loop is not None:
            self._loop.close()
            self._loop = None
        self.conn.close()


async def _maybe_await(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value
