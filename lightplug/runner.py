"""Running an operator or action: scope check, run record, the dialect's call, tasks, revert on error."""

from __future__ import annotations

import contextlib
import datetime as _dt
import sys
import time
import traceback
from typing import TYPE_CHECKING, Any, Callable

from .catalog import jsonable

if TYPE_CHECKING:
    from rich.console import Console

    from .project import Project
    from .selection import Selection
    from .specs import ActionSpec


class RunRefused(ValueError):
    """The run cannot start (scope not allowed, bad selection); nothing was changed."""


def notif_json(type_: str, name: str, message: str, data: Any = None) -> dict[str, Any]:
    """One notification of a run's JSON (docs/exit-codes-and-json.md)."""
    return {"type": type_, "name": name, "message": message, "data": data, "functions": []}


def failed_json(notif: dict[str, Any], message: str) -> dict[str, Any]:
    """The result fields of a run that did not complete: ``notif`` says why, ``message`` sums up."""
    return {"success": False, "message": message, "notifs": [notif], "groups": [], "value": None}


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run; ``result`` is its recorded JSON (status ``interrupted``)."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result.get("message"))
        self.result = result


def _error_result(spec: ActionSpec, exc: BaseException, verbose: bool, reverted: dict[str, int]) -> dict[str, Any]:
    from .host import PluginExit

    kind = f"SystemExit({exc.code!r})" if isinstance(exc, (SystemExit, PluginExit)) else type(exc).__name__
    notif = notif_json("error", f"{spec.name} raised an exception", f"{kind}: {exc}",
                       {"traceback": traceback.format_exc()} if verbose else None)
    return failed_json(notif, f"{spec.name} raised {kind}: {exc} (its changes were reverted: {_counts(reverted)})")


def _counts(reverted: dict[str, int]) -> str:
    return f"{reverted['commits']} commit(s), {reverted['annotations']} annotation(s)"


def execute(project: Project, spec: ActionSpec, params: dict[str, Any], selection: Selection,
            console: Console | Callable[[], Console] | None = None, verbose: bool = False) -> dict[str, Any]:
    """Run ``spec``: record it as running, call it, run its tasks, close the record, return its JSON.

    Writes are short transactions as the run goes (cached vectors stay whatever happens). If the
    call raises or Ctrl-C stops it, its commits and annotations are reverted; Ctrl-C then raises
    ``RunInterrupted`` carrying the recorded result. ``console`` (or the function that makes it,
    called only when the run queued tasks) shows the tasks' progress.
    """
    from .compute.executors import executor_name
    from .db import runs
    from .dialect import get
    from .groups import with_paths
    from .host import CONTAINED, contained

    dialect = get(spec.dialect)
    scope = dialect.scope(spec, selection)
    started = _dt.datetime.now(_dt.timezone.utc)
    clock = time.perf_counter()
    json_params = {k: jsonable(v) for k, v in params.items()}
    run_id = runs.start_run(project.conn, operator=spec.qualified, plugin=spec.plugin, parameters=json_params,
                            selection=selection.given, started=started, executor=executor_name())
    task_failures = []
    interrupted = False
    project.current_run_id = run_id
    try:
        with contextlib.redirect_stdout(sys.stderr):
            raw = project.run(contained(dialect.invoke(spec, project, params, selection, scope)))
            if project.tasks.pending:
                shown = console() if callable(console) else console
                task_failures = project.run(project.tasks.run_all(shown))
        out = dialect.result_json(raw)
        out["groups"] = with_paths(project.conn, out["groups"])
        status = "success" if out["success"] else "failure"
    except KeyboardInterrupt:
        project.tasks.pending.clear()
        interrupted, status = True, "interrupted"
        reverted = runs.revert_run(project.db, run_id)
        out = failed_json(notif_json("warning", "Interrupted", "stopped by Ctrl-C"),
                          f"{spec.name} was interrupted: reverted {_counts(reverted)}; "
                          "results computed so far (vectors, hashes) were kept")
    except CONTAINED as exc:  # the plugin's error (sys.exit() too) becomes an ERROR notification
        project.tasks.pending.clear()
        out = _error_result(spec, exc, verbose, runs.revert_run(project.db, run_id))
        status = "error"
    finally:
        project.current_run_id = None
    for failure in task_failures:
        out["notifs"].append({"type": "error", "name": f"task {failure.name} failed",
                              "message": failure.error, "functions": [],
                              "data": {"traceback": failure.traceback} if verbose else None})
        out["success"], status = False, "failure"
        out["message"] = out["message"] or f"task {failure.name} failed: {failure.error}"
    out = {"operator": spec.name, "id": spec.qualified, "plugin": spec.plugin, "dialect": spec.dialect,
           "status": status, **out, "parameters": json_params, "selection": selection.given,
           "scope": scope, "started": started.isoformat(),
           "duration": round(time.perf_counter() - clock, 4), "run_id": run_id}
    runs.finish_run(project.conn, run_id, status=status, duration=out["duration"], result=out)
    if interrupted:
        raise RunInterrupted(out)
    return out
