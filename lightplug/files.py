"""Moving selected images to a folder or to the project's trash, as one undoable commit.

* ``images move --to DIR``: the files go into ``DIR`` (flat; a name that is taken gets `` (2)``,
  `` (3)`` …); the images stay in the project with their new paths.
* ``images trash``: the files go to ``.lightplug/trash/<commit id>/<their absolute path>`` and the
  images leave the project (their values and tags are kept in the commit, for ``undo``).

Either way ``lightplug undo`` moves the files back and restores the records; ``redo`` moves them
again. The image a duplicates group keeps is never moved while no other copy of its content
stays in place: the groups are those of the latest successful run of every operator whose result
names the image to keep (``{"keep": id}`` in its value, as ``dedup.find_duplicates`` and
``dedup.tag_duplicates`` do) and of the run given with ``--from-run``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .moves import EXIT_FAILED, FileMoveError, Move, free_name, problems

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .db.commits import FileCommit
    from .models import Instance
    from .project import Project

TRASH_DIR = "trash"
SOURCE_TRASH, SOURCE_MOVE = "images trash", "images move"  # the commits' source


@dataclass
class MovePlan:
    """What a move or trash does (or, with ``dry_run``, would do)."""

    destination: str
    trash: bool
    moves: list[Move] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    commit_id: int | None = None
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "trash": self.trash, "destination": self.destination,
                "commit": self.commit_id, "moved": [{"id": m.instance_id, "from": m.src, "to": m.dst}
                                                     for m in self.moves],
                "skipped": self.skipped}


def trash_root(root: Path) -> Path:
    """``.lightplug/trash`` of the project at ``root``."""
    from .project import PROJECT_DIR

    return root / PROJECT_DIR / TRASH_DIR


def trash_folder(root: Path, commit_id: int) -> str:
    """``.lightplug/trash/<commit id>``: where the files of trash commit ``commit_id`` are."""
    return str(trash_root(root) / str(commit_id))


def move_images(project: Project, ids: list[int], to: str | os.PathLike | None = None, *,
                from_run: str | None = None, dry_run: bool = False) -> MovePlan:
    """Move the images ``ids`` into folder ``to``, or to the trash when ``to`` is None.

    Returns the plan: the moves done (or that would be, with ``dry_run``) and the images skipped
    with the reason (keepers of duplicates groups, files already there). ``FileMoveError`` when a
    file is missing or a move fails: then nothing was moved and nothing was recorded.
    """
    from .db.commits import next_commit_id, record_files

    # resolved like the paths import records, so that importing DIR later finds these files known
    target = None if to is None else os.path.realpath(os.path.expanduser(os.fspath(to)))
    db = project.db
    if dry_run:
        plan = _plan(db, project.root, ids, target, from_run, next_commit_id(db))
        plan.dry_run = True
        return plan
    made: list[MovePlan] = []

    def make(commit_id: int) -> FileCommit:
        plan = _plan(db, project.root, ids, target, from_run, commit_id)
        made.append(plan)
        found = problems(plan.moves)
        if found:
            raise FileMoveError(_refusal(found), EXIT_FAILED)
        return _commit(db, plan, target)

    commit_id = record_files(db, make, SOURCE_TRASH if target is None else SOURCE_MOVE)
    made[-1].commit_id = commit_id
    return made[-1]


def _refusal(found: list[str]) -> str:
    shown = "; ".join(found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
    hint = (" Forget images whose files are gone with `lightplug prune`, or repair a moved folder with "
            "`lightplug relink OLD NEW`." if any("missing" in f for f in found) else "")
    return f"{shown}; nothing was moved.{hint}"


def _plan(db: Database, root: Path, ids: list[int], target: str | None, from_run: str | None,
          commit_id: int) -> MovePlan:
    from .db import store

    trash = target is None
    destination = trash_folder(root, commit_id) if trash else str(target)
    plan = MovePlan(destination=destination, trash=trash)
    everything = {i.id: i for i in store.get_instances(db)}
    chosen = [everything[i] for i in sorted(set(ids)) if i in everything]
    keep = protected(db, everything, {i.id for i in chosen}, from_run)
    taken = store.known_urls(db)
    for inst in chosen:
        if inst.id in keep:
            plan.skipped.append({"id": inst.id, "path": inst.url, "reason": keep[inst.id]})
        elif trash:
            plan.moves.append(Move(inst.id, inst.url, os.path.join(destination, inst.url.lstrip("/"))))
        elif os.path.dirname(inst.url) == destination:
            plan.skipped.append({"id": inst.id, "path": inst.url, "reason": f"already in {destination}"})
        else:
            dst = free_name(destination, os.path.basename(inst.url), taken)
            taken.add(dst)
            plan.moves.append(Move(inst.id, inst.url, dst))
    return plan


def _commit(db: Database, plan: MovePlan, target: str | None) -> FileCommit:
    """The commit of ``plan``: the images leave the project (trash) or get their new paths."""
    import dataclasses

    from .db import store
    from .db.commits import FileCommit
    from .models import Folder

    moves = [[m.instance_id, m.src, m.dst] for m in plan.moves]
    if target is None:
        return FileCommit(empty_instances=[m.instance_id for m in plan.moves], file_moves=moves)
    folders = {f.path: f.id for f in store.get_folders(db)}
    commit = FileCommit(file_moves=moves)
    folder_id = folders.get(target, -1)
    if folder_id == -1 and plan.moves:
        commit.folders.append(Folder(id=-1, path=target, name=os.path.basename(target) or target,
                                     parent=folders.get(os.path.dirname(target))))
    by_id = {i.id: i for i in store.get_instances(db, ids=[m.instance_id for m in plan.moves])}
    for move in plan.moves:
        commit.instances.append(dataclasses.replace(by_id[move.instance_id], folder_id=folder_id,
                                                    name=os.path.basename(move.dst), url=move.dst))
    return commit


def protected(db: Database, everything: dict[int, Instance], selected: set[int],
              from_run: str | None = None) -> dict[int, str]:
    """The images of ``selected`` that must stay, with the reason: the image each duplicates
    group keeps, unless another copy of its content stays (see the module's docstring)."""
    staying = set(everything) - selected
    copies: dict[str, set[int]] = {}
    for inst in everything.values():
        copies.setdefault(inst.sha1, set()).add(inst.id)
    keep: dict[int, str] = {}

    def spare(keeper: int, where: str) -> None:
        if keeper in everything and keeper in selected and not copies[everything[keeper].sha1] & staying:
            keep.setdefault(keeper, f"{where} keeps it, and no other copy of it stays in place")
            staying.add(keeper)

    from .groups import _keepers

    runs = _keeper_runs(db, from_run)
    named: list[tuple[int, set[int]]] = []
    for record in runs:  # the groups of each run: the keeper, or the last image left
        keepers = _keepers((record.get("result") or {}).get("value"))
        in_groups: set[int] = set()
        for group in (record.get("result") or {}).get("groups") or []:
            members = list(group.get("ids") or [])
            members += [i for s in group.get("sha1s") or [] for i in sorted(copies.get(s, ()))]
            keeper = next((m for m in members if m in keepers), None)
            if keeper is None:
                continue
            in_groups.add(keeper)
            spare(keeper, f"group {group.get('index')} of run {record['id']}")
            alive = [m for m in members if m in everything]
            if keeper not in everything and alive and not set(alive) & staying:
                keep.setdefault(alive[0], f"the last image of group {group.get('index')} of run {record['id']} "
                                          "(the one it kept is gone)")
                staying.add(alive[0])
        named.append((record["id"], keepers - in_groups))
    for run_id, keepers in named:  # keepers a run names in its value only (dedup.tag_duplicates)
        for keeper in sorted(keepers):
            spare(keeper, f"run {run_id}")
    return keep


def _keeper_runs(db: Database, from_run: str | None) -> list[dict[str, Any]]:
    """The latest successful run of each operator whose result names images to keep, and the
    run of ``from_run`` (``RUN[:GROUP]``)."""
    from .db.runs import get_runs
    from .groups import _keepers, chosen_groups

    latest: dict[str, dict[str, Any]] = {}
    for record in get_runs(db):  # newest first
        if record["status"] == "success" and record["operator"] not in latest:
            latest[record["operator"]] = record
    chosen = [r for r in latest.values() if _keepers((r.get("result") or {}).get("value"))]
    if from_run:
        record, _ = chosen_groups(db, from_run)
        if all(r["id"] != record["id"] for r in chosen):
            chosen.append(record)
    return chosen


def empty_trash(project: Project, *, dry_run: bool = False) -> dict[str, Any]:
    """Delete the files in the trash for good and forget the trashed images in the undo history
    (their ``images trash`` commits can no longer be undone). Folders of the trash that no commit
    holds are left alone and listed. Returns what was (or, with ``dry_run``, would be) deleted."""
    import shutil

    from .db import store
    from .db.commits import forget_instances, trashed
    from .db.tx import write

    trash = trash_root(project.root)
    db = project.db
    with write(db):
        found = trashed(db, SOURCE_TRASH)
        folders = [trash / str(commit_id) for commit_id in found]
        files = [p for f in folders if f.is_dir() for p in f.rglob("*") if not p.is_dir()]
        report = {"dry_run": dry_run, "commits": list(found), "images": sum(len(v) for v in found.values()),
                  "files": len(files), "bytes": sum(p.lstat().st_size for p in files),
                  "left": sorted(str(p) for p in trash.iterdir() if p.is_dir() and p not in folders
                                 and any(not q.is_dir() for q in p.rglob("*"))) if trash.is_dir() else []}
        if dry_run:
            return report
        ids = [i for taken in found.values() for i in taken]
        store.delete_instances(db, ids)  # what still hangs off them (annotations, captions)
        forget_instances(db, ids)
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    return report
