"""``DaskMapper``: chunks as tasks of a ``distributed.Client``, one client per address and process."""

from __future__ import annotations

import atexit
import concurrent.futures
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from lightplug.compute.executors import ExecutorError, UnknownExecutor
from lightplug.compute.remote import (
    ClusterUnreachable, RemoteMapper, connect_timeout, run_chunk, with_timeout, worker_lost,
)

LOCAL = "local"
SCATTER_ABOVE = 64 * 1024  # extra arguments larger than this go to the workers once, not with every task
_clients: dict[str, tuple[Any, Any]] = {}  # address -> (Client, LocalCluster or None)


def dask_mapper(address: str | None) -> DaskMapper:
    """A ``DaskMapper`` on ``address`` (``local``, ``HOST:PORT`` or ``tcp://HOST:PORT``), connected once."""
    if not address:
        raise UnknownExecutor("executor 'dask' needs an address: dask://HOST:PORT (a running Dask scheduler, "
                              "port 8786 by default) or dask://local (a LocalCluster for this command)")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise UnknownExecutor("executor 'dask' needs dask.distributed, which is not installed here: "
                              "pip install 'dask[distributed]'") from None
    if address not in _clients:
        _clients[address] = _connect(address)
        if len(_clients) == 1:
            atexit.register(close_all)
    return DaskMapper(address, _clients[address][0])


def _connect(address: str) -> tuple[Any, Any]:
    """A client of the scheduler at ``address``, or of a new ``LocalCluster`` for ``local``."""
    from distributed import Client

    # the engine's own warnings (a worker restarted, a result fetched again) are not the user's business:
    # what fails reaches the user as one clear error
    logging.getLogger("distributed").setLevel(logging.ERROR)
    timeout = connect_timeout()
    if address.lower() == LOCAL:
        from distributed import LocalCluster

        from lightplug.compute.pools import MALLOC_ENV, THREAD_ENV, worker_count

        cluster = LocalCluster(n_workers=worker_count(), threads_per_worker=1, processes=True,
                               dashboard_address=":0", scheduler_kwargs={"dashboard": False},  # no port taken
                               silence_logs=logging.ERROR,
                               env={**THREAD_ENV, **MALLOC_ENV}, preload=["lightplug_dask.worker_setup"])
        return Client(cluster, set_as_default=False), cluster
    target = address if "://" in address else f"tcp://{address}"
    try:
        client = with_timeout(lambda: Client(target, timeout=timeout, set_as_default=False),
                              timeout, f"the Dask scheduler at {target}", grace=3)
    except (OSError, TimeoutError) as exc:
        raise ClusterUnreachable(f"cannot reach the Dask scheduler at {target}: {exc}; check the address and "
                                 "that `dask scheduler` runs there and is reachable from this machine") from None
    return client, None


def close_all() -> None:
    """Close every client, and the local clusters started for this command (called at exit)."""
    while _clients:
        _, (client, cluster) = _clients.popitem()
        for thing in (client, cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:  # noqa: BLE001 - the command is over; nothing to report to
                    pass


class DaskMapper(RemoteMapper):
    """Chunks as Dask tasks (see ``lightplug.compute.remote.RemoteMapper``)."""

    def __init__(self, address: str, client: Any) -> None:
        self.name = f"dask://{address}"
        self.client = client

    def workers(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception as exc:  # noqa: BLE001 - the scheduler went away
            raise ClusterUnreachable(f"lost the connection to the Dask scheduler of {self.name}: {exc}") from None

    def _put(self, blob: bytes) -> Any:
        if len(blob) <= SCATTER_ABOVE:
            return blob
        return self.client.scatter(blob, broadcast=True, hash=False)

    def _submit(self, call: bytes, items: list, args: Any, token: str) -> tuple[concurrent.futures.Future, Any]:
        task = self.client.submit(run_chunk, call, items, args, token, pure=False,
                                  key=f"lightplug-chunk-{uuid.uuid4().hex}")
        done: concurrent.futures.Future = concurrent.futures.Future()

        def finished(future: Any) -> None:  # in a thread of the client's: fetching the result may take a while
            try:
                outcome, error = future.result(), None
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting coroutine
                outcome, error = None, exc
            try:
                done.set_exception(error) if error is not None else done.set_result(outcome)
            except concurrent.futures.InvalidStateError:
                pass  # cancelled meanwhile

        task.add_done_callback(finished)
        return done, task

    def _cancel(self, handles: list[Any]) -> None:
        try:
            self.client.cancel(handles, force=True)
        except Exception:  # noqa: BLE001 - the cluster is gone: nothing left to cancel
            pass

    def _failure(self, exc: BaseException, chunk: Sequence[Any]) -> BaseException:
        from distributed import KilledWorker

        if isinstance(exc, KilledWorker):
            return worker_lost(self.name, [chunk], str(exc))
        if type(exc).__module__.split(".")[0] == "distributed":  # the engine's, not the work's
            return ExecutorError(f"{self.name} could not run a chunk: {type(exc).__name__}: {exc}")
        return exc
