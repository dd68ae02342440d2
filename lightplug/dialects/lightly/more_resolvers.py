"""LightlyStudio's caption, sample, tag and metadata resolvers over the project database.

Tags are lightplug tags of the multi-tag property ``tags``; metadata are properties (one per
key). Both are written as commits, so ``lightplug undo`` reverts them and a failed run drops them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .filters import SampleFilter, UnsupportedFilter
from .queries import instance_rows
from .records import Caption, CaptionCreate, Paginated, SampleType, SamplesResult
from .resolvers import ROOT, collection_resolver, db_of, now, run_id_of, sample_of

__all__ = ["caption_resolver", "metadata_resolver", "sample_resolver", "tag_resolver"]
TAG_PROPERTY = "tags"


def _commit(session: Any, commit: Any) -> Any:
    """Write ``commit`` as an undoable commit of the current run."""
    from ...db import commits
    from ...db.tx import write

    db = db_of(session)
    with write(db):
        inverse = commits.apply_commit(db, commit)
        commits.record(db, commit, inverse, "lightly", run_id=run_id_of(session))
    return commit


def _temp_id(session: Any) -> int:
    project = getattr(session, "project", None)
    if project is None:
        raise UnsupportedFilter("this resolver needs the session lightplug passes to execute()")
    return int(project.next_temp_id())


class _CaptionResolver:
    """``caption_resolver``: captions, in the ``caption`` child collection."""

    def create_many(self, *, session: Any, parent_collection_id: Any = ROOT,
                    captions: Sequence[CaptionCreate]) -> list[int]:
        """Store ``captions``; returns their ids."""
        from ...db.tx import write

        if not captions:
            return []
        for c in captions:
            if c.start_time_s is not None or c.end_time_s is not None:
                raise UnsupportedFilter("captions with a time span (video) are not supported by lightplug")
        cid = collection_resolver.get_or_create_child_collection(
            session=session, collection_id=parent_collection_id or ROOT, sample_type=SampleType.CAPTION)
        db, created, run_id = db_of(session), now(), run_id_of(session)
        with write(db):
            table = db.table("captions")
            return [table.insert({"collection_id": cid, "sample_id": int(c.parent_sample_id), "text": c.text,
                                  "created": created, "run_id": run_id}).last_pk for c in captions]

    def get_all_by_parent_sample_ids(self, *, session: Any, parent_sample_ids: Sequence[Any]) -> list[Caption]:
        """The captions of the given samples, oldest first."""
        if not parent_sample_ids:
            return []
        marks = ", ".join("?" for _ in parent_sample_ids)
        rows = db_of(session).query(f"select * from captions where sample_id in ({marks}) order by id",
                                    [int(i) for i in parent_sample_ids])
        return [Caption(r["id"], r["sample_id"], r["text"], r["collection_id"], r["created"]) for r in rows]

    def get_all(self, *, session: Any, collection_id: Any = None) -> list[Caption]:
        """Every caption (of one caption collection if ``collection_id`` is given)."""
        sql, args = "select * from captions", []
        if collection_id is not None:
            sql, args = sql + " where collection_id = ?", [str(collection_id)]
        return [Caption(r["id"], r["sample_id"], r["text"], r["collection_id"], r["created"])
                for r in db_of(session).query(sql + " order by id", args)]


class _SampleResolver:
    """``sample_resolver``: samples of the root collection by filter."""

    def get_filtered_samples(self, *, session: Any, collection_id: Any = ROOT, filters: SampleFilter | None = None,
                             pagination: Paginated | None = None) -> SamplesResult:
        """The samples ``filters`` selects."""
        _check_root(session, collection_id)
        return SamplesResult([sample_of(r) for r in instance_rows(db_of(session), filters, pagination)])

    def count_by_collection_id(self, *, session: Any, collection_id: Any = ROOT) -> int:
        """How many samples the collection holds."""
        c = collection_resolver.get_by_id(session=session, collection_id=collection_id)
        if c is None:
            raise ValueError(f"Collection with id {collection_id} not found.")
        table = {"image": "instances", "annotation": "annotations", "caption": "captions"}.get(c.sample_type.value)
        if table is None:
            raise UnsupportedFilter(f"collections of {c.sample_type.value}s are not supported by lightplug")
        where, args = ("", []) if table == "instances" else (" where collection_id = ?", [c.collection_id])
        return int(next(iter(db_of(session).query(f"select count(*) as n from {table}{where}", args)))["n"])

    def get_by_id(self, *, session: Any, sample_id: Any) -> Any:
        """One sample, or None."""
        rows = instance_rows(db_of(session), SampleFilter(sample_ids=[sample_id]))
        return sample_of(rows[0]) if rows else None

    def get_many_by_id(self, *, session: Any, sample_ids: Sequence[Any]) -> list[Any]:
        """The samples with these ids (unknown ids are left out)."""
        if not sample_ids:
            return []
        return [sample_of(r) for r in instance_rows(db_of(session), SampleFilter(sample_ids=list(sample_ids)))]


def _check_root(session: Any, collection_id: Any) -> None:
    c = collection_resolver.get_by_id(session=session, collection_id=collection_id or ROOT)
    if c is None:
        raise ValueError(f"Collection with id {collection_id} not found.")
    if c.sample_type != SampleType.IMAGE:
        raise UnsupportedFilter(f"collection {collection_id!r} holds {c.sample_type.value}s, not images")


class _TagResolver:
    """``tag_resolver``: sample tags (lightplug tags of the property ``tags``)."""

    def _property(self, session: Any, create: bool) -> int | None:
        rows = list(db_of(session).query("select id from properties where name = ? and type = 'multi_tags'",
                                         [TAG_PROPERTY]))
        if rows or not create:
            return rows[0]["id"] if rows else None
        from ...models import DbCommit, Property, PropertyType

        prop = Property(_temp_id(session), TAG_PROPERTY, PropertyType.multi_tags)
        _commit(session, DbCommit(properties=[prop]))
        return prop.id

    def get_by_name(self, *, session: Any, tag_name: str, collection_id: Any = ROOT) -> Any:
        """The tag called ``tag_name``, or None (a ``lightplug.Tag``: ``id``/``tag_id``, ``value``)."""
        prop = self._property(session, create=False)
        if prop is None:
            return None
        rows = list(db_of(session).query("select * from tags where property_id = ? and value = ?", [prop, tag_name]))
        return _tag(rows[0]) if rows else None

    def get_or_create_sample_tag_by_name(self, *, session: Any, collection_id: Any = ROOT, tag_name: str) -> Any:
        """The sample tag called ``tag_name``, created if missing."""
        found = self.get_by_name(session=session, tag_name=tag_name, collection_id=collection_id)
        if found is not None:
            return found
        from ...models import DbCommit, Tag

        prop = self._property(session, create=True)
        assert prop is not None
        tag = Tag(_temp_id(session), prop, tag_name)
        _commit(session, DbCommit(tags=[tag]))
        return self.get_by_name(session=session, tag_name=tag_name)

    def get_all_by_collection_id(self, *, session: Any, collection_id: Any = ROOT) -> list[Any]:
        """Every sample tag."""
        prop = self._property(session, create=False)
        if prop is None:
            return []
        return [_tag(r) for r in db_of(session).query("select * from tags where property_id = ? order by id", [prop])]

    def get_sample_ids_by_tag_id(self, *, session: Any, tag_id: Any) -> list[int]:
        """The ids of the samples carrying tag ``tag_id``."""
        return [r["id"] for r in instance_rows(db_of(session), SampleFilter(tag_ids=[tag_id]))]

    def get_tags_by_sample(self, *, session: Any, sample_id: Any) -> list[Any]:
        """The sample tags of ``sample_id``."""
        return [t for t in self.get_all_by_collection_id(session=session)
                if int(sample_id) in self.get_sample_ids_by_tag_id(session=session, tag_id=t.tag_id)]

    def add_sample_ids_to_tag_id(self, *, session: Any, tag_id: Any, sample_ids: Sequence[Any]) -> None:
        """Tag the samples ``sample_ids`` with ``tag_id``."""
        self._change(session, int(tag_id), [int(i) for i in sample_ids], add=True)

    def remove_sample_ids_from_tag_id(self, *, session: Any, tag_id: Any, sample_ids: Sequence[Any]) -> None:
        """Untag the samples ``sample_ids``."""
        self._change(session, int(tag_id), [int(i) for i in sample_ids], add=False)

    def add_tag_to_sample(self, *, session: Any, tag_id: Any, sample: Any) -> Any:
        """Tag one sample (an object with ``sample_id``)."""
        self.add_sample_ids_to_tag_id(session=session, tag_id=tag_id, sample_ids=[sample.sample_id])
        return sample

    def remove_tag_from_sample(self, *, session: Any, tag_id: Any, sample: Any) -> Any:
        """Untag one sample."""
        self.remove_sample_ids_from_tag_id(session=session, tag_id=tag_id, sample_ids=[sample.sample_id])
        return sample

    def _change(self, session: Any, tag_id: int, ids: list[int], add: bool) -> None:
        from ...models import DbCommit, InstanceProperty

        rows = list(db_of(session).query("select property_id from tags where id = ?", [tag_id]))
        if not rows:
            raise ValueError(f"Tag {tag_id} not found.")
        prop = rows[0]["property_id"]
        current = {r["instance_id"]: json.loads(r["value"] or "[]") for r in db_of(session).query(
            "select instance_id, value from instance_values where property_id = ?", [prop])}
        values = []
        for i in ids:
            have = list(current.get(i, []))
            new = sorted(set(have) | {tag_id}) if add else [t for t in have if t != tag_id]
            if new != have:
                values.append(InstanceProperty(prop, i, new))
        if values:
            _commit(session, DbCommit(instance_values=values))


def _tag(row: dict[str, Any]) -> Any:
    from ...models import Tag

    color = row.get("color")
    tag = Tag(row["id"], row["property_id"], row["value"], json.loads(row.get("parents") or "[]"),
              int(color) if color is not None else -1)
    return _SampleTag(tag)


class _SampleTag:
    """A tag as LightlyStudio names its fields (``tag_id``, ``name``) over a ``lightplug.Tag``."""

    def __init__(self, tag: Any) -> None:
        self.tag = tag
        self.tag_id, self.name, self.id, self.value = tag.id, tag.value, tag.id, tag.value
        self.kind = "sample"

    def __repr__(self) -> str:
        return f"SampleTag(tag_id={self.tag_id!r}, name={self.name!r})"


class _MetadataResolver:
    """``metadata_resolver``: per-sample metadata, each key a lightplug property."""

    def _property(self, session: Any, key: str, value: Any, create: bool) -> int | None:
        rows = list(db_of(session).query("select id from properties where name = ?", [key]))
        if rows or not create:
            return rows[0]["id"] if rows else None
        from ...models import DbCommit, Property, PropertyType

        kind = (PropertyType.checkbox if isinstance(value, bool) else
                PropertyType.number if isinstance(value, (int, float)) else PropertyType.text)
        prop = Property(_temp_id(session), key, kind)
        _commit(session, DbCommit(properties=[prop]))
        return prop.id

    def get_value_for_sample(self, *, session: Any, sample_id: Any, key: str) -> Any:
        """The value of ``key`` for ``sample_id``, or None."""
        prop = self._property(session, key, None, create=False)
        if prop is None:
            return None
        rows = list(db_of(session).query("select value from instance_values where property_id = ? and "
                                         "instance_id = ?", [prop, int(sample_id)]))
        return json.loads(rows[0]["value"]) if rows and rows[0]["value"] is not None else None

    def set_value_for_sample(self, *, session: Any, sample_id: Any, key: str, value: Any) -> None:
        """Set ``key`` to ``value`` (text, number or bool) for ``sample_id``."""
        from ...models import DbCommit, InstanceProperty

        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise UnsupportedFilter(f"metadata {key!r}: lightplug stores text, numbers and booleans, "
                                    f"not {type(value).__name__}")
        prop = self._property(session, key, value, create=True)
        assert prop is not None
        _commit(session, DbCommit(instance_values=[InstanceProperty(prop, int(sample_id), value)]))

    def get_by_sample_id(self, *, session: Any, sample_id: Any) -> dict[str, Any]:
        """Every metadata value of ``sample_id`` (tags excluded) by key."""
        rows = db_of(session).query(
            "select p.name, v.value from instance_values v join properties p on p.id = v.property_id "
            "where v.instance_id = ? and p.type not in ('tag', 'multi_tags')", [int(sample_id)])
        return {r["name"]: json.loads(r["value"]) if r["value"] is not None else None for r in rows}


caption_resolver = _CaptionResolver()
sample_resolver = _SampleResolver()
tag_resolver = _TagResolver()
metadata_resolver = _MetadataResolver()
