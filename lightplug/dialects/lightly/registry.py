"""The operator registry: where operators from hooks and scripts are collected."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .operators import BaseOperator


@dataclass
class RegisteredOperator:
    """An operator and the plugin that registered it."""

    operator: BaseOperator
    plugin: str


@dataclass
class OperatorRegistry:
    """Holds registered operators. ``register(op)`` is all a script or plugin needs."""

    entries: list[RegisteredOperator] = field(default_factory=list)
    current_plugin: str = "script"

    def register(self, operator: BaseOperator) -> None:
        """Make ``operator`` available to ``lightplug run``."""
        from .operators import BaseOperator

        if not isinstance(operator, BaseOperator):
            raise TypeError(f"register() takes a BaseOperator instance, not {type(operator).__name__}")
        if not getattr(operator, "name", ""):
            raise ValueError("an operator needs a non-empty name")
        self.entries.append(RegisteredOperator(operator, self.current_plugin))

    def get_all(self) -> list[BaseOperator]:
        """Every registered operator, in registration order."""
        return [e.operator for e in self.entries]

    def startup_all(self) -> None:
        """Start every registered operator now (lightplug otherwise starts one before its first run)."""
        from .lifecycle import start

        for e in self.entries:
            start(e.operator)

    def shutdown_all(self) -> None:
        """Stop every started operator (lightplug also does this when the process ends)."""
        from .lifecycle import shutdown_all

        shutdown_all()


operator_registry = OperatorRegistry()
