"""LightlyStudio-style data access: samples, annotation labels and annotations ("resolvers")."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .operators import ImageFilter, SampleFilter


class AnnotationType(str, Enum):
    """Kinds of annotation."""

    CLASSIFICATION = "classification"
    OBJECT_DETECTION = "object_detection"
    INSTANCE_SEGMENTATION = "instance_segmentation"
    SEMANTIC_SEGMENTATION = "semantic_segmentation"


@dataclass
class AnnotationLabelCreate:
    """A label to create in a collection (``dataset_id`` is the collection id)."""

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
    """An annotation to create on sample ``parent_sample_id``; boxes are x, y, width, height in pixels."""

    parent_sample_id: int
    annotation_label_id: int
    annotation_type: AnnotationType = AnnotationType.CLASSIFICATION
    x: float | None = None
    y: float | None = None
    width: float | None = None
    height: float | None = None
    confidence: float | None = None


@dataclass
class Annotation:
    """A stored annotation."""

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
    """What ``get_all_by_collection_id`` returns."""

    samples: list[Sample] = field(default_factory=list)

    @property
    def total_count(self) -> int:
        return len(self.samples)


def _db(session: Any) -> Any:
    return getattr(session, "db", session)


def _sample_ids(filters: Any) -> list[int] | None:
    if isinstance(filters, ImageFilter):
        filters = filters.sample_filter
    if isinstance(filters, SampleFilter):
        return filters.sample_ids
    return None


class _ImageResolver:
    def get_all_by_collection_id(self, *, session: Any, collection_id: Any = None,
                                 filters: ImageFilter | SampleFilter | None = None, **_: Any) -> SamplesResult:
        """The samples of the collection, narrowed by ``filters``."""
        from ...db import store

        ids = _sample_ids(filters)
        instances = store.get_instances(_db(session), ids=ids) if ids is not None else store.get_instances(_db(session))
        return SamplesResult([Sample(i.id, i.url, i.name, i.width, i.height, i.sha1) for i in instances])


class _AnnotationLabelResolver:
    def get_by_label_name(self, *, session: Any, label_name: str, dataset_id: Any = None,
                          collection_id: Any = None, **_: Any) -> AnnotationLabel | None:
        """The label called ``label_name`` in the collection, or None."""
        cid = str(collection_id or dataset_id or "default")
        rows = list(_db(session).query("select * from annotation_labels where collection_id = ? and name = ?",
                                       [cid, label_name]))
        return AnnotationLabel(rows[0]["id"], rows[0]["name"], cid) if rows else None

    def create(self, *, session: Any, label: AnnotationLabelCreate, **_: Any) -> AnnotationLabel:
        """Create ``label`` (or return the existing one of that name)."""
        from ...db.tx import write

        cid = str(label.dataset_id or "default")
        db = _db(session)
        with write(db):
            db.execute("insert or ignore into annotation_labels (collection_id, name) values (?, ?)",
                       [cid, label.annotation_label_name])
        found = self.get_by_label_name(session=session, label_name=label.annotation_label_name, dataset_id=cid)
        assert found is not None
        return found

    def get_all(self, *, session: Any, dataset_id: Any = None, collection_id: Any = None, **_: Any) -> list[AnnotationLabel]:
        cid = str(collection_id or dataset_id or "default")
        return [AnnotationLabel(r["id"], r["name"], cid) for r in _db(session).query(
            "select * from annotation_labels where collection_id = ? order by id", [cid])]


class _AnnotationResolver:
    def create_many(self, *, session: Any, parent_collection_id: Any = None,
                    annotations: list[AnnotationCreate], **_: Any) -> list[int]:
        """Store ``annotations``; returns their ids."""
        db = _db(session)
        cid = str(parent_collection_id or "default")
        created = _dt.datetime.now(_dt.timezone.utc).isoformat()
        from ...db.tx import write

        run_id = getattr(getattr(session, "project", None), "current_run_id", None)
        ids = []
        with write(db):
            table = db.table("annotations")
            for a in annotations:
                ids.append(table.insert({
                    "collection_id": cid, "sample_id": a.parent_sample_id, "label_id": a.annotation_label_id,
                    "type": AnnotationType(a.annotation_type).value, "x": a.x, "y": a.y,
                    "width": a.width, "height": a.height, "confidence": a.confidence,
                    "created": created, "run_id": run_id}).last_pk)
        return ids

    def get_all(self, *, session: Any, sample_ids: list[int] | None = None, **_: Any) -> list[Annotation]:
        """Stored annotations, optionally only those of ``sample_ids``."""
        sql = ("select a.*, l.name as label_name from annotations a "
               "join annotation_labels l on l.id = a.label_id")
        rows = _db(session).query(sql + " order by a.id")
        out = [Annotation(r["id"], r["sample_id"], r["label_id"], r["label_name"], AnnotationType(r["type"]),
                          r["x"], r["y"], r["width"], r["height"], r["confidence"]) for r in rows]
        wanted = None if sample_ids is None else set(sample_ids)
        return [a for a in out if wanted is None or a.parent_sample_id in wanted]


image_resolver = _ImageResolver()
annotation_label_resolver = _AnnotationLabelResolver()
annotation_resolver = _AnnotationResolver()
