"""The project's work queue: background work (plugin tasks) run after a run or an import.

Work items are duck-typed: ``async run()``, ``async run_if_last()``, ``priority``, ``name`` and
``key`` (Panoptic's ``Task`` has them); a dialect puts them here, the runner drains the queue.
"""

from __future__ import annotations

import inspect
import sys
import traceback
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

    from rich.console import Console


@dataclass
class TaskFailure:
    """A task that raised: its key, name and error."""

    key: str
    name: str
    error: str
    traceback: str


class WorkQueue:
    """Runs queued work concurrently (one per core, priority first) until none is left."""

    def __init__(self) -> None:
        self.pending: list[Any] = []
        self.failures: list[TaskFailure] = []

    def add(self, task: Any) -> None:
        """Queue ``task``; it runs before the current command ends."""
        if not inspect.iscoroutinefunction(getattr(task, "run", None)):
            raise TypeError(f"add_task() takes a Task (with an async run()), not {type(task).__name__}")
        self.pending.append(task)

    async def run_all(self, console: Console | None = None) -> list[TaskFailure]:
        """Run every queued task (and those they queue); returns the failures of this call."""
        if not self.pending:
            return []
        from .compute.pools import worker_count
        from .compute.progress import progress_bars

        first_failure = len(self.failures)
        totals: Counter[str] = Counter()
        done: Counter[str] = Counter()
        bars: dict[str, Any] = {}
        running: dict[asyncio.Future, Any] = {}
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
        import asyncio

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

    async def _guard(self, task: Any, method: str) -> None:
        try:
            await getattr(task, method)()
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - one failed task must not stop the others
            failure = TaskFailure(key=str(task.key), name=f"{task.name}.{method}",
                                  error=f"{type(exc).__name__}: {exc}",
                                  traceback="".join(traceback.format_exception(exc)))
            self.failures.append(failure)
            print(f"lightplug: task {failure.name} failed: {failure.error}", file=sys.stderr)
