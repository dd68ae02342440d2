"""LightlyStudio's filters: which samples (or annotations) an operator works on.

Fields lightplug cannot honour (``metadata_filters``, ``query_expr``, ``confusion_cell``, …) are
accepted, so plugins construct them as they do, but a resolver handed a filter that sets one
raises ``UnsupportedFilter`` instead of ignoring it. An empty id list does not filter, as in
LightlyStudio.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal, Union


class UnsupportedFilter(ValueError):
    """A filter field or resolver argument that lightplug cannot honour."""


@dataclass
class FilterDimensions:
    """An inclusive pixel range; ``None`` ends are open."""

    min: int | None = None
    max: int | None = None


@dataclass
class AnnotationsFilter:
    """Selects annotations (by their ids as ``sample_ids``, types, collections, labels)."""

    annotation_types: list[Any] | None = None
    collection_ids: list[Any] | None = None
    annotation_label_ids: list[Any] | None = None
    tag_ids: list[Any] | None = None
    sample_ids: list[Any] | None = None
    filter_type: Literal["annotations"] = "annotations"


@dataclass
class SampleFilter:
    """Selects samples (images) by id, tag, and annotations; ``None`` fields do not filter."""

    tag_ids: list[Any] | None = None
    metadata_filters: list[Any] | None = None
    sample_ids: list[Any] | None = None
    has_captions: bool | None = None
    annotations_filter: AnnotationsFilter | None = None
    confusion_cell: Any = None
    query_expr: Any = None
    filter_type: Literal["sample"] = "sample"


@dataclass
class ImageFilter:
    """Selects images: a ``SampleFilter`` plus ``width``/``height`` ranges."""

    sample_filter: SampleFilter | None = None
    width: FilterDimensions | None = None
    height: FilterDimensions | None = None
    filter_type: Literal["image"] = "image"


AnyFilter = Union[ImageFilter, AnnotationsFilter, SampleFilter]
"""What ``ExecutionContext.context_filter`` may hold (video and group filters are out of scope)."""

_HONOURED = {
    SampleFilter: {"tag_ids", "sample_ids", "has_captions", "annotations_filter", "filter_type"},
    ImageFilter: {"sample_filter", "width", "height", "filter_type"},
    AnnotationsFilter: {"annotation_types", "collection_ids", "annotation_label_ids", "sample_ids",
                        "filter_type"},
}


def check_supported(obj: Any) -> None:
    """Raise ``UnsupportedFilter`` if ``obj`` (a filter) sets a field lightplug cannot honour."""
    if obj is None:
        return
    honoured = _HONOURED.get(type(obj))
    if honoured is None:
        raise UnsupportedFilter(f"lightplug does not support filters of type {type(obj).__name__} "
                                "(video, video-frame and group filters are out of scope)")
    for f in fields(obj):
        value = getattr(obj, f.name)
        if f.name not in honoured and value is not None:
            raise UnsupportedFilter(f"{type(obj).__name__}.{f.name} is not supported by lightplug")
        if f.name in ("sample_filter", "annotations_filter"):
            check_supported(value)
