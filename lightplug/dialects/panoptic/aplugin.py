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

HOOKS = ("vector_type", "vector", "similar", "group", "execute", "text_search", "map", "import", "export")
"""The hook names Panoptic's interface uses; like Panoptic, ``add_action`` accepts any other string too."""


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


_AT_PARAM = re.compile(r"^\s*@(\w+):\s?(.*)$")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Description and per-parameter texts from a Sphinx (``:param x:``), Google or Panoptic
    (``@x: text``) docstring."""
    if not doc:
        return "", {}
    if any(_AT_PARAM.match(line) for line in doc.splitlines()):
        return _parse_at_params(doc)
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


def _parse_at_params(doc: str) -> tuple[str, dict[str, str]]:
    """Panoptic's convention: the description ends at the first ``@``; ``@name: text`` lines follow."""
    head, _, _ = doc.partition("@")
    params: dict[str, str] = {}
    current: str | None = None
    for line in inspect.cleandoc(doc[len(head):]).splitlines():
        match = _AT_PARAM.match(line)
        if match:
            current = match.group(1)
            params[current] = match.group(2).strip()
        elif current and line.strip():
            params[current] = (params[current] + " " + line.strip()).strip()
    text = " ".join(line.strip() for line in inspect.cleandoc(head).split("\n\n")[0].splitlines() if line.strip())
    return text, params


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
        self._vector_types: list[VectorType] | None = None
        self.data_path = project.plugin_data_path(name)

    @property
    def base_key(self) -> str:
        """Where ``params`` are stored in the project database: ``<name>.base``."""
        return f"{self.name}.base"

    @property
    def vector_types(self) -> list[VectorType]:
        """The vector types whose source is this plugin: current, unless a list was assigned."""
        if self._vector_types is not None:
            return self._vector_types
        from ...db import store

        return store.get_vector_types(self._project.conn, source=self.name)

    @vector_types.setter
    def vector_types(self, value: list[VectorType]) -> None:
        self._vector_types = list(value)

    async def load_vector_types(self) -> list[VectorType]:
        """Read this plugin's vector types again (``vector_types`` is then current)."""
        self._vector_types = None
        return self.vector_types

    async def start(self) -> None:
        """Called when the project loads the plugin: gives ``params`` their stored values, loads the
        vector types, then awaits ``_start()``. Plugins that override it call ``await super().start()``."""
        self._load_stored_params()
        await self.load_vector_types()
        await self._start()

    async def _start(self) -> None:
        """Called by ``start()``; override for set-up work."""

    async def update_params(self, params: Any) -> Any:
        """Change some settings (a dict or a model), validate and store them; returns ``params``."""
        from ...db import store

        if self.params is None:
            raise ValueError(f"plugin {self.name!r} has no settings (params) to update")
        given = params.model_dump() if hasattr(params, "model_dump") else dict(params)
        self.params = type(self.params).model_validate({**self.params.model_dump(), **given})
        store.set_plugin_setting(self._project.db, self.name, params=self.params.model_dump(mode="json"))
        return self.params

    def get_description(self) -> dict[str, Any]:
        """What Panoptic shows of a plugin: name, description, path, settings and actions."""
        from ...catalog import jsonable

        params = self.params.model_dump(mode="json") if hasattr(self.params, "model_dump") else None
        return {"name": self.name, "description": inspect.getdoc(self) or "", "path": self.path,
                "base_params": params, "registered_functions": jsonable(self.registered_functions)}

    def _load_stored_params(self) -> None:
        """Give ``params`` the settings stored for this plugin (``plugins config``); invalid ones are reported."""
        import sys

        from pydantic import BaseModel, ValidationError

        from ...db import store

        if not isinstance(self.params, BaseModel):
            return
        stored = store.plugin_setting(self._project.conn, self.name)["params"]
        if stored:
            try:
                self.params = type(self.params).model_validate({**self.params.model_dump(), **stored})
            except ValidationError as exc:
                print(f"lightplug: stored settings of {self.name!r} are invalid and were ignored: "
                      f"{exc.errors()[0]['msg']}", file=sys.stderr)

    def add_action(self, function: Callable, description: FunctionDescription) -> FunctionDescription:
        """Register ``function`` as an action described by ``description``."""
        if not description.name:
            description.name = function.__name__
        description.id = f"{self.name}.{description.name}"
        bad = [h for h in description.hooks or [] if not isinstance(h, str)]
        if bad:
            raise TypeError(f"hooks are names (strings), not {bad!r}")
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
