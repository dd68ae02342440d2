"""lightplug: a headless plugin host for image-dataset work.

Every public name is importable from here; modules load on first use so that the command
line starts fast. See docs/api.md for each name.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    # plugin host
    "hookimpl": "hookspecs", "hookspec": "hookspecs",
    "operator_registry": "registry", "OperatorRegistry": "registry",
    "PluginHost": "host", "get_host": "host", "reset_host": "host",
    # LightlyStudio-style operators
    "BaseOperator": "operators", "OperatorResult": "operators", "OperatorScope": "operators",
    "ExecutionContext": "operators", "SampleFilter": "operators", "ImageFilter": "operators",
    "BaseParameter": "parameters", "StringParameter": "parameters", "IntParameter": "parameters",
    "FloatParameter": "parameters", "BoolParameter": "parameters", "ChoiceParameter": "parameters",
    "EnumParameter": "parameters",
    "image_resolver": "lightly", "annotation_label_resolver": "lightly",
    "annotation_resolver": "lightly", "AnnotationCreate": "lightly",
    "AnnotationLabelCreate": "lightly", "AnnotationLabel": "lightly", "Annotation": "lightly",
    "AnnotationType": "lightly", "Sample": "lightly", "SamplesResult": "lightly",
    "Session": "runner",
    # Panoptic-style plugins
    "APlugin": "aplugin", "FunctionDescription": "aplugin", "ParamDescription": "aplugin",
    "PluginProjectInterface": "interface", "Project": "project",
    "ActionContext": "results", "ActionResult": "results", "Group": "results", "Score": "results",
    "ScoreList": "results", "Notif": "results", "NotifType": "results", "NotifFunction": "results",
    "Task": "tasks", "Bounds": "specs",
    # compute layer
    "map_images": "compute", "MapResult": "compute",
    # data model
    "Folder": "models", "Instance": "models", "ImageInfo": "models", "Property": "models",
    "PropertyType": "models", "PropertyMode": "models", "PropertyGroup": "models", "Tag": "models",
    "InstanceProperty": "models", "ImageProperty": "models", "InstancePropertyKey": "models",
    "ImagePropertyKey": "models", "PropertyValue": "models", "Vector": "models",
    "VectorType": "models", "OwnVectorType": "models", "PropertyId": "models",
    "InputFile": "models", "DbCommit": "models", "DeleteFolderConfirm": "models",
    # running from a script
    "start_cli": "cli",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lightplug' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
