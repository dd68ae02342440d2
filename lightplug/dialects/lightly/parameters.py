"""Typed operator parameters, from which the CLI builds options and prompts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class BaseParameter:
    """A named input of an operator."""

    name: str
    description: str = ""
    default: Any = None
    required: bool = False
    kind: ClassVar[str] = "str"


@dataclass
class StringParameter(BaseParameter):
    """Free text."""

    kind: ClassVar[str] = "str"


@dataclass
class IntParameter(BaseParameter):
    """A whole number, optionally bounded by ``min``/``max`` (inclusive)."""

    min: int | None = None
    max: int | None = None
    kind: ClassVar[str] = "int"


@dataclass
class FloatParameter(BaseParameter):
    """A number, optionally bounded by ``min``/``max`` (inclusive)."""

    min: float | None = None
    max: float | None = None
    kind: ClassVar[str] = "float"


@dataclass
class BoolParameter(BaseParameter):
    """Yes or no."""

    kind: ClassVar[str] = "bool"


@dataclass
class ChoiceParameter(BaseParameter):
    """One value out of ``choices``."""

    choices: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "choice"


EnumParameter = ChoiceParameter
