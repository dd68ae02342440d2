"""LightlyStudio-style operators: ``BaseOperator``, its lifecycle, result, scopes and context."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from .filters import AnnotationsFilter, AnyFilter, FilterDimensions, ImageFilter, SampleFilter

if TYPE_CHECKING:
    from .parameters import BaseParameter

__all__ = ["AnnotationsFilter", "AnyFilter", "BaseOperator", "ExecutionContext", "FilterDimensions",
           "ImageFilter", "OperatorResult", "OperatorScope", "OperatorStatus", "SampleFilter"]


class OperatorScope(str, Enum):
    """Where an operator may be triggered from (video, frame, group and caption scopes are listed
    for LightlyStudio's names but lightplug has no such data)."""

    ROOT = "root"
    IMAGE = "image"
    VIDEO_FRAME = "video_frame"
    VIDEO = "video"
    ANNOTATION = "annotation"
    GROUP = "group"
    CAPTION = "caption"


class OperatorStatus(str, Enum):
    """Lifecycle status of an operator."""

    PENDING = "pending"
    STARTING = "starting"
    READY = "ready"
    STOPPING = "stopping"
    STOPPED = "stopped"
    ERROR = "error"


@dataclass
class OperatorResult:
    """What ``execute`` returns: whether it worked and a message for the user."""

    success: bool
    message: str = ""


@dataclass
class ExecutionContext:
    """Passed to ``execute``: the collection and the selection (``context_filter``, None: all)."""

    collection_id: str
    context_filter: AnyFilter | None = None
    scope: OperatorScope = OperatorScope.ROOT

    @property
    def dataset_id(self) -> str:
        """LightlyStudio's older name for ``collection_id``."""
        return self.collection_id


class BaseOperator(ABC):
    """Base class of an operator: a named function with typed parameters.

    Subclasses set ``name`` and ``description`` (usually as dataclass fields), implement
    ``parameters``, ``supported_scopes`` and ``execute``, and may override ``startup`` (load a
    model) and ``shutdown``. lightplug calls ``startup()`` before the first ``execute`` in a
    process and ``shutdown()`` when the process ends.
    """

    name: str = ""
    description: str = ""
    status: OperatorStatus = OperatorStatus.PENDING
    error_message: str = ""

    @property
    def parameters(self) -> list[BaseParameter]:
        """The parameters the user is asked for."""
        return []

    @property
    def supported_scopes(self) -> list[OperatorScope]:
        """The scopes this operator can run in."""
        return [OperatorScope.ROOT]

    def startup(self) -> None:
        """Prepare the operator (download a model, start a server); the default does nothing."""
        self.status = OperatorStatus.READY

    def shutdown(self) -> None:
        """Release what ``startup`` acquired; the default does nothing."""
        self.status = OperatorStatus.STOPPED

    @abstractmethod
    def execute(
        self, *, session: Any, context: ExecutionContext, parameters: dict[str, Any]
    ) -> OperatorResult:
        """Run the operator on ``context`` with the converted ``parameters``."""
