"""LightlyStudio's resolvers over the project database: images, collections, labels, annotations.

They take LightlyStudio's keyword arguments; one lightplug cannot honour (a video filter, a
``text_embedding``, ``order_by``) raises ``UnsupportedFilter`` rather than being ignored.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from .filters import AnnotationsFilter, ImageFilter, SampleFilter, UnsupportedFilter
from .queries import annotation_where, instance_rows
from .records import (Annotation, AnnotationCreate, AnnotationLabel, AnnotationLabelCreate, AnnotationType,
                      Collection, GetAllAnnotationsResult, Paginated, Sample, SampleType, SamplesResult)

__all__ = ["annotation_label_resolver", "annotation_resolver", "collection_resolver", "image_resolver"]
ROOT = "default"


def db_of(session: Any) -> Any:
    """The ``sqlite_utils.Database`` of a ``Session`` (or the database itself)."""
    return getattr(session, "db", session)


def run_id_of(session: Any) -> int | None:
    """The id of the run ``session`` belongs to (its writes are reverted if the run fails)."""
    return getattr(getattr(session, "project", None), "current_run_id", None)


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat()


def refuse(name: str, value: Any) -> None:
    """Raise ``UnsupportedFilter`` if argument ``name`` was given (lightplug cannot honour it)."""
    if value is not None:
        raise UnsupportedFilter(f"argument {name}= is not supported by lightplug")


def sample_of(row: dict[str, Any]) -> Sample:
    from ...db.paths import decode  # names are stored escaped when their bytes are not UTF-8

    return Sample(row["id"], decode(row["url"]), decode(row["name"]), row["width"], row["height"], row["sha1"])


class _CollectionResolver:
    """``collection_resolver``: the root collection and its named children."""

    def get_by_id(self, *, session: Any, collection_id: Any) -> Collection | None:
        """The collection ``collection_id``, or None."""
        rows = list(db_of(session).query("select * from lightly_collections where id = ?", [str(collection_id)]))
        if not rows:
            return None
        r = rows[0]
        return Collection(r["id"], r["name"], SampleType(r["sample_type"]), r["dataset_id"], r["parent_id"],
                          r["created"])

    def get_by_name(self, *, session: Any, name: str, parent_collection_id: Any = None) -> str | None:
        """The id of the collection called ``name`` under ``parent_collection_id`` (None: a root)."""
        if parent_collection_id is not None and self.get_by_id(session=session,
                                                               collection_id=parent_collection_id) is None:
            raise ValueError(f"Parent collection with id {parent_collection_id} not found.")
        sql = "select id from lightly_collections where name = ? and parent_id " + (
            "is null" if parent_collection_id is None else "= ?")
        args = [name] + ([] if parent_collection_id is None else [str(parent_collection_id)])
        rows = list(db_of(session).query(sql, args))
        return rows[0]["id"] if rows else None

    def get_or_create_child_collection(self, *, session: Any, collection_id: Any, sample_type: SampleType,
                                       name: str | None = None) -> str:
        """The id of the child of ``collection_id`` called ``name`` (default: the sample type's
        value), created if missing."""
        from ...db.tx import write

        parent = self.get_by_id(session=session, collection_id=collection_id)
        if parent is None:
            raise ValueError(f"Collection with id {collection_id} not found.")
        child_name = name or SampleType(sample_type).value.lower()
        found = self.get_by_name(session=session, name=child_name, parent_collection_id=parent.collection_id)
        if found is not None:
            return found
        db = db_of(session)
        child_id = f"{parent.collection_id}/{child_name}"
        with write(db):
            db.execute("insert or ignore into lightly_collections (id, name, parent_id, sample_type, dataset_id, "
                       "created) values (?, ?, ?, ?, ?, ?)",
                       [child_id, child_name, parent.collection_id, SampleType(sample_type).value,
                        parent.dataset_id, now()])
        return child_id

    def get_root_collection(self, *, session: Any, collection_id: Any) -> Collection:
        """The root ancestor of ``collection_id``; ``ValueError`` if it does not exist."""
        collection = self.get_by_id(session=session, collection_id=collection_id)
        if collection is None:
            raise ValueError(f"Collection with ID {collection_id} not found.")
        while collection.parent_collection_id is not None:
            parent = self.get_by_id(session=session, collection_id=collection.parent_collection_id)
            if parent is None:
                raise ValueError(f"Parent collection {collection.parent_collection_id} not found.")
            collection = parent
        return collection

    def get_all(self, *, session: Any, offset: int = 0, limit: int | None = None) -> list[Collection]:
        """Every collection, root first."""
        rows = db_of(session).query("select id from lightly_collections order by parent_id is not null, created")
        found = [self.get_by_id(session=session, collection_id=r["id"]) for r in rows]
        out = [c for c in found if c is not None][offset:]
        return out if limit is None else out[:limit]

    def get_annotation_collections(self, *, session: Any, collection_id: Any = ROOT) -> list[Collection]:
        """The annotation collections under ``collection_id``."""
        return [c for c in self.get_all(session=session)
                if c.sample_type == SampleType.ANNOTATION and c.parent_collection_id == str(collection_id)]


class _ImageResolver:
    """``image_resolver``: the project's images (instances) as samples."""

    def get_all_by_collection_id(self, *, session: Any, collection_id: Any = ROOT, pagination: Paginated | None = None,
                                 filters: ImageFilter | SampleFilter | None = None,
                                 text_embedding: Any = None, sample_ids: list[Any] | None = None,
                                 order_by: Any = None) -> SamplesResult:
        """The samples of the collection, narrowed by ``filters`` and ``sample_ids``."""
        refuse("text_embedding", text_embedding)
        refuse("order_by", order_by)
        _root_only(session, collection_id)
        if sample_ids:
            inner = filters.sample_filter if isinstance(filters, ImageFilter) else filters
            merged = SampleFilter(sample_ids=list(sample_ids))
            if isinstance(inner, SampleFilter):
                merged = _and_ids(inner, sample_ids)
            filters = ImageFilter(sample_filter=merged, width=getattr(filters, "width", None),
                                  height=getattr(filters, "height", None))
        rows = instance_rows(db_of(session), filters, pagination)
        return SamplesResult([sample_of(r) for r in rows])

    def get_by_id(self, *, session: Any, sample_id: Any) -> Sample | None:
        """One sample, or None."""
        rows = instance_rows(db_of(session), SampleFilter(sample_ids=[sample_id]))
        return sample_of(rows[0]) if rows else None

    def get_many_by_id(self, *, session: Any, sample_ids: list[Any]) -> list[Sample]:
        """The samples with these ids, in the order given (unknown ids are left out)."""
        if not sample_ids:
            return []
        found = {s.sample_id: s for s in map(sample_of, instance_rows(db_of(session),
                                                                        SampleFilter(sample_ids=list(sample_ids))))}
        return [found[int(i)] for i in sample_ids if int(i) in found]


