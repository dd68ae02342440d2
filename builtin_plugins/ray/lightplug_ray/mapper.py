"""``RayMapper``: chunks as Ray tasks; one Ray connection per process, closed at exit."""

from __future__ import annotations

import atexit
import concurrent.futures
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from lightplug.compute.executors import ExecutorError, UnknownExecutor
from lightplug.compute.remote import (
    ClusterUnreachable, RemoteMapper, connect_timeout, run_chunk, with_timeout, worker_lost,
)

LOCAL, AUTO = "local", "auto"
PUT_ABOVE = 64 * 1024  # extra arguments larger than this go to the object store once
RETRIES = 3  # a task whose worker died is run again this many times (Ray's default)
_state: dict[str, Any] = {}  # "address": the one Ray connection of this process, "remote": the task


def ray_mapper(address: str | None) -> RayMapper:
    """A ``RayMapper`` on ``address`` (``local``, ``auto`` or ``HOST:PORT`` of a Ray Client server)."""
    if not address:
        raise UnknownExecutor("executor 'ray' needs an address: ray://HOST:10001 (a Ray Client server), "
                              "ray://auto (the cluster this machine belongs to) or ray://local")
    try:
        import ray
    except ImportError:
        raise UnknownExecutor("executor 'ray' needs Ray, which is not installed here: pip install 'ray[client]'") \
            from None
    if _state.get("address") not in (None, address):
        raise UnknownExecutor(f"this command is connected to ray://{_state['address']} already; one Ray "
                              f"cluster per command (asked for ray://{address})")
    if not ray.is_initialized():
        _quiet_stdout()
        _connect(address)
        _state["address"] = address
        atexit.register(close)
    return RayMapper(address)


def _quiet_stdout() -> None:
    """Ray prints the cluster's error messages (a worker died, a task is retried) on the driver's
    stdout, where lightplug writes only data (``--json``): send them to stderr."""
    from ray._private import worker

    show = getattr(worker, "print_to_stdstream", None)
    if show is None or getattr(show, "_lightplug", False):
        return

    def to_stderr(data: dict, ignore_prefix: bool) -> None:
        show({**data, "is_err": True}, ignore_prefix)

    to_stderr._lightplug = True  # type: ignore[attr-defined]
    worker.print_to_stdstream = to_stderr


def _connect(address: str) -> None:
    import ray

    options: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR,
                               "configure_logging": True}
    if address.lower() == LOCAL:
        from lightplug.compute.pools import THREAD_ENV, worker_count

        ray.init(address="local", num_cpus=worker_count(), include_dashboard=False,
                 runtime_env={"env_vars": dict(THREAD_ENV)}, **options)
        return
    timeout = connect_timeout()
    if address.lower() == AUTO:
        target, what = os.environ.get("RAY_ADDRESS") or "auto", "the Ray cluster of this machine"
    else:
        target, what = f"ray://{address}", f"the Ray Client server at {address}"
        _check_client()
    try:
        with_timeout(lambda: ray.init(address=target, **options), timeout, what)
    except ConnectionError as exc:
        raise ClusterUnreachable(f"cannot reach {what}: {exc}; check the address, that the cluster runs "
                                 "(`ray start --head`) and that this machine can reach it") from None


def _check_client() -> None:
    try:
        import grpc  # noqa: F401 - what ray[client] adds
    except ImportError:
        raise UnknownExecutor("ray://HOST:PORT connects through Ray Client, which needs "
                              "pip install 'ray[client]'") from None


def close() -> None:
    """Disconnect from Ray, stopping the local Ray started for this command (called at exit)."""
    import ray

    _state.clear()
    if ray.is_initialized():
        try:
            with contextlib.redirect_stdout(sys.stderr):  # what Ray prints while it stops is not data
                ray.shutdown()
        except Exception:  # noqa: BLE001 - the command is over
            pass


def _remote() -> Any:
    if "remote" not in _state:
        import ray

        _state["remote"] = ray.remote(num_cpus=1, max_retries=RETRIES, retry_exceptions=False)(run_chunk)
    return _state["remote"]


class RayMapper(RemoteMapper):
    """Chunks as Ray tasks (see ``lightplug.compute.remote.RemoteMapper``)."""

    def __init__(self, address: str) -> None:
        self.name = f"ray://{address}"

    def workers(self) -> int:
        import ray

        return max(1, int(ray.cluster_resources().get("CPU", 1)))

    def _put(self, blob: bytes) -> Any:
        import ray

        return blob if len(blob) <= PUT_ABOVE else ray.put(blob)

    def _submit(self, call: bytes, items: list, args: Any, token: str) -> tuple[concurrent.futures.Future, Any]:
        ref = _remote().remote(call, items, args, token)
        return ref.future(), ref

    def _cancel(self, handles: list[Any]) -> None:
        import ray

        for ref in handles:
            try:
                ray.cancel(ref)
            except Exception:  # noqa: BLE001 - finished or gone meanwhile
                pass

    def _failure(self, exc: BaseException, chunk: Sequence[Any]) -> BaseException:
        from ray import exceptions as rx

        if isinstance(exc, (rx.WorkerCrashedError, rx.NodeDiedError, rx.ObjectLostError, rx.OwnerDiedError)):
            return worker_lost(self.name, [chunk], f"{type(exc).__name__}: {exc}")
        if isinstance(exc, rx.RayTaskError):
            cause = getattr(exc, "cause", None)
            if isinstance(cause, ModuleNotFoundError):
                return self._missing(cause.name or "", None, str(cause))
            if isinstance(cause, BaseException):
                return cause  # the work's own exception, as raised on the worker
        if isinstance(exc, rx.RayError):
            return ExecutorError(f"{self.name} could not run a chunk: {type(exc).__name__}: {exc}")
        return exc
