"""Running a function over chunks of items on the chosen executor, as results arrive.

``iter_chunks`` is the primitive ``map_images`` stores from; ``map_chunks`` collects every
result in input order, for work whose results are not vectors (quality scores, say). The
contract of ``function``: ``function(chunk: list, *extra_args) -> list``, one output per item,
a picklable top-level function when the executor is ``"process"``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from typing import Any

from .executors import PROCESS, THREAD, get_mapper
from .progress import bar

INLINE_LIMIT = 32  # fewer items than this run in a thread: starting worker processes costs more
MIN_BATCH, MAX_BATCH = 8, 128


def batch_size_for(count: int, workers: int) -> int:
    """Items per chunk: about four chunks per worker, between 8 and 128 items."""
    return max(MIN_BATCH, min(MAX_BATCH, math.ceil(count / max(1, 4 * workers))))


async def iter_chunks(function: Callable[..., Sequence], items: Sequence[Any], *,
                      extra_args: tuple = (), batch_size: int | None = None,
                      progress: str | None = None, executor: str | None = None,
                      inline_limit: int = INLINE_LIMIT) -> AsyncGenerator[tuple[int, list, list], None]:
    """Yield ``(start, chunk, outputs)`` for each chunk of ``items`` as it finishes.

    ``start`` is the position of the chunk's first item in ``items``. The executor is
    ``executor`` / ``LIGHTPLUG_EXECUTOR`` / ``"process"``; with ``"process"``, fewer than
    ``inline_limit`` items run on threads. ``progress`` labels a bar on stderr (terminals only).
    A ``ValueError`` is raised when ``function`` returns the wrong number of outputs.
    """
    items = list(items)
    if not items:
        return
    mapper = get_mapper(executor)
    if mapper.name == PROCESS and len(items) < inline_limit:
        mapper = get_mapper(THREAD)
    workers = getattr(mapper, "workers", None)
    size = batch_size or batch_size_for(len(items), workers() if callable(workers) else 1)
    starts = list(range(0, len(items), size))
    chunks = [items[s:s + size] for s in starts]
    with bar(progress, len(items), sys.stderr) as advance:
        async with aclosing(mapper.map(function, chunks, tuple(extra_args))) as results:
            async for index, outputs in results:
                outputs = list(outputs)
                if len(outputs) != len(chunks[index]):
                    raise ValueError(f"{getattr(function, '__name__', function)} returned "
                                     f"{len(outputs)} result(s) for {len(chunks[index])} item(s)")
                yield starts[index], chunks[index], outputs
                advance(len(chunks[index]))


async def map_chunks(function: Callable[..., Sequence], items: Sequence[Any], *,
                     extra_args: tuple = (), batch_size: int | None = None,
                     progress: str | None = None, executor: str | None = None,
                     inline_limit: int = INLINE_LIMIT) -> list:
    """``function`` over chunks of ``items`` (see ``iter_chunks``); the outputs in input order."""
    out: list = [None] * len(items)
    async with aclosing(iter_chunks(function, items, extra_args=extra_args, batch_size=batch_size,
                                    progress=progress, executor=executor,
                                    inline_limit=inline_limit)) as results:
        async for start, _, outputs in results:
            out[start:start + len(outputs)] = outputs
    return out
