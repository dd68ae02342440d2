"""LightlyStudio's video, video-frame, object-track and group names: importable, so a plugin that
also supports images loads, but unusable: creating a filter or calling a resolver raises
``UnsupportedFilter`` saying that lightplug has no videos or groups."""

from __future__ import annotations

from typing import Any, NoReturn

from .filters import UnsupportedFilter

_WHY = "lightplug handles images only: videos, video frames, object tracks and groups are out of scope"


class _OutOfScopeFilter:
    """A filter class lightplug does not support (``isinstance`` checks work; creating one raises)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise UnsupportedFilter(f"{type(self).__name__}: {_WHY}")


class VideoFilter(_OutOfScopeFilter):
    """LightlyStudio's video filter (not supported)."""


class VideoFrameFilter(_OutOfScopeFilter):
    """LightlyStudio's video-frame filter (not supported)."""


class GroupFilter(_OutOfScopeFilter):
    """LightlyStudio's group filter (not supported)."""


class _OutOfScopeResolver:
    """A resolver lightplug does not support: every function raises ``UnsupportedFilter``."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, function: str) -> Any:
        if function.startswith("__"):
            raise AttributeError(function)

        def refuse(*args: Any, **kwargs: Any) -> NoReturn:
            raise UnsupportedFilter(f"{self._name}.{function}: {_WHY}")

        return refuse

    def __repr__(self) -> str:
        return f"<{self._name}: not supported by lightplug>"


video_resolver = _OutOfScopeResolver("video_resolver")
video_frame_resolver = _OutOfScopeResolver("video_frame_resolver")
group_resolver = _OutOfScopeResolver("group_resolver")
object_track_resolver = _OutOfScopeResolver("object_track_resolver")
