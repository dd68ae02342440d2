"""Every hook lightplug calls. A plugin implements any of them with ``@hookimpl``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import pluggy

if TYPE_CHECKING:
    from .aplugin import APlugin
    from .interface import PluginProjectInterface
    from .models import DeleteFolderConfirm, Instance
    from .operators import BaseOperator

hookspec = pluggy.HookspecMarker("lightplug")
hookimpl = pluggy.HookimplMarker("lightplug")


@hookspec
def register_operators(register: Callable[[BaseOperator], None]) -> None:
    """Register LightlyStudio-style operators by calling ``register(operator)``."""


@hookspec
def register_plugins(register: Callable[[type[APlugin]], None]) -> None:
    """Register Panoptic-style plugin classes by calling ``register(PluginClass)``."""


@hookspec
def on_import(project: PluginProjectInterface, instances: list[Instance]) -> Any:
    """React to newly imported instances (may return an awaitable)."""


@hookspec
def on_folder_delete(project: PluginProjectInterface, deleted: DeleteFolderConfirm) -> Any:
    """React to the removal of a folder and its instances (may return an awaitable)."""


@hookspec
def register_executors(register: Callable[[str, Callable[[], Any]], None]) -> None:
    """Add executors for ``map_images`` by calling ``register(name, factory)``; ``factory()``
    returns a ``lightplug.compute.Mapper``. Called only when a name that is not built in is used."""
