"""Turning ``--ids``, ``--sha1``, ``--folder``, ``--tag``, ``--from-run`` and, for operators that work
on annotations, ``--annotation-ids`` and ``--annotation-collection`` into a selection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .common import esc, fail, parse_ids, stderr

if TYPE_CHECKING:
    from ..project import Project
    from ..selection import Selection


def resolve_selection(project: Project, kwargs: dict[str, Any]) -> Selection:
    """The selection options of a ``run`` command resolved against ``project``; exit 2 if one is wrong."""

    from ..selection import Selection, SelectionError, resolve

    options: dict[str, Any] = {
        "ids": parse_ids(kwargs.get("ids")), "sha1s": list(kwargs.get("sha1") or []),
        "folders": [str(f.expanduser().resolve()) for f in kwargs.get("folder") or []],
        "tags": list(kwargs.get("tag") or []), "run": kwargs.get("from_run"),
        "annotation_ids": parse_ids(kwargs.get("annotation_ids"), "--annotation-ids"),
        "annotation_collection": kwargs.get("annotation_collection")}
    if not any(value is not None and value != [] for value in options.values()):
        return Selection()  # the whole project: nothing to look up
    try:
        selection = resolve(project.db, **options)
    except SelectionError as exc:
        fail(str(exc))
    for note in selection.notes:
        stderr().print(f"[yellow]{esc(note)}[/]")
    return selection
