"""Chunks on a cluster (Dask, Ray): what every engine plugin shares, engine-neutral.

``RemoteMapper`` is a ``Mapper`` whose chunks run as tasks of a distributed engine. An engine
plugin subclasses it and provides ``workers``, ``_submit`` and ``_cancel`` (and may ``_put``
large arguments into the engine's object store and ``_failure`` to explain its own errors).
The base class does the rest, the same for every engine:

* **Tasks and backpressure**: consecutive chunks travel as one task of about ``TASK_ITEMS``
  items (an engine spends milliseconds on each task); at most ``window()`` tasks are submitted
  and not yet handed to the caller (``LIGHTPLUG_IN_FLIGHT`` per worker, default 3), so the
  client's memory is bounded whatever the number of images; with ``ordered=True`` chunks are
  handed over in input order.
* **Paths**: ``LIGHTPLUG_PATH_MAP=/local/prefix=/cluster/prefix[;...]`` rewrites the paths
  of a chunk before it is sent; ``LIGHTPLUG_SHIP_BYTES=1`` sends the files' bytes instead
  (the worker writes them to a temporary folder for the function and deletes them after).
  A worker that cannot see a path gives ``PathNotVisible`` naming it and the fixes.
* **Packages**: the function and its arguments travel pickled and are unpickled by
  ``run_chunk`` on the worker, so a worker without the plugin's package gives
  ``MissingOnWorker`` saying what to install, not an engine traceback.
* **Settings**: the command's limits on what is read and decoded (``LIGHTPLUG_MAX_*``) apply
  in its tasks, whatever the workers' own environment.
* **Cancellation**: closing the iterator (Ctrl-C, an error) cancels every task not finished.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import pickle
import socket
import threading
from collections.abc import AsyncGenerator, Callable, Sequence
from concurrent.futures import Future
from typing import Any, NamedTuple

from ..scan import environment
from .executors import ExecutorError

PATH_MAP_ENV = "LIGHTPLUG_PATH_MAP"
SHIP_BYTES_ENV = "LIGHTPLUG_SHIP_BYTES"
IN_FLIGHT_ENV = "LIGHTPLUG_IN_FLIGHT"
CONNECT_TIMEOUT_ENV = "LIGHTPLUG_CONNECT_TIMEOUT"
DEFAULT_IN_FLIGHT = 3  # tasks in flight per worker: one running, two queued
TASK_ITEMS = 128  # items (images) per task: an engine spends milliseconds on each task
TASKS_PER_WORKER = 4  # ... but at least this many tasks per worker, when there are enough items
DEFAULT_CONNECT_TIMEOUT = 30.0
LOST_GRACE = 1.0  # seconds to wait, after a task is lost, for the tasks lost with it
FORWARDED_PREFIX = "LIGHTPLUG_MAX_"  # settings of the command that apply in its tasks (forwarded_env)


class PathNotVisible(ExecutorError):
    """A worker cannot see a file the client can."""


class MissingOnWorker(ExecutorError):
    """A worker cannot import a module the work needs (a plugin's package is not installed there)."""


class WorkerLost(ExecutorError):
    """Workers died running a task more often than the engine retries it.

    ``tasks`` holds the items of each task lost at once (an engine fails every task that shared
    the dying worker, not only the one that killed it) and ``detail`` what the engine said.
    """

    def __init__(self, message: str, tasks: Sequence[Sequence[Any]] = (), detail: str = "") -> None:
        super().__init__(message)
        self.tasks = [list(items) for items in tasks]
        self.detail = detail


class ClusterUnreachable(ExecutorError):
    """The cluster's address did not answer (in time)."""


class BadSetting(ExecutorError):
    """A cluster setting (``LIGHTPLUG_PATH_MAP``, ...) cannot be read: a usage error."""

    exit_code = 2


class Shipped(NamedTuple):
    """A file sent by value: its name (the worker keeps it) and its bytes (None: unreadable here)."""

    name: str
    data: bytes | None


# ------------------------------------------------------------------------------ settings


def path_map() -> list[tuple[str, str]]:
    """``LIGHTPLUG_PATH_MAP`` as ``(local prefix, cluster prefix)`` pairs, longest local first."""
    text = os.environ.get(PATH_MAP_ENV, "").strip()
    pairs = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        local, sep, remote = part.partition("=")
        if not sep or not local.strip() or not remote.strip():
            raise BadSetting(f"{PATH_MAP_ENV}: {part!r} is not LOCAL_PREFIX=CLUSTER_PREFIX "
                             f"(e.g. /mnt/photos=/data/photos; several separated by ';')")
        pairs.append((_prefix(local), _prefix(remote)))
    return sorted(pairs, key=lambda p: -len(p[0]))


def _prefix(path: str) -> str:
    path = path.strip()
    return path.rstrip("/") or "/"


def map_path(path: str, pairs: Sequence[tuple[str, str]]) -> str:
    """``path`` with the first (longest) matching local prefix of ``pairs`` replaced."""
    for local, remote in pairs:
        if local == "/":
            return remote.rstrip("/") + path
        if path == local or path.startswith(local + "/"):
            return remote + path[len(local):]
    return path


def ship_bytes() -> bool:
    """Whether ``LIGHTPLUG_SHIP_BYTES`` asks to send file contents instead of paths."""
    return os.environ.get(SHIP_BYTES_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def connect_timeout() -> float:
    """Seconds to wait for a cluster address to answer (``LIGHTPLUG_CONNECT_TIMEOUT``, default 30)."""
    try:
        value = float(os.environ.get(CONNECT_TIMEOUT_ENV, "") or DEFAULT_CONNECT_TIMEOUT)
    except ValueError:
        raise BadSetting(f"{CONNECT_TIMEOUT_ENV} must be a number of seconds") from None
    return max(0.1, value)


def in_flight_per_worker() -> int:
    """Tasks kept in flight per worker (``LIGHTPLUG_IN_FLIGHT``, default 3)."""
    text = os.environ.get(IN_FLIGHT_ENV, "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else DEFAULT_IN_FLIGHT


def _is_path(item: Any) -> bool:
    return isinstance(item, str) and item.startswith("/")


def prepare(chunk: Sequence[Any], pairs: Sequence[tuple[str, str]], ship: bool) -> list:
    """The chunk as sent: paths mapped (``pairs``) or, with ``ship``, replaced by ``Shipped``."""
    if not ship:
        return [map_path(item, pairs) if _is_path(item) else item for item in chunk]
    out: list = []
    for item in chunk:
        if not _is_path(item):
            out.append(item)
            continue
        try:
            with open(item, "rb") as handle:
                out.append(Shipped(os.path.basename(item), handle.read()))
        except OSError:
            out.append(Shipped(os.path.basename(item), None))  # the function says why, as locally
    return out


def with_timeout(connect: Callable[[], Any], seconds: float, what: str, grace: float = 0.0) -> Any:
    """``connect()`` in a daemon thread; ``ClusterUnreachable`` when it takes over ``seconds``
    (plus ``grace``, for an engine that enforces ``seconds`` itself and explains better).

    An exception it raises is raised here. (A connection attempt that hangs is left behind in
    its daemon thread: the command ends with the error anyway.)
    """
    box: dict[str, Any] = {}

    def attempt() -> None:
        try:
            box["value"] = connect()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=attempt, name="lightplug-connect", daemon=True)
    thread.start()
    thread.join(seconds + grace)
    if thread.is_alive():
        raise ClusterUnreachable(f"{what} did not answer within {seconds:g} s; check the address, that the "
                                 f"cluster runs there and that this machine can reach it (or raise "
                                 f"{CONNECT_TIMEOUT_ENV})")
    if "error" in box:
        raise box["error"]
    return box.get("value")


# ------------------------------------------------------------------------------ worker side

_ARGS: dict[str, Any] = {}  # unpickled (extra arguments, environment) by token, a few per worker process


def _loads_args(token: str, blob: bytes) -> Any:
    if token not in _ARGS:
        while len(_ARGS) >= 4:
            _ARGS.pop(next(iter(_ARGS)))
        _ARGS[token] = pickle.loads(blob)
    return _ARGS[token]


def forwarded_env() -> dict[str, str]:
    """The command's settings that change what a worker computes and so travel with its tasks:
    the limits on what is read and decoded (``LIGHTPLUG_MAX_PIXELS``, ``LIGHTPLUG_MAX_FILE_BYTES``)."""
    return {k: v for k, v in os.environ.items() if k.startswith(FORWARDED_PREFIX)}


def run_chunk(call: bytes, chunks: list, args: bytes, token: str) -> tuple:
    """Worker side of ``RemoteMapper``: one task runs the function over each of ``chunks``.

    Returns ``("ok", [outputs of each chunk])``, ``("path", path, host)`` for a path this worker
    cannot see, or ``("module", name, host, message)`` for a module it cannot import. ``Shipped``
    items are written to a temporary folder and the function gets their paths.
    """
    import shutil
    import tempfile

    host = socket.gethostname()
    try:
        function = pickle.loads(call)
        extra, env = _loads_args(token, args)
    except ModuleNotFoundError as exc:
        return ("module", exc.name or str(exc), host, str(exc))
    except AttributeError as exc:  # the module is there, in another version without the function
        return ("module", "", host, str(exc))
    folder = None
    outputs = []
    shipped = 0
    try:
        for items in chunks:
            paths: list = []
            for item in items:
                if isinstance(item, Shipped):
                    folder = folder or tempfile.mkdtemp(prefix="lightplug-shipped-")
                    shipped += 1
                    path = os.path.join(folder, f"{shipped:05d}-{item.name}")
                    with open(path, "wb") as handle:
                        handle.write(item.data or b"")
                    if item.data is None:  # unreadable on the client: the function says why, as there
                        os.unlink(path)
                    paths.append(path)
                elif _is_path(item) and not os.path.lexists(item):
                    return ("path", item, host)
                else:
                    paths.append(item)
            try:
                with environment(env):
                    outputs.append(list(function(paths, *extra)))
            except ModuleNotFoundError as exc:
                return ("module", exc.name or str(exc), host, str(exc))
        return ("ok", outputs)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------------------ client side


def _dumps(value: Any) -> bytes:
    """Pickle ``value`` (by reference where possible; lambdas and local functions with cloudpickle,
    which both engines bring)."""
    try:
        if getattr(value, "__module__", None) == "__main__":
            raise pickle.PicklingError("a function of __main__ is sent by value")
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError):
        import cloudpickle

        return cloudpickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def distribution_of(module: str) -> str | None:
    """The installed distribution that provides top-level ``module`` here (on the client)."""
    from importlib import metadata

    top = module.split(".")[0]
    found = metadata.packages_distributions().get(top) or []
    return found[0] if found else None


class RemoteMapper:
    """A ``Mapper`` over an engine's tasks; engines subclass it (see the module docstring)."""

    name: str = "remote"

    def workers(self) -> int:
        """How many chunks the cluster runs at once (its worker threads or CPUs)."""
        raise NotImplementedError

    def window(self) -> int:
        """How many tasks may be in flight: ``LIGHTPLUG_IN_FLIGHT`` per worker, at least 2."""
        return max(2, in_flight_per_worker() * max(1, self.workers()))

    # -- what an engine provides -------------------------------------------------------
    def _put(self, blob: bytes) -> Any:
        """Store ``blob`` (the pickled extra arguments) once; what tasks receive instead of it."""
        return blob

    def _submit(self, call: bytes, items: list, args: Any, token: str) -> tuple[Future, Any]:
        """Start ``run_chunk(call, items, args, token)``: a future of its result, and a handle
        that ``_cancel`` accepts."""
        raise NotImplementedError

    def _cancel(self, handles: list[Any]) -> None:
        """Cancel the tasks of ``handles`` (queued or running)."""

    def _failure(self, exc: BaseException, chunk: Sequence[Any]) -> BaseException:
        """The exception to raise for a task that failed with ``exc`` (an engine's own error
        becomes a clear ``ExecutorError``; the function's own exception is kept)."""
        return exc

    # -- the Mapper method -------------------------------------------------------------
    async def map(self, function: Callable[..., Any], chunks: Sequence[Any], extra_args: tuple = (),
                  *, ordered: bool = False) -> AsyncGenerator[tuple[int, Any], None]:
        """Yield ``(chunk index, outputs)`` as chunks finish (in input order with ``ordered``).

        Consecutive chunks travel together as one task (``task_groups``): a task costs an engine
        milliseconds of scheduling, whatever its size.
        """
        from .pools import in_thread

        call = _dumps(function)
        blob = _dumps((tuple(extra_args), forwarded_env()))
        token = hashlib.sha1(blob).hexdigest()
        args = self._put(blob)
        pairs, ship = path_map(), ship_bytes()
        tasks = task_groups(chunks, self.workers())
        window = self.window()
        pending: dict[asyncio.Future, int] = {}
        handles: dict[int, Any] = {}
        finished: dict[int, list] = {}
        submitted = handed = 0  # tasks
        try:
            while handed < len(tasks):
                in_flight = submitted - handed if ordered else len(pending)
                while submitted < len(tasks) and in_flight < window:
                    group = [chunks[i] for i in tasks[submitted]]
                    items = await in_thread(lambda: [prepare(c, pairs, True) for c in group]) if ship \
                        else [prepare(c, pairs, False) for c in group]
                    task, handle = self._submit(call, items, args, token)
                    pending[asyncio.wrap_future(task)] = submitted
                    handles[submitted] = handle
                    submitted += 1
                    in_flight += 1
                if pending:
                    done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    for waited in sorted(done, key=pending.__getitem__):
                        number = pending.pop(waited)
                        handles.pop(number, None)
                        group = [chunks[i] for i in tasks[number]]
                        try:
                            finished[number] = await self._outputs(waited, group, function, extra_args, pairs)
                        except WorkerLost as lost:
                            raise await self._lost_with(lost, pending, tasks, chunks) from lost
                ready = sorted(finished) if not ordered else []
                if ordered:
                    while handed + len(ready) in finished:
                        ready.append(handed + len(ready))
                for number in ready:
                    handed += 1
                    for index, outputs in zip(tasks[number], finished.pop(number)):
                        yield index, outputs
        finally:
            for waited in pending:
                waited.cancel()
            if handles:
                self._cancel(list(handles.values()))

    async def _lost_with(self, lost: WorkerLost, pending: dict[asyncio.Future, int],
                         tasks: list[list[int]], chunks: Sequence[Any]) -> WorkerLost:
        """``lost`` naming every task lost with it: the engine fails the tasks that shared the
        dying worker too, and which of them killed it is not known (``LOST_GRACE``)."""
        if pending:
            await asyncio.wait(pending, timeout=LOST_GRACE)
        together = list(lost.tasks)
        for waited, number in sorted(pending.items(), key=lambda pair: pair[1]):
            error = waited.exception() if waited.done() and not waited.cancelled() else None
            if error is not None:
                failure = self._failure(error, [item for i in tasks[number] for item in chunks[i]])
                if isinstance(failure, WorkerLost):
                    together.extend(failure.tasks)
        return lost if len(together) == len(lost.tasks) else worker_lost(self.name, together, lost.detail)

    def _missing(self, module: str, host: str | None, message: str) -> MissingOnWorker:
        """The error for a worker that cannot import ``module`` (``""``: a function it lacks)."""
        dist = distribution_of(module) if module else None
        what = (f"the package {dist} (pip install {dist})" if dist
                else f"the package that provides {module!r}" if module
                else "the same versions of lightplug and of the plugin's package as here")
        where = f" ({host})" if host else ""
        return MissingOnWorker(f"a worker of {self.name}{where} cannot load the work ({message}): "
                               f"install {what} on every worker, in the same version as here")

    async def _outputs(self, future: asyncio.Future, group: list, function: Callable[..., Any],
                       extra_args: tuple, pairs: Sequence[tuple[str, str]]) -> list:
        """The outputs of each chunk of one finished task, or the clear error its result stands for."""
        from .pools import in_thread

        try:
            tagged = future.result()
        except asyncio.CancelledError:
            raise
        except ModuleNotFoundError as exc:  # the engine could not even unpickle the task
            raise self._missing(exc.name or "", None, str(exc)) from exc
        except Exception as exc:  # noqa: BLE001 - explained or re-raised as is
            raise self._failure(exc, [item for chunk in group for item in chunk]) from exc
        if tagged[0] == "ok":
            return tagged[1]
        if tagged[0] == "module":
            raise self._missing(*tagged[1:])
        _, seen, host = tagged
        local = next((p for chunk in group for p in chunk if _is_path(p) and map_path(p, pairs) == seen), seen)
        if not os.path.exists(local):  # gone here too: let the function report it, as locally
            return await in_thread(lambda: [list(function(list(chunk), *extra_args)) for chunk in group])
        shown = f"{local} (sent as {seen})" if seen != local else local
        raise PathNotVisible(
            f"a worker of {self.name} ({host}) cannot see {shown}: mount the same files on the workers at "
            f"the same path, or map the paths with {PATH_MAP_ENV}=/local/prefix=/cluster/prefix, or set "
            f"{SHIP_BYTES_ENV}=1 to send the files' bytes")


def task_groups(chunks: Sequence[Any], workers: int) -> list[list[int]]:
    """Consecutive chunk indices grouped into tasks of about ``TASK_ITEMS`` items, fewer when
    that leaves under ``TASKS_PER_WORKER`` tasks per worker (so that every worker has work)."""
    sizes = [len(c) if hasattr(c, "__len__") else 1 for c in chunks]
    target = max(1, min(TASK_ITEMS, math.ceil(sum(sizes) / (TASKS_PER_WORKER * max(1, workers)))))
    groups: list[list[int]] = []
    current: list[int] = []
    count = 0
    for index, size in enumerate(sizes):
        current.append(index)
        count += size
        if count >= target:
            groups.append(current)
            current, count = [], 0
    if current:
        groups.append(current)
    return groups


def worker_lost(name: str, tasks: Sequence[Sequence[Any]], detail: str) -> WorkerLost:
    """``WorkerLost`` for the tasks of ``tasks`` (the items of each), lost at once on ``name``."""
    return WorkerLost(lost_message(name, tasks, detail), tasks, detail)


def lost_message(name: str, tasks: Sequence[Sequence[Any]], detail: str) -> str:
    """The message of ``WorkerLost`` for ``tasks`` (the items of each task lost at once)."""
    firsts = [first for first in (next((str(p) for p in items if _is_path(p)), None) for items in tasks) if first]
    where = f" (the one starting with {firsts[0]})" if len(tasks) == 1 and firsts else ""
    together = ""
    if len(tasks) > 1:
        starts = f" (those starting with {', '.join(firsts)})" if firsts else ""
        together = (f" The engine failed {len(tasks)} tasks{starts} that shared the workers that died; "
                    "one of them is the cause.")
    return (f"workers of {name} died running a task{where} more often than the engine retries it: "
            f"{detail.strip().rstrip('.')}.{together} Every chunk finished before was kept; check the "
            "workers' memory and logs, then run the command again to compute the rest")
