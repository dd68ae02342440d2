"""The Panoptic dialect as the core sees it: ``APlugin`` classes started per project, their actions
described as ``ActionSpec``s, called with an ``ActionContext``, their ``ActionResult`` as JSON."""

from __future__ import annotations

import contextlib
import enum
import inspect
import os
import pathlib
import sys
from typing import TYPE_CHECKING, Any

from . import hookspecs

if TYPE_CHECKING:
    from ...host import PluginHost
    from ...project import Project
    from ...selection import Selection
    from ...specs import ActionSpec, ParamSpec
    from .aplugin import APlugin, ParamDescription
    from .results import ActionContext

NAME = "action"


def action_param(p: ParamDescription, project: Project | None, plugin: str | None) -> ParamSpec:
    """The spec of an action's parameter, with choices read from ``project`` (if given)."""
    from ...catalog import fill_choices
    from ...models import InputFile, OwnVectorType, PropertyId, VectorType
    from ...specs import ParamSpec

    t = p.type
    spec = ParamSpec(name=p.name, default=p.default, required=p.required,
                     description=p.description or p.label or "", min=p.min, max=p.max)
    if t is bool:
        spec.kind = "bool"
    elif t is int:
        spec.kind = "int"
    elif t is float:
        spec.kind = "float"
    elif isinstance(t, type) and issubclass(t, InputFile):
        from .compat import InputFile as Base64File, PendingFile

        spec.kind, spec.convert = "file", (PendingFile.of if issubclass(t, Base64File) else InputFile)
    elif isinstance(t, type) and issubclass(t, pathlib.PurePath):
        spec.kind, spec.convert = "path", pathlib.Path
    elif isinstance(t, type) and issubclass(t, enum.Enum):
        spec.kind = "choice"
        spec.choices = [str(m.value) for m in t]
        spec.convert = lambda v, t=t: v if isinstance(v, t) else t(type(next(iter(t)).value)(v))
        if isinstance(spec.default, enum.Enum):
            spec.default = spec.default.value
    elif isinstance(t, type) and issubclass(t, PropertyId):
        spec.kind = "property"
    elif isinstance(t, type) and issubclass(t, VectorType):
        spec.kind = "own_vector_type" if issubclass(t, OwnVectorType) else "vector_type"
    if project is not None:
        fill_choices(spec, project, plugin)
    return spec


def class_name(plugin: str, cls: type, count: int) -> str:
    """The name a plugin class gets: the plugin's, or ``<plugin>.<Class>`` when it has several."""
    return plugin if count == 1 else f"{plugin}.{cls.__name__}"


def suggested_command(function_id: str, context: ActionContext | None) -> str:
    """The shell command that runs a suggested follow-up action, with its context's ``ui_inputs``."""
    import shlex

    from ...models import VectorType
    from .aplugin import APlugin

    command = f"lightplug run {function_id}"
    if context and context.instance_ids:
        command += " --ids " + ",".join(str(i) for i in context.instance_ids)
    for key, value in (context.ui_inputs if context else {}).items():
        if isinstance(value, VectorType):
            value = value.id
        elif isinstance(value, dict) and "id" in value:  # a vector type given as its fields
            value = value["id"]
        elif isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, APlugin) or value is None:
            continue
        command += f" --param {shlex.quote(f'{key}={value}')}"
    return command


