"""Panoptic's maps: 2-D point maps of the images, stored in table ``maps`` (migration m004)."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from . import rows
from ..models import Map

if TYPE_CHECKING:
    from sqlite_utils import Database

_COLUMNS = "id, source, name, key, count"


def _map(row: dict, with_data: bool) -> Map:
    return Map(id=row["id"], source=row["source"], name=row["name"], key=row["key"], count=row["count"],
               data=rows.loads(row["data"]) if with_data else None)


def add_map(db: Database, point_map: Map, run_id: int | None = None) -> Map:
    """Store ``point_map`` as a new map; its ``id`` is set to the real one and it is returned."""
    from .tx import write

    data = [_plain(v) for v in point_map.data or []]
    with write(db):
        point_map.id = int(db.table("maps").insert({
            "source": point_map.source, "name": point_map.name, "key": point_map.key,
            "count": int(point_map.count), "data": rows.dumps(data), "run_id": run_id,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}).last_pk or 0)
    point_map.data = data
    return point_map


def get_map(db: Database, map_id: int) -> Map | None:
    """The map with its points, or None."""
    found = list(db.query("select * from maps where id = ?", [int(map_id)]))
    return _map(found[0], with_data=True) if found else None


def list_maps(db: Database) -> list[Map]:
    """Every map, oldest first, without its points (``data`` is None)."""
    return [_map({**r, "data": None}, with_data=False)
            for r in db.query(f"select {_COLUMNS} from maps order by id")]


def delete_map(db: Database, map_id: int) -> bool:
    """Delete a map; False when there was none with that id."""
    from .tx import write

    with write(db):
        return db.execute("delete from maps where id = ?", [int(map_id)]).rowcount > 0


def delete_run_maps(db: Database, run_id: int) -> int:
    """Delete the maps a run made (call inside ``write``); how many."""
    return db.execute("delete from maps where run_id = ?", [int(run_id)]).rowcount


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers, so the points store as JSON."""
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, (str, bytes)) else value
