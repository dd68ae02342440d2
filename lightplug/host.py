"""The plugin host: finds plugins through entry points, loads each one on demand, records status.

Finding plugins reads only packaging metadata (``importlib.metadata``, remembered between
commands by ``installed``); nothing is imported until ``load(name)`` (or ``load_entry_points()``)
asks for it. Every load is contained: an
exception or ``SystemExit`` marks that plugin failed and the host goes on.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pluggy

from . import hookspecs
from .dialect import Dialect, dialects

if TYPE_CHECKING:
    from pluggy import HookImpl

    from .installed import Found

ENTRY_POINT_GROUP = "lightplug"
PLUGINS_ENV = "LIGHTPLUG_PLUGINS"
CONTAINED = (Exception, SystemExit)  # what plugin code may raise without ending the command


@dataclass
class PluginInfo:
    """What the host knows about one plugin: where it comes from and whether it loaded."""

    name: str
    distribution: str | None = None
    version: str | None = None
    status: str = "loaded"
    error: str | None = None
    operators: list[str] = field(default_factory=list)  # what it registered that runs without a project

    def as_json(self) -> dict[str, Any]:
        out = {"name": self.name, "distribution": self.distribution, "version": self.version,
               "status": self.status, "error": self.error, "operators": self.operators}
        for dialect in dialects():
            out.update(dialect.describe(self.name))
        return out


class PluginExit(Exception):
    """``SystemExit`` raised by plugin code inside a coroutine, turned into an ordinary exception."""

    def __init__(self, code: Any) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        return "" if self.code is None else str(self.code)


def describe_error(exc: BaseException) -> str:
    """``"Type: message"`` for a plugin's failure (``SystemExit: 3`` for ``sys.exit(3)``)."""
    name = "SystemExit" if isinstance(exc, PluginExit) else type(exc).__name__
    return f"{name}: {exc}"


async def contained(awaitable: Any) -> Any:
    """Await plugin code so that ``sys.exit()`` in it raises ``PluginExit``, not ``SystemExit``.

    asyncio lets ``SystemExit`` escape a task and stop the event loop; as an ordinary exception it
    can be reported as the plugin's failure instead.
    """
    try:
        return await awaitable
    except SystemExit as exc:
        raise PluginExit(exc.code) from exc


