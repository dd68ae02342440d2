"""The hook through which plugins register Panoptic-style plugin classes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ...hookspecs import hookspec

if TYPE_CHECKING:
    from .aplugin import APlugin


@hookspec
def register_plugins(register: Callable[[type[APlugin]], None]) -> None:
    """Register Panoptic-style plugin classes by calling ``register(PluginClass)``."""
