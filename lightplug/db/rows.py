"""Conversions between database rows and model objects."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import paths
from ..models import (
    Folder, ImageProperty, Instance, InstanceProperty, Property, PropertyGroup, Tag, VectorType,
)

if TYPE_CHECKING:
    from .tx import Target


def query(db: Target, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The rows of ``sql`` as dicts (as ``Database.query`` gives them), on a ``Database`` or a
    plain ``sqlite3`` connection (``Project.conn``: no sqlite-utils needed)."""
    cursor = db.execute(sql, list(params))
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def dumps(value: Any) -> str:
    """JSON for a stored value (compact, stable)."""
    if type(value) is float and math.isfinite(value):  # the common case, as json writes it, 10x faster
        return float.__repr__(value)
    return json.dumps(value, separators=(",", ":"), default=str)


def loads(text: str | None) -> Any:
    """The value stored by ``dumps``."""
    return None if text is None else json.loads(text)


# Paths and names are stored through ``paths.encode`` (exact, also when not UTF-8): ``folder`` and
# ``instance`` decode them, ``to_row`` encodes them.
def folder(row: dict) -> Folder:
    """A ``folders`` row as a ``Folder`` with its real path and name."""
    return Folder(id=row["id"], path=paths.decode(row["path"]), name=paths.decode(row["name"]), parent=row["parent"])


def instance(row: dict) -> Instance:
    """An ``instances`` row as an ``Instance`` with its real path (``url``), name and extension."""
    return instances_from([tuple(row[c] for c in _INSTANCE_FIELDS)])[0]


#: the columns ``instances_from`` reads, in the order of its tuples
INSTANCE_COLUMNS = "id, folder_id, name, extension, sha1, url, width, height, ahash"
_INSTANCE_FIELDS = tuple(c.strip() for c in INSTANCE_COLUMNS.split(","))


def instances_from(tuples: Any) -> list[Instance]:
    """``instance`` for plain ``INSTANCE_COLUMNS`` tuples (a cursor): no dict per row."""
    decode = paths.decode
    return [Instance(i, f, decode(n), decode(e) if e else e, s, decode(u), w or 0, h or 0, a or "")
            for i, f, n, e, s, u, w, h, a in tuples]  # positional: the field order of Instance


def property_(row: dict) -> Property:
    return Property(id=row["id"], name=row["name"], type=row["type"], mode=row["mode"],
                    property_group_id=row["property_group_id"])


def property_group(row: dict) -> PropertyGroup:
    return PropertyGroup(id=row["id"], name=row["name"])


def tag(row: dict) -> Tag:
    return Tag(id=row["id"], property_id=row["property_id"], value=row["value"],
               parents=loads(row["parents"]) or [], color=row["color"])


def instance_value(row: dict) -> InstanceProperty:
    return InstanceProperty(property_id=row["property_id"], instance_id=row["instance_id"],
                            value=loads(row["value"]))


def image_value(row: dict) -> ImageProperty:
    return ImageProperty(property_id=row["property_id"], sha1=row["sha1"],
                         value=loads(row["value"]))


def vector_type(row: dict) -> VectorType:
    return VectorType(id=row["id"], source=row["source"], params=loads(row["params"]) or {})


def to_row(obj: Any) -> dict:
    """A model object as a row of its table (enums as values, lists as JSON)."""
    if isinstance(obj, Property):
        return {"id": obj.id, "name": obj.name, "type": obj.type.value, "mode": obj.mode.value,
                "property_group_id": obj.property_group_id}
    if isinstance(obj, Tag):
        return {"id": obj.id, "property_id": obj.property_id, "value": obj.value,
                "parents": dumps(list(obj.parents or [])), "color": obj.color}
    if isinstance(obj, InstanceProperty):
        return {"property_id": obj.property_id, "instance_id": obj.instance_id,
                "value": dumps(obj.value)}
    if isinstance(obj, ImageProperty):
        return {"property_id": obj.property_id, "sha1": obj.sha1, "value": dumps(obj.value)}
    if isinstance(obj, Folder):
        return {**vars(obj), "path": paths.encode(obj.path), "name": paths.encode(obj.name)}
    if isinstance(obj, Instance):
        return {**vars(obj), "url": paths.encode(obj.url), "name": paths.encode(obj.name),
                "extension": paths.encode(obj.extension) if obj.extension else obj.extension}
    if isinstance(obj, PropertyGroup):
        return dict(vars(obj))
    raise TypeError(f"cannot store {type(obj).__name__}")
