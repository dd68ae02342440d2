"""One description of a runnable thing and its parameters, for operators and actions alike.

The CLI builds options, prompts, ``ops show`` and JSON from these; it never looks at
operators or plugin functions directly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

# Options every `lightplug run OP` command has; a parameter whose option would clash is set with --param.
RESERVED_OPTIONS = frozenset({"--param", "--no-input", "--interactive", "--json", "--verbose", "-v", "--help", "-h",
                              "--report"})
# The selection options of `lightplug run OP`. A parameter named like one of them owns the natural
# option (`--tag`); the selection is then reachable as `--select-tag`, which every command also has.
SELECTION_OPTIONS = ("--ids", "--sha1", "--folder", "--tag", "--from-run", "--annotation-ids",
                     "--annotation-collection")


def selection_decls(option: str, taken: set[str] | frozenset[str]) -> list[str]:
    """The spellings of selection option ``option`` on a command whose parameters hold ``taken``."""
    always = "--select-" + option[2:]
    return [always] if option in taken else [option, always]


KINDS = ("str", "int", "float", "bool", "choice", "path", "file", "property", "vector_type",
         "own_vector_type", "table")


def kebab(name: str) -> str:
    """``nb_clusters`` / ``Threshold`` / ``max value`` -> ``nb-clusters`` / ``threshold`` / ``max-value``."""
    return re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-") or "value"


class ParameterError(ValueError):
    """A parameter value that is missing, out of bounds, not a choice or of the wrong type."""


@dataclass
class ParamSpec:
    """A parameter: its key in ``parameters``, kind, default, bounds and choices."""

    name: str
    kind: str = "str"
    default: Any = None
    required: bool = False
    description: str = ""
    choices: list[str] | None = None
    min: float | None = None
    max: float | None = None
    convert: Callable[[Any], Any] | None = None  # CLI value -> what the function receives
    columns: list[ParamSpec] | None = None  # kind "table": the cells of a row (value: list of dicts)
    secret: bool = False  # a credential: masked in prompts, never recorded (the dialect's convert hides it)

    @property
    def option(self) -> str:
        """The CLI option, e.g. ``--nb-clusters``."""
        return "--" + kebab(self.name)

    @property
    def clashes(self) -> bool:
        """Whether this parameter's option (or its ``--no-`` form) is one of ``RESERVED_OPTIONS``."""
        negative = "--no-" + self.option[2:] if self.kind == "bool" else None
        return self.option in RESERVED_OPTIONS or negative in RESERVED_OPTIONS

    @property
    def reachable(self) -> str:
        """How to set this parameter on the command line."""
        return f"--param {self.name}=VALUE" if self.clashes else self.option

    def validate(self, value: Any) -> Any:
        """``value`` checked (bounds, choices, files) and converted for the function; ``ParameterError``."""
        from pathlib import Path

        if value is None:
            return None
        if self.kind == "table":
            return self._table(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise ParameterError(f"{self.option} must be a finite number, got {value}")
        if self.min is not None and value < self.min:
            raise ParameterError(f"{self.option} must be at least {self.min}, got {value}")
        if self.max is not None and value > self.max:
            raise ParameterError(f"{self.option} must be at most {self.max}, got {value}")
        if self.choices and self.kind == "choice" and str(value) not in self.choices:
            raise ParameterError(f"{self.option} must be one of {', '.join(self.choices)}; got {value!r}")
        if self.kind == "file" and not Path(str(value)).expanduser().is_file():
            raise ParameterError(f"{self.option}: no such file: {value}")
        if self.convert is not None:
            try:
                return self.convert(value)
            except (KeyError, ValueError, TypeError):
                choices = f"; choose one of {', '.join(self.choices)}" if self.choices else ""
                raise ParameterError(f"invalid value {value!r} for {self.option}{choices}") from None
        return value

    def _table(self, value: Any) -> Any:
        """A table value: JSON text, a ``.csv``/``.json`` file (``@FILE`` or a path), or rows,
        converted by ``convert`` (which checks each row against the columns)."""
        import json
        from pathlib import Path

        if isinstance(value, str):
            text = value.strip()
            path = Path(text[1:] if text.startswith("@") else text).expanduser()
            if text.startswith("@") or (path.suffix.lower() in (".csv", ".json") and path.is_file()):
                if not path.is_file():
                    raise ParameterError(f"{self.option}: no such file: {path}")
                value = _read_rows(path)
            else:
                try:
                    value = json.loads(text)
                except ValueError as exc:
                    raise ParameterError(f"{self.option}: expected JSON rows, a .csv or .json file: {exc}") from None
        if self.convert is None:
            return value
        try:
            return self.convert(value)
        except (KeyError, ValueError, TypeError) as exc:
            raise ParameterError(f"invalid table for {self.option}: {exc}") from None

    def as_json(self) -> dict[str, Any]:
        default = self.default
        if hasattr(default, "value"):
            default = default.value
        out = {"name": self.name, "option": self.reachable, "type": self.kind, "default": default,
               "required": self.required, "description": self.description,
               "choices": self.choices, "min": self.min, "max": self.max}
        if self.columns is not None:
            out["columns"] = [c.as_json() for c in self.columns]
        if self.secret:
            out["secret"] = True
        return out


def _read_rows(path: Any) -> Any:
    """The rows of a ``.csv`` (header = column names, cells as text) or ``.json`` file."""
    import csv
    import json

    if path.suffix.lower() == ".csv":
        with open(path, newline="", encoding="utf-8") as f:
            return [dict(row) for row in csv.DictReader(f)]
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ParameterError(f"{path}: not JSON: {exc}") from None


@dataclass
class ActionSpec:
    """Something ``lightplug run`` can execute: an operator or a plugin action."""

    name: str
    plugin: str
    description: str
    params: list[ParamSpec]
    dialect: str  # "operator" (LightlyStudio) or "action" (Panoptic)
    target: Any
    scopes: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)

    @property
    def qualified(self) -> str:
        """``<plugin>.<name>``, unique across plugins."""
        return self.name if self.name.startswith(self.plugin + ".") else f"{self.plugin}.{self.name}"

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "id": self.qualified, "plugin": self.plugin,
                "dialect": self.dialect, "description": self.description,
                "scopes": self.scopes, "hooks": self.hooks,
                "parameters": [p.as_json() for p in self.params]}


@dataclass(frozen=True)
class Bounds:
    """Inclusive limits for an action parameter: ``count: Annotated[int, Bounds(ge=1)] = 3``.

    Values outside them are refused by the CLI with exit code 2. pydantic's ``Field(ge=, le=)``
    and annotated-types' ``Ge``/``Le`` work too.
    """

    ge: float | None = None
    le: float | None = None
