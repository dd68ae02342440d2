"""Read-only listings of the project's data, as plain rows (what `images|tags|... list` print)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from . import paths, rows as R

if TYPE_CHECKING:
    from sqlite_utils import Database

# the columns each listing shows in a table (JSON has every field)
COLUMNS = {
    "images": ["id", "name", "width", "height", "format", "sha1", "path"],
    "tags": ["id", "property", "value", "parents", "count"],
    "properties": ["id", "name", "type", "mode", "property_group_id", "values_count"],
    "vectors": ["type_id", "source", "params", "vectors", "dimensions"],
    "annotations": ["id", "sample_id", "label", "type", "x", "y", "width", "height", "confidence"],
}


def _real_paths(found: list[dict], *columns: str) -> list[dict]:
    """``found`` with the stored names in ``columns`` decoded (``paths``: exact, also when not UTF-8)."""
    for row in found:
        for column in columns:
            if row.get(column):
                row[column] = paths.decode(row[column])
    return found


def images(db: Database) -> list[dict]:
    """One row per instance (file) with its content's format and size."""
    return _real_paths(list(db.query(
        "select i.id, i.name, i.url as path, i.sha1, i.width, i.height, i.folder_id, im.format, im.file_size "
        "from instances i left join images im on im.sha1 = i.sha1 order by i.id")), "name", "path")


def tags(db: Database) -> list[dict]:
    """Every tag with its property and how many values hold it."""
    found = [{**r, "parents": R.loads(r["parents"])} for r in db.query(
        "select t.id, t.value, t.property_id, p.name as property, t.parents, t.color from tags t "
        "join properties p on p.id = t.property_id order by t.id")]
    counts: dict[int, int] = {}
    for table in ("instance_values", "image_values"):
        for r in db.query(f"select value from {table}"):
            value = R.loads(r["value"])
            for tag_id in value if isinstance(value, list) else []:
                counts[tag_id] = counts.get(tag_id, 0) + 1
    for r in found:
        r["count"] = counts.get(r["id"], 0)
    return found


def properties(db: Database) -> list[dict]:
    """Every property with its number of values."""
    return list(db.query(
        "select p.*, (select count(*) from instance_values v where v.property_id = p.id) + "
        "(select count(*) from image_values v where v.property_id = p.id) as values_count "
        "from properties p order by p.id"))


def vectors(db: Database) -> list[dict]:
    """Every vector type with its number of vectors and their dimension."""
    return [{**r, "params": R.loads(r["params"])} for r in db.query(
        "select t.id as type_id, t.source, t.params, count(v.sha1) as vectors, "
        "max(length(v.data)) / 4 as dimensions from vector_types t "
        "left join vectors v on v.type_id = t.id group by t.id order by t.id")]


def annotation_rows(db: Database) -> list[dict]:
    """Every annotation with its label and its sample's file."""
    return _real_paths(list(db.query(
        "select a.id, a.sample_id, i.url as path, l.name as label, a.type, a.x, a.y, a.width, a.height, "
        "a.confidence, a.collection_id from annotations a join annotation_labels l on l.id = a.label_id "
        "left join instances i on i.id = a.sample_id order by a.id")), "path")


def status(db: Database) -> dict:
    """The project on one screen: counts, vector types, recent runs, and what ``undo`` would revert."""
    from . import commits, runs

    one = lambda sql: next(iter(db.execute(sql).fetchone() or [0]))  # noqa: E731
    undoable = [h for h in commits.history(db) if h["state"] == "done"]
    redoable = [h for h in commits.history(db) if h["state"] == "undone"]
    return {
        "images": one("select count(*) from instances"),
        "distinct_images": one("select count(distinct sha1) from instances"),
        "folders": one("select count(*) from folders"),
        "properties": one("select count(*) from properties"),
        "tags": one("select count(*) from tags"),
        "annotations": one("select count(*) from annotations"),
        "vector_types": vectors(db),
        "recent_runs": [{k: r[k] for k in ("id", "operator", "status", "started", "duration")}
                        for r in runs.get_runs(db, limit=5)],
        "running": one("select count(*) from runs where status = 'running'"),
        "undo": undoable[0] if undoable else None,
        "redo": redoable[-1] if redoable else None,
    }


# the field of each listing's rows that holds an image (instance) id, for the selection options
IMAGE_KEY = {"images": "id", "annotations": "sample_id"}

LISTINGS: dict[str, Callable[[Database], list[dict]]] = {"images": images, "tags": tags, "properties": properties, "vectors": vectors,
            "annotations": annotation_rows}