def _and_ids(flt: SampleFilter, ids: list[Any]) -> SampleFilter:
    from dataclasses import replace

    wanted = [int(i) for i in ids]
    if flt.sample_ids:
        wanted = [i for i in wanted if i in {int(j) for j in flt.sample_ids}] or [-1]
    return replace(flt, sample_ids=wanted)


def _root_only(session: Any, collection_id: Any) -> None:
    collection = _CollectionResolver().get_by_id(session=session, collection_id=collection_id or ROOT)
    if collection is None:
        raise ValueError(f"Collection with id {collection_id} not found.")
    if collection.sample_type != SampleType.IMAGE:
        raise UnsupportedFilter(f"collection {collection_id!r} holds {collection.sample_type.value}s, not images")


class _AnnotationLabelResolver:
    """``annotation_label_resolver``: labels, per dataset."""

    def get_by_label_name(self, *, session: Any, label_name: str, dataset_id: Any = None) -> AnnotationLabel | None:
        """The label called ``label_name`` in the dataset, or None."""
        did = str(dataset_id or ROOT)
        rows = list(db_of(session).query("select * from annotation_labels where collection_id = ? and name = ?",
                                         [did, label_name]))
        return AnnotationLabel(rows[0]["id"], rows[0]["name"], did) if rows else None

    def create(self, *, session: Any, label: AnnotationLabelCreate) -> AnnotationLabel:
        """Create ``label`` (or return the existing one of that name)."""
        from ...db.tx import write

        did = str(label.dataset_id or ROOT)
        db = db_of(session)
        with write(db):
            db.execute("insert or ignore into annotation_labels (collection_id, name) values (?, ?)",
                       [did, label.annotation_label_name])
        found = self.get_by_label_name(session=session, label_name=label.annotation_label_name, dataset_id=did)
        assert found is not None
        return found

    def get_all(self, *, session: Any, dataset_id: Any = None) -> list[AnnotationLabel]:
        """Every label of the dataset."""
        did = str(dataset_id or ROOT)
        return [AnnotationLabel(r["id"], r["name"], did) for r in db_of(session).query(
            "select * from annotation_labels where collection_id = ? order by id", [did])]

    def get_all_sorted_alphabetically(self, *, session: Any, dataset_id: Any = None) -> list[AnnotationLabel]:
        """Every label of the dataset, by name."""
        return sorted(self.get_all(session=session, dataset_id=dataset_id), key=lambda label: label.annotation_label_name)

    def get_by_id(self, *, session: Any, label_id: Any) -> AnnotationLabel | None:
        """One label, or None."""
        rows = list(db_of(session).query("select * from annotation_labels where id = ?", [int(label_id)]))
        return AnnotationLabel(rows[0]["id"], rows[0]["name"], rows[0]["collection_id"]) if rows else None


