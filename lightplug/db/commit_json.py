"""Commits as JSON, as the undo history stores them (``commits.record``) and reads them back."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from typing import Any

from ..models import (
    COMMIT_LISTS, DbCommit, Folder, ImageProperty, ImagePropertyKey, Instance, InstanceProperty,
    InstancePropertyKey, Property, PropertyGroup, Tag,
)

_ITEM_TYPES = {
    "empty_instance_values": InstancePropertyKey, "empty_image_values": ImagePropertyKey,
    "folders": Folder, "instances": Instance, "property_groups": PropertyGroup,
    "properties": Property, "tags": Tag, "instance_values": InstanceProperty,
    "image_values": ImageProperty,
}


def commit_to_json(commit: DbCommit) -> str:
    """Serialise a commit (enums by value). The items' fields are taken as they are, not deep-
    copied as ``dataclasses.asdict`` does (ten times slower on a commit of 100,000 values);
    ``json`` walks them, and a dataclass met inside a value is converted on the way."""
    data: dict[str, Any] = {f.name: getattr(commit, f.name) for f in dataclasses.fields(commit)}
    for name in COMMIT_LISTS:
        data[name] = [_flat(item) for item in getattr(commit, name)]
    data["timestamp"] = commit.timestamp.isoformat()
    return json.dumps(data, default=_json_default)


def _flat(item: Any) -> Any:
    """A commit's list item as a dict of its fields (a dataclass), else as it is."""
    names = _FIELD_NAMES.get(type(item))
    if names is None:
        if not dataclasses.is_dataclass(item) or isinstance(item, type):
            return item
        names = _FIELD_NAMES[type(item)] = tuple(f.name for f in dataclasses.fields(item))
    return {name: getattr(item, name) for name in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # the field names of each commit item class


def _json_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return getattr(value, "value", str(value))


def commit_from_json(text: str) -> DbCommit:
    """The commit serialised by ``commit_to_json``."""
    data = json.loads(text)
    kwargs: dict[str, Any] = {"timestamp": _dt.datetime.fromisoformat(data["timestamp"])}
    for name in COMMIT_LISTS:
        item_type = _ITEM_TYPES.get(name)
        items = data.get(name) or []
        kwargs[name] = [item_type(**item) for item in items] if item_type else list(items)
    if data.get("file_moves"):
        from .commits import FileCommit

        return FileCommit(**kwargs, file_moves=[list(m) for m in data["file_moves"]])
    return DbCommit(**kwargs)
