"""The ``session`` LightlyStudio-style operators receive: the project and its database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...project import Project


@dataclass
class Session:
    """What LightlyStudio-style operators receive as ``session``: the project and its database."""

    project: Project

    @property
    def db(self) -> Any:
        """The project's ``sqlite_utils.Database``."""
        return self.project.db

    @property
    def collection_id(self) -> str:
        return self.project.collection_id

    def get(self, model: Any, ident: Any) -> Any:
        """``session.get(CollectionTable, collection_id)``: the collection, or None (the only table
        lightplug's session can fetch by key; others raise ``UnsupportedFilter``)."""
        from .filters import UnsupportedFilter
        from .records import Collection
        from .resolvers import collection_resolver

        if model is Collection:
            return collection_resolver.get_by_id(session=self, collection_id=ident)
        raise UnsupportedFilter(f"session.get({getattr(model, '__name__', model)!r}, ...) is not supported by "
                                "lightplug; fetch through the resolvers (image_resolver, annotation_resolver, ...)")
