"""What a command loads: listings come from the metadata cache, ``run`` imports one plugin.

``listing()`` answers ``ops list``, ``ops show``, ``plugins list`` and shell completion from
``plugin_cache`` (no plugin is imported when the cache is warm). ``runnable()`` finds the spec
``lightplug run NAME`` asks for and loads only the plugin that provides it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import catalog, plugin_cache
from .host import current_host
from .plugin_state import disabled_by, enabled

if TYPE_CHECKING:
    from .host import PluginHost
    from .project import Project
    from .specs import ActionSpec


class Refused(Exception):
    """``run NAME`` cannot go on; ``code`` is the exit code (2: disabled, 1: the plugin failed)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Listing:
    """Everything installed, as the cache (and the live, script-registered plugins) describe it."""

    specs: list[ActionSpec] = field(default_factory=list)  # enabled: what `run` can execute
    failed: list[dict[str, str]] = field(default_factory=list)  # operators whose parameters raised
    disabled: list[ActionSpec] = field(default_factory=list)  # of plugins switched off in the project
    rows: list[dict[str, Any]] = field(default_factory=list)  # `plugins list`


def listing(project: Project | None, refresh: bool = False) -> Listing:
    """The listing for ``project`` (or outside one), from the cache; ``refresh`` rebuilds it."""
    host = current_host()
    out = Listing()
    user = plugin_cache.user_cache(host, refresh)
    owners = {unit: name for name, entry in user.items() for unit in entry["units"]}
    wanted = {cls: name for cls, name in owners.items() if enabled(project, cls)}
    classes = {}
    if project is not None:  # disabled classes: their entries as last cached, for messages
        classes = plugin_cache.project_cache(project, host, wanted, refresh, also=set(owners) - set(wanted))
    for name, entry in user.items():
        row = {k: v for k, v in entry.items() if k not in plugin_cache.INTERNAL_KEYS}
        _add(out, project, row, [catalog.spec_from_json(s) for s in entry["specs"]], entry["failed_operators"])
        for cls in entry["units"]:
            if project is not None and cls in classes:
                _add_class(out, project, row, cls, classes[cls]["status"], classes[cls]["error"],
                           [catalog.spec_from_json(a) for a in classes[cls]["actions"]])
    _add_live(out, project, host)
    return out


def _add(out: Listing, project: Project | None, row: dict, specs: list, failed: list) -> None:
    """Add one plugin's row and operators."""
    on = enabled(project, row["name"])
    if project is not None:
        row["enabled"] = on
    if failed:
        row["failed_operators"] = {f["name"]: f["error"] for f in failed}
    out.rows.append(row)
    (out.specs if on else out.disabled).extend(specs)
    if on:
        out.failed += failed


def _add_class(out: Listing, project: Project, row: dict, cls: str, status: str, error: str | None,
               actions: list) -> None:
    """Add the actions of unit ``cls`` (of ``row``'s plugin), choices filled from the project."""
    for spec in actions:
        for p in spec.params:
            if p.kind in catalog.PROJECT_KINDS:
                catalog.fill_choices(p, project, spec.plugin)
    on = enabled(project, cls)
    row.setdefault("actions", [])
    row["actions"] += [a.name for a in actions]
    if status == "failed" and on:
        row["status"], row["error"] = "failed", error
    (out.specs if on else out.disabled).extend(actions)


def _add_live(out: Listing, project: Project | None, host: PluginHost) -> None:
    """Plugins known only in this process (``PluginHost.add``, script operators): described live."""
    live = set(host.live_names())
    if not live:
        return
    if project is not None:
        project.load_plugins(host, only=live)
    specs, failed = catalog.entry_specs(live)
    actions = catalog.unit_specs(project, fill=False) if project is not None else []
    for name in [n for n in host.plugins if n in live]:
        row = host.plugins[name].as_json()
        _add(out, project, row, [s for s in specs if s.plugin == name], [f for f in failed if f["plugin"] == name])
        for cls, _ in host.units({name}):
            if project is None:
                break
            if cls in project.plugins:
                _add_class(out, project, row, cls, "loaded", None, [a for a in actions if a.plugin == cls])
            elif cls in project.plugin_errors:
                _add_class(out, project, row, cls, "failed", project.plugin_errors[cls], [])


