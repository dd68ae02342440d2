"""The shared worker pools: spawned worker processes for CPU-heavy work, threads for blocking calls.

Both are sized by ``worker_count()``: ``LIGHTPLUG_WORKERS``, or the cores this process may
use (its CPU affinity, which a container or ``taskset`` limits). With one worker the "process
pool" is the thread pool, so nothing is spawned. Worker processes ignore SIGINT: Ctrl-C is
handled once, by the main process, which calls ``terminate_workers()`` to stop them at once.
"""

from __future__ import annotations

import atexit
import os
import signal
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # concurrent.futures.process (with multiprocessing) is imported when a pool starts
    from concurrent.futures import ProcessPoolExecutor

WORKERS_ENV = "LIGHTPLUG_WORKERS"

# glibc returning memory to the system after every decoded image can cost more than the
# decode itself; these settings keep it in the worker processes (see docs/architecture.md).
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "4194304", "MALLOC_TRIM_THRESHOLD_": "67108864"}
# each worker is one of worker_count() processes: BLAS threads inside it only contend for the
# same cores (OpenBLAS's spinning threads made small matrix products 3-4x dearer in CPU time)
THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

_processes: Executor | None = None
_threads: ThreadPoolExecutor | None = None
_sizes: dict[str, int] = {}  # worker count each pool was made with


def worker_count() -> int:
    """How many workers to use: ``LIGHTPLUG_WORKERS`` or the number of usable cores."""
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _ignore_sigint() -> None:
    """Pool initializer: a worker leaves Ctrl-C to the main process, gets one BLAS thread
    (set here, before the worker imports numpy, so the main process keeps its own threads)
    and exits without the collector's final pass."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .spawn import unblock_sigint

    unblock_sigint()  # blocked since the worker started (spawn.QuietStartProcess); ignored now
    for key, value in THREAD_ENV.items():
        os.environ.setdefault(key, value)
    _die_with_parent()
    import gc

    # at exit, the modules and plugins a worker loaded are freed by the process ending: spare the
    # interpreter's final collection walking them (the main process waits for its workers to end)
    atexit.register(gc.freeze)


def _die_with_parent() -> None:
    """Linux: have the kernel kill this worker when the process that started it dies (even by
    ``kill -9``), so no worker outlives its command holding its pipes open."""
    import sys

    if not sys.platform.startswith("linux"):
        return
    import multiprocessing

    starter = multiprocessing.parent_process()
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if starter is not None and os.getppid() != starter.pid:  # it died while this worker started
        os._exit(1)


def process_pool() -> Executor:
    """The shared process pool (spawned workers), or the thread pool when one worker is configured.

    The pool is made again when ``worker_count()`` has changed since it was made.
    """
    global _processes
    count = worker_count()
    if _processes is not None and _sizes.get("processes") != count:
        _forget_processes(wait=False)
    if _processes is None:
        if count == 1:
            _processes = thread_pool()
        else:
            from concurrent.futures import ProcessPoolExecutor

            from .spawn import QuietSpawnContext

            for key, value in MALLOC_ENV.items():  # read by glibc at the workers' start
                os.environ.setdefault(key, value)
            _processes = ProcessPoolExecutor(max_workers=count, initializer=_ignore_sigint,
                                             mp_context=QuietSpawnContext())
        _sizes["processes"] = count
    return _processes


def thread_pool() -> ThreadPoolExecutor:
    """The shared thread pool for blocking I/O and library calls: ``max(4, worker_count())`` threads."""
    global _threads
    size = max(4, worker_count())
    if _threads is not None and _sizes.get("threads") != size:
        if _processes is _threads:
            _forget_processes(wait=False)
        _threads.shutdown(wait=False)
        _threads = None
    if _threads is None:
        _threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="lightplug")
        _sizes["threads"] = size
    return _threads


def warm_up(modules: tuple[str, ...] = ()) -> None:
    """Start the process pool's workers now, each importing ``modules``, without waiting for them.

    Spawning a worker and importing numpy, Pillow and lightplug in it takes ~0.4 s: started
    before the caller loads its plugins (an import does), the workers do it on the other core
    meanwhile. Nothing happens with one worker (the pool is then the thread pool).
    """
    if not uses_processes():
        return
    pool = process_pool()
    for _ in range(worker_count()):
        pool.submit(_import_modules, modules)


def _import_modules(modules: tuple[str, ...]) -> None:
    """In a worker: import ``modules``; one that fails is left for the real work to report."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the work that needs it raises the real error
            pass


def uses_processes() -> bool:
    """Whether ``process_pool()`` runs work in worker processes (more than one worker)."""
    return worker_count() > 1


async def in_thread(function, *args):
    """Await blocking ``function(*args)`` run in the shared thread pool."""
    import asyncio
    import functools

    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(thread_pool(), functools.partial(function, *args))


async def in_process(function, *args):
    """Await CPU-heavy, picklable ``function(*args)`` run in the shared process pool."""
    import asyncio
    import functools

    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(process_pool(), functools.partial(function, *args))


def _forget_processes(wait: bool) -> None:
    global _processes
    pool, _processes = _processes, None
    _sizes.pop("processes", None)
    if pool is not None and pool is not _threads:
        pool.shutdown(wait=wait, cancel_futures=True)


def terminate_workers() -> None:
    """Kill the process pool's workers now and forget both pools (for Ctrl-C).

    Queued work is cancelled, running work is lost, nothing waits for it; the next
    ``process_pool()`` starts fresh workers.
    """
    global _processes, _threads
    pool, threads = _processes, _threads
    _processes = _threads = None
    _sizes.clear()
    if pool is not None and not isinstance(pool, ThreadPoolExecutor):  # the process pool
        _quiet_broken_pool_thread()
        workers = list((getattr(pool, "_processes", None) or {}).values())
        for process in workers:
            if process.is_alive():
                process.terminate()
        for process in workers:
            process.join(timeout=2)
            if process.exitcode is None and _running(process.pid):
                process.kill()  # ignored SIGTERM
        # no cancel_futures: the pool's own thread fails the pending futures (BrokenProcessPool);
        # cancelling them too races with it (InvalidStateError printed from that thread)
        pool.shutdown(wait=False)
    if threads is not None:
        threads.shutdown(wait=False, cancel_futures=True)


def _running(pid: int | None) -> bool:
    """Whether ``pid`` is a live (not zombie) process; ``is_alive()`` says True for a worker
    that the pool's own thread reaped first, so the check goes to the system."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (FileNotFoundError, IndexError):
        return False
    except OSError:  # no /proc (not Linux): trust multiprocessing
        return True


def _quiet_broken_pool_thread() -> None:
    """Silence the ``InvalidStateError`` that Python < 3.12's pool thread raises when it fails futures
    that were cancelled already (``Executor.map`` cancels them when its consumer is interrupted)."""
    import threading
    from concurrent.futures import InvalidStateError

    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is not InvalidStateError:
            previous(args)

    threading.excepthook = hook


@atexit.register
def shutdown() -> None:
    """Stop the pools, letting running work finish (called at exit)."""
    global _processes, _threads
    for pool in (_processes, _threads):
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    _processes = _threads = None
    _sizes.clear()
