"""Panoptic's ``Task``: background work a plugin queues with ``project.add_task``; the core's
``WorkQueue`` (``lightplug.work_queue``) runs it."""

from __future__ import annotations

from typing import Any, Callable

from ...parallel import in_process, in_thread


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
