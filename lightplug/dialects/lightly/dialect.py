"""The LightlyStudio dialect as the core sees it: operators become ``ActionSpec``s and are executed.

Operators come from ``register_operators`` hooks, from scripts (``operator_registry.register``)
and, unchanged, from LightlyStudio's own entry-point group ``lightly_studio.plugins`` (value: a
``BaseOperator`` subclass, instantiated without arguments).
"""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, Any

from . import hookspecs
from .registry import operator_registry

if TYPE_CHECKING:
    from ...host import PluginHost
    from ...project import Project
    from ...selection import Selection
    from ...specs import ActionSpec, ParamSpec
    from .parameters import BaseParameter
    from .registry import RegisteredOperator

NAME = "operator"
ENTRY_POINT_GROUP = "lightly_studio.plugins"
_UNSUPPORTED_SCOPES = {"video", "video_frame", "group", "caption"}


def operator_param(p: BaseParameter) -> ParamSpec:
    """The spec of a LightlyStudio-style parameter (a flag without default is ``False``)."""
    from ...specs import ParamSpec
    from .lifecycle import Secret, is_secret

    kind = getattr(p, "kind", "str")
    default = p.default
    if kind == "bool" and default is None:
        default = False
    convert = None
    columns = None
    if kind == "table":
        convert = p.coerce  # type: ignore[attr-defined]
        columns = [operator_param(c) for c in p.columns]  # type: ignore[attr-defined]
    secret = is_secret(p)
    if secret:
        convert = Secret
    return ParamSpec(name=p.name, kind=kind, default=default, required=bool(p.required),
                     description=p.description or "", choices=list(getattr(p, "choices", None) or []) or None,
                     min=getattr(p, "min", None), max=getattr(p, "max", None), convert=convert,
                     columns=columns, secret=secret)


def operator_spec(entry: RegisteredOperator) -> ActionSpec:
    """The spec of a registered operator (its ``parameters`` and ``supported_scopes`` are read)."""
    from ...specs import ActionSpec

    op = entry.operator
    with contextlib.redirect_stdout(sys.stderr):
        params = [operator_param(p) for p in op.parameters]
        scopes = [getattr(s, "value", str(s)) for s in op.supported_scopes]
    return ActionSpec(name=op.name, plugin=entry.plugin, description=op.description or "",
                      params=params, dialect=NAME, target=op, scopes=scopes)


