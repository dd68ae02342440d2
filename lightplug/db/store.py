"""Reads and writes of the project database that are not commits: images, vectors, runs, settings."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from . import paths, rows
from .settings import plugin_setting  # noqa: F401  (re-exported: reads live in .settings)
from ..models import Folder, ImageInfo, Instance, Vector, VectorType

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .tx import Target

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
# Paths and names are stored through ``paths.encode`` (exact, also when not UTF-8) and read
# back through ``paths.decode`` (``rows.folder`` / ``rows.instance`` do it).
folder = rows.folder
instance = rows.instance


def ensure_folder(db: Database, path: str) -> int:
    """Id of the folder at absolute ``path``, created (with known parents linked) if new.

    Call inside ``write()``: the lookup and the insert must see the same database.
    """
    stored = paths.encode(path)
    row = list(db.query("select id from folders where path = ?", [stored]))
    if row:
        return row[0]["id"]
    parent_path = os.path.dirname(path)
    parent = None
    if parent_path != path:
        found = list(db.query("select id from folders where path = ?", [paths.encode(parent_path)]))
        parent = found[0]["id"] if found else None
    folder_id: int = db.table("folders").insert({"path": stored, "name": paths.encode(os.path.basename(path) or path),
                                            "parent": parent}).last_pk or 0
    # adopt existing direct children imported before this folder (no LIKE: '_' and '%' are literal)
    prefix = stored.rstrip("/") + "/"
    db.execute("update folders set parent = ? where parent is null and substr(path, 1, ?) = ? "
               "and instr(substr(path, ?), '/') = 0",
               [folder_id, len(prefix), prefix, len(prefix) + 1])
    return folder_id


def get_folders(db: Database) -> list[Folder]:
    return [folder(r) for r in db.query("select * from folders order by path")]


def known_urls(db: Database) -> set[str]:
    return {paths.decode(r["url"]) for r in db.query("select url from instances")}


_IMAGE_COLUMNS = ("sha1", "width", "height", "format", "mode", "ahash", "file_size")
_INSTANCE_COLUMNS = ("folder_id", "name", "extension", "sha1", "url", "width", "height", "ahash")


def add_images(db: Database, images: Iterable[ImageInfo]) -> None:
    """Record image contents (ignored when the sha1 is known already), in one statement."""
    db.conn.executemany(
        f"INSERT OR IGNORE INTO images ({', '.join(_IMAGE_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(_IMAGE_COLUMNS))})",
        [tuple(getattr(i, c) for c in _IMAGE_COLUMNS) for i in images])


def add_instances(db: Database, instances: list[Instance]) -> list[Instance]:
    """Insert the instances whose ``url`` is not recorded yet; return those, with real ids.

    A file another process recorded first is skipped, so every file is recorded exactly once
    (call inside ``write()`` so that the check and the insert see the same database). Rows go
    in by multi-row statements whose ``RETURNING`` gives the ids of the rows inserted.
    """
    out = []
    per_statement = _CHUNK // len(_INSTANCE_COLUMNS)
    row_marks = "(" + ", ".join("?" * len(_INSTANCE_COLUMNS)) + ")"
    for part in chunked(instances, per_statement):
        values: list[Any] = []
        for inst in part:
            row = rows.to_row(inst)  # paths encoded
            values += [row[c] for c in _INSTANCE_COLUMNS]
        cursor = db.conn.execute(
            f"INSERT OR IGNORE INTO instances ({', '.join(_INSTANCE_COLUMNS)}) "
            f"VALUES {', '.join([row_marks] * len(part))} RETURNING id, url", values)
        ids = {url: int(row_id) for row_id, url in cursor.fetchall()}  # any order: keyed by url
        for inst in part:
            row_id = ids.pop(paths.encode(inst.url), None)
            if row_id is not None:
                out.append(Instance(**{**vars(inst), "id": row_id}))
    return out


def get_instances(db: Target, ids: Sequence[int] | None = None,
                  sha1s: Sequence[str] | None = None) -> list[Instance]:
    """Instances whose id is in ``ids`` or sha1 in ``sha1s``; all of them with no filter."""
    select = f"select {rows.INSTANCE_COLUMNS} from instances"
    if ids is None and sha1s is None:
        return rows.instances_from(db.execute(select + " order by id"))
    found: dict[int, Instance] = {}
    for column, values in (("id", ids), ("sha1", sha1s)):
        for part in chunked(list(values)) if values is not None else ():
            for inst in rows.instances_from(db.execute(f"{select} where {_in(column, part)}", list(part))):
                found[inst.id] = inst
    return [found[k] for k in sorted(found)]


def get_images(db: Database, sha1s: Sequence[str] | None = None) -> list[ImageInfo]:
    return select_where_in(db, "images", "sha1", sha1s, lambda r: ImageInfo(**r))


def delete_instances(db: Database, ids: Sequence[int]) -> None:
    """Remove instances and every row that hangs off them: rows of any table with an
    ``instance_id`` or ``sample_id`` column (values, annotations, captions, …). Images without
    instances stay, as a cache."""
    dependent = [(t, c) for t in db.table_names() if t != "instances" and not t.startswith("_")
                 for c in ("instance_id", "sample_id") if c in db.table(t).columns_dict]
    for part in chunked(list(ids)):
        for table, column in dependent:
            db.execute(f"delete from [{table}] where {_in(column, part)}", list(part))
        db.execute(f"delete from instances where {_in('id', part)}", list(part))


def remove_folder_tree(db: Database, path: str) -> tuple[list[int], list[Instance]] | None:
    """Delete the folder at ``path``, its sub-folders and their instances in one write, with
    everything that hangs off the instances; the undo history forgets them (not undoable).

    Returns ``(folder ids, removed instances)``, or None when no imported folder is there.
    """
    from .commits import forget_instances
    from .tx import write

    stored = paths.encode(path)
    prefix = stored.rstrip("/") + "/"
    with write(db):
        folder_ids = [r["id"] for r in db.query(
            "select id from folders where path = ? or substr(path, 1, ?) = ?", [stored, len(prefix), prefix])]
        if not folder_ids:
            return None
        instances = select_where_in(db, "instances", "folder_id", folder_ids, instance, "order by id")
        delete_instances(db, [i.id for i in instances])
        forget_instances(db, [i.id for i in instances])
        for part in chunked(folder_ids):
            db.execute(f"delete from folders where {_in('id', part)}", list(part))
    return folder_ids, instances


# -- vectors ------------------------------------------------------------------------------
def add_vector_type(db: Target, source: str, params: dict) -> VectorType:
    """The vector type of ``source`` with ``params``: the stored one, or a new one.

    Two processes starting the same plugin at once get the same type, not two (the lookup is
    made again under the write lock before inserting).
    """
    from .tx import raw, write

    text, conn = rows.dumps(params), raw(db)
    sql = "select id from vector_types where source = ? and params = ? order by id limit 1"
    found = conn.execute(sql, [source, text]).fetchone()  # the usual case: no write lock taken
    if found is None:
        with write(conn):
            found = conn.execute(sql, [source, text]).fetchone() or conn.execute(
                "insert into vector_types (source, params) values (?, ?) returning id", [source, text]).fetchone()
    return VectorType(id=int(found[0]), source=source, params=params)


def get_vector_types(db: Target, source: str | None = None) -> list[VectorType]:
    """The vector types (of plugin ``source``), by id."""
    if source is None:
        return [rows.vector_type(r) for r in rows.query(db, "select * from vector_types order by id")]
    return [rows.vector_type(r) for r in rows.query(db, "select * from vector_types where source = ? order by id",
                                                    [source])]


def add_vectors(db: Database, vectors: Iterable[Vector]) -> None:
    """Store vectors (replacing any for the same type and sha1) in one short write."""
    from .tx import write

    with write(db):
        put_vector_bytes(db, ((v.type_id, v.sha1, v.data.tobytes()) for v in vectors))


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


# -- plugin settings ----------------------------------------------------------------------
def set_plugin_setting(db: Database, name: str, **values: Any) -> None:
    """Change some of plugin ``name``'s settings (``enabled``, ``params``), keeping the others."""
    from .tx import write

    with write(db):
        current = plugin_setting(db, name)
        current.update(values)
        db.table("plugin_settings").upsert(
            {"name": name, "enabled": int(current["enabled"]), "params": rows.dumps(current["params"])},
            pk="name")


