"""The hook through which plugins register LightlyStudio-style operators."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ...hookspecs import hookspec

if TYPE_CHECKING:
    from .operators import BaseOperator


@hookspec
def register_operators(register: Callable[[BaseOperator], None]) -> None:
    """Register LightlyStudio-style operators by calling ``register(operator)``."""
