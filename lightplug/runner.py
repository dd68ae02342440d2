"""Running an operator or action: selection, scope check, transaction, tasks, run record."""

from __future__ import annotations

import contextlib
import datetime as _dt
import sys
import inspect
import time
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .catalog import jsonable
from .results import ActionContext, ActionResult, Notif, NotifType
from .selection import Selection

if TYPE_CHECKING:
    from rich.console import Console

    from .project import Project
    from .specs import ActionSpec


class RunRefused(ValueError):
    """The run cannot start (scope not allowed, bad selection); nothing was changed."""


@dataclass
class Session:
    """What LightlyStudio-style operators receive as ``session``: the project and its database."""

    project: Project

    @property
    def db(self) -> Any:
        """The project's ``sqlite_utils.Database``."""
        return self.project.db

    @property
    def collection_id(self) -> str:
        return self.project.collection_id


def suggested_command(function_id: str, context: ActionContext) -> str:
    """The shell command that runs a suggested follow-up action."""
    command = f"lightplug run {function_id}"
    if context and context.instance_ids:
        command += " --ids " + ",".join(str(i) for i in context.instance_ids)
    return command


def result_json(raw: Any) -> dict[str, Any]:
    """An ``ActionResult`` or ``OperatorResult`` as the stable JSON fields of a run."""
    from .operators import OperatorResult

    if isinstance(raw, OperatorResult):
        return {"success": bool(raw.success), "message": raw.message, "notifs": [], "groups": [], "value": None}
    if raw is None:
        raw = ActionResult()
    if not isinstance(raw, ActionResult):
        raw = ActionResult(value=raw)
    notifs = []
    for n in raw.notifs or []:
        functions = [{"function": f.function, "message": f.message,
                      "instance_ids": (f.context.instance_ids if f.context else None),
                      "command": suggested_command(f.function, f.context)} for f in n.functions or []]
        notifs.append({"type": NotifType(n.type).value, "name": n.name, "message": n.message,
                       "data": jsonable(n.data), "functions": functions})
    groups = []
    for i, g in enumerate(raw.groups or [], start=1):
        groups.append({"index": i, "name": g.name or f"Group {i}", "ids": jsonable(g.ids),
                       "sha1s": jsonable(g.sha1s),
                       "size": len(g.ids or []) + len(g.sha1s or []),
                       "scores": jsonable(g.scores), "score": jsonable(g.score)})
    errors = [n for n in notifs if n["type"] == "error"]
    message = errors[0]["message"] if errors else (notifs[0]["message"] if notifs else None)
    return {"success": not errors, "message": message, "notifs": notifs, "groups": groups,
            "value": jsonable(raw.value)}


def check_scope(spec: ActionSpec, selection: Selection) -> str:
    """The scope a run happens in; ``RunRefused`` if the operator does not allow it."""
    if spec.dialect != "operator":
        return "image" if selection.instance_ids is not None else "root"
    scopes = spec.scopes or ["root"]
    if selection.instance_ids is not None:
        if "image" not in scopes:
            raise RunRefused(f"{spec.name!r} runs only in scope {', '.join(scopes)}, not on a selection "
                             "of images; drop --ids/--sha1/--folder/--tag/--from-run")
        return "image"
    return "root" if "root" in scopes else scopes[0]


async def _call(spec: ActionSpec, project: Project, params: dict, selection: Selection, scope: str) -> Any:
    if spec.dialect == "operator":
        from .operators import ExecutionContext, OperatorScope, SampleFilter

        sample_filter = SampleFilter(sample_ids=selection.instance_ids) if selection.instance_ids is not None else None
        context = ExecutionContext(collection_id=project.collection_id, context_filter=sample_filter,
                                   scope=OperatorScope(scope))
        result = spec.target.execute(session=Session(project), context=context, parameters=params)
    else:
        plugin, description = spec.target
        function = plugin.function_for(description)
        result = function(ActionContext(instance_ids=selection.instance_ids), **params)
    if inspect.isawaitable(result):
        result = await result
    return result


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run; ``result`` is its recorded JSON (status ``interrupted``)."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result.get("message"))
        self.result = result


def _error_result(spec: ActionSpec, exc: BaseException, verbose: bool, reverted: dict[str, int]) -> dict[str, Any]:
    from .host import PluginExit

    kind = f"SystemExit({exc.code!r})" if isinstance(exc, (SystemExit, PluginExit)) else type(exc).__name__
    out = result_json(ActionResult(notifs=[Notif(
        NotifType.ERROR, name=f"{spec.name} raised an exception", message=f"{kind}: {exc}",
        data={"traceback": traceback.format_exc()} if verbose else None)]))
    out["message"] = f"{spec.name} raised {kind}: {exc} (its changes were reverted: {_counts(reverted)})"
    return out


def _counts(reverted: dict[str, int]) -> str:
    return f"{reverted['commits']} commit(s), {reverted['annotations']} annotation(s)"


def execute(project: Project, spec: ActionSpec, params: dict[str, Any], selection: Selection,
            console: Console | None = None, verbose: bool = False) -> dict[str, Any]:
    """Run ``spec``: record it as running, call it, run its tasks, close the record, return its JSON.

    Writes are short transactions as the run goes (cached vectors stay whatever happens). If the
    call raises or Ctrl-C stops it, its commits and annotations are reverted; Ctrl-C then raises
    ``RunInterrupted`` carrying the recorded result.
    """
    from .db import runs
    from .host import CONTAINED, contained

    scope = check_scope(spec, selection)
    started = _dt.datetime.now(_dt.timezone.utc)
    clock = time.perf_counter()
    json_params = {k: jsonable(v) for k, v in params.items()}
    run_id = runs.start_run(project.db, operator=spec.qualified, plugin=spec.plugin, parameters=json_params,
                            selection=selection.given, started=started)
    task_failures = []
    interrupted = False
    project.current_run_id = run_id
    try:
        with contextlib.redirect_stdout(sys.stderr):
            raw = project.run(contained(_call(spec, project, params, selection, scope)))
            task_failures = project.run(project.tasks.run_all(console))
        out = result_json(raw)
        status = "success" if out["success"] else "failure"
    except KeyboardInterrupt:
        project.tasks.pending.clear()
        interrupted, status = True, "interrupted"
        reverted = runs.revert_run(project.db, run_id)
        out = result_json(ActionResult(notifs=[Notif(NotifType.WARNING, name="Interrupted",
                                                     message="stopped by Ctrl-C")]))
        out["message"] = (f"{spec.name} was interrupted: reverted {_counts(reverted)}; "
                          "results computed so far (vectors, hashes) were kept")
        out["success"] = False
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
    runs.finish_run(project.db, run_id, status=status, duration=out["duration"], result=out)
    if interrupted:
        raise RunInterrupted(out)
    return out
