"""The groups of a run's result as images people can find: members with their paths and scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .db.tx import Target


class GroupNotFound(LookupError):
    """No such run, or the run has no such group; the message says what exists."""


@dataclass
class Member:
    """One image of a group: the instance (None when it is gone), its file and its score."""

    id: int | None
    sha1: str | None
    path: str | None
    name: str
    score: float | None = None
    keep: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "sha1": self.sha1, "path": self.path, "name": self.name, "score": self.score,
                "keep": self.keep}


@dataclass
class GroupView:
    """A result group with its members resolved against the project."""

    index: int
    name: str
    score: dict[str, Any] | None
    score_label: str
    members: list[Member] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "name": self.name, "score": self.score, "score_label": self.score_label,
                "size": len(self.members), "members": [m.as_json() for m in self.members]}


def _keepers(value: Any, depth: int = 3) -> set[int]:
    """Instance ids a result's ``value`` names as the ones to keep: ``{"keep": id}`` entries, also
    inside lists and dicts (``{"groups": [{"keep": 4, ...}, ...]}``, as the duplicates plugin does)."""
    found: set[int] = set()
    if depth == 0:
        return found
    if isinstance(value, dict):
        if isinstance(value.get("keep"), int) and not isinstance(value.get("keep"), bool):
            found.add(value["keep"])
        for item in value.values():
            if isinstance(item, (list, dict)):
                found |= _keepers(item, depth - 1)
    elif isinstance(value, list):
        for item in value:
            found |= _keepers(item, depth - 1)
    return found


class _Lookup:
    """The instances that a set of groups names, fetched in two queries (by id, by SHA-1)."""

    def __init__(self, db: Target, groups: list[dict[str, Any]]) -> None:
        from .db import store

        ids = list(dict.fromkeys(i for g in groups for i in g.get("ids") or []))
        sha1s = list(dict.fromkeys(s for g in groups for s in g.get("sha1s") or []))
        self.by_id = {i.id: i for i in store.get_instances(db, ids=ids)} if ids else {}
        self.by_sha1: dict[str, list[Any]] = {}
        for instance in store.get_instances(db, sha1s=sha1s) if sha1s else []:
            self.by_sha1.setdefault(instance.sha1, []).append(instance)


def members(db: Target, group: dict[str, Any], keep: frozenset[int] | set[int] = frozenset(),
            lookup: _Lookup | None = None) -> list[Member]:
    """The members of one group of a run's JSON, in its order, with paths and per-member scores.

    Members given by SHA-1 list every instance of that image. An instance deleted since the run
    is kept with ``id`` and ``path`` None (its name says so). ``lookup``: the instances, fetched
    once for many groups.
    """
    found_in = lookup or _Lookup(db, [group])
    values = ((group.get("scores") or {}).get("values")) or []
    out: list[Member] = []
    for n, instance_id in enumerate(group.get("ids") or []):
        score = float(values[n]) if n < len(values) and values[n] is not None else None
        found = found_in.by_id.get(instance_id)
        if found is None:
            out.append(Member(None, None, None, f"(image {instance_id} is no longer in the project)", score))
        else:
            out.append(Member(found.id, found.sha1, found.url, found.name, score, found.id in keep))
    for n, sha1 in enumerate(group.get("sha1s") or []):
        score = float(values[n]) if n < len(values) and values[n] is not None else None
        for instance in found_in.by_sha1.get(sha1, []) or [None]:
            if instance is None:
                out.append(Member(None, sha1, None, f"(image {sha1[:12]} is no longer in the project)", score))
            else:
                out.append(Member(instance.id, sha1, instance.url, instance.name, score, instance.id in keep))
    return out


def with_paths(db: Target, groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``groups`` of a run's JSON, each with ``paths``: the files of its members, in order."""
    lookup = _Lookup(db, groups)
    return [{**g, "paths": [m.path for m in members(db, g, lookup=lookup)]} for g in groups]


def chosen_groups(db: Database, run: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The run record of ``RUN[:GROUP]`` (``RUN`` an id or ``last``) and its result groups as JSON
    (only ``GROUP``, a number or a name, when given); ``GroupNotFound`` says what exists."""
    from .db import runs

    run_part, _, group_part = run.partition(":")
    if run_part in ("last", "-1"):
        found = runs.get_runs(db, limit=1)
        record = found[0] if found else None
    elif run_part.isdigit():
        record = runs.get_run(db, int(run_part))
    else:
        raise GroupNotFound(f"give RUN[:GROUP] with RUN a run id or 'last'; got {run!r}")
    if record is None:
        raise GroupNotFound(f"no run {run_part}; see `lightplug runs list`")
    groups = (record.get("result") or {}).get("groups") or []
    if group_part:
        chosen = [g for g in groups if str(g["index"]) == group_part or g["name"] == group_part]
        if not chosen:
            names = "; ".join(f"{g['index']}: {g['name']}" for g in groups) or "none"
            raise GroupNotFound(f"run {record['id']} has no group {group_part!r}; its groups: {names}")
        groups = chosen
    return record, groups


def run_groups(db: Database, run: str) -> tuple[dict[str, Any], list[GroupView]]:
    """The run record of ``RUN[:GROUP]`` and its groups with their members resolved."""
    record, groups = chosen_groups(db, run)
    keep = _keepers((record.get("result") or {}).get("value"))
    views = []
    lookup = _Lookup(db, groups)
    for g in groups:
        label = ((g.get("scores") or {}).get("description")) or ""
        views.append(GroupView(g["index"], g["name"], g.get("score"), label, members(db, g, keep, lookup)))
    return record, views
