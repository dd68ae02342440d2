"""What a plugin written for Panoptic imports that lightplug's own API does differently or lacks:
Panoptic's ``InputFile`` (the file's content, base64-encoded) and small helpers of ``panoptic.utils``.

A ported plugin imports them, with everything else, from ``lightplug.dialects.panoptic``.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from ... import models
from ...models import ImageProperty, Instance, InstanceProperty, Tag

T = TypeVar("T")


class InputFile(models.InputFile):
    """Panoptic's ``InputFile``: the string is the file's content, base64-encoded (as Panoptic's
    interface sends it); ``path`` is the file it was read from (lightplug)."""

    path: str

    @classmethod
    def from_path(cls, value: Any) -> InputFile:
        """Read the file at ``value`` and hold its content base64-encoded."""
        if isinstance(value, cls):
            return value
        path = Path(str(value)).expanduser()
        try:
            encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        except OSError as exc:
            raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from exc
        item = cls(encoded)
        item.path = str(path)
        return item


class PendingFile(str):
    """The path given for a Panoptic ``InputFile`` parameter: recorded as the path in the run,
    read and base64-encoded (``InputFile.from_path``) only when the action is called."""

    @classmethod
    def of(cls, value: Any) -> Any:
        """``value`` as a pending path (an ``InputFile`` already holding content is kept)."""
        return value if isinstance(value, InputFile) else cls(str(Path(str(value)).expanduser().absolute()))


def group_by_sha1(instances: Sequence[Instance]) -> dict[str, list[Instance]]:
    """Instances grouped by content: ``{sha1: [instance, ...]}``, in the order given."""
    grouped: dict[str, list[Instance]] = {}
    for instance in instances:
        grouped.setdefault(instance.sha1, []).append(instance)
    return grouped


def convert_to_instance_values(values: Sequence[ImageProperty],
                               instances: Sequence[Instance]) -> list[InstanceProperty]:
    """Image values spread to one instance value per instance with that sha1 (among ``instances``)."""
    by_sha1 = group_by_sha1(instances)
    return [InstanceProperty(property_id=v.property_id, instance_id=i.id, value=v.value)
            for v in values for i in by_sha1.get(v.sha1, [])]


def chunk_list(input_list: Sequence[T], n: int) -> list[Sequence[T]]:
    """``input_list`` in slices of ``n``."""
    return [input_list[i:i + n] for i in range(0, len(input_list), n)]


def get_all_parent(tag: Tag, index: dict[int, Tag]) -> set[int]:
    """Ids of every ancestor of ``tag`` (``index`` maps tag ids to tags)."""
    found: set[int] = set()
    todo = list(tag.parents)
    while todo:
        parent = todo.pop()
        if parent in found:
            continue
        found.add(parent)
        if parent in index:
            todo.extend(index[parent].parents)
    return found


def separate_ids(objs: Sequence[T]) -> tuple[list[T], list[T]]:
    """``(new, existing)``: objects with a negative (temporary) id, and the others."""
    return [o for o in objs if getattr(o, "id") < 0], [o for o in objs if getattr(o, "id") >= 0]


def all_equal(items: Sequence[Any]) -> bool:
    """Whether every item equals the first (True for an empty or one-item list)."""
    return all(item == items[0] for item in items[1:])