class PanopticDialect:
    """``APlugin`` subclasses, given by an entry point, its ``plugin_class`` or ``register_plugins``."""

    name = NAME
    hookspecs = hookspecs
    entry_point_groups: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.classes: dict[str, list[type[APlugin]]] = {}

    # -- loading -------------------------------------------------------------------------------
    def adopt(self, plugin: str, obj: Any) -> bool:
        from .aplugin import APlugin

        if isinstance(obj, type) and issubclass(obj, APlugin):
            self.classes.setdefault(plugin, []).append(obj)
            return True
        plugin_class = getattr(obj, "plugin_class", None)
        if isinstance(plugin_class, type) and issubclass(plugin_class, APlugin):
            self.classes.setdefault(plugin, []).append(plugin_class)
        return False

    def collect(self, host: PluginHost, plugin: str) -> list[str]:
        for impl in host.hookimpls("register_plugins", plugin):
            impl.function(register=self.classes.setdefault(plugin, []).append)
        return []

    def forget(self, plugin: str) -> None:
        self.classes.pop(plugin, None)

    def reset(self) -> None:
        self.classes.clear()

    def scripts(self) -> list[str]:
        return []

    def units(self, plugin: str) -> list[str]:
        found = self.classes.get(plugin, [])
        return [class_name(plugin, cls, len(found)) for cls in found]

    def describe(self, plugin: str) -> dict[str, Any]:
        return {"panoptic_plugin": bool(self.classes.get(plugin))}

    def _class(self, unit: str) -> type[APlugin]:
        for plugin, found in self.classes.items():
            for cls in found:
                if class_name(plugin, cls, len(found)) == unit:
                    return cls
        raise LookupError(f"no plugin class named {unit!r}")

    # -- catalog -------------------------------------------------------------------------------
    def specs(self, plugins: set[str] | None) -> tuple[list[ActionSpec], list[dict[str, str]]]:
        return [], []  # actions exist only once a class is started in a project

    def start_unit(self, project: Project, name: str) -> APlugin:
        """Create plugin class ``name`` for ``project`` and await its ``start()`` (as Panoptic does:
        stored settings, vector types, then ``_start()``)."""
        from ...host import contained

        cls = self._class(name)
        with contextlib.redirect_stdout(sys.stderr):
            plugin = cls(project=project, plugin_path=os.path.dirname(inspect.getfile(cls)), name=name)
        project.run(contained(plugin.start()))
        return plugin

    def unit_specs(self, project: Project, name: str, unit: Any, fill: bool) -> list[ActionSpec]:
        from ...specs import ActionSpec

        return [ActionSpec(name=fd.name, plugin=name, description=fd.description,
                           params=[action_param(p, project if fill else None, name) for p in fd.params],
                           dialect=NAME, target=(unit, fd), hooks=list(fd.hooks))
                for fd in unit.registered_functions]

    def hook_arguments(self, project: Project) -> dict[str, Any]:
        from .interface import PluginProjectInterface

        return {"project": PluginProjectInterface(project)}

    # -- running -------------------------------------------------------------------------------
    def scope(self, spec: ActionSpec, selection: Selection) -> str:
        return "image" if selection.instance_ids is not None else "root"

    async def invoke(self, spec: ActionSpec, project: Project, params: dict[str, Any],
                     selection: Selection, scope: str) -> Any:
        from .results import ActionContext

        from .compat import InputFile as Base64File, PendingFile

        plugin, description = spec.target
        params = {k: Base64File.from_path(v) if isinstance(v, PendingFile) else v for k, v in params.items()}
        result = plugin.function_for(description)(ActionContext(instance_ids=selection.instance_ids), **params)
        return await result if inspect.isawaitable(result) else result

    def result_json(self, raw: Any) -> dict[str, Any]:
        from ...catalog import jsonable
        from .results import ActionResult, NotifType

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
                           "sha1s": jsonable(g.sha1s), "size": len(g.ids or []) + len(g.sha1s or []),
                           "scores": jsonable(g.scores), "score": jsonable(g.score)})
        errors = [n for n in notifs if n["type"] == "error"]
        message = errors[0]["message"] if errors else (notifs[0]["message"] if notifs else None)
        out = {"success": not errors, "message": message, "notifs": notifs, "groups": groups,
               "value": jsonable(raw.value)}
        for extra in ("datas", "urls"):  # Panoptic's other result fields, only when given
            if getattr(raw, extra, None) is not None:
                out[extra] = jsonable(getattr(raw, extra))
        return out


DIALECT = PanopticDialect()
