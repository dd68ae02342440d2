"""Where chunks of work run: the ``Mapper`` seam, its two built-ins, and choosing one by name.

A mapper runs one picklable function over chunks of work and yields ``(chunk_index, result)``
pairs as the chunks finish (completion order, not submission order). Built in:

* ``"process"``: the shared process pool (``pools.process_pool()``; threads with one worker);
* ``"thread"``: the shared thread pool.

The name comes from the ``executor`` argument, else ``LIGHTPLUG_EXECUTOR``, else
``"process"``. Plugins add mappers with the hook ``register_executors(register)``, calling
``register(name, factory)`` where ``factory()`` returns a ``Mapper``; the hook is only called
when a name that is not built in is asked for. A name ``scheme://address`` (``dask://local``,
``ray://host:10001``) finds the factory registered as ``scheme`` and calls ``factory(address)``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
from collections.abc import AsyncGenerator, Callable, Sequence
from concurrent.futures import Executor
from typing import Any, Protocol, runtime_checkable

from . import pools

EXECUTOR_ENV = "LIGHTPLUG_EXECUTOR"
PROCESS = "process"
THREAD = "thread"
BUILTIN_EXECUTORS = (PROCESS, THREAD)
DEFAULT_EXECUTOR = PROCESS


#: schemes of the optional executor plugins, and the package that provides each
OPTIONAL_SCHEMES = {"dask": "lightplug-dask", "ray": "lightplug-ray"}


class ExecutorError(RuntimeError):
    """The executor cannot do the work (cluster unreachable, workers missing files or packages,
    workers lost); the message says what to do. ``exit_code``: the command's exit code."""

    exit_code = 1


class UnknownExecutor(ExecutorError, ValueError):
    """No built-in or plugin-registered executor has the name asked for (a usage error)."""

    exit_code = 2


@runtime_checkable
class Mapper(Protocol):
    """Runs ``function(chunk, *extra_args)`` for every chunk, somewhere."""

    name: str

    def workers(self) -> int:
        """How many chunks run at once (used to size chunks)."""

    def map(self, function: Callable[..., Any], chunks: Sequence[Any],
            extra_args: tuple = ()) -> AsyncGenerator[tuple[int, Any], None]:
        """Yield ``(index of the chunk, function(chunk, *extra_args))`` as chunks finish.

        An exception raised by ``function`` is raised from the iterator. Closing the iterator
        early (``aclose()``, or the consumer being cancelled) cancels the chunks not started.
        """


class PoolMapper:
    """A ``Mapper`` over a ``concurrent.futures.Executor`` (given as a function returning it)."""

    def __init__(self, name: str, pool: Callable[[], Executor], workers: Callable[[], int]) -> None:
        self.name = name
        self._pool = pool
        self._workers = workers

    def workers(self) -> int:
        return self._workers()

    async def map(self, function: Callable[..., Any], chunks: Sequence[Any],
                  extra_args: tuple = ()) -> AsyncGenerator[tuple[int, Any], None]:
        loop = asyncio.get_running_loop()
        pool = self._pool()
        pending = {loop.run_in_executor(pool, functools.partial(function, chunk, *extra_args)): index
                   for index, chunk in enumerate(chunks)}
        try:
            while pending:
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for future in sorted(done, key=pending.__getitem__):
                    index = pending.pop(future)
                    yield index, future.result()
        finally:
            for future in pending:
                future.cancel()


def process_mapper() -> Mapper:
    """The built-in ``"process"`` mapper: the shared process pool (threads with one worker)."""
    return PoolMapper(PROCESS, pools.process_pool, pools.worker_count)


def thread_mapper() -> Mapper:
    """The built-in ``"thread"`` mapper: the shared thread pool."""
    return PoolMapper(THREAD, pools.thread_pool, lambda: max(4, pools.worker_count()))


_BUILTIN: dict[str, Callable[[], Mapper]] = {PROCESS: process_mapper, THREAD: thread_mapper}


def executor_name(name: str | None = None) -> str:
    """The executor to use: ``name``, else ``LIGHTPLUG_EXECUTOR``, else ``"process"``.

    Names are case-insensitive; the address of ``scheme://address`` keeps its case.
    """
    chosen = (name or os.environ.get(EXECUTOR_ENV, "") or DEFAULT_EXECUTOR).strip()
    scheme, address = split_name(chosen)
    if not scheme:
        return DEFAULT_EXECUTOR
    return scheme if address is None else f"{scheme}://{address}"


def split_name(name: str) -> tuple[str, str | None]:
    """``"Dask://Host:8786"`` -> ``("dask", "Host:8786")``; a plain name has no address (None)."""
    if "://" not in name:
        return name.strip().lower(), None
    scheme, _, address = name.partition("://")
    return scheme.strip().lower(), address.strip()


def plugin_executors() -> dict[str, Callable[..., Mapper]]:
    """Executor factories registered by plugins through the ``register_executors`` hook."""
    from ..host import get_host

    found: dict[str, Callable[..., Mapper]] = {}

    def register(name: str, factory: Callable[..., Mapper]) -> None:
        key = str(name).strip().lower()
        if key in _BUILTIN:
            raise ValueError(f"executor name {key!r} is built in and cannot be registered again")
        if not callable(factory):
            raise TypeError(f"register({key!r}, factory): factory must be callable")
        found[key] = factory

    get_host().pm.hook.register_executors(register=register)
    return found


def _unknown(chosen: str, scheme: str, registered: dict, from_env: bool) -> UnknownExecutor:
    """The error for a name nobody registered, saying what is available or what to install."""
    known = ", ".join([*BUILTIN_EXECUTORS, *sorted(registered)])
    source = f" (from {EXECUTOR_ENV})" if from_env else ""
    package = OPTIONAL_SCHEMES.get(scheme)
    if package is None:
        return UnknownExecutor(f"unknown executor {chosen!r}{source}; available: {known}")
    hint = ""
    limit = os.environ.get("LIGHTPLUG_PLUGINS")
    if limit is not None and scheme not in {n.strip() for n in limit.split(",")}:
        hint = f" or is left out by LIGHTPLUG_PLUGINS={limit!r} (add {scheme!r} to it)"
    return UnknownExecutor(f"executor {chosen!r}{source} needs the plugin {package}, which is not "
                           f"installed{hint}; install it with `pip install {package}` (in a lightplug "
                           f"checkout: pip install -e builtin_plugins/{scheme}); available now: {known}")


def get_mapper(name: str | None = None) -> Mapper:
    """The mapper called ``name`` (see ``executor_name``); ``UnknownExecutor`` when there is none."""
    chosen = executor_name(name)
    scheme, address = split_name(chosen)
    factory: Callable[..., Mapper] | None = _BUILTIN.get(chosen)
    if factory is None:
        registered = plugin_executors()
        factory = registered.get(scheme)
        if factory is None:
            raise _unknown(chosen, scheme, registered, from_env=not name)
    if address is not None:
        try:
            inspect.signature(factory).bind(address)
        except TypeError:
            raise UnknownExecutor(f"executor {scheme!r} takes no address; use {scheme!r} alone, "
                                  f"not {chosen!r}") from None
        except ValueError:  # no signature (a builtin): let the call decide
            pass
        mapper = factory(address)
    else:
        mapper = factory()
    if not callable(getattr(mapper, "map", None)):
        raise TypeError(f"executor {chosen!r}: its factory returned {type(mapper).__name__}, "
                        "which has no map(function, chunks, extra_args) method")
    return mapper
