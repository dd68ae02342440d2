"""The Panoptic dialect: ``APlugin`` classes, started once per project, whose actions are
described from their signatures; the project interface, results and tasks they use.

Its public names are importable from ``lightplug``; ``dialect.DIALECT`` is what the core uses.
"""
