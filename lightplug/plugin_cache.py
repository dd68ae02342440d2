"""The metadata cache: what installed plugins provide, stored as JSON so listing imports nothing.

Two files, both rebuilt by loading plugins only when they are missing or stale:

* **per user** — ``$LIGHTPLUG_CACHE_DIR``, else ``$XDG_CACHE_HOME/lightplug``, else
  ``~/.cache/lightplug``: ``plugins-<key>.json`` holds every entry-point plugin's ``plugins list``
  row, its hooks, the names of its per-project units (Panoptic-style classes), what it registered
  that needs no project (operators) as ``ActionSpec.as_json()``, and what failed to be described. ``key`` is a digest of the sorted
  ``(entry point name, value, distribution, version)`` of the group ``lightplug`` and of
  ``LIGHTPLUG_PLUGINS`` (``PluginHost.fingerprint``), so installing, removing or upgrading a plugin
  makes a new file; files unused for 30 days are deleted.
* **per project** — ``.lightplug/plugin_cache.json``: the actions of each unit (Panoptic-style
  class), which exist only once the unit is started for the project. An entry is valid for the same
  user ``key`` and the class's stored settings (``plugins config``). Parameter choices that come
  from the project's data (properties, vector types) are *not* stored; they are filled in when
  shown (``catalog.fill_choices``).

A plugin that failed (import, registration or ``_start``) is cached as failed with its error and
retried when its entry is rebuilt: on ``--refresh`` / ``lightplug plugins refresh``, on a key change,
or when ``lightplug run`` loads it for real (which writes its fresh entry back).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .host import PluginHost
    from .project import Project

CACHE_ENV = "LIGHTPLUG_CACHE_DIR"
FORMAT = 2
PROJECT_FILE = "plugin_cache.json"
EVENT_HOOKS = ("on_import", "on_folder_delete")
INTERNAL_KEYS = frozenset({"value", "hooks", "units", "specs", "failed_operators", "warnings"})  # not in `plugins list`
_MAX_AGE = 30 * 24 * 3600


def cache_dir() -> Path:
    """Where the per-user cache lives."""
    given = os.environ.get(CACHE_ENV)
    if given:
        return Path(given).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "lightplug"


def _read(path: Path, key: str) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return None
    return data


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON atomically (a temporary file renamed); a cache that cannot be
    written is only a slower next command."""
    import tempfile  # (imports random: only when a cache is written)

    from .catalog import jsonable

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(jsonable(data), handle, indent=1)
        os.replace(tmp, path)
    except OSError:
        pass


# -- per user: entry-point plugins ----------------------------------------------------------
def plugin_entry(host: PluginHost, name: str) -> dict[str, Any]:
    """The cache entry of entry-point plugin ``name``, which ``host`` has loaded (or failed to)."""
    from .catalog import entry_specs

    info = host.plugins[name]
    ep = host.entry_points().get(name)
    entry = info.as_json()
    entry["value"] = ep.value if ep is not None else None
    impl = host.pm.get_plugin(name)
    entry["hooks"] = sorted({c.name for c in host.pm.get_hookcallers(impl) or []}) if impl is not None else []
    entry["units"] = [unit for unit, _ in host.units({name})]
    specs, failed = entry_specs({name}) if info.status == "loaded" else ([], [])
    entry["specs"] = [s.as_json() for s in specs]
    entry["failed_operators"] = failed
    prefix = f"lightplug: plugin {name!r} "
    entry["warnings"] = [w.splitlines()[0] for w in host.warnings if w.startswith(prefix)]
    return entry


