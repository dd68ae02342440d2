"""Running plugin coroutines on one event loop, so that Ctrl-C stops them cleanly.

While a coroutine runs, SIGINT cancels it (and every task it started) instead of raising
``KeyboardInterrupt`` in the middle of the event loop: the coroutine's ``finally`` blocks run,
pending tasks are cancelled and awaited, and then ``KeyboardInterrupt`` is raised to the caller
with no asyncio traceback. A second Ctrl-C during that clean-up interrupts at once.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_CLEANUP_SECONDS = 1.0  # how long cancelled tasks get to finish after Ctrl-C
_BLOCKED_SECONDS = 0.5  # after this, a loop stuck in blocking plugin code gets KeyboardInterrupt


def _interrupt_if_stuck(task: asyncio.Task) -> None:
    """Raise ``KeyboardInterrupt`` in the main thread if the cancelled task has not stopped."""
    if not task.done():
        import _thread

        _thread.interrupt_main()


def run_interruptibly(loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, T]) -> T:
    """``loop.run_until_complete(coroutine)``; Ctrl-C cancels it and raises ``KeyboardInterrupt``."""
    task = loop.create_task(coroutine)
    interrupted = threading.Event()
    timers: list[threading.Timer] = []
    previous = None
    if threading.current_thread() is threading.main_thread():

        def on_sigint(signum: int, frame: Any) -> None:
            if interrupted.is_set():  # second Ctrl-C, or the loop is stuck in blocking code: stop now
                raise KeyboardInterrupt
            interrupted.set()
            loop.call_soon_threadsafe(task.cancel)
            timer = threading.Timer(_BLOCKED_SECONDS, _interrupt_if_stuck, (task,))
            timer.daemon = True
            timers.append(timer)
            timer.start()

        previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        return loop.run_until_complete(task)
    except asyncio.CancelledError:
        if interrupted.is_set():
            raise KeyboardInterrupt from None
        raise
    finally:
        if interrupted.is_set():
            _cancel_all(loop)
        for timer in timers:
            timer.cancel()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel the tasks still pending on ``loop`` and give them a moment to finish."""
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for t in pending:
        t.cancel()
    if pending:
        gathered = asyncio.gather(*pending, return_exceptions=True)
        try:
            loop.run_until_complete(asyncio.wait_for(gathered, _CLEANUP_SECONDS))
        except BaseException:  # noqa: BLE001 - best effort: the command is stopping anyway
            pass
