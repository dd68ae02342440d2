"""Background tasks (Panoptic's ``Task``) and the queue that runs them with progress bars."""

from __future__ import annotations

import asyncio
import sys
import traceback
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from .parallel import in_process, in_thread, worker_count

if TYPE_CHECKING:
    from rich.console import Console


class Task:
    """A unit of background work. Subclasses implement ``run`` and may set ``name`` and ``key``.

    ``run_if_last`` runs once, after the last task with the same ``key`` has finished.
    """

    def __init__(self, priority: bool = False) -> None:
        self.priority = priority
        self.name = type(self).__name__
        self.key = type(self).__name__

    async def run(self) -> Any:
        """The work itself."""

    async def run_if_last(self) -> Any:
        """Called once after the last task of this ``key``."""

    async def run_async(self, function: Callable, *args: Any) -> Any:
        """Run a blocking ``function(*args)`` in a worker thread."""
        return await in_thread(function, *args)

    async def run_in_process(self, function: Callable, *args: Any) -> Any:
        """Run a CPU-heavy, picklable top-level ``function(*args)`` in the process pool."""
        return await in_process(function, *args)


@dataclass
class TaskFailure:
    """A task that raised: its key, name and error."""

    key: str
    name: str
    error: str
    traceback: str


class TaskQueue:
    """Runs queued tasks concurrently (one per core, priority first) until none is left."""

    def __init__(self) -> None:
        self.pending: list[Task] = []
        self.failures: list[TaskFailure] = []

    def add(self, task: Task) -> None:
        """Queue ``task``; it runs before the current command ends."""
        if not isinstance(task, Task):
            raise TypeError(f"add_task() takes a Task, not {type(task).__name__}")
        self.pending.append(task)

    async def run_all(self, console: Console | None = None) -> list[TaskFailure]:
        """Run every queued task (and those they queue); returns the failures of this call."""
        if not self.pending:
            return []
        from .compute.progress import progress_bars

        first_failure = len(self.failures)
        totals: Counter[str] = Counter()
        done: Counter[str] = Counter()
        bars: dict[str, Any] = {}
        running: dict[asyncio.Task, Task] = {}
        limit = max(2, worker_count() * 2)
        show = console is not None and console.is_terminal
        progress = progress_bars(console, disable=not show)
        with progress:
            try:
                await self._drain(running, totals, done, bars, progress, limit)
            finally:  # cancelled (Ctrl-C): stop the tasks still running
                for fut in running:
                    fut.cancel()
        return self.failures[first_failure:]

    async def _drain(self, running: dict, totals: Counter[str], done: Counter[str], bars: dict[str, Any],
                     progress: Any, limit: int) -> None:
        """Start queued tasks (at most ``limit`` at once) until every one has finished."""
        while self.pending or running:
            while self.pending and len(running) < limit:
                self.pending.sort(key=lambda t: not t.priority)
                task = self.pending.pop(0)
                key = str(task.key)
                totals[key] += 1
                if key not in bars:
                    bars[key] = progress.add_task(task.name, total=0)
                running[asyncio.ensure_future(self._guard(task, "run"))] = task
            for key, bar in bars.items():
                progress.update(bar, total=totals[key], completed=done[key])
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for fut in finished:
                task = running.pop(fut)
                key = str(task.key)
                done[key] += 1
                progress.update(bars[key], total=totals[key], completed=done[key])
                still = any(str(t.key) == key for t in [*self.pending, *running.values()])
                if not still:
                    await self._guard(task, "run_if_last")

    async def _guard(self, task: Task, method: str) -> None:
        try:
            await getattr(task, method)()
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - one failed task must not stop the others
            failure = TaskFailure(key=str(task.key), name=f"{task.name}.{method}",
                                  error=f"{type(exc).__name__}: {exc}",
                                  traceback="".join(traceback.format_exception(exc)))
            self.failures.append(failure)
            print(f"lightplug: task {failure.name} failed: {failure.error}", file=sys.stderr)