def put_vector_bytes(db: Target, rows: Iterable[tuple[int, str, bytes]]) -> None:
    """Store ``(type_id, sha1, raw bytes)`` vectors, replacing existing ones; call inside ``write``."""
    from .tx import raw

    raw(db).executemany("INSERT OR REPLACE INTO vectors (type_id, sha1, data) VALUES (?, ?, ?)",
                        [(int(t), str(s), bytes(d)) for t, s, d in rows])


def get_vector_bytes(db: Target, type_id: int, sha1s: Sequence[str] | None = None) -> list[tuple[str, bytes]]:
    """``(sha1, raw bytes)`` of the vectors of type ``type_id`` (of ``sha1s``, or all), in bulk."""
    sql = "select sha1, data from vectors where type_id = ?"
    if sha1s is None:
        return [(r[0], r[1]) for r in db.execute(sql, [type_id]).fetchall()]
    out: list[tuple[str, bytes]] = []
    for part in chunked(list(sha1s)):
        out += [(r[0], r[1]) for r in db.execute(f"{sql} and {_in('sha1', part)}", [type_id, *part]).fetchall()]
    return out


def known_sha1s(db: Database) -> list[str]:
    """The sha1 of every image content recorded in the project."""
    return [r[0] for r in db.execute("select sha1 from images").fetchall()]