def user_cache(host: PluginHost, refresh: bool = False) -> dict[str, dict[str, Any]]:
    """Entry-point plugin name -> cache entry; loads every plugin first if the cache is cold or ``refresh``."""
    key = host.fingerprint()
    path = cache_dir() / f"plugins-{key}.json"
    data = None if refresh else _read(path, key)
    if data is not None and set(data["plugins"]) == set(host.entry_points()):
        for entry in data["plugins"].values():  # say it again, as a fresh load would
            for warning in entry.get("warnings", []):
                print(f"{warning} (cached; `lightplug plugins refresh` retries it)", file=sys.stderr)
        return data["plugins"]
    host.load_entry_points()
    plugins = {name: plugin_entry(host, name) for name in host.entry_points()}
    write_json(path, {"format": FORMAT, "key": key, "created": time.time(), "plugins": plugins})
    _prune(path)
    return plugins


def update_user_entry(host: PluginHost, name: str) -> None:
    """Write back the fresh entry of ``name`` after a real load (``run``), if the cache has one."""
    if name not in host.entry_points() or name not in host.plugins:
        return
    key = host.fingerprint()
    path = cache_dir() / f"plugins-{key}.json"
    data = _read(path, key)
    if data is None:
        return
    entry = plugin_entry(host, name)
    if data["plugins"].get(name) != json.loads(json.dumps(_jsonable(entry))):
        data["plugins"][name] = entry
        write_json(path, data)


def _jsonable(value: Any) -> Any:
    from .catalog import jsonable

    return jsonable(value)


def _prune(keep: Path) -> None:
    now = time.time()
    for old in keep.parent.glob("plugins-*.json"):
        try:
            if old != keep and now - old.stat().st_mtime > _MAX_AGE:
                old.unlink()
        except OSError:
            pass


# -- per project: actions of units (Panoptic-style classes) -------------------------------------------
def _settings(project: Project, name: str) -> Any:
    from .db import settings

    return _jsonable(settings.plugin_setting(project.conn, name)["params"])


def class_entry(project: Project, name: str, plugin: str) -> dict[str, Any]:
    """The project cache entry of unit ``name`` of entry point ``plugin``."""
    from .catalog import unit_specs

    entry: dict[str, Any] = {"plugin": plugin, "settings": _settings(project, name), "status": "loaded",
                             "error": None, "actions": []}
    if name in project.plugins:
        entry["actions"] = [s.as_json() for s in unit_specs(project, {name}, fill=False)]
    else:
        entry["status"], entry["error"] = "failed", project.plugin_errors.get(name, "not started")
    return entry


def project_cache(project: Project, host: PluginHost, wanted: dict[str, str], refresh: bool = False,
                  also: frozenset[str] | set[str] = frozenset()) -> dict[str, dict[str, Any]]:
    """Class name -> entry for ``wanted`` (class name -> entry point), instantiating only the missing
    or stale ones; plus the entries of the classes ``also`` that are cached (never instantiated)."""
    key = host.fingerprint()
    path = project.dir / PROJECT_FILE
    data = None if refresh else _read(path, key)
    entries: dict[str, Any] = dict(data["plugins"]) if data else {}
    stale = {name for name in wanted if name not in entries
             or entries[name].get("settings") != _settings(project, name)}
    if stale:
        for plugin in sorted({wanted[n] for n in stale}):
            host.load(plugin)
        project.load_plugins(host, only={wanted[n] for n in stale})
        for name in stale:
            entries[name] = class_entry(project, name, wanted[name])
        write_json(path, {"format": FORMAT, "key": key, "plugins": entries})
    return {name: entries[name] for name in [*wanted, *also] if name in entries}


def update_project_entries(project: Project, host: PluginHost, names: list[str]) -> None:
    """Write back the entries of classes just instantiated for real (``run``)."""
    key = host.fingerprint()
    path = project.dir / PROJECT_FILE
    data = _read(path, key) or {"format": FORMAT, "key": key, "plugins": {}}
    changed = False
    for name in names:
        entry = _jsonable(class_entry(project, name, host.owner(name)))
        if data["plugins"].get(name) != entry:
            data["plugins"][name], changed = entry, True
    if changed:
        write_json(path, data)
