"""Turning ``--ids``, ``--sha1``, ``--folder``, ``--tag`` and ``--from-run`` into a selection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .common import fail, parse_ids

if TYPE_CHECKING:
    from ..project import Project
    from ..runner import Selection


def _from_run(project: Project, text: str) -> list[int]:
    from ..db import store

    run_part, _, group_part = text.partition(":")
    if run_part in ("last", "-1"):
        runs = store.get_runs(project.db, limit=1)
        record = runs[0] if runs else None
    else:
        if not run_part.isdigit():
            fail(f"--from-run takes RUN[:GROUP] with RUN a run id or 'last'; got {text!r}")
        record = store.get_run(project.db, int(run_part))
    if record is None:
        fail(f"no run {run_part}; see `lightplug runs list`")
    groups = (record["result"] or {}).get("groups") or []
    if not groups:
        fail(f"run {record['id']} has no result groups to select from")
    if group_part:
        chosen = [g for g in groups if str(g["index"]) == group_part or g["name"] == group_part]
        if not chosen:
            names = "; ".join(f"{g['index']}: {g['name']}" for g in groups)
            fail(f"run {record['id']} has no group {group_part!r}; its groups are {names}")
        groups = chosen
    ids: list[int] = []
    for g in groups:
        ids += g.get("ids") or []
        if g.get("sha1s"):
            ids += [i.id for i in store.get_instances(project.db, sha1s=g["sha1s"])]
    existing = [i.id for i in store.get_instances(project.db, ids=ids)]
    if len(existing) < len(set(ids)):
        from .common import stderr

        stderr().print(f"[yellow]{len(set(ids)) - len(existing)} instance(s) of run {record['id']} "
                       "no longer exist and were left out[/]")
    return existing


def _tagged(project: Project, text: str) -> list[int]:
    prop_name, sep, value = text.rpartition(":")
    if sep and list(project.db.query("select 1 from tags where value = ?", [text])):
        prop_name, sep, value = "", "", text  # the whole text is a tag value containing ':'
    rows = list(project.db.query(
        "select t.id, p.mode from tags t join properties p on p.id = t.property_id where t.value = ?"
        + (" and p.name = ?" if sep else ""), [value, prop_name] if sep else [value]))
    if not rows:
        fail(f"no tag {text!r}; see `lightplug tags list`")
    tag_ids = {r["id"] for r in rows}
    ids: set[int] = set()
    from ..db import rows as R

    for r in project.db.query("select instance_id, value from instance_values"):
        value_ = R.loads(r["value"])
        if isinstance(value_, list) and tag_ids & set(value_):
            ids.add(r["instance_id"])
    sha1s = [r["sha1"] for r in project.db.query("select sha1, value from image_values")
             if isinstance(R.loads(r["value"]), list) and tag_ids & set(R.loads(r["value"]))]
    if sha1s:
        from ..db import store

        ids |= {i.id for i in store.get_instances(project.db, sha1s=sha1s)}
    return sorted(ids)


def resolve_selection(project: Project, kwargs: dict[str, Any]) -> Selection:
    """The union of every selection option given; the whole project when none is."""
    from ..db import store
    from ..runner import Selection

    given: dict[str, Any] = {}
    chosen: set[int] = set()
    ids = parse_ids(kwargs.get("ids"))
    if ids is not None:
        known = {i.id for i in store.get_instances(project.db, ids=ids)}
        missing = sorted(set(ids) - known)
        if missing:
            fail(f"--ids: no instance with id {', '.join(map(str, missing[:10]))}")
        chosen |= set(ids)
        given["ids"] = ids
    if kwargs.get("sha1"):
        found = store.get_instances(project.db, sha1s=kwargs["sha1"])
        if not found:
            fail(f"--sha1: no image with SHA-1 {', '.join(kwargs['sha1'])}")
        chosen |= {i.id for i in found}
        given["sha1"] = list(kwargs["sha1"])
    for folder in kwargs.get("folder") or []:
        target = str(folder.expanduser().resolve()).rstrip("/")
        folder_ids = {f.id for f in store.get_folders(project.db)
                      if f.path == target or f.path.startswith(target + "/")}
        if not folder_ids:
            fail(f"--folder: {target} is not an imported folder")
        chosen |= {i.id for i in store.get_instances(project.db) if i.folder_id in folder_ids}
        given.setdefault("folder", []).append(target)
    for tag in kwargs.get("tag") or []:
        chosen |= set(_tagged(project, tag))
        given.setdefault("tag", []).append(tag)
    if kwargs.get("from_run"):
        chosen |= set(_from_run(project, kwargs["from_run"]))
        given["from_run"] = kwargs["from_run"]
    if not given:
        return Selection(instance_ids=None, given={})
    return Selection(instance_ids=sorted(chosen), given=given)