class LightlyDialect:
    """Operators registered through ``register_operators``, by a script, or in ``lightly_studio.plugins``."""

    name = NAME
    hookspecs = hookspecs
    entry_point_groups: tuple[str, ...] = (ENTRY_POINT_GROUP,)

    # -- loading -------------------------------------------------------------------------------
    def adopt(self, plugin: str, obj: Any) -> bool:
        """Take a ``BaseOperator`` subclass (LightlyStudio's entry-point value): instantiate it
        without arguments and register it under ``plugin``."""
        from .operators import BaseOperator

        if not (isinstance(obj, type) and issubclass(obj, BaseOperator)):
            return False
        operator = obj()
        operator_registry.current_plugin = plugin
        try:
            operator_registry.register(operator)
        finally:
            operator_registry.current_plugin = "script"
        return True

    def collect(self, host: PluginHost, plugin: str) -> list[str]:
        before = [e for e in operator_registry.entries if e.plugin == plugin]
        count = len(operator_registry.entries)
        for impl in host.hookimpls("register_operators", plugin):
            operator_registry.current_plugin = plugin
            try:
                impl.function(register=operator_registry.register)
            finally:
                operator_registry.current_plugin = "script"
        return [e.operator.name for e in before + operator_registry.entries[count:]]

    def forget(self, plugin: str) -> None:
        operator_registry.entries[:] = [e for e in operator_registry.entries if e.plugin != plugin]

    def reset(self) -> None:
        operator_registry.entries.clear()

    def scripts(self) -> list[str]:
        return [e.operator.name for e in operator_registry.entries if e.plugin == "script"]

    def units(self, plugin: str) -> list[str]:
        return []

    def describe(self, plugin: str) -> dict[str, Any]:
        return {}

    # -- catalog -------------------------------------------------------------------------------
    def specs(self, plugins: set[str] | None) -> tuple[list[ActionSpec], list[dict[str, str]]]:
        """Specs of the registered operators; an operator whose ``parameters`` or
        ``supported_scopes`` raise (``SystemExit`` included) is reported in the second list."""
        from ...host import CONTAINED, describe_error

        specs, failed = [], []
        for entry in operator_registry.entries:
            if plugins is not None and entry.plugin not in plugins:
                continue
            try:
                specs.append(operator_spec(entry))
            except CONTAINED as exc:
                name = entry.operator.name
                qualified = name if name.startswith(entry.plugin + ".") else f"{entry.plugin}.{name}"
                failed.append({"name": name, "id": qualified, "plugin": entry.plugin, "dialect": NAME,
                               "error": describe_error(exc)})
                print(f"lightplug: plugin {entry.plugin!r}: operator {name!r} failed and was skipped: "
                      f"{failed[-1]['error']}", file=sys.stderr)
        return specs, failed

    def start_unit(self, project: Project, name: str) -> Any:
        raise LookupError(f"operators have no per-project units ({name!r})")

    def unit_specs(self, project: Project, name: str, unit: Any, fill: bool) -> list[ActionSpec]:
        return []

    def hook_arguments(self, project: Project) -> dict[str, Any]:
        return {}

    # -- running -------------------------------------------------------------------------------
    def scope(self, spec: ActionSpec, selection: Selection) -> str:
        """``image`` for a selection when supported, else the first supported scope; the selection
        reaches every scope as LightlyStudio's current view (a ``SampleFilter``)."""
        from ...runner import RunRefused

        scopes = spec.scopes or ["root"]
        usable = [s for s in scopes if s not in _UNSUPPORTED_SCOPES]
        if not usable:
            raise RunRefused(f"{spec.name!r} runs only in scope {', '.join(scopes)}: videos, video frames, "
                             "groups and caption collections are not supported by lightplug")
        if selection.by_annotation:
            if "annotation" in usable:
                return "annotation"
            raise RunRefused(f"{spec.name!r} does not work on annotations (its scopes: {', '.join(scopes)}): "
                             "select images with --ids, --folder, --tag or --from-run instead")
        if selection.instance_ids is not None and "image" in usable:
            return "image"
        return "root" if "root" in usable else usable[0]

    async def invoke(self, spec: ActionSpec, project: Project, params: dict[str, Any],
                     selection: Selection, scope: str) -> Any:
        import inspect

        from .lifecycle import final_values, in_daemon_thread, start
        from .operators import ExecutionContext, OperatorScope
        from .session import Session

        op = spec.target
        failed = start(op)
        if failed is not None:
            return failed
        collection_id, context_filter = _view(project, selection, scope)
        context = ExecutionContext(collection_id=collection_id, context_filter=context_filter,
                                   scope=OperatorScope(scope))
        values = final_values(list(op.parameters), params)
        execute = op.execute
        try:
            if inspect.iscoroutinefunction(execute):
                return await execute(session=Session(project), context=context, parameters=values)
            result = await in_daemon_thread(lambda: execute(session=Session(project), context=context,
                                                            parameters=values))
            return await result if inspect.isawaitable(result) else result
        except BaseException:
            _drop_captions(project)  # the core reverts commits and annotations; captions are ours
            raise

    def result_json(self, raw: Any) -> dict[str, Any]:
        from ...catalog import jsonable
        from .operators import OperatorResult

        if isinstance(raw, OperatorResult):
            return {"success": bool(raw.success), "message": raw.message, "notifs": [], "groups": [], "value": None}
        return {"success": True, "message": None, "notifs": [], "groups": [], "value": jsonable(raw)}


def _view(project: Project, selection: Selection, scope: str) -> tuple[str, Any]:
    """The collection and filter of LightlyStudio's current view for a run in ``scope``.

    Images reach every scope as a ``SampleFilter`` of their ids, except the annotation scope:
    there the view is an annotation collection (``--annotation-collection``, or the one collection
    the chosen annotations share, else the root) narrowed by an ``AnnotationsFilter`` of the
    chosen annotations, or of the annotations on the selected images.
    """
    from ...db.lightly_store import annotation_rows
    from .filters import AnnotationsFilter, SampleFilter

    root = project.collection_id
    if scope != "annotation":
        ids = selection.instance_ids
        return root, SampleFilter(sample_ids=ids) if ids is not None else None
    if selection.by_annotation:
        chosen = list(selection.annotation_ids or [])
        collection = selection.annotation_collection
        if collection is None:
            wanted = set(chosen)
            shared = {r["collection_id"] for r in annotation_rows(project.db) if r["id"] in wanted}
            collection = shared.pop() if len(shared) == 1 else root
        narrowed = "annotation_ids" in selection.given
        return collection, AnnotationsFilter(sample_ids=chosen) if narrowed else None
    if selection.instance_ids is None:
        return root, None
    on_images = [r["id"] for r in annotation_rows(project.db, sample_ids=selection.instance_ids)]
    if not on_images:  # an empty id list would not filter at all
        from ...runner import RunRefused

        raise RunRefused("the selected images have no annotations for this operator to work on; "
                         "see `lightplug annotations list`")
    return root, AnnotationsFilter(sample_ids=on_images)


def _drop_captions(project: Project) -> None:
    """Delete the captions the failed run wrote."""
    from ...db.tx import write

    run_id = project.current_run_id
    if run_id is None or "captions" not in project.db.table_names():
        return
    with write(project.db):
        project.db.execute("delete from captions where run_id = ?", [run_id])


DIALECT = LightlyDialect()
