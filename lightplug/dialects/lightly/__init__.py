"""The LightlyStudio dialect: operators with typed parameters, registered through a hook.

Its public names are importable from ``lightplug``; ``dialect.DIALECT`` is what the core uses.
"""
