"""A shared process pool so CPU-heavy plugin work uses every core."""

from __future__ import annotations

import atexit
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

# glibc returning memory to the system after every decoded image can cost more than the
# decode itself; these settings keep it in the worker processes (see docs/performance.md).
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "4194304", "MALLOC_TRIM_THRESHOLD_": "67108864"}

_processes: Executor | None = None
_threads: ThreadPoolExecutor | None = None


def worker_count() -> int:
    """How many workers to use: ``LIGHTPLUG_WORKERS`` or the number of usable cores."""
    configured = os.environ.get("LIGHTPLUG_WORKERS")
    if configured and configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def process_pool() -> Executor:
    """The shared process pool (spawned workers), or a thread pool with one worker configured."""
    global _processes
    if _processes is None:
        count = worker_count()
        if count == 1:
            _processes = thread_pool()
        else:
            import multiprocessing

            for key, value in MALLOC_ENV.items():
                os.environ.setdefault(key, value)
            _processes = ProcessPoolExecutor(max_workers=count,
                                             mp_context=multiprocessing.get_context("spawn"))
    return _processes


def thread_pool() -> ThreadPoolExecutor:
    """The shared thread pool for blocking I/O and library calls."""
    global _threads
    if _threads is None:
        _threads = ThreadPoolExecutor(max_workers=max(4, worker_count()))
    return _threads


async def in_thread(function, *args):
    """Await blocking ``function(*args)`` run in the shared thread pool."""
    import asyncio
    import functools

    return await asyncio.get_running_loop().run_in_executor(thread_pool(), functools.partial(function, *args))


async def in_process(function, *args):
    """Await CPU-heavy, picklable ``function(*args)`` run in the shared process pool."""
    import asyncio
    import functools

    return await asyncio.get_running_loop().run_in_executor(process_pool(), functools.partial(function, *args))


@atexit.register
def shutdown() -> None:
    """Stop the pools (called at exit)."""
    global _processes, _threads
    for pool in (_processes, _threads):
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    _processes = _threads = None
