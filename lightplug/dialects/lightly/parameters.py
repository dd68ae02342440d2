"""Typed operator parameters (LightlyStudio's ``lightly_studio.plugins.parameter``).

As in LightlyStudio, ``required`` defaults to ``True`` and a default is type-checked when the
parameter is created (``FloatParameter(default=1)`` raises ``TypeError``). ``min``/``max`` and
``ChoiceParameter`` are lightplug's additions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

# Shown as LightlyStudio's ``param_type`` (the Python type's name, or "table").
_TYPE_NAMES = {"str": "str", "int": "int", "float": "float", "bool": "bool", "choice": "str"}


@dataclass
class BaseParameter:
    """A named input of an operator; ``default`` is validated with ``_validate`` on creation."""

    name: str
    description: str = ""
    default: Any = None
    required: bool = True
    param_type: str | None = None
    kind: ClassVar[str] = "str"

    def __post_init__(self) -> None:
        if self.param_type is None:
            self.param_type = _TYPE_NAMES.get(self.kind, self.kind)
        if self.default is not None:
            self.default = self._validate(self.default)

    def _validate(self, value: Any) -> Any:
        """``value`` if it has this parameter's type; ``TypeError`` otherwise."""
        return value

    def empty(self) -> Any:
        """What the operator receives when no value and no default is given (as LightlyStudio's
        form sends it): ``False`` for a flag, ``""`` for text, ``[]`` for a table, else None."""
        return None


class BuiltinParameter(BaseParameter):
    """A parameter of one Python type (``_parameter_type``): int, float, bool or str."""

    _parameter_type: ClassVar[type] = object

    def _validate(self, value: Any) -> Any:
        if isinstance(value, self._parameter_type):
            return value
        raise TypeError(f"Expected value of type '{self._parameter_type.__name__}' but got {type(value)}'")


@dataclass
class StringParameter(BuiltinParameter):
    """Free text."""

    kind: ClassVar[str] = "str"
    _parameter_type: ClassVar[type] = str

    def empty(self) -> Any:
        return ""


@dataclass
class IntParameter(BuiltinParameter):
    """A whole number, optionally bounded by ``min``/``max`` (inclusive)."""

    min: int | None = None
    max: int | None = None
    kind: ClassVar[str] = "int"
    _parameter_type: ClassVar[type] = int


@dataclass
class FloatParameter(BuiltinParameter):
    """A number, optionally bounded by ``min``/``max`` (inclusive)."""

    min: float | None = None
    max: float | None = None
    kind: ClassVar[str] = "float"
    _parameter_type: ClassVar[type] = float


@dataclass
class BoolParameter(BuiltinParameter):
    """Yes or no."""

    kind: ClassVar[str] = "bool"
    _parameter_type: ClassVar[type] = bool

    def empty(self) -> Any:
        return False


@dataclass
class ChoiceParameter(BuiltinParameter):
    """One value out of ``choices`` (lightplug's addition)."""

    choices: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "choice"
    _parameter_type: ClassVar[type] = str


EnumParameter = ChoiceParameter


@dataclass
class TableParameter(BaseParameter):
    """Rows of typed cells: the value is a list of dicts with exactly the ``columns``' names.

    ``columns`` are non-empty built-in parameters with unique names (tables do not nest).
    """

    columns: Sequence[BuiltinParameter] = field(default_factory=tuple)
    kind: ClassVar[str] = "table"

    def __post_init__(self) -> None:
        self.param_type = "table"
        if not self.columns:
            raise ValueError(f"Table parameter '{self.name}' must define at least one column")
        for column in self.columns:
            if not isinstance(column, BuiltinParameter):
                raise TypeError(f"Expected column of type 'BuiltinParameter' but got {type(column)}")
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"Columns of table parameter '{self.name}' must be unique but got {names}")
        self.columns = list(self.columns)
        super().__post_init__()

    def empty(self) -> Any:
        return []

    def _validate(self, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise TypeError(f"Expected value of type 'list' but got {type(value)}")
        return [self._row(row, i) for i, row in enumerate(value)]

    def _row(self, row: Any, index: int) -> dict[str, Any]:
        if not isinstance(row, dict):
            raise TypeError(f"Expected row {index} of type 'dict' but got {type(row)}")
        names = [c.name for c in self.columns]
        if set(row) != set(names):
            raise ValueError(f"Row {index} must have exactly the columns {names} but got {list(row)}")
        out = {}
        for column in self.columns:
            try:
                out[column.name] = column._validate(row[column.name])
            except TypeError as exc:
                raise TypeError(f"Invalid cell '{column.name}' in row {index}: {exc}") from exc
        return out

    def coerce(self, rows: Any) -> list[dict[str, Any]]:
        """Rows from the command line (JSON text, or cells as text from CSV) in the columns' types,
        a missing optional cell filled with its column's default (or empty value), then validated."""
        if isinstance(rows, str):
            rows = json.loads(rows)
        if isinstance(rows, dict):
            rows = [rows]
        if not isinstance(rows, list):
            raise TypeError(f"Expected a list of rows but got {type(rows).__name__}")
        out = []
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                raise TypeError(f"Expected row {i} to be an object but got {type(row).__name__}")
            unknown = set(row) - {c.name for c in self.columns}
            if unknown:
                raise ValueError(f"Row {i} has unknown columns {sorted(unknown)}; "
                                 f"the columns are {[c.name for c in self.columns]}")
            cells = {}
            for column in self.columns:
                if column.name in row and row[column.name] not in (None, ""):
                    try:
                        cells[column.name] = cell(column, row[column.name])
                    except ValueError as exc:
                        raise ValueError(f"Row {i}, cell '{column.name}' ({column.kind}): {exc}") from None
                elif column.name in row and row[column.name] == "" and column.kind == "str" and not column.required:
                    cells[column.name] = ""
                elif column.default is not None:
                    cells[column.name] = column.default
                elif not column.required:
                    cells[column.name] = column.empty()
                else:
                    raise ValueError(f"Row {i}: the cell '{column.name}' is required")
            out.append(self._row(cells, i))
        return out


_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off"}


def cell(column: BaseParameter, value: Any) -> Any:
    """``value`` (text from CSV or a prompt, or JSON) converted to ``column``'s type."""
    if column.kind == "bool":
        if isinstance(value, str):
            if value.lower() not in _TRUE | _FALSE:
                raise ValueError(f"cell '{column.name}': expected true or false, got {value!r}")
            return value.lower() in _TRUE
        return value
    if column.kind == "int" and isinstance(value, str):
        return int(value)
    if column.kind == "float" and isinstance(value, (str, int)) and not isinstance(value, bool):
        return float(value)
    return value
