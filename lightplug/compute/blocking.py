"""A mapper's chunks for synchronous code: run on an event loop in a background thread, in order.

``ordered_chunks(mapper, function, chunks, extra_args)`` is what the importer (synchronous,
batch by batch) uses to put its per-file work on any executor. Results come back in input
order, so files are recorded in the same order as with local work; a mapper that can keep
order itself (``RemoteMapper``, ``ordered=True``) bounds how many chunks are in flight, and
at most ``QUEUE`` finished chunks wait for the caller. Closing the iterator (the caller is
done, raised, or got Ctrl-C) cancels the work not finished and waits briefly for the thread.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import aclosing
from typing import Any, cast

from .executors import Mapper

QUEUE = 2  # finished chunks waiting for the caller
_END = object()


def _takes_ordered(mapper: Mapper) -> bool:
    try:
        return "ordered" in inspect.signature(mapper.map).parameters
    except (TypeError, ValueError):
        return False


def ordered_chunks(mapper: Mapper, function: Callable[..., Any], chunks: Sequence[Any],
                   extra_args: tuple = ()) -> Iterator[tuple[int, Any]]:
    """Yield ``(chunk index, function(chunk, *extra_args))`` in input order, computed by ``mapper``."""
    if not chunks:
        return
    loop = asyncio.new_event_loop()
    queue: asyncio.Queue = asyncio.Queue(QUEUE)
    ordered = _takes_ordered(mapper)
    stopped = threading.Event()

    async def produce() -> None:
        try:
            stream = cast(Any, mapper).map(function, chunks, tuple(extra_args), ordered=True) if ordered \
                else mapper.map(function, chunks, tuple(extra_args))
            async with aclosing(stream):
                async for index, outputs in stream:
                    await queue.put((index, outputs, None))
            await queue.put((None, None, _END))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            await queue.put((None, None, exc))

    tasks: list[asyncio.Task] = []

    def start() -> None:
        tasks.append(loop.create_task(produce()))
        tasks[0].add_done_callback(lambda _: stopped.set())  # also when cancelled before it ran

    thread = threading.Thread(target=loop.run_forever, name="lightplug-mapper", daemon=True)
    thread.start()
    loop.call_soon_threadsafe(start)
    waiting: dict[int, Any] = {}
    following = 0
    getter = None
    try:
        while following < len(chunks):
            getter = asyncio.run_coroutine_threadsafe(queue.get(), loop)
            index, outputs, end = getter.result()
            if end is _END:
                break
            if end is not None:
                raise end
            waiting[index] = outputs
            while following in waiting:
                yield following, waiting.pop(following)
                following += 1
    finally:
        # the work not finished is cancelled (by the mapper: on the cluster too), then the loop stops
        if getter is not None:
            getter.cancel()
        loop.call_soon_threadsafe(lambda: [t.cancel() for t in tasks])
        stopped.wait(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        if not thread.is_alive():
            loop.close()
