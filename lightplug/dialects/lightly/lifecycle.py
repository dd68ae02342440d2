"""Running LightlyStudio operators: ``startup()``/``shutdown()``, secrets, values, a worker thread."""

from __future__ import annotations

import asyncio
import atexit
import os
import re
import sys
import threading
from typing import Any, Callable

from .operators import BaseOperator, OperatorResult, OperatorStatus

_started: list[BaseOperator] = []
SECRET_NAMES = re.compile(r"(^|_)(api_?key|token|password|passwd|secret|credentials?)($|_)", re.IGNORECASE)


class Secret:
    """A credential on its way to ``execute``: recorded and printed as ``***``."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __str__(self) -> str:
        return "***" if self.value else ""

    __repr__ = __str__


def is_secret(param: Any) -> bool:
    """Whether ``param`` holds a credential: ``secret=True`` or a name like ``api_key``/``token``."""
    explicit = getattr(param, "secret", None)
    if explicit is not None:
        return bool(explicit)
    return bool(SECRET_NAMES.search(re.sub(r"[^a-z0-9]+", "_", str(param.name).lower())))


def secret_env(name: str) -> str:
    """The environment variable a secret parameter is read from: ``LIGHTPLUG_SECRET_<NAME>``."""
    return "LIGHTPLUG_SECRET_" + re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")


def start(op: BaseOperator) -> OperatorResult | None:
    """Call ``op.startup()`` once per process (its ``shutdown()`` runs at exit); a failure is
    returned as a failed result naming the status."""
    if op.status == OperatorStatus.READY:
        return None
    if op.status == OperatorStatus.ERROR:
        return _start_failed(op)
    op.status = OperatorStatus.STARTING
    try:
        op.startup()
    except Exception as exc:  # noqa: BLE001 - reported as the run's failure, like LightlyStudio logs it
        op.status = OperatorStatus.ERROR
        op.error_message = op.error_message or f"{type(exc).__name__}: {exc}"
        return _start_failed(op)
    if op.status in (OperatorStatus.ERROR,):
        return _start_failed(op)
    op.status = OperatorStatus.READY
    if not _started:
        atexit.register(shutdown_all)
    _started.append(op)
    return None


def _start_failed(op: BaseOperator) -> OperatorResult:
    return OperatorResult(False, f"operator {op.name!r} failed to start (status: {op.status.value}): "
                                 f"{op.error_message or 'no error message'}")


def shutdown_all() -> None:
    """Call ``shutdown()`` of every started operator (failures are reported on stderr)."""
    while _started:
        op = _started.pop()
        op.status = OperatorStatus.STOPPING
        try:
            op.shutdown()
            op.status = OperatorStatus.STOPPED
        except Exception as exc:  # noqa: BLE001
            op.status = OperatorStatus.ERROR
            print(f"lightplug: operator {op.name!r} failed to shut down: {type(exc).__name__}: {exc}",
                  file=sys.stderr)


def final_values(params: list[Any], given: dict[str, Any]) -> dict[str, Any]:
    """The values ``execute`` receives: secrets unwrapped (or read from their environment
    variable when blank), a missing value replaced by its parameter's empty value."""
    out = dict(given)
    for p in params:
        value = out.get(p.name)
        if isinstance(value, Secret):
            value = value.value
        if is_secret(p) and not value:
            value = os.environ.get(secret_env(p.name), value)
        if value is None:
            value = p.empty()
        out[p.name] = value
    return out


async def in_daemon_thread(function: Callable[[], Any]) -> Any:
    """Run ``function()`` in a daemon thread (so a blocking operator can use ``asyncio.run``, and
    Ctrl-C does not wait for it) and return its result."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def deliver(ok: bool, value: Any) -> None:
        if future.done():
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def target() -> None:
        try:
            outcome = (True, function())
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            outcome = (False, exc)
        try:
            loop.call_soon_threadsafe(deliver, *outcome)
        except RuntimeError:  # the loop is closed: the command was interrupted
            pass

    threading.Thread(target=target, name="lightplug-operator", daemon=True).start()
    return await future
