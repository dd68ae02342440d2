"""The plugin host: finds plugins through entry points, loads each one safely, records status."""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from . import hookspecs
from .registry import operator_registry

if TYPE_CHECKING:
    from .aplugin import APlugin

ENTRY_POINT_GROUP = "lightplug"
PLUGINS_ENV = "LIGHTPLUG_PLUGINS"


@dataclass
class PluginInfo:
    """What the host knows about one plugin: where it comes from and whether it loaded."""

    name: str
    distribution: str | None = None
    version: str | None = None
    status: str = "loaded"
    error: str | None = None
    operators: list[str] = field(default_factory=list)
    plugin_classes: list[type] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "distribution": self.distribution, "version": self.version,
                "status": self.status, "error": self.error, "operators": self.operators,
                "panoptic_plugin": bool(self.plugin_classes)}


class PluginHost:
    """A ``pluggy.PluginManager("lightplug")`` plus the plugins' operators and plugin classes."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("lightplug")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.warnings: list[str] = []

    # -- loading --------------------------------------------------------------------------
    def allowed(self, name: str) -> bool:
        """Whether ``LIGHTPLUG_PLUGINS`` lets plugin ``name`` load (unset: all; empty: none)."""
        limit = os.environ.get(PLUGINS_ENV)
        if limit is None:
            return True
        return name in {n.strip() for n in limit.split(",") if n.strip()}

    def load_entry_points(self) -> None:
        """Load every plugin of the entry-point group, one at a time, each failure contained."""
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if ep.name in self.plugins or not self.allowed(ep.name):
                continue
            dist = getattr(ep, "dist", None)
            info = PluginInfo(name=ep.name, distribution=dist.name if dist else None,
                              version=dist.version if dist else None)
            self.plugins[ep.name] = info
            try:
                obj = ep.load()
            except BaseException as exc:  # noqa: BLE001 - a plugin must never break the host
                self._fail(info, "import", exc)
                continue
            self.add(obj, info)

    def add(self, obj: Any, info: PluginInfo) -> None:
        """Register a loaded plugin object (module, class or instance) under ``info.name``."""
        from .aplugin import APlugin

        self.plugins[info.name] = info
        try:
            if isinstance(obj, type) and issubclass(obj, APlugin):
                info.plugin_classes.append(obj)
            else:
                plugin_class = getattr(obj, "plugin_class", None)
                if isinstance(plugin_class, type) and issubclass(plugin_class, APlugin):
                    info.plugin_classes.append(plugin_class)
                self.pm.register(obj, name=info.name)
            self._collect(info)
        except BaseException as exc:  # noqa: BLE001
            self._fail(info, "registration", exc)

    def _collect(self, info: PluginInfo) -> None:
        impl = self.pm.get_plugin(info.name)
        if impl is None:
            return
        for hook_name, target in (("register_operators", operator_registry.register),
                                  ("register_plugins", info.plugin_classes.append)):
            for hookimpl in getattr(self.pm.hook, hook_name).get_hookimpls():
                if hookimpl.plugin is not impl:
                    continue
                before = len(operator_registry.entries)
                operator_registry.current_plugin = info.name
                try:
                    hookimpl.function(register=target)
                finally:
                    operator_registry.current_plugin = "script"
                info.operators += [e.operator.name for e in operator_registry.entries[before:]]

    def _fail(self, info: PluginInfo, stage: str, exc: BaseException) -> None:
        info.status = "failed"
        info.error = f"{type(exc).__name__}: {exc}"
        if self.pm.get_plugin(info.name) is not None:
            self.pm.unregister(name=info.name)
        message = f"lightplug: plugin {info.name!r} failed at {stage} and was skipped: {info.error}"
        if os.environ.get("LIGHTPLUG_DEBUG"):
            message += "\n" + "".join(traceback.format_exception(exc))
        self.warnings.append(message)
        print(message, file=sys.stderr)

    # -- queries --------------------------------------------------------------------------
    def plugin_classes(self) -> list[tuple[str, type[APlugin]]]:
        """``(plugin name, class)`` for every Panoptic-style plugin of loaded plugins."""
        out = []
        for info in self.plugins.values():
            if info.status == "loaded":
                for cls in info.plugin_classes:
                    name = info.name if len(info.plugin_classes) == 1 else f"{info.name}.{cls.__name__}"
                    out.append((name, cls))
        return out

    def module_hooks(self, hook_name: str) -> Any:
        """The pluggy hook caller for ``hook_name``."""
        return getattr(self.pm.hook, hook_name)


_host: PluginHost | None = None


def get_host() -> PluginHost:
    """The process-wide plugin host, loading entry points on first use."""
    global _host
    if _host is None:
        _host = PluginHost()
        _host.load_entry_points()
        if operator_registry.entries:
            scripts = [e.operator.name for e in operator_registry.entries if e.plugin == "script"]
            if scripts:
                _host.plugins.setdefault("script", PluginInfo(name="script", operators=scripts))
    return _host


def reset_host() -> None:
    """Forget loaded plugins (tests use this between CLI invocations)."""
    global _host
    _host = None
    operator_registry.entries.clear()


