"""Where chunks of work run: the ``Mapper`` seam, its two built-ins, and choosing one by name.

A mapper runs one picklable function over chunks of work and yields ``(chunk_index, result)``
pairs as the chunks finish (completion order, not submission order). Built in:

* ``"process"``: the shared process pool (``pools.process_pool()``; threads with one worker);
* ``"thread"``: the shared thread pool.

The name comes from the ``executor`` argument, else ``LIGHTPLUG_EXECUTOR``, else
``"process"``. Plugins add mappers with the hook ``register_executors(register)``, calling
``register(name, factory)`` where ``factory()`` returns a ``Mapper``; the hook is only called
when a name that is not built in is asked for.
"""

from __future__ import annotations

import asyncio
import functools
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


class UnknownExecutor(ValueError):
    """No built-in or plugin-registered executor has the name asked for."""


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
    """The executor to use: ``name``, else ``LIGHTPLUG_EXECUTOR``, else ``"process"``."""
    chosen = (name or os.environ.get(EXECUTOR_ENV, "") or DEFAULT_EXECUTOR).strip().lower()
    return chosen or DEFAULT_EXECUTOR


def plugin_executors() -> dict[str, Callable[[], Mapper]]:
    """Executor factories registered by plugins through the ``register_executors`` hook."""
    from ..host import get_host

    found: dict[str, Callable[[], Mapper]] = {}

    def register(name: str, factory: Callable[[], Mapper]) -> None:
        key = str(name).strip().lower()
        if key in _BUILTIN:
            raise ValueError(f"executor name {key!r} is built in and cannot be registered again")
        if not callable(factory):
            raise TypeError(f"register({key!r}, factory): factory must be callable")
        found[key] = factory

    get_host().pm.hook.register_executors(register=register)
    return found


def get_mapper(name: str | None = None) -> Mapper:
    """The mapper called ``name`` (see ``executor_name``); ``UnknownExecutor`` when there is none."""
    chosen = executor_name(name)
    factory = _BUILTIN.get(chosen)
    if factory is None:
        registered = plugin_executors()
        factory = registered.get(chosen)
        if factory is None:
            known = ", ".join([*BUILTIN_EXECUTORS, *sorted(registered)])
            source = "" if name else f" (from {EXECUTOR_ENV})"
            raise UnknownExecutor(f"unknown executor {chosen!r}{source}; available: {known}")
    mapper = factory()
    if not callable(getattr(mapper, "map", None)):
        raise TypeError(f"executor {chosen!r}: its factory returned {type(mapper).__name__}, "
                        "which has no map(function, chunks, extra_args) method")
    return mapper
