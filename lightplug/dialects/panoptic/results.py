"""What a Panoptic-style action receives and returns: context, groups, scores, notifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


@dataclass
class ActionContext:
    """The selection an action runs on: ``instance_ids`` (None means the whole project)."""

    instance_ids: list[int] | None = None
    sha1s: list[str] | None = None
    ui_inputs: dict[str, Any] = field(default_factory=dict)
    group_name: str | None = None


@dataclass
class Score:
    """A score with its range; ``max_is_best`` says which end is better."""

    value: float
    min: float = 0.0
    max: float = 1.0
    description: str = ""
    max_is_best: bool = True


@dataclass
class ScoreList:
    """One score per member of a group, in the order of its ``ids`` or ``sha1s``."""

    values: list[float]
    min: float = 0.0
    max: float = 1.0
    description: str = ""
    max_is_best: bool = True


@dataclass
class Group:
    """A group of instances (``ids``) or images (``sha1s``), with optional scores and a name."""

    ids: list[int] | None = None
    sha1s: list[str] | None = None
    scores: ScoreList | None = None
    score: Score | None = None
    name: str | None = None


class NotifType(str, Enum):
    """Severity of a notification."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass
class NotifFunction:
    """A suggested follow-up: run action ``function`` (its id) on ``context``."""

    function: str
    context: ActionContext = field(default_factory=ActionContext)
    message: str = ""


@dataclass
class Notif:
    """A message for the user; ``data`` is shown as JSON, ``functions`` as suggested commands."""

    type: NotifType = NotifType.INFO
    name: str | None = None
    message: str | None = None
    data: Any = None
    functions: list[NotifFunction] | None = None

    def __post_init__(self) -> None:
        self.type = NotifType(self.type)


@dataclass
class ActionResult:
    """The result of an action: groups of images, notifications and a single value.

    ``datas`` (rows of data) and ``urls`` are Panoptic's other fields; they are kept in the run's JSON.
    """

    groups: list[Group] | None = None
    notifs: list[Notif] | None = None
    value: Any = None
    datas: list[dict] | None = None
    urls: list[str] | None = None
