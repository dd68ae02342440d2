"""Panoptic's ``Task``: background work a plugin queues with ``project.add_task``; the core's
``WorkQueue`` (``lightplug.work_queue``) runs it. ``TaskProject`` is what a task reaches as
``self._project``, as in Panoptic's task queue."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable

from ...parallel import in_process, in_thread

if TYPE_CHECKING:
    from ...project import Project


class Task:
    """A unit of background work. Subclasses implement ``run`` and may set ``name`` and ``key``.

    ``run_if_last`` runs once, after the last task with the same ``key`` has finished. When the
    task is queued it gets its project (``set_project``), reachable as ``self._project``.
    """

    def __init__(self, priority: bool = False) -> None:
        self._project: Any = None
        self.has_priority = priority
        self.name = type(self).__name__
        self.key = type(self).__name__

    @property
    def priority(self) -> bool:
        """Whether the task runs before the others (Panoptic's ``has_priority``)."""
        return bool(self.has_priority)

    @priority.setter
    def priority(self, value: bool) -> None:
        self.has_priority = value

    def set_project(self, project: Any) -> None:
        """Give the task its project (done by ``add_task``)."""
        self._project = project

    def get_id(self) -> str:
        """The task's key."""
        return self.key

    async def run(self) -> Any:
        """The work itself."""

    async def run_if_last(self) -> Any:
        """Called once after the last task of this ``key``."""

    async def run_async(self, function: Callable, *args: Any, **kwargs: Any) -> Any:
        """Run a blocking ``function(*args, **kwargs)`` in a worker thread."""
        return await in_thread(functools.partial(function, *args, **kwargs))

    async def run_in_process(self, function: Callable, *args: Any) -> Any:
        """Run a CPU-heavy, picklable top-level ``function(*args)`` in the process pool."""
        return await in_process(function, *args)


class TaskDb:
    """``task._project.db``: Panoptic's image getters, and the plugin interface's readers.

    lightplug keeps no resized copies of images, so ``get_small_image``, ``get_medium_image``,
    ``get_large_image`` and ``get_raw_image`` return None and a task reads the file
    (``instance.url``), which is what Panoptic's tasks do when no copy is stored.
    """

    def __init__(self, project: Project) -> None:
        from .interface import PluginProjectInterface

        self._interface = PluginProjectInterface(project)

    async def get_small_image(self, sha1: str) -> bytes | None:
        """None: no thumbnails are stored."""
        return None

    async def get_medium_image(self, sha1: str) -> bytes | None:
        """None: no resized copies are stored."""
        return None

    async def get_large_image(self, sha1: str) -> bytes | None:
        """None: no resized copies are stored; read ``instance.url``."""
        return None

    async def get_raw_image(self, sha1: str) -> bytes | None:
        """None: files stay where they were imported from."""
        return None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._interface, name)


class TaskProject:
    """What a task reaches as ``self._project``: ``db``, ``run_async``, ``base_path``."""

    def __init__(self, project: Project) -> None:
        self._lightplug_project = project
        self.db = TaskDb(project)
        self.base_path = str(project.root)

    async def run_async(self, function: Callable, *args: Any, **kwargs: Any) -> Any:
        """Await blocking ``function(*args, **kwargs)`` run in the shared thread pool."""
        return await in_thread(functools.partial(function, *args, **kwargs))
