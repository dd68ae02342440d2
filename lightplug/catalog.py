"""The catalog of runnable things: what every dialect describes, as ``ActionSpec`` objects."""

from __future__ import annotations

import dataclasses
import difflib
import enum
import pathlib
import sys
from typing import TYPE_CHECKING, Any

from .specs import ActionSpec, ParamSpec

if TYPE_CHECKING:
    from .project import Project


class LookupFailed(LookupError):
    """No action, or more than one, answers to a name; the message says what to type."""


PROJECT_KINDS = ("property", "vector_type", "own_vector_type")  # choices come from the project's data


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


def entry_specs(plugins: set[str] | None = None) -> tuple[list[ActionSpec], list[dict[str, str]]]:
    """Specs of what the loaded plugins (``plugins``, if given) registered that needs no project
    (operators), from every dialect; and ``{name, id, plugin, dialect, error}`` of those that
    could not be described (an operator whose ``parameters`` raised)."""
    from .dialect import dialects

    specs: list[ActionSpec] = []
    failed: list[dict[str, str]] = []
    for dialect in dialects():
        found, broken = dialect.specs(plugins)
        specs += found
        failed += broken
    return specs, failed


def unit_specs(project: Project, names: set[str] | None = None, fill: bool = True) -> list[ActionSpec]:
    """Specs of the actions of the units started in ``project`` (those named ``names``, if given);
    ``fill``: parameter choices read from the project's data."""
    return [spec for name, unit in project.plugins.items() if names is None or name in names
            for spec in project.plugin_dialects[name].unit_specs(project, name, unit, fill)]


def param_from_json(p: dict[str, Any]) -> ParamSpec:
    """A ``ParamSpec`` rebuilt from ``as_json()``, a table's columns and the secret flag included."""
    return ParamSpec(name=p["name"], kind=p["type"], default=p["default"], required=p["required"],
                     description=p["description"], choices=p["choices"], min=p["min"], max=p["max"],
                     columns=[param_from_json(c) for c in p["columns"]] if p.get("columns") else None,
                     secret=bool(p.get("secret", False)))


def spec_from_json(data: dict[str, Any]) -> ActionSpec:
    """An ``ActionSpec`` rebuilt from ``as_json()`` (no target: for listing, not for running)."""
    params = [param_from_json(p) for p in data["parameters"]]
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


_PLAIN = frozenset({bool, int, float, str, type(None)})
_FIELDS: dict[type, tuple[str, ...]] = {}  # a dataclass's field names, read once per class


def jsonable(value: Any) -> Any:
    """``value`` made JSON-safe: numpy, enums, paths, dataclasses and sets converted."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, pathlib.PurePath):
        return str(value)
    if isinstance(value, dict):
        if all(type(k) is str and type(v) in _PLAIN for k, v in value.items()):  # a record: copied
            return dict(value)
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        if all(type(v) in _PLAIN for v in value):  # ids, scores, names: no call per item
            return list(value)
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS.get(type(value))
        if names is None:
            names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
        return {name: jsonable(getattr(value, name)) for name in names}
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "model_dump"):
        return jsonable(value.model_dump())
    return str(value)
