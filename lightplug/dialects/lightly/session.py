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
