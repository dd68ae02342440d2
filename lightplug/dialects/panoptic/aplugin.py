"""Panoptic-style plugins: ``APlugin`` and the action descriptions it registers."""

from __future__ import annotations

import inspect
import pathlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from ...models import VectorType
    from ...project import Project

HOOKS = ("vector_type", "vector", "similar", "group", "execute")


@dataclass
class ParamDescription:
    """One input of an action: name, Python type, default, label and description."""

    name: str
    type: Any = str
    default: Any = None
    required: bool = False
    label: str | None = None
    description: str = ""
    min: float | None = None
    max: float | None = None


@dataclass
class FunctionDescription:
    """An action as the host sees it; ``id`` is ``<plugin>.<function>``."""

    id: str = ""
    name: str = ""
    description: str = ""
    params: list[ParamDescription] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)


_PARAM_LINE = re.compile(r"^\s*(?::param\s+(?:\w+\s+)?(\w+):|(\w+)\s*(?:\([^)]*\))?\s*:)\s*(.*)$")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Description and per-parameter texts from a Sphinx (``:param x:``) or Google docstring."""
    if not doc:
        return "", {}
    lines = inspect.cleandoc(doc).splitlines()
    description: list[str] = []
    params: dict[str, str] = {}
    current: str | None = None
    in_args = False
    for line in lines:
        stripped = line.strip()
        if stripped.lower() in ("args:", "arguments:", "parameters:", "params:"):
            in_args = True
            continue
        if stripped.startswith(":return") or stripped.lower() in ("returns:", "raises:"):
            current, in_args = None, False
            continue
        match = _PARAM_LINE.match(line)
        if match and (stripped.startswith(":param") or in_args):
            current = match.group(1) or match.group(2)
            params[current] = match.group(3).strip()
        elif current and stripped and (in_args or line.startswith((" ", "\t"))):
            params[current] += " " + stripped
        elif not params and not in_args:
            description.append(stripped)
        else:
            current = None
    text = " ".join(p for p in "\n".join(description).split("\n\n")[0].splitlines() if p)
    return text.strip(), params


def describe(function: Callable, plugin_name: str, hooks: list[str] | None) -> FunctionDescription:
    """Build a ``FunctionDescription`` from ``function``'s signature and docstring."""
    from .results import ActionContext

    description, texts = parse_docstring(function.__doc__)
    params = []
    hints = _hints(function)
    for name, param in inspect.signature(function).parameters.items():
        annotation = hints.get(name, param.annotation)
        if name in ("self", "context", "ctx") or annotation is ActionContext:
            continue
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        required = param.default is inspect.Parameter.empty
        if annotation is inspect.Parameter.empty:
            annotation = str if required or param.default is None else type(param.default)
        annotation, low, high = _bounds(annotation)
        params.append(ParamDescription(name=name, type=annotation,
                                       default=None if required else param.default,
                                       required=required, description=texts.get(name, ""),
                                       min=low, max=high))
    return FunctionDescription(id=f"{plugin_name}.{function.__name__}", name=function.__name__,
                               description=description, params=params, hooks=list(hooks or []))


def _bounds(annotation: Any) -> tuple[Any, float | None, float | None]:
    """Unwrap ``Annotated[int, Field(ge=1, le=9)]`` (or annotated-types' ``Ge``/``Le``/``Interval``)."""
    import types
    import typing

    if typing.get_origin(annotation) in (typing.Union, types.UnionType):  # Optional[T] -> T
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            annotation = members[0]
    if typing.get_origin(annotation) is not typing.Annotated:
        return annotation, None, None
    base, *extras = typing.get_args(annotation)
    low = high = None
    for extra in extras:
        for item in [extra, *getattr(extra, "metadata", [])]:
            low = getattr(item, "ge", None) if getattr(item, "ge", None) is not None else low
            high = getattr(item, "le", None) if getattr(item, "le", None) is not None else high
    return base, low, high


def _hints(function: Callable) -> dict[str, Any]:
    import typing

    try:
        return typing.get_type_hints(function, include_extras=True)
    except Exception:  # noqa: BLE001 - unresolvable annotations fall back to the raw ones
        return {}


class APlugin:
    """Base class of Panoptic-style plugins, instantiated once per project that loads them."""

    def __init__(self, name: str, project: Project, plugin_path: str | pathlib.Path = "") -> None:
        from .interface import PluginProjectInterface

        self.name = name
        self._project = project
        self.project = PluginProjectInterface(project, self)
        self.path = str(plugin_path)
        self.params: Any = None
        self.registered_functions: list[FunctionDescription] = []
        self._functions: dict[str, Callable] = {}
        self.data_path = project.plugin_data_path(name)

    @property
    def base_key(self) -> str:
        """Where ``params`` are stored in the project database: ``<name>.base``."""
        return f"{self.name}.base"

    @property
    def vector_types(self) -> list[VectorType]:
        """The vector types whose source is this plugin (always current)."""
        from ...db import store

        return store.get_vector_types(self._project.db, source=self.name)

    async def _start(self) -> None:
        """Called when the project loads the plugin; override for set-up work."""

    def add_action(self, function: Callable, description: FunctionDescription) -> FunctionDescription:
        """Register ``function`` as an action described by ``description``."""
        if not description.name:
            description.name = function.__name__
        description.id = f"{self.name}.{description.name}"
        unknown = set(description.hooks) - set(HOOKS)
        if unknown:
            raise ValueError(f"unknown hook(s) {sorted(unknown)}; use any of {list(HOOKS)}")
        self.registered_functions = [f for f in self.registered_functions if f.id != description.id]
        self.registered_functions.append(description)
        self._functions[description.id] = function
        return description

    def add_action_easy(self, function: Callable, hooks: list[str] | None = None) -> FunctionDescription:
        """Register ``function``, describing it from its signature and docstring."""
        return self.add_action(function, describe(function, self.name, hooks))

    def function_for(self, description: FunctionDescription) -> Callable:
        """The callable registered for ``description``."""
        return self._functions[description.id]
