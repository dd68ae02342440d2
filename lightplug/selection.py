"""Which instances a run works on: ids, sha1s, folders, tags and the groups of earlier runs.

Each criterion adds instances, and the selection is their union; none means the whole project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database


class SelectionError(ValueError):
    """A selection names something that does not exist; the message says what to do."""


@dataclass
class Selection:
    """The instances a run works on; ``instance_ids`` None means the whole project."""

    instance_ids: list[int] | None = None
    given: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # e.g. instances of an earlier run that are gone
    #: annotations chosen with ``--annotation-ids`` / ``--annotation-collection`` (None: not asked)
    annotation_ids: list[int] | None = None
    #: the annotation collection named with ``--annotation-collection`` (its id, ``<parent>/<name>``)
    annotation_collection: str | None = None

    @property
    def by_annotation(self) -> bool:
        """Whether annotations were selected (the run then works in an annotation scope)."""
        return self.annotation_ids is not None


def from_run(db: Database, text: str, notes: list[str] | None = None) -> list[int]:
    """Instance ids of ``RUN[:GROUP]``: a run id (or ``last``) and optionally a group number or name."""
    from .db import store
    from .groups import GroupNotFound, chosen_groups

    try:
        record, groups = chosen_groups(db, text)
    except GroupNotFound as exc:
        raise SelectionError(f"--from-run: {exc}") from None
    if not groups:
        raise SelectionError(f"run {record['id']} has no result groups to select from")
    ids: list[int] = []
    for g in groups:
        ids += g.get("ids") or []
        if g.get("sha1s"):
            ids += [i.id for i in store.get_instances(db, sha1s=g["sha1s"])]
    existing = [i.id for i in store.get_instances(db, ids=ids)]
    if len(existing) < len(set(ids)) and notes is not None:
        notes.append(f"{len(set(ids)) - len(existing)} image(s) of run {record['id']} "
                     "no longer exist and were left out")
    return existing


def tagged(db: Database, text: str) -> list[int]:
    """Instances holding tag ``VALUE`` or ``PROPERTY:VALUE`` (on the instance or its image)."""
    from .db import rows as R, store

    prop_name, sep, value = text.rpartition(":")
    if sep and list(db.query("select 1 from tags where value = ?", [text])):
        prop_name, sep, value = "", "", text  # the whole text is a tag value containing ':'
    found = list(db.query(
        "select t.id, p.mode from tags t join properties p on p.id = t.property_id where t.value = ?"
        + (" and p.name = ?" if sep else ""), [value, prop_name] if sep else [value]))
    if not found:
        raise SelectionError(f"no tag {text!r}; see `lightplug tags list`")
    tag_ids = {r["id"] for r in found}
    ids: set[int] = set()
    for r in db.query("select instance_id, value from instance_values"):
        held = R.loads(r["value"])
        if isinstance(held, list) and tag_ids & set(held):
            ids.add(r["instance_id"])
    sha1s = [r["sha1"] for r in db.query("select sha1, value from image_values")
             if isinstance(R.loads(r["value"]), list) and tag_ids & set(R.loads(r["value"]))]
    if sha1s:
        ids |= {i.id for i in store.get_instances(db, sha1s=sha1s)}
    return sorted(ids)


def in_folder(db: Database, path: str) -> list[int]:
    """Instances under the imported folder at absolute ``path`` (sub-folders included)."""
    from .db import store

    target = path.rstrip("/") or "/"
    folder_ids = {f.id for f in store.get_folders(db) if f.path == target or f.path.startswith(target + "/")}
    if not folder_ids:
        raise SelectionError(f"--folder: {target} is not an imported folder")
    return [i.id for i in store.get_instances(db) if i.folder_id in folder_ids]


def annotation_selection(db: Database, ids: list[int] | None, collection: str | None) -> tuple[list[int], str | None]:
    """The annotation ids chosen by ``--annotation-ids`` and/or ``--annotation-collection`` (both:
    those ids, which must be in that collection), and the collection's id."""
    from .db.lightly_store import annotation_collections, annotation_rows

    collection_id = None
    if collection is not None:
        known = annotation_collections(db)
        matches = [c for c in known if collection in (c["id"], c["name"])]
        if not matches:
            names = ", ".join(sorted({c["name"] for c in known})) or "none yet"
            raise SelectionError(f"--annotation-collection: no annotation collection {collection!r} "
                                 f"(known: {names}); see `lightplug annotations list`")
        if len(matches) > 1:
            raise SelectionError(f"--annotation-collection: {collection!r} names several collections "
                                 f"({', '.join(c['id'] for c in matches)}); give one of those ids")
        collection_id = matches[0]["id"]
    rows = annotation_rows(db, collection=collection_id)
    if ids is not None:
        wanted = set(ids)
        rows = [r for r in rows if r["id"] in wanted]
        missing = sorted(set(ids) - {r["id"] for r in rows})
        if missing:
            where = f" in collection {collection_id!r}" if collection_id else ""
            raise SelectionError(f"--annotation-ids: no annotation with id {', '.join(map(str, missing[:10]))}"
                                 f"{where}; see `lightplug annotations list`")
    return [r["id"] for r in rows], collection_id


def resolve(db: Database, *, ids: list[int] | None = None, sha1s: list[str] | None = None,
            folders: list[str] | None = None, tags: list[str] | None = None,
            run: str | None = None, annotation_ids: list[int] | None = None,
            annotation_collection: str | None = None) -> Selection:
    """The union of every image criterion given; the whole project when none is. Annotations
    (``annotation_ids``, ``annotation_collection``) are chosen apart, for annotation scopes."""
    from .db import store

    given: dict[str, Any] = {}
    notes: list[str] = []
    chosen: set[int] = set()
    if ids is not None:
        known = {i.id for i in store.get_instances(db, ids=ids)}
        missing = sorted(set(ids) - known)
        if missing:
            raise SelectionError(f"--ids: no image with id {', '.join(map(str, missing[:10]))}")
        chosen |= set(ids)
        given["ids"] = ids
    if sha1s:
        found = store.get_instances(db, sha1s=sha1s)
        if not found:
            raise SelectionError(f"--sha1: no image with SHA-1 {', '.join(sha1s)}")
        chosen |= {i.id for i in found}
        given["sha1"] = list(sha1s)
    for folder in folders or []:
        chosen |= set(in_folder(db, folder))
        given.setdefault("folder", []).append(folder.rstrip("/") or "/")
    for tag in tags or []:
        chosen |= set(tagged(db, tag))
        given.setdefault("tag", []).append(tag)
    if run:
        chosen |= set(from_run(db, run, notes))
        given["from_run"] = run
    chosen_annotations, collection_id = None, None
    if annotation_ids is not None or annotation_collection is not None:
        chosen_annotations, collection_id = annotation_selection(db, annotation_ids, annotation_collection)
        if annotation_ids is not None:
            given["annotation_ids"] = annotation_ids
        if annotation_collection is not None:
            given["annotation_collection"] = collection_id
    images = sorted(chosen) if given.keys() - {"annotation_ids", "annotation_collection"} else None
    return Selection(instance_ids=images, given=given, notes=notes, annotation_ids=chosen_annotations,
                     annotation_collection=collection_id)
