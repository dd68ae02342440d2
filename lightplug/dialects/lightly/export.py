"""LightlyStudio's label export adapters: the project's samples and annotations as labelformat inputs.

``LightlyStudioObjectDetectionInput`` and friends hand boxes and masks to any labelformat writer
(KITTI, YOLO, COCO, Pascal VOC); ``image_sample_to_image`` maps a sample to a labelformat
``Image``. This module needs the ``labelformat`` package (``pip install labelformat``), which
export plugins depend on anyway; lightplug itself does not.
"""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Callable, Iterable
from typing import Any

try:
    from labelformat.model.binary_mask_segmentation import BinaryMaskSegmentation
    from labelformat.model.bounding_box import BoundingBox
    from labelformat.model.category import Category
    from labelformat.model.image import Image
    from labelformat.model.instance_segmentation import (
        ImageInstanceSegmentation, InstanceSegmentationInput, SingleInstanceSegmentation,
    )
    from labelformat.model.object_detection import ImageObjectDetection, ObjectDetectionInput, SingleObjectDetection
except ModuleNotFoundError as missing:  # pragma: no cover - depends on the environment
    raise ModuleNotFoundError(
        f"LightlyStudio's export adapters need the labelformat package ({missing}); "
        "install it with `pip install labelformat`", name="labelformat") from None

from .records import AnnotationType

SampleToImage = Callable[..., Image]


def image_sample_to_image(sample: Any, image_id: int, use_relative_filename: bool) -> Image:
    """``sample`` as a labelformat ``Image``: its file name (relative) or absolute path, and size."""
    filename = sample.file_name if use_relative_filename else sample.file_path_abs
    return Image(id=image_id, filename=filename, width=int(sample.width), height=int(sample.height))


class LightlyStudioInputBase:
    """Samples and their annotations (of one annotation collection, or all) for a labelformat writer.

    ``session`` is read in the constructor only: the dataset's labels become categories
    (numbered from ``CATEGORY_ID_START`` in alphabetical order) and the samples' annotations are
    fetched once.
    """

    CATEGORY_ID_START = 0
    USE_RELATIVE_FILENAME = False

    def __init__(self, session: Any, dataset_id: Any, samples: Iterable[Any], annotation_collection_id: Any,
                 sample_to_image: SampleToImage) -> None:
        from .resolvers import annotation_label_resolver, annotation_resolver

        self._samples = list(samples)
        self._annotation_collection_id = annotation_collection_id
        self._sample_to_image = sample_to_image
        labels = annotation_label_resolver.get_all_sorted_alphabetically(session=session, dataset_id=dataset_id)
        self._label_id_to_category = {label.annotation_label_id: Category(id=self.CATEGORY_ID_START + i,
                                                                          name=label.annotation_label_name)
                                      for i, label in enumerate(labels)}
        found = annotation_resolver.get_all_by_parent_sample_ids(
            session=session, parent_sample_ids=[s.sample_id for s in self._samples])
        self._annotations: dict[int, list[Any]] = {}
        for annotation in found:
            self._annotations.setdefault(annotation.parent_sample_id, []).append(annotation)

    @staticmethod
    def add_cli_arguments(parser: ArgumentParser) -> None:
        """Part of labelformat's interface; not used."""
        raise NotImplementedError()

    def get_categories(self) -> Iterable[Category]:
        """The dataset's labels as categories."""
        return self._label_id_to_category.values()

    def get_images(self) -> Iterable[Image]:
        """The samples as labelformat images."""
        for index, sample in enumerate(self._samples):
            yield self._image(sample, index)

    def _image(self, sample: Any, index: int) -> Image:
        return self._sample_to_image(sample=sample, image_id=index, use_relative_filename=self.USE_RELATIVE_FILENAME)

    def _annotations_of(self, sample: Any, kind: AnnotationType) -> list[Any]:
        wanted = self._annotation_collection_id
        return [a for a in self._annotations.get(sample.sample_id, [])
                if a.annotation_type == kind and (wanted is None or a.collection_id == str(wanted))]


def _box(annotation: Any) -> BoundingBox:
    x, y = float(annotation.x or 0), float(annotation.y or 0)
    return BoundingBox(xmin=x, ymin=y, xmax=x + float(annotation.width or 0), ymax=y + float(annotation.height or 0))


class LightlyStudioObjectDetectionInput(LightlyStudioInputBase, ObjectDetectionInput):
    """Object detections (boxes) of the samples, for labelformat's object-detection writers."""

    def get_labels(self) -> Iterable[ImageObjectDetection]:
        """One ``ImageObjectDetection`` per sample (samples without boxes included)."""
        for index, sample in enumerate(self._samples):
            objects = [SingleObjectDetection(category=self._label_id_to_category[a.annotation_label_id],
                                             box=_box(a), confidence=a.confidence)
                       for a in self._annotations_of(sample, AnnotationType.OBJECT_DETECTION)]
            yield ImageObjectDetection(image=self._image(sample, index), objects=objects)


class LightlyStudioYOLOObjectDetectionInput(LightlyStudioObjectDetectionInput):
    """Object detections with relative file names, as YOLO's writer needs."""

    USE_RELATIVE_FILENAME = True


class LightlyStudioInstanceSegmentationInput(LightlyStudioInputBase, InstanceSegmentationInput):
    """Segmentation masks (row-wise RLE) of the samples, for labelformat's segmentation writers."""

    def get_labels(self) -> Iterable[ImageInstanceSegmentation]:
        """One ``ImageInstanceSegmentation`` per sample; annotations without a mask are left out."""
        for index, sample in enumerate(self._samples):
            image = self._image(sample, index)
            objects = [SingleInstanceSegmentation(
                category=self._label_id_to_category[a.annotation_label_id],
                segmentation=BinaryMaskSegmentation.from_rle(list(a.segmentation_mask), image.width, image.height,
                                                             _box(a) if a.width else None))
                for a in self._annotations_of(sample, AnnotationType.SEGMENTATION_MASK) if a.segmentation_mask]
            yield ImageInstanceSegmentation(image=image, objects=objects)


class LightlyStudioPascalVOCInstanceSegmentationInput(LightlyStudioInstanceSegmentationInput):
    """Segmentation masks with categories from 1 and relative file names, as Pascal VOC needs."""

    CATEGORY_ID_START = 1
    USE_RELATIVE_FILENAME = True
