"""The core's hooks. A plugin implements any of them with ``@hookimpl``.

Each dialect adds the hooks through which its plugins register what they provide
(``register_operators`` in ``lightplug.dialects.lightly.hookspecs``, ``register_plugins`` in
``lightplug.dialects.panoptic.hookspecs``); all use these same markers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import pluggy

if TYPE_CHECKING:
    from .models import DeleteFolderConfirm, Instance

hookspec = pluggy.HookspecMarker("lightplug")
hookimpl = pluggy.HookimplMarker("lightplug")


@hookspec
def on_import(project: Any, instances: list[Instance]) -> Any:
    """React to newly imported instances (may return an awaitable). ``project`` is the project
    interface plugins know (``PluginProjectInterface``)."""


@hookspec
def on_folder_delete(project: Any, deleted: DeleteFolderConfirm) -> Any:
    """React to the removal of a folder and its instances (may return an awaitable)."""


@hookspec
def register_executors(register: Callable[[str, Callable[[], Any]], None]) -> None:
    """Add executors for ``map_images`` by calling ``register(name, factory)``; ``factory()``
    returns a ``lightplug.compute.Mapper``. For a setting ``NAME://ADDRESS`` (``dask://host:8786``)
    the executor registered as ``NAME`` gets ``factory(ADDRESS)``. Called only when a name that
    is not built in is used."""
