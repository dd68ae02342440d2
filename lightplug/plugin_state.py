"""Per-project plugin switches, for every plugin whatever its dialect."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .project import Project


def disabled_by(project: Project | None, name: str) -> str | None:
    """The switched-off name that disables plugin ``name`` in ``project`` (None: it is on).

    ``name`` is an entry-point name or ``<plugin>.<Class>``; a class is off when it or its
    plugin (the part before the first dot) was disabled.
    """
    from .db import settings

    if project is None:
        return None
    for candidate in ([name.split(".")[0], name] if "." in name else [name]):
        if not settings.plugin_setting(project.conn, candidate)["enabled"]:
            return candidate
    return None


def enabled(project: Project | None, name: str) -> bool:
    """Whether plugin ``name`` is on in ``project`` (always, outside a project)."""
    return disabled_by(project, name) is None


def enable_hint(name: str) -> str:
    """What to say when something of the disabled plugin ``name`` is asked for."""
    return f"plugin {name!r} is disabled for this project; enable it with: lightplug plugins enable {name}"