def _matching(specs: list[ActionSpec], name: str) -> list[ActionSpec]:
    """The specs ``catalog.find`` would consider for ``name`` (exact id, then name, then any case)."""
    for matcher in (lambda s: s.qualified == name, lambda s: s.name == name,
                    lambda s: s.qualified.lower() == name.lower() or s.name.lower() == name.lower()):
        found = [s for s in specs if matcher(s)]
        if found:
            return found
    return []


def plugins_for(project: Project | None, name: str) -> set[str] | None:
    """The entry points to load for ``run NAME``: its plugin, or the plugins the cache says provide
    ``NAME``; None when the cache does not know it (then everything is loaded, once)."""
    host = current_host()
    first = name.split(".")[0]
    if "." in name and first in host.entry_points():
        return {first}
    found = listing(project)
    for failed in found.failed:
        if name in (failed["name"], failed["id"]):
            raise Refused(f"operator {failed['id']!r} failed to load: {failed['error']}", 1)
    candidates = _matching(found.specs, name)
    if not candidates:
        off = _matching(found.disabled, name)
        if off:
            raise Refused(plugin_state_hint(project, off[0].plugin), 2)
        return None
    return {host.owner(s.plugin) for s in candidates} - set(host.live_names())


def plugin_state_hint(project: Project | None, plugin: str) -> str:
    from .plugin_state import enable_hint

    return enable_hint(disabled_by(project, plugin) or plugin)


def load(project: Project | None, plugins: set[str] | None) -> set[str] | None:
    """Import ``plugins`` (None: all) and start their units (Panoptic-style classes) in ``project``;
    returns what is loaded now, live plugins included (None: everything)."""
    host = current_host()
    if plugins is None:
        host.load_entry_points()
    for name in plugins or ():
        host.load(name)
    names = None if plugins is None else plugins | set(host.live_names())
    if project is not None:
        project.load_plugins(host, only=names)
    return names


def runnable(project: Project | None, name: str) -> ActionSpec:
    """The spec ``run NAME`` executes, loading only its plugin; ``Refused`` or ``LookupFailed``."""
    host = current_host()
    first = name.split(".")[0]
    if "." in name and first in host.entry_points() and disabled_by(project, first):
        raise Refused(plugin_state_hint(project, first), 2)
    plugins = plugins_for(project, name)
    while True:
        names = load(project, plugins)
        specs, failed = catalog.entry_specs(names)
        if project is not None:
            specs += [s for s in catalog.unit_specs(project) if names is None or host.owner(s.plugin) in names]
        specs = [s for s in specs if enabled(project, s.plugin)]
        try:
            spec = catalog.find(specs, name)
            break
        except catalog.LookupFailed:
            for f in failed:
                if name in (f["name"], f["id"]):
                    raise Refused(f"operator {f['id']!r} failed to load: {f['error']}", 1) from None
            if plugins is None:
                raise
            plugins = None  # the cache may be stale: load everything once, and rebuild it
            plugin_cache.user_cache(host, refresh=True)
    _write_back(project, host, names)
    return spec


def _write_back(project: Project | None, host: PluginHost, names: set[str] | None) -> None:
    """Refresh the cache entries of the plugins this command loaded for real."""
    for name in (names if names is not None else host.entry_points()):
        if name in host.entry_points():
            plugin_cache.update_user_entry(host, name)
    if project is not None:
        plugin_cache.update_project_entries(project, host, [
            cls for cls in [*project.plugins, *project.plugin_errors] if host.owner(cls) in host.entry_points()])


def event_plugins(project: Project) -> set[str]:
    """The entry points that take part in project events (units, event hooks)."""
    user = plugin_cache.user_cache(current_host())
    return {name for name, entry in user.items() if enabled(project, name)
            and (entry["units"] or set(entry["hooks"]) & set(plugin_cache.EVENT_HOOKS))}
