"""lightplug: a headless plugin host for image-dataset work.

Every public name is importable from here; modules load on first use so that the command
line starts fast. See docs/api.md for each name.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LIGHTLY = "dialects.lightly."
_PANOPTIC = "dialects.panoptic."
_EXPORTS = {
    # plugin host
    "hookimpl": "hookspecs", "hookspec": "hookspecs",
    "PluginHost": "host", "get_host": "host", "reset_host": "host",
    # dialects: what a new plugin model implements (lightplug.dialect)
    "Dialect": "dialect", "register_dialect": "dialect", "ActionSpec": "specs", "ParamSpec": "specs",
    "Selection": "selection", "RunRefused": "runner",
    # LightlyStudio-style operators (lightplug.dialects.lightly)
    "operator_registry": _LIGHTLY + "registry", "OperatorRegistry": _LIGHTLY + "registry",
    "BaseOperator": _LIGHTLY + "operators", "OperatorResult": _LIGHTLY + "operators",
    "OperatorScope": _LIGHTLY + "operators", "ExecutionContext": _LIGHTLY + "operators",
    "SampleFilter": _LIGHTLY + "operators", "ImageFilter": _LIGHTLY + "operators",
    **{name: _LIGHTLY + "parameters" for name in (
        "BaseParameter", "StringParameter", "IntParameter", "FloatParameter", "BoolParameter",
        "ChoiceParameter", "EnumParameter")},
    **{name: _LIGHTLY + "resolvers" for name in (
        "image_resolver", "annotation_label_resolver", "annotation_resolver", "AnnotationCreate",
        "AnnotationLabelCreate", "AnnotationLabel", "Annotation", "AnnotationType", "Sample",
        "SamplesResult")},
    "Session": _LIGHTLY + "session",
    # LightlyStudio's plugin API beyond the guide (lifecycle, tables, collections, captions, tags)
    "OperatorStatus": _LIGHTLY + "operators", "TableParameter": _LIGHTLY + "parameters",
    "BuiltinParameter": _LIGHTLY + "parameters",
    **{name: _LIGHTLY + "filters" for name in (
        "AnnotationsFilter", "AnyFilter", "FilterDimensions", "UnsupportedFilter")},
    "collection_resolver": _LIGHTLY + "resolvers",
    **{name: _LIGHTLY + "more_resolvers" for name in (
        "caption_resolver", "sample_resolver", "tag_resolver", "metadata_resolver")},
    **{name: _LIGHTLY + "records" for name in (
        "CaptionCreate", "Caption", "Collection", "CollectionTable", "SampleType", "GetAllAnnotationsResult",
        "Paginated")},
    **{name: _LIGHTLY + "embeddings" for name in (
        "EmbeddingManager", "EmbeddingManagerProvider", "TextEmbedQuery", "EmbeddingModelCreate",
        "EmbeddingModelTable", "EmbeddingResult", "EmbeddingGenerator", "ImageEmbeddingGenerator",
        "SampleEmbeddingRow", "set_default_embedding_model", "sample_embedding_resolver",
        "embedding_model_resolver")},
    **{name: _LIGHTLY + "export" for name in (  # these need the labelformat package
        "image_sample_to_image", "LightlyStudioInputBase", "LightlyStudioObjectDetectionInput",
        "LightlyStudioYOLOObjectDetectionInput", "LightlyStudioInstanceSegmentationInput",
        "LightlyStudioPascalVOCInstanceSegmentationInput")},
    **{name: _LIGHTLY + "studio" for name in (
        "ImageDataset", "ImageSample", "start_gui", "download_example_dataset")},
    **{name: _LIGHTLY + "out_of_scope" for name in (
        "VideoFilter", "VideoFrameFilter", "GroupFilter", "video_resolver", "video_frame_resolver",
        "group_resolver", "object_track_resolver")},
    # Panoptic-style plugins (lightplug.dialects.panoptic)
    "APlugin": _PANOPTIC + "aplugin", "FunctionDescription": _PANOPTIC + "aplugin",
    "ParamDescription": _PANOPTIC + "aplugin", "PluginProjectInterface": _PANOPTIC + "interface",
    **{name: _PANOPTIC + "results" for name in (
        "ActionContext", "ActionResult", "Group", "Score", "ScoreList", "Notif", "NotifType",
        "NotifFunction")},
    "Task": _PANOPTIC + "tasks",
    "group_by_sha1": _PANOPTIC + "compat", "Map": "models",
    "Project": "project", "Bounds": "specs",
    # compute layer
    "map_images": "compute", "MapResult": "compute", "ImageFeature": "compute", "register_feature": "compute",
    "map_feature": "compute", "feature_type": "compute", "DecodedImage": "compute",
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
