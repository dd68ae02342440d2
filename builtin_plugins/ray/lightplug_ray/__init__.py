"""lightplug executor plugin: per-image work on a Ray cluster.

``LIGHTPLUG_EXECUTOR=ray://HOST:PORT`` connects as a Ray Client (port 10001 by default);
``ray://auto`` joins the cluster this machine belongs to (``ray start`` ran here, or
``RAY_ADDRESS``); ``ray://local`` starts a local Ray for the command and stops it at the end.
Ray is imported only when such an executor is asked for.
"""

from __future__ import annotations

from typing import Any, Callable

from lightplug import hookimpl

SCHEME = "ray"


@hookimpl
def register_executors(register: Callable[[str, Callable[..., Any]], None]) -> None:
    """Register the ``ray`` scheme."""
    register(SCHEME, ray_executor)


def ray_executor(address: str | None = None) -> Any:
    """The mapper for ``ray://ADDRESS`` (a ``lightplug_ray.mapper.RayMapper``)."""
    from .mapper import ray_mapper

    return ray_mapper(address)
