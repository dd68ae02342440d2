"""The catalog of runnable things: operators and plugin actions as ``ActionSpec`` objects."""

from __future__ import annotations

import contextlib
import difflib
import enum
import pathlib
import sys
from typing import TYPE_CHECKING, Any

from .specs import ActionSpec, ParamSpec

if TYPE_CHECKING:
    from .aplugin import APlugin, ParamDescription
    from .parameters import BaseParameter
    from .project import Project
    from .registry import RegisteredOperator


class LookupFailed(LookupError):
    """No action, or more than one, answers to a name; the message says what to type."""


def operator_param(p: BaseParameter) -> ParamSpec:
    """The spec of a LightlyStudio-style parameter."""
    kind = getattr(p, "kind", "str")
    return ParamSpec(name=p.name, kind=kind, default=p.default, required=bool(p.required),
                     description=p.description or "", choices=list(getattr(p, "choices", None) or []) or None,
                     min=getattr(p, "min", None), max=getattr(p, "max", None))


PROJECT_KINDS = ("property", "vector_type", "own_vector_type")  # choices come from the project's data


def action_param(p: ParamDescription, project: Project | None, plugin: APlugin | str | None) -> ParamSpec:
    """The spec of a Panoptic-style parameter, with choices read from ``project`` (if given)."""
    from .models import InputFile, OwnVectorType, PropertyId, VectorType

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
        spec.kind, spec.convert = "file", InputFile
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
        fill_choices(spec, project, plugin if plugin is None or isinstance(plugin, str) else plugin.name)
    return spec


def fill_choices(spec: ParamSpec, project: Project, plugin: str | None) -> ParamSpec:
    """Set the choices of a ``property`` / ``vector_type`` parameter from the project's data."""
    from .db import rows, store
    from .models import PropertyId, VectorType

    if spec.kind == "property":
        props = [rows.property_(r) for r in project.db.query("select * from properties order by id")]
        spec.choices = [pr.name for pr in props]
        by_name = {pr.name: pr.id for pr in props}
        spec.convert = lambda v: PropertyId(by_name[v] if v in by_name else int(v))
    elif spec.kind in ("vector_type", "own_vector_type"):
        types = store.get_vector_types(project.db, plugin if spec.kind == "own_vector_type" else None)
        spec.choices = [str(v.id) for v in types]
        by_id = {str(v.id): v for v in types}
        spec.convert = lambda v: v if isinstance(v, VectorType) else by_id[str(v)]
        if spec.default is None and len(types) == 1:
            spec.default, spec.required = str(types[0].id), False
        if spec.choices:
            spec.description += " (" + "; ".join(f"{v.id}: {v.source} {v.params}" for v in types) + ")"
    return spec


def operator_spec(entry: RegisteredOperator) -> ActionSpec:
    """The spec of a registered operator (its ``parameters`` and ``supported_scopes`` are read)."""
    op = entry.operator
    with contextlib.redirect_stdout(sys.stderr):
        params = [operator_param(p) for p in op.parameters]
        scopes = [getattr(s, "value", str(s)) for s in op.supported_scopes]
    return ActionSpec(name=op.name, plugin=entry.plugin, description=op.description or "",
                      params=params, dialect="operator", target=op, scopes=scopes)


def operator_specs(plugins: set[str] | None = None) -> tuple[list[ActionSpec], list[dict[str, str]]]:
    """Specs of the registered operators (of ``plugins``), and ``{name, id, plugin, error}`` of those
    whose ``parameters`` or ``supported_scopes`` raised (``SystemExit`` included)."""
    from .host import CONTAINED, describe_error
    from .registry import operator_registry

    specs, failed = [], []
    for entry in operator_registry.entries:
        if plugins is not None and entry.plugin not in plugins:
            continue
        try:
            specs.append(operator_spec(entry))
        except CONTAINED as exc:
            name = entry.operator.name
            qualified = name if name.startswith(entry.plugin + ".") else f"{entry.plugin}.{name}"
            failed.append({"name": name, "id": qualified, "plugin": entry.plugin, "error": describe_error(exc)})
            print(f"lightplug: plugin {entry.plugin!r}: operator {name!r} failed and was skipped: "
                  f"{failed[-1]['error']}", file=sys.stderr)
    return specs, failed


def action_specs(project: Project, names: set[str] | None = None, fill: bool = True) -> list[ActionSpec]:
    """Specs of the actions of the project's loaded plugins (those named ``names``, if given)."""
    specs = []
    for plugin in project.plugins.values():
        if names is not None and plugin.name not in names:
            continue
        for fd in plugin.registered_functions:
            specs.append(ActionSpec(
                name=fd.name, plugin=plugin.name, description=fd.description,
                params=[action_param(p, project if fill else None, plugin) for p in fd.params],
                dialect="action", target=(plugin, fd), hooks=list(fd.hooks)))
    return specs


def build(project: Project | None, plugins: set[str] | None = None) -> list[ActionSpec]:
    """Every operator, plus the actions of the project's loaded plugins (only of ``plugins``, if given).

    An operator whose ``parameters`` raise is left out (and reported on stderr).
    """
    specs, _ = operator_specs(plugins)
    if project is not None:
        from .host import current_host

        owner = current_host().owner
        specs += [s for s in action_specs(project) if plugins is None or owner(s.plugin) in plugins]
    return specs


def spec_from_json(data: dict[str, Any]) -> ActionSpec:
    """An ``ActionSpec`` rebuilt from ``as_json()`` (no target: for listing, not for running)."""
    params = [ParamSpec(name=p["name"], kind=p["type"], default=p["default"], required=p["required"],
                        description=p["description"], choices=p["choices"], min=p["min"], max=p["max"])
              for p in data["parameters"]]
    return ActionSpec(name=data["name"], plugin=data["plugin"], description=data["description"], params=params,
                      dialect=data["dialect"], target=None, scopes=list(data["scopes"]), hooks=list(data["hooks"]))


def find(specs: list[ActionSpec], name: str) -> ActionSpec:
    """The spec answering to ``name`` (its name or ``<plugin>.<name>``), or ``LookupFailed``."""
    for matcher in (lambda s: s.qualified == name, lambda s: s.name == name,
                    lambda s: s.qualified.lower() == name.lower() or s.name.lower() == name.lower()):
        found = [s for s in specs if matcher(s)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise LookupFailed(f"{name!r} is ambiguous; use one of: "
                               + ", ".join(sorted(s.qualified for s in found)))
    names = sorted({s.name for s in specs} | {s.qualified for s in specs})
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5) or difflib.get_close_matches(
        name.lower(), [n.lower() for n in names], n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise LookupFailed(f"no operator or action named {name!r}.{hint} "
                       "See `lightplug ops list` for what is available.")


def jsonable(value: Any) -> Any:
    """``value`` made JSON-safe: numpy, enums, paths, dataclasses and sets converted."""
    import dataclasses

    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, pathlib.PurePath):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "model_dump"):
        return jsonable(value.model_dump())
    return str(value)
