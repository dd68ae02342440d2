"""Reads and writes of the project database that are not commits: images, vectors, runs, settings."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from . import rows
from ..models import Folder, ImageInfo, Instance, Vector, VectorType

if TYPE_CHECKING:
    from sqlite_utils import Database

_CHUNK = 900  # stay below SQLite's bound-parameter limit


def chunked(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _in(column: str, values: Sequence) -> str:
    return f"{column} in ({','.join('?' * len(values))})"


def select_where_in(db: Database, table: str, column: str, values: Sequence | None,
                    convert, extra: str = "") -> list:
    """Rows of ``table`` whose ``column`` is in ``values`` (all rows when ``values`` is None)."""
    if values is None:
        return [convert(r) for r in db.query(f"select * from {table} {extra}")]
    out = []
    for part in chunked(list(values)):
        out += [convert(r) for r in db.query(f"select * from {table} where {_in(column, part)} {extra}", list(part))]
    return out


# -- folders, images, instances -----------------------------------------------------------
def ensure_folder(db: Database, path: str) -> int:
    """Id of the folder at absolute ``path``, created (with known parents linked) if new."""
    row = list(db.query("select id from folders where path = ?", [path]))
    if row:
        return row[0]["id"]
    parent_path = os.path.dirname(path)
    parent = None
    if parent_path != path:
        found = list(db.query("select id from folders where path = ?", [parent_path]))
        parent = found[0]["id"] if found else None
    folder_id = db.table("folders").insert({"path": path, "name": os.path.basename(path) or path,
                                            "parent": parent}).last_pk
    # adopt existing children imported before this folder
    db.execute("update folders set parent = ? where parent is null and path like ? and path not like ?",
               [folder_id, path.rstrip("/") + "/%", path.rstrip("/") + "/%/%"])
    return folder_id


def get_folders(db: Database) -> list[Folder]:
    return [rows.folder(r) for r in db.query("select * from folders order by path")]


def known_urls(db: Database) -> set[str]:
    return {r["url"] for r in db.query("select url from instances")}


def add_images(db: Database, images: Iterable[ImageInfo]) -> None:
    """Record image contents (ignored when the sha1 is known already)."""
    db.table("images").insert_all((vars(i) for i in images), pk="sha1", ignore=True)


def add_instances(db: Database, instances: list[Instance]) -> list[Instance]:
    """Insert instances (their ``id`` is ignored) and return them with real ids."""
    out = []
    table = db.table("instances")
    for inst in instances:
        row = dict(vars(inst))
        row.pop("id")
        out.append(Instance(id=table.insert(row).last_pk, **row))
    return out


def get_instances(db: Database, ids: Sequence[int] | None = None,
                  sha1s: Sequence[str] | None = None) -> list[Instance]:
    """Instances whose id is in ``ids`` or sha1 in ``sha1s``; all of them with no filter."""
    if ids is None and sha1s is None:
        return [rows.instance(r) for r in db.query("select * from instances order by id")]
    found: dict[int, Instance] = {}
    for column, values in (("id", ids), ("sha1", sha1s)):
        if values is not None:
            for inst in select_where_in(db, "instances", column, values, rows.instance):
                found[inst.id] = inst
    return [found[k] for k in sorted(found)]


def get_images(db: Database, sha1s: Sequence[str] | None = None) -> list[ImageInfo]:
    return select_where_in(db, "images", "sha1", sha1s, lambda r: ImageInfo(**r))


def delete_instances(db: Database, ids: Sequence[int]) -> None:
    """Remove instances and their values (images without instances stay, as a cache)."""
    for part in chunked(list(ids)):
        db.execute(f"delete from instance_values where {_in('instance_id', part)}", list(part))
        db.execute(f"delete from instances where {_in('id', part)}", list(part))


# -- vectors ------------------------------------------------------------------------------
def add_vector_type(db: Database, source: str, params: dict) -> VectorType:
    vid = db.table("vector_types").insert({"source": source, "params": rows.dumps(params)}).last_pk
    return VectorType(id=vid, source=source, params=params)


def get_vector_types(db: Database, source: str | None = None) -> list[VectorType]:
    if source is None:
        return [rows.vector_type(r) for r in db.query("select * from vector_types order by id")]
    return [rows.vector_type(r) for r in db.query("select * from vector_types where source = ? order by id", [source])]


def add_vectors(db: Database, vectors: Iterable[Vector]) -> None:
    """Store vectors (replacing any for the same type and sha1)."""
    db.table("vectors").upsert_all(
        ({"type_id": v.type_id, "sha1": v.sha1, "data": v.data.tobytes()} for v in vectors),
        pk=("type_id", "sha1"))


def get_vectors(db: Database, type_id: int, sha1s: Sequence[str] | None = None) -> list[Vector]:
    import numpy as np

    def convert(r: dict) -> Vector:
        return Vector(type_id=r["type_id"], sha1=r["sha1"], data=np.frombuffer(r["data"], dtype=np.float32).copy())

    if sha1s is None:
        return [convert(r) for r in db.query("select * from vectors where type_id = ?", [type_id])]
    out = []
    for part in chunked(list(sha1s)):
        out += [convert(r) for r in db.query(
            f"select * from vectors where type_id = ? and {_in('sha1', part)}", [type_id, *part])]
    return out


def vector_exist(db: Database, type_id: int, sha1: str) -> bool:
    return bool(list(db.query("select 1 from vectors where type_id = ? and sha1 = ?", [type_id, sha1])))


# -- runs and plugin settings ---------------------------------------------------------------
def record_run(db: Database, *, operator: str, plugin: str | None, parameters: dict,
               selection: dict, started: _dt.datetime, duration: float, status: str,
               result: Any) -> int:
    """Store the record of one operator run and return its id."""
    with db.atomic():
        return db.table("runs").insert({
            "operator": operator, "plugin": plugin, "parameters": rows.dumps(parameters),
            "selection": rows.dumps(selection), "started": started.isoformat(),
            "duration": round(duration, 4), "status": status, "result": rows.dumps(result),
        }).last_pk


def get_runs(db: Database, limit: int | None = None) -> list[dict]:
    sql = "select * from runs order by id desc" + (f" limit {int(limit)}" if limit else "")
    return [_run(r) for r in db.query(sql)]


def get_run(db: Database, run_id: int) -> dict | None:
    found = list(db.query("select * from runs where id = ?", [run_id]))
    return _run(found[0]) if found else None


def _run(r: dict) -> dict:
    return {**r, "parameters": rows.loads(r["parameters"]), "selection": rows.loads(r["selection"]),
            "result": rows.loads(r["result"])}


def plugin_setting(db: Database, name: str) -> dict:
    found = list(db.query("select * from plugin_settings where name = ?", [name]))
    if not found:
        return {"name": name, "enabled": True, "params": None}
    r = found[0]
    return {"name": name, "enabled": bool(r["enabled"]), "params": rows.loads(r["params"])}


def set_plugin_setting(db: Database, name: str, **values: Any) -> None:
    current = plugin_setting(db, name)
    current.update(values)
    with db.atomic():
        db.table("plugin_settings").upsert(
            {"name": name, "enabled": int(current["enabled"]), "params": rows.dumps(current["params"])},
            pk="name")
