"""Data models of a project: folders, instances, properties, tags, values, vectors, commits.

These mirror Panoptic's model classes so that Panoptic plugins run unchanged. Enums accept
their string values (and Panoptic's older spellings) wherever a model takes them.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class PropertyType(str, Enum):
    """The kind of value a property holds."""

    text = "text"
    number = "number"
    tag = "tag"
    multi_tags = "multi_tags"
    checkbox = "checkbox"
    date = "date"
    url = "url"
    path = "path"
    color = "color"

    @classmethod
    def _missing_(cls, value: object) -> PropertyType | None:
        aliases = {"string": cls.text, "str": cls.text, "bool": cls.checkbox}
        if isinstance(value, str):
            return aliases.get(value.lower()) or cls.__members__.get(value.lower())
        return None


class PropertyMode(str, Enum):
    """Whether a property's value belongs to one file (``id``) or to its content (``sha1``)."""

    id = "id"
    sha1 = "sha1"

    @classmethod
    def _missing_(cls, value: object) -> PropertyMode | None:
        aliases = {"instance": cls.id, "image": cls.sha1, "id": cls.id, "sha1": cls.sha1}
        return aliases.get(value.lower()) if isinstance(value, str) else None


TAG_TYPES = (PropertyType.tag, PropertyType.multi_tags)


@dataclass
class Folder:
    """A folder of images; ``parent`` is the id of the enclosing folder, if imported."""

    id: int
    path: str
    name: str
    parent: int | None = None


@dataclass
class Instance:
    """One image file in the project (a *sample* in LightlyStudio's words)."""

    id: int
    folder_id: int
    name: str
    extension: str
    sha1: str
    url: str
    width: int = 0
    height: int = 0
    ahash: str = ""


@dataclass
class ImageInfo:
    """What the project knows about one image content (one per distinct SHA-1)."""

    sha1: str
    width: int
    height: int
    format: str
    mode: str
    ahash: str
    file_size: int


@dataclass
class PropertyGroup:
    """A named group of properties."""

    id: int
    name: str


@dataclass
class Property:
    """A user- or plugin-defined attribute of instances (mode ``id``) or images (``sha1``)."""

    id: int
    name: str
    type: PropertyType = PropertyType.text
    mode: PropertyMode = PropertyMode.id
    property_group_id: int | None = None

    def __post_init__(self) -> None:
        self.type = PropertyType(self.type)
        self.mode = PropertyMode(self.mode)


@dataclass
class Tag:
    """A value of a tag property; ``parents`` are ids of parent tags (no cycles)."""

    id: int
    property_id: int
    value: str
    parents: list[int] = field(default_factory=list)
    color: int = -1


@dataclass(frozen=True)
class InstancePropertyKey:
    """Identifies one instance value, for deletion."""

    property_id: int
    instance_id: int


@dataclass(frozen=True)
class ImagePropertyKey:
    """Identifies one image value, for deletion."""

    property_id: int
    sha1: str


@dataclass
class InstanceProperty:
    """The value of a property for one instance."""

    property_id: int
    instance_id: int
    value: Any


@dataclass
class ImageProperty:
    """The value of a property for one image content (all instances with this sha1)."""

    property_id: int
    sha1: str
    value: Any


PropertyValue = InstanceProperty | ImageProperty


@dataclass
class VectorType:
    """A kind of vector, owned by the plugin named in ``source``; ``params`` describe it.

    As in Panoptic it is hashable (a dict key) and ``str()`` gives
    ``"{source}_{model without '/'}_{id}"`` (``model`` defaults to ``default``), for file names.
    """

    id: int
    source: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        model = str((self.params or {}).get("model", "default")).replace("/", "")
        return f"{self.source}_{model}_{self.id}"

    def __hash__(self) -> int:
        return hash(str(self))


@dataclass
class Vector:
    """A float32 vector of any length for one image content; ``data`` reads back 1-D."""

    type_id: int
    sha1: str
    data: Any

    def __post_init__(self) -> None:
        import numpy as np

        self.data = np.asarray(self.data, dtype=np.float32).reshape(-1)


@dataclass
class Map:
    """A 2-D map of a project's images made by a plugin (PaCMAP, UMAP, t-SNE, ...).

    ``data`` is flat: ``[key1, x1, y1, key2, x2, y2, ...]`` where each key is an instance id or
    a sha1 as ``key`` (``"id"``/``"sha1"``) says; ``count`` is the number of points. Listings
    (``list_maps``) leave ``data`` out (None).
    """

    id: int
    source: str
    name: str
    key: str
    count: int
    data: list[Any] | None = None


@dataclass
class DeleteFolderConfirm:
    """Sent to folder-delete listeners: the folders and instances that were removed."""

    deleted_folders: list[int] = field(default_factory=list)
    deleted_instances: list[Instance] = field(default_factory=list)


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


@dataclass
class DbCommit:
    """One batch of changes: deletions in the ``empty_*`` lists, upserts in the others.

    New objects carry negative ids (from the ``create_*`` helpers); other new objects of the
    same commit may reference them. Real ids are assigned when the commit is written.
    """

    empty_instances: list[int] = field(default_factory=list)
    empty_property_groups: list[int] = field(default_factory=list)
    empty_properties: list[int] = field(default_factory=list)
    empty_tags: list[int] = field(default_factory=list)
    empty_instance_values: list[InstancePropertyKey] = field(default_factory=list)
    empty_image_values: list[ImagePropertyKey] = field(default_factory=list)
    folders: list[Folder] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    property_groups: list[PropertyGroup] = field(default_factory=list)
    properties: list[Property] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    instance_values: list[InstanceProperty] = field(default_factory=list)
    image_values: list[ImageProperty] = field(default_factory=list)
    timestamp: _dt.datetime = field(default_factory=_now)

    def is_empty(self) -> bool:
        """True when the commit changes nothing."""
        return not any(getattr(self, name) for name in COMMIT_LISTS)


COMMIT_LISTS = (
    "empty_instances", "empty_property_groups", "empty_properties", "empty_tags",
    "empty_instance_values", "empty_image_values", "folders", "instances",
    "property_groups", "properties", "tags", "instance_values", "image_values",
)


class PropertyId(int):
    """Annotation for an action parameter that picks one of the project's properties."""


class OwnVectorType(VectorType):
    """Annotation for an action parameter that picks one of the plugin's own vector types."""


class InputFile(str):
    """Annotation for an action parameter that takes the path of an existing file."""
