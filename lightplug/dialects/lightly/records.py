"""LightlyStudio's data classes as operators create and read them (``lightly_studio.models``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class AnnotationType(str, Enum):
    """Kinds of annotation."""

    CLASSIFICATION = "classification"
    OBJECT_DETECTION = "object_detection"
    SEGMENTATION_MASK = "segmentation_mask"
    INSTANCE_SEGMENTATION = "instance_segmentation"
    SEMANTIC_SEGMENTATION = "semantic_segmentation"


class SampleType(str, Enum):
    """What the samples of a collection are (lightplug stores images, annotations, captions)."""

    IMAGE = "image"
    ANNOTATION = "annotation"
    CAPTION = "caption"
    VIDEO = "video"
    VIDEO_FRAME = "video_frame"
    GROUP = "group"


@dataclass
class Collection:
    """A collection: the root (the project's images) or a named child of annotations or captions."""

    collection_id: str
    name: str
    sample_type: SampleType
    dataset_id: str
    parent_collection_id: str | None = None
    created_at: str = ""


CollectionTable = Collection
"""LightlyStudio's name for a collection row (``session.get(CollectionTable, collection_id)``)."""


@dataclass
class AnnotationLabelCreate:
    """A label to create in a dataset (``dataset_id``, the root collection's)."""

    annotation_label_name: str
    dataset_id: str | None = None


@dataclass
class AnnotationLabel:
    """A stored annotation label."""

    annotation_label_id: int
    annotation_label_name: str
    dataset_id: str


@dataclass
class AnnotationCreate:
    """An annotation to create on sample ``parent_sample_id``: boxes in pixels (x, y = top-left);
    ``segmentation_mask`` a row-wise run-length encoding of the mask over the whole image."""

    parent_sample_id: int
    annotation_label_id: int
    annotation_type: AnnotationType = AnnotationType.CLASSIFICATION
    x: float | None = None
    y: float | None = None
    width: float | None = None
    height: float | None = None
    confidence: float | None = None
    segmentation_mask: list[int] | None = None
    object_track_id: Any = None


@dataclass
class BoxDetails:
    """Box (and mask) of an annotation, as LightlyStudio's ``object_detection_details`` /
    ``segmentation_details``."""

    x: float | None
    y: float | None
    width: float | None
    height: float | None
    segmentation_mask: list[int] | None = None


@dataclass
class Annotation:
    """A stored annotation; ``sample_id`` is its own id (``annotation_id``)."""

    annotation_id: int
    parent_sample_id: int
    annotation_label_id: int
    annotation_label_name: str
    annotation_type: AnnotationType
    x: float | None
    y: float | None
    width: float | None
    height: float | None
    confidence: float | None
    segmentation_mask: list[int] | None = None
    collection_id: str = "default"
    created_at: str = ""

    @property
    def sample_id(self) -> int:
        return self.annotation_id

    @property
    def annotation_label(self) -> AnnotationLabel:
        return AnnotationLabel(self.annotation_label_id, self.annotation_label_name, "default")

    @property
    def object_detection_details(self) -> BoxDetails | None:
        if self.annotation_type != AnnotationType.OBJECT_DETECTION:
            return None
        return BoxDetails(self.x, self.y, self.width, self.height)

    @property
    def segmentation_details(self) -> BoxDetails | None:
        if self.segmentation_mask is None:
            return None
        return BoxDetails(self.x, self.y, self.width, self.height, self.segmentation_mask)


@dataclass
class GetAllAnnotationsResult:
    """What ``annotation_resolver.get_all`` returns."""

    annotations: list[Annotation]
    total_count: int
    next_cursor: int | None = None


@dataclass
class Sample:
    """An image sample as operators see it."""

    sample_id: int
    file_path_abs: str
    file_name: str
    width: int
    height: int
    sha1: str


@dataclass
class SamplesResult:
    """What ``image_resolver.get_all_by_collection_id`` and ``sample_resolver.get_filtered_samples``
    return."""

    samples: list[Sample] = field(default_factory=list)
    next_cursor: int | None = None

    @property
    def total_count(self) -> int:
        return len(self.samples)


@dataclass
class CaptionCreate:
    """A caption to create for sample ``parent_sample_id``."""

    parent_sample_id: int
    text: str
    start_time_s: float | None = None
    end_time_s: float | None = None


@dataclass
class Caption:
    """A stored caption; ``sample_id`` is its own id."""

    sample_id: int
    parent_sample_id: int
    text: str
    collection_id: str = ""
    created_at: str = ""


@dataclass
class Paginated:
    """``offset``/``limit`` of a listing."""

    offset: int = 0
    limit: int = 100
