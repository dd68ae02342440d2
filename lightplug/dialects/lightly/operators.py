"""LightlyStudio-style operators: ``BaseOperator``, its result, scopes and execution context."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .parameters import BaseParameter


class OperatorScope(str, Enum):
    """Where an operator may be triggered from: the whole dataset, images, or annotations."""

    ROOT = "root"
    IMAGE = "image"
    ANNOTATION = "annotation"
    VIDEO = "video"
    VIDEO_FRAME = "video_frame"


@dataclass
class OperatorResult:
    """What ``execute`` returns: whether it worked and a message for the user."""

    success: bool
    message: str = ""


@dataclass
class SampleFilter:
    """Selects samples (instances) by id; ``None`` fields do not filter."""

    sample_ids: list[int] | None = None
    tag_ids: list[int] | None = None


@dataclass
class ImageFilter:
    """Selects images; wraps a ``SampleFilter`` as in LightlyStudio."""

    sample_filter: SampleFilter | None = None


@dataclass
class ExecutionContext:
    """Passed to ``execute``: the collection and the selection (``context_filter``)."""

    collection_id: str
    context_filter: SampleFilter | ImageFilter | None = None
    scope: OperatorScope = OperatorScope.ROOT

    @property
    def dataset_id(self) -> str:
        """LightlyStudio's older name for ``collection_id``."""
        return self.collection_id


class BaseOperator(ABC):
    """Base class of an operator: a named function with typed parameters.

    Subclasses set ``name`` and ``description`` (usually as dataclass fields) and implement
    ``parameters``, ``supported_scopes`` and ``execute``.
    """

    name: str = ""
    description: str = ""

    @property
    def parameters(self) -> list[BaseParameter]:
        """The parameters the user is asked for."""
        return []

    @property
    def supported_scopes(self) -> list[OperatorScope]:
        """The scopes this operator can run in."""
        return [OperatorScope.ROOT]

    @abstractmethod
    def execute(
        self, *, session: Any, context: ExecutionContext, parameters: dict[str, Any]
    ) -> OperatorResult:
        """Run the operator on ``context`` with the converted ``parameters``."""
