"""lightplug executor plugin: per-image work on a Dask cluster.

``LIGHTPLUG_EXECUTOR=dask://HOST:PORT`` uses a running scheduler; ``dask://local`` starts a
``LocalCluster`` (one single-threaded worker process per ``LIGHTPLUG_WORKERS``) for the command
and closes it at the end. Dask is imported only when such an executor is asked for.
"""

from __future__ import annotations

from typing import Any, Callable

from lightplug import hookimpl

SCHEME = "dask"


@hookimpl
def register_executors(register: Callable[[str, Callable[..., Any]], None]) -> None:
    """Register the ``dask`` scheme."""
    register(SCHEME, dask_executor)


def dask_executor(address: str | None = None) -> Any:
    """The mapper for ``dask://ADDRESS`` (a ``lightplug_dask.mapper.DaskMapper``)."""
    from .mapper import dask_mapper

    return dask_mapper(address)
