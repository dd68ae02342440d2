"""The ``hello`` plugin: a greeting operator, registered through ``register_operators``."""

from __future__ import annotations

from dataclasses import dataclass

from lightplug import BaseOperator, OperatorResult, OperatorScope, StringParameter, hookimpl


@dataclass
class GreetingOperator(BaseOperator):
    """Greets whoever is named (LightlyStudio's "Hello World" operator)."""

    name: str = "greet"
    description: str = "This operator greets you"

    @property
    def parameters(self) -> list[StringParameter]:
        return [StringParameter(name="name", required=True, default="beautiful and smart person",
                                description="your name")]

    @property
    def supported_scopes(self) -> list[OperatorScope]:
        return [OperatorScope.ROOT]

    def execute(self, *, session, context, parameters) -> OperatorResult:
        return OperatorResult(success=True, message=f"Hello {parameters.get('name', '')}!")


@hookimpl
def register_operators(register) -> None:
    """Register the greeting operator."""
    register(GreetingOperator())