class PluginHost:
    """A ``pluggy.PluginManager("lightplug")`` over the entry points, with the core's hooks and each
    dialect's; what plugins register is kept by their dialects."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("lightplug")
        self.pm.add_hookspecs(hookspecs)
        self.dialects: list[Dialect] = dialects()
        for dialect in self.dialects:
            if dialect.hookspecs is not None:
                self.pm.add_hookspecs(dialect.hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.warnings: list[str] = []
        self._entry_points: dict[str, Found] | None = None
        self._installed: dict[str, list[Found]] | None = None  # by group

    # -- finding (metadata only) ----------------------------------------------------------
    def allowed(self, name: str) -> bool:
        """Whether ``LIGHTPLUG_PLUGINS`` lets plugin ``name`` load (unset: all; empty: none)."""
        limit = os.environ.get(PLUGINS_ENV)
        if limit is None:
            return True
        return name in {n.strip() for n in limit.split(",") if n.strip()}

    def groups(self) -> list[str]:
        """The entry-point groups whose entry points are plugins: ``lightplug``, then each
        dialect's own (e.g. ``lightly_studio.plugins``)."""
        extra = [g for d in self.dialects for g in getattr(d, "entry_point_groups", ())]
        return [ENTRY_POINT_GROUP, *dict.fromkeys(g for g in extra if g != ENTRY_POINT_GROUP)]

    def _in_group(self, group: str) -> list[Found]:
        """The installed entry points of ``group``, sorted; found once per host."""
        if self._installed is None:
            from .installed import entry_points

            self._installed = entry_points(tuple(self.groups()))
        return sorted(self._installed.get(group, []), key=lambda e: (e.name, e.value))

    def _found(self) -> list[Found]:
        """Every entry point of ``groups()``; a name already taken by an earlier group is skipped
        (with a warning), so a plugin's name means one thing."""
        seen: dict[str, Found] = {}
        for group in self.groups():
            for ep in self._in_group(group):
                if ep.name in seen and seen[ep.name].value != ep.value:
                    self.warn(f"entry point {ep.name!r} of group {group!r} is ignored: the name is taken "
                              f"by {seen[ep.name].value!r} of group {seen[ep.name].group!r}")
                    continue
                seen.setdefault(ep.name, ep)
        return sorted(seen.values(), key=lambda e: e.name)

    def entry_points(self) -> dict[str, Found]:
        """The allowed plugin entry points (of ``groups()``) by name, sorted; nothing imported."""
        if self._entry_points is None:
            self._entry_points = {ep.name: ep for ep in self._found() if self.allowed(ep.name)}
        return self._entry_points

    def fingerprint(self) -> str:
        """A digest of the installed plugins (group, name, value, distribution, version) and
        ``LIGHTPLUG_PLUGINS``."""
        rows = []
        for group in self.groups():
            for ep in self._in_group(group):
                rows.append([group, ep.name, ep.value, ep.dist, ep.version])
        text = json.dumps([rows, os.environ.get(PLUGINS_ENV)])
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def live_names(self) -> list[str]:
        """Plugins known only in this process: added with ``add()``, and ``script``."""
        self._sync_scripts()
        return [n for n in self.plugins if n not in self.entry_points()]

    # -- loading --------------------------------------------------------------------------
    def load(self, name: str) -> PluginInfo | None:
        """Import and register entry point ``name`` once; None if there is no such allowed plugin."""
        if name in self.plugins:
            return self.plugins[name]
        ep = self.entry_points().get(name)
        if ep is None:
            return None
        info = PluginInfo(name=ep.name, distribution=ep.dist, version=ep.version)
        self.plugins[ep.name] = info
        try:
            with contextlib.redirect_stdout(sys.stderr):
                obj = ep.load()
        except CONTAINED as exc:  # a plugin must never break the host, not even with sys.exit()
            self._fail(info, "import", exc)
            return info
        self.add(obj, info)
        return info

    def load_entry_points(self) -> None:
        """Load every allowed plugin of the entry-point group, one at a time, each failure contained."""
        for name in self.entry_points():
            self.load(name)

    def add(self, obj: Any, info: PluginInfo) -> None:
        """Register a loaded plugin object (module, class or instance) under ``info.name``: a dialect
        may adopt it (a plugin class); otherwise it is a pluggy hook module, and each dialect
        collects what its registration hooks register."""
        self.plugins[info.name] = info
        try:
            with contextlib.redirect_stdout(sys.stderr):
                adopted = [dialect.adopt(info.name, obj) for dialect in self.dialects]
                if not any(adopted):
                    self.pm.register(obj, name=info.name)
                    self._check_hook_names(info.name)
                for dialect in self.dialects:
                    info.operators += dialect.collect(self, info.name)
        except CONTAINED as exc:
            self._fail(info, "registration", exc)

    def _check_hook_names(self, plugin: str) -> None:
        """Warn about hooks ``plugin`` implements that no one declared (a misspelling is never
        called), naming the closest known hook; the plugin still loads."""
        import difflib

        impl = self.pm.get_plugin(plugin)
        known = [name for name, caller in vars(self.pm.hook).items()
                 if not name.startswith("_") and getattr(caller, "spec", None) is not None]
        for caller in self.pm.get_hookcallers(impl) or []:
            if caller.spec is None:
                close = difflib.get_close_matches(caller.name, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; known hooks: {', '.join(sorted(known))}"
                self.warn(f"plugin {plugin!r} implements unknown hook {caller.name!r}, which is never called{hint}")

    def hookimpls(self, hook_name: str, plugin: str) -> list[HookImpl]:
        """The implementations of ``hook_name`` by pluggy plugin ``plugin`` (none if not registered)."""
        impl = self.pm.get_plugin(plugin)
        if impl is None:
            return []
        return [h for h in getattr(self.pm.hook, hook_name).get_hookimpls() if h.plugin is impl]

    def _fail(self, info: PluginInfo, stage: str, exc: BaseException) -> None:
        info.status = "failed"
        info.error = describe_error(exc)
        info.operators.clear()
        if self.pm.get_plugin(info.name) is not None:
            self.pm.unregister(name=info.name)
        for dialect in self.dialects:
            dialect.forget(info.name)
        self.warn(f"plugin {info.name!r} failed at {stage} and was skipped: {info.error}", exc)

    def warn(self, message: str, exc: BaseException | None = None) -> None:
        """Record ``message`` and print it on stderr (with a traceback when ``LIGHTPLUG_DEBUG`` is set)."""
        message = "lightplug: " + message
        if exc is not None and os.environ.get("LIGHTPLUG_DEBUG"):
            message += "\n" + "".join(traceback.format_exception(exc))
        self.warnings.append(message)
        print(message, file=sys.stderr)

    def _sync_scripts(self) -> None:
        scripts = [name for dialect in self.dialects for name in dialect.scripts()]
        if scripts:
            self.plugins.setdefault("script", PluginInfo(name="script")).operators = scripts

    # -- queries --------------------------------------------------------------------------
    def units(self, only: set[str] | None = None) -> list[tuple[str, Dialect]]:
        """``(name, dialect)`` of the per-project units (Panoptic-style classes) of the loaded
        plugins (of the plugins ``only``, if given)."""
        return [(unit, dialect) for info in self.plugins.values()
                if info.status == "loaded" and (only is None or info.name in only)
                for dialect in self.dialects for unit in dialect.units(info.name)]

    def owner(self, class_or_plugin: str) -> str:
        """The entry-point name of a plugin or of one of its classes (``raising.Bounded`` -> ``raising``)."""
        return class_or_plugin if class_or_plugin in self.plugins else class_or_plugin.split(".")[0]

    def module_hooks(self, hook_name: str) -> Any:
        """The pluggy hook caller for ``hook_name``."""
        return getattr(self.pm.hook, hook_name)


_host: PluginHost | None = None


def current_host() -> PluginHost:
    """The process-wide plugin host, created on first use without loading any plugin."""
    global _host
    if _host is None:
        _host = PluginHost()
    _host._sync_scripts()
    return _host


def get_host() -> PluginHost:
    """The process-wide plugin host with every allowed entry point loaded."""
    host = current_host()
    host.load_entry_points()
    return host


def reset_host() -> None:
    """Forget loaded plugins (tests use this between CLI invocations)."""
    global _host
    _host = None
    for dialect in dialects():
        dialect.reset()
