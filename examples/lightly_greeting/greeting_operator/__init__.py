from dataclasses import dataclass
from lightplug import BaseOperator, OperatorResult
from lightplug import OperatorScope
from lightplug import StringParameter
from lightplug import hookimpl


@dataclass
class GreetingOperator(BaseOperator):
    name: str = "GreetingOperator"
    description: str = "This operator greet you"

    @property
    def parameters(self):
        return [
            StringParameter(
                name="name",
                required=True,
                default="beautiful and smart person",
                description="your name"
            ),
        ]

    @property
    def supported_scopes(self) -> list[OperatorScope]:
        """Return the list of scopes this operator can be triggered from."""
        return [OperatorScope.ROOT]

    def execute(self, *, session, context, parameters):
        your_name = parameters.get("name", "")
        return OperatorResult(success=True, message=f"Hello {your_name}!")


# The one addition: LightlyStudio's `operator_registry.register(GreetingOperator())` becomes a hook.
@hookimpl
def register_operators(register):
    register(GreetingOperator())