def _annotation(r: dict[str, Any]) -> Annotation:
    mask = json.loads(r["segmentation_mask"]) if r.get("segmentation_mask") else None
    return Annotation(r["id"], r["sample_id"], r["label_id"], r["label_name"], AnnotationType(r["type"]),
                      r["x"], r["y"], r["width"], r["height"], r["confidence"], mask, r["collection_id"],
                      r["created"])


class _AnnotationResolver:
    """``annotation_resolver``: annotations in named annotation collections."""

    def create_many(self, *, session: Any, parent_collection_id: Any = ROOT, annotations: list[AnnotationCreate],
                    collection_name: str | None = None) -> list[int]:
        """Store ``annotations`` in the child annotation collection ``collection_name`` of
        ``parent_collection_id`` (default name ``annotation``); returns their ids."""
        from ...db.tx import write

        cid = collection_resolver.get_or_create_child_collection(
            session=session, collection_id=parent_collection_id or ROOT, sample_type=SampleType.ANNOTATION,
            name=collection_name)
        db, created, run_id = db_of(session), now(), run_id_of(session)
        ids = []
        with write(db):
            table = db.table("annotations")
            for a in annotations:
                kind = AnnotationType(a.annotation_type)
                if kind == AnnotationType.SEGMENTATION_MASK and a.segmentation_mask is None:
                    raise ValueError("a segmentation_mask annotation needs segmentation_mask (row-wise RLE)")
                mask = None if a.segmentation_mask is None else json.dumps([int(v) for v in a.segmentation_mask])
                ids.append(table.insert({
                    "collection_id": cid, "sample_id": a.parent_sample_id, "label_id": a.annotation_label_id,
                    "type": kind.value, "x": a.x, "y": a.y, "width": a.width, "height": a.height,
                    "confidence": a.confidence, "created": created, "run_id": run_id,
                    "segmentation_mask": mask}).last_pk)
        return ids

    def get_all(self, *, session: Any, pagination: Paginated | None = None,
                filters: AnnotationsFilter | None = None) -> GetAllAnnotationsResult:
        """Annotations matching ``filters``, with the total count before ``pagination``."""
        if filters is not None and not isinstance(filters, AnnotationsFilter):
            raise UnsupportedFilter(f"annotation_resolver.get_all takes an AnnotationsFilter, "
                                    f"not {type(filters).__name__}")
        where, args = annotation_where(filters)
        base = (" from annotations a join annotation_labels l on l.id = a.label_id"
                + (" where " + " and ".join(where) if where else ""))
        db = db_of(session)
        total = next(iter(db.query("select count(*) as n" + base, args)))["n"]
        sql = "select a.*, l.name as label_name" + base + " order by a.id"
        page = list(args)
        if pagination is not None:
            sql += " limit ? offset ?"
            page += [int(pagination.limit), int(pagination.offset)]
        found = [_annotation(r) for r in db.query(sql, page)]
        nxt = None
        if pagination is not None and pagination.offset + pagination.limit < total:
            nxt = pagination.offset + pagination.limit
        return GetAllAnnotationsResult(found, total, nxt)

    def get_all_by_parent_sample_ids(self, *, session: Any, parent_sample_ids: list[Any]) -> list[Annotation]:
        """The annotations of the given samples."""
        if not parent_sample_ids:
            return []
        marks = ", ".join("?" for _ in parent_sample_ids)
        rows = db_of(session).query(
            "select a.*, l.name as label_name from annotations a join annotation_labels l on l.id = a.label_id "
            f"where a.sample_id in ({marks}) order by a.id", [int(i) for i in parent_sample_ids])
        return [_annotation(r) for r in rows]

    def get_by_id(self, *, session: Any, annotation_id: Any) -> Annotation | None:
        """One annotation, or None."""
        found = self.get_all(session=session, filters=AnnotationsFilter(sample_ids=[annotation_id])).annotations
        return found[0] if found else None


collection_resolver = _CollectionResolver()
image_resolver = _ImageResolver()
annotation_label_resolver = _AnnotationLabelResolver()
annotation_resolver = _AnnotationResolver()
