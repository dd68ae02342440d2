"""The LightlyStudio dialect as the core sees it: operators become ``ActionSpec``s and are executed."""

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


def operator_param(p: BaseParameter) -> ParamSpec:
    """The spec of a LightlyStudio-style parameter."""
    from ...specs import ParamSpec

    kind = getattr(p, "kind", "str")
    return ParamSpec(name=p.name, kind=kind, default=p.default, required=bool(p.required),
                     description=p.description or "", choices=list(getattr(p, "choices", None) or []) or None,
                     min=getattr(p, "min", None), max=getattr(p, "max", None))


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
    """Operators registered through ``register_operators`` (or by a script) on ``operator_registry``."""

    name = NAME
    hookspecs = hookspecs
    entry_point_groups: tuple[str, ...] = ()

    # -- loading -------------------------------------------------------------------------------
    def adopt(self, plugin: str, obj: Any) -> bool:
        return False

    def collect(self, host: PluginHost, plugin: str) -> list[str]:
        before = len(operator_registry.entries)
        for impl in host.hookimpls("register_operators", plugin):
            operator_registry.current_plugin = plugin
            try:
                impl.function(register=operator_registry.register)
            finally:
                operator_registry.current_plugin = "script"
        return [e.operator.name for e in operator_registry.entries[before:]]

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
        from ...runner import RunRefused

        scopes = spec.scopes or ["root"]
        if selection.instance_ids is not None:
            if "image" not in scopes:
                raise RunRefused(f"{spec.name!r} runs only in scope {', '.join(scopes)}, not on a selection "
                                 "of images; drop --ids/--sha1/--folder/--tag/--from-run")
            return "image"
        return "root" if "root" in scopes else scopes[0]

    async def invoke(self, spec: ActionSpec, project: Project, params: dict[str, Any],
                     selection: Selection, scope: str) -> Any:
        import inspect

        from .operators import ExecutionContext, OperatorScope, SampleFilter
        from .session import Session

        ids = selection.instance_ids
        context = ExecutionContext(collection_id=project.collection_id,
                                   context_filter=SampleFilter(sample_ids=ids) if ids is not None else None,
                                   scope=OperatorScope(scope))
        result = spec.target.execute(session=Session(project), context=context, parameters=params)
        return await result if inspect.isawaitable(result) else result

    def result_json(self, raw: Any) -> dict[str, Any]:
        from ...catalog import jsonable
        from .operators import OperatorResult

        if isinstance(raw, OperatorResult):
            return {"success": bool(raw.success), "message": raw.message, "notifs": [], "groups": [], "value": None}
        return {"success": True, "message": None, "notifs": [], "groups": [], "value": jsonable(raw)}


DIALECT = LightlyDialect()
