"""The Panoptic dialect: ``APlugin`` classes, started once per project, whose actions are
described from their signatures; the project interface, results and tasks they use.

Its public names are importable from ``lightplug``; ``dialect.DIALECT`` is what the core uses.

A plugin written for Panoptic is ported by changing its imports only: every
``from panoptic.<module> import X`` becomes ``from lightplug.dialects.panoptic import X``. This
package offers, under the same names, everything Panoptic's plugin API gives (``panoptic.models``,
``panoptic.models.results``, ``panoptic.core.plugin.plugin``, ``panoptic.core.task.task``,
``panoptic.core.project.project``, ``panoptic.utils``), loaded on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_MODELS = (
    "Folder", "Instance", "ImageInfo", "Property", "PropertyType", "PropertyMode", "PropertyGroup", "Tag",
    "InstanceProperty", "ImageProperty", "InstancePropertyKey", "ImagePropertyKey", "PropertyValue", "Vector",
    "VectorType", "OwnVectorType", "PropertyId", "DbCommit", "DeleteFolderConfirm", "Map",
)
_RESULTS = ("ActionContext", "ActionResult", "Group", "Score", "ScoreList", "Notif", "NotifType", "NotifFunction")
_COMPAT = ("InputFile", "group_by_sha1", "convert_to_instance_values", "chunk_list", "get_all_parent",
           "separate_ids", "all_equal")

_PANOPTIC_NAMES: dict[str, str] = {
    **{name: "lightplug.models" for name in _MODELS},
    **{name: __name__ + ".results" for name in _RESULTS},
    **{name: __name__ + ".compat" for name in _COMPAT},
    "APlugin": __name__ + ".aplugin", "FunctionDescription": __name__ + ".aplugin",
    "ParamDescription": __name__ + ".aplugin", "PluginProjectInterface": __name__ + ".interface",
    "Task": __name__ + ".tasks", "Project": "lightplug.project",
}

__all__ = sorted(_PANOPTIC_NAMES)


def __getattr__(name: str) -> Any:
    module = _PANOPTIC_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
