"""Dialects: the plugin models lightplug speaks, each a sub-package of ``lightplug.dialects``.

A dialect turns what a plugin registers (LightlyStudio operators, Panoptic plugin classes, …) into
``ActionSpec`` objects the core lists and runs, and calls them. The core (host, project, catalog,
runner, plugin cache) only talks to the ``Dialect`` protocol below; it never imports a dialect.

The built-in dialects are listed in ``BUILTIN``; another package adds one with an entry point in the
group ``lightplug.dialects`` (value: a ``Dialect`` object), or a script with ``register_dialect``.
A dialect's modules are imported the first time the host needs it.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .host import PluginHost
    from .project import Project
    from .selection import Selection
    from .specs import ActionSpec

ENTRY_POINT_GROUP = "lightplug.dialects"
# name -> "module:attribute" of the built-in dialects (imported on first use)
BUILTIN = {
    "operator": "lightplug.dialects.lightly.dialect:DIALECT",
    "action": "lightplug.dialects.panoptic.dialect:DIALECT",
}


@runtime_checkable
class Dialect(Protocol):
    """What the core needs from a plugin model. ``name`` is the ``dialect`` of its ``ActionSpec``s.

    Plugin-level methods take the entry-point name of a plugin (``"script"`` for what a script
    registered outside any plugin). *Units* are objects a dialect instantiates once per project
    (Panoptic's plugin classes); a dialect without them returns ``[]`` from ``units``.
    """

    name: str
    hookspecs: ModuleType | None  # pluggy hook specifications its plugins implement (or None)
    entry_point_groups: tuple[str, ...]  # groups besides ``lightplug`` whose entry points are its plugins

    # -- the plugin host: loading ------------------------------------------------------------
    def adopt(self, plugin: str, obj: Any) -> bool:
        """Take ``obj`` (what an entry point loaded) if it is this dialect's own, e.g. a plugin class;
        True means it is not registered with pluggy as a hook module."""

    def collect(self, host: PluginHost, plugin: str) -> list[str]:
        """Call this dialect's registration hooks of pluggy plugin ``plugin``; return the names of
        what it registered that is runnable without a project (for ``plugins list``)."""

    def forget(self, plugin: str) -> None:
        """Drop everything ``plugin`` registered (it failed)."""

    def reset(self) -> None:
        """Forget every plugin (a new host)."""

    def scripts(self) -> list[str]:
        """Names registered outside any plugin, by a script."""

    def units(self, plugin: str) -> list[str]:
        """The names of the per-project units of ``plugin`` (``plugin`` or ``plugin.Class``)."""

    def describe(self, plugin: str) -> dict[str, Any]:
        """Extra fields for ``plugin``'s row in ``plugins list --json``."""

    # -- the catalog ---------------------------------------------------------------------------
    def specs(self, plugins: set[str] | None) -> tuple[list[ActionSpec], list[dict[str, str]]]:
        """Specs of what ``plugins`` (None: all) registered that needs no project, and
        ``{name, id, plugin, dialect, error}`` of those that could not be described."""

    def start_unit(self, project: Project, name: str) -> Any:
        """Instantiate and start unit ``name`` for ``project``; return it (it may raise)."""

    def unit_specs(self, project: Project, name: str, unit: Any, fill: bool) -> list[ActionSpec]:
        """Specs of the actions of started ``unit``; ``fill``: choices read from the project's data."""

    def hook_arguments(self, project: Project) -> dict[str, Any]:
        """Keyword arguments this dialect offers to event hooks (``on_import(project=…)``)."""

    # -- the runner ----------------------------------------------------------------------------
    def scope(self, spec: ActionSpec, selection: Selection) -> str:
        """The scope a run of ``spec`` happens in; ``RunRefused`` if not allowed on ``selection``."""

    async def invoke(self, spec: ActionSpec, project: Project, params: dict[str, Any],
                     selection: Selection, scope: str) -> Any:
        """Call ``spec``'s function and return what it returned (awaited)."""

    def result_json(self, raw: Any) -> dict[str, Any]:
        """``raw`` as ``{success, message, notifs, groups, value}`` (docs/exit-codes-and-json.md)."""


class UnknownDialect(LookupError):
    """No dialect has that name."""


_dialects: dict[str, Dialect] | None = None
_added: dict[str, Dialect] = {}


def register_dialect(dialect: Dialect) -> None:
    """Make ``dialect`` available in this process (hosts created afterwards use it)."""
    if not isinstance(dialect, Dialect):
        raise TypeError(f"{type(dialect).__name__} does not implement lightplug.dialect.Dialect")
    _added[dialect.name] = dialect
    if _dialects is not None:
        _dialects[dialect.name] = dialect


def _load(value: str) -> Any:
    module, _, attribute = value.partition(":")
    return getattr(importlib.import_module(module), attribute)


def dialects() -> list[Dialect]:
    """Every dialect: built-in, from entry points (a broken one is reported and skipped), registered."""
    global _dialects
    if _dialects is None:
        found: dict[str, Dialect] = {name: _load(value) for name, value in BUILTIN.items()}
        from .installed import entry_points

        for ep in sorted(entry_points((ENTRY_POINT_GROUP,))[ENTRY_POINT_GROUP], key=lambda e: e.name):
            try:
                dialect = ep.load()
                if not isinstance(dialect, Dialect):
                    raise TypeError(f"{ep.value} is not a lightplug.dialect.Dialect")
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - a broken dialect must not break the host
                print(f"lightplug: dialect {ep.name!r} failed to load and was skipped: "
                      f"{type(exc).__name__}: {exc}", file=sys.stderr)
                continue
            found.setdefault(dialect.name, dialect)
        _dialects = {**found, **_added}
    return list(_dialects.values())


def get(name: str) -> Dialect:
    """The dialect called ``name``; ``UnknownDialect`` if there is none."""
    for dialect in dialects():
        if dialect.name == name:
            return dialect
    raise UnknownDialect(f"no dialect named {name!r}; known: {', '.join(d.name for d in dialects())}")
