"""The plugin dialects lightplug speaks, one sub-package each (see ``lightplug.dialect``).

* ``lightly`` — LightlyStudio's operators: ``BaseOperator``, typed parameters, the operator
  registry, resolvers and the session.
* ``panoptic`` — Panoptic's plugins: ``APlugin``, its actions, the project interface, results
  and tasks.
"""
