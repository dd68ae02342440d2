"""Worker processes that a Ctrl-C cannot catch half-started.

The pool's workers are spawned (a fresh interpreter each) and ignore SIGINT once their
initializer has run; a Ctrl-C that arrived while one was still importing used to interrupt it
with a traceback. Here SIGINT is blocked while a worker starts: the mask is inherited through
fork and exec, so the new interpreter starts with SIGINT blocked until its initializer ignores
it. The starting thread blocks SIGINT only for the duration of ``start()``; a Ctrl-C meanwhile
is delivered to it right after. multiprocessing's resource tracker is started first: starting
it (which the first spawn does) unblocks SIGINT on its way out, and the first worker used to
start with Ctrl-C open to it. (Module level: the process class is pickled to the child.)
"""

from __future__ import annotations

import signal
from multiprocessing.context import SpawnContext, SpawnProcess


class QuietStartProcess(SpawnProcess):
    """A spawned process that starts with SIGINT blocked."""

    def start(self) -> None:
        if not hasattr(signal, "pthread_sigmask"):  # not POSIX: started as multiprocessing does
            super().start()
            return
        from multiprocessing import resource_tracker

        # started now, not inside start(): starting it unblocks SIGINT on its way out (Python 3.11)
        resource_tracker.ensure_running()
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            super().start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class QuietSpawnContext(SpawnContext):
    """multiprocessing's "spawn" context with ``QuietStartProcess``."""

    Process = QuietStartProcess


def unblock_sigint() -> None:
    """In a worker, after SIGINT is ignored: lift the block it started with."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
