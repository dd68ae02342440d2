"""Repairing a project whose files moved or went away: ``relink OLD NEW`` and ``prune``.

``relink`` rewrites the stored paths of every folder and image at or under ``OLD`` to the same
place under ``NEW``, as one undoable commit, after checking that the files are there: at least
one must exist, and the content (SHA-1) of a sample of them (or of all, ``check_all``) must be
the one recorded. ``prune`` removes the images whose files are gone, like ``remove-folder``
(not undoable: the undo history forgets them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .models import Instance
    from .project import Project

SAMPLE = 20  # files whose SHA-1 relink checks, spread over the folder (all with check_all)


class RelinkError(ValueError):
    """``relink`` was given folders it cannot use; the message says why and what to do."""


@dataclass
class Relinked:
    """What ``relink`` changed (or would change)."""

    old: str
    new: str
    folders: int = 0
    images: int = 0
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    commit_id: int | None = None
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "folders": self.folders, "images": self.images,
                "checked": self.checked, "missing": self.missing, "commit": self.commit_id,
                "dry_run": self.dry_run}


def _sha1(path: str) -> str | None:
    import hashlib

    digest = hashlib.sha1()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _spread(items: list[Any], count: int) -> list[Any]:
    """``count`` items spread evenly over ``items`` (all of them when there are fewer)."""
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(k * step)] for k in range(count)]


def relink(project: Project, old: str | os.PathLike, new: str | os.PathLike, *, check_all: bool = False,
           dry_run: bool = False) -> Relinked:
    """Point the folders and images recorded at or under ``old`` to ``new``; ``RelinkError``
    (nothing changed) when ``old`` holds no imported folder, ``new`` is not a folder or is
    imported already, none of the files is under ``new``, or a checked file differs."""
    import dataclasses

    from .db import commits, store
    from .models import DbCommit

    db = project.db
    source = os.path.normpath(os.path.abspath(os.path.expanduser(os.fspath(old))))
    target_path = os.path.abspath(os.path.expanduser(os.fspath(new)))
    if not os.path.isdir(target_path):
        raise RelinkError(f"{target_path} is not a folder; give the folder's new place")
    target = os.path.realpath(target_path)
    if target == source:
        raise RelinkError(f"{source} is already where the project looks for it")
    folders = store.get_folders(db)
    moving = [f for f in folders if _under(f.path, source)]
    if not moving:
        raise RelinkError(f"no imported folder is at or under {source}; `lightplug status` and "
                          "`lightplug images list` show what the project holds")
    moved_ids = {f.id for f in moving}
    clash = [f.path for f in folders if f.id not in moved_ids and _under(f.path, target)]
    if clash:
        raise RelinkError(f"{clash[0]} is imported already; remove it first (`lightplug remove-folder "
                          f"{clash[0]}`) or relink to another folder")
    images = [i for i in store.get_instances(db) if i.folder_id in moved_ids]
    report = Relinked(old=source, new=target, folders=len(moving), images=len(images), dry_run=dry_run)
    moved = {i.id: target + i.url[len(source):] for i in images if _under(i.url, source)}
    present = [i for i in images if os.path.exists(moved.get(i.id, i.url))]
    report.missing = [moved.get(i.id, i.url) for i in images if i not in present]
    if images and not present:
        raise RelinkError(f"none of the {len(images)} image(s) recorded under {source} is under {target}; "
                          "is it the folder they moved to?")
    report.checked = _check(present, moved, len(present) if check_all else SAMPLE)
    if dry_run:
        return report
    commit = DbCommit(instances=[dataclasses.replace(i, url=moved[i.id]) for i in images if i.id in moved])
    for f in moving:
        path = target + f.path[len(source):]
        parent = f.parent if f.parent in moved_ids else _enclosing(folders, path)
        commit.folders.append(dataclasses.replace(f, path=path, name=os.path.basename(path) or path, parent=parent))
    report.commit_id = commits.do(db, commit, "relink")
    return report


def _check(present: list[Instance], moved: dict[int, str], count: int) -> int:
    """Compare the SHA-1 of ``count`` files spread over ``present`` with the recorded ones."""
    checked = _spread(present, count)
    for inst in checked:
        path = moved.get(inst.id, inst.url)
        if _sha1(path) != inst.sha1:
            raise RelinkError(f"{path} is not the image recorded as {inst.url} (its content differs); "
                              "is it the folder they moved to? Nothing was changed")
    return len(checked)


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _enclosing(folders: list[Any], path: str) -> int | None:
    """The id of the imported folder directly enclosing ``path``, if any."""
    return next((f.id for f in folders if f.path == os.path.dirname(path)), None)


def missing_images(db: Database) -> list[Instance]:
    """The images whose file is gone from disk."""
    from .db import store

    return [i for i in store.get_instances(db) if not os.path.exists(i.url)]


def prune(project: Project, *, dry_run: bool = False) -> tuple[list[Instance], list[int]]:
    """Remove the images whose files are gone (and folders gone from disk left empty), tell the
    plugins, run the tasks they queue. Returns ``(images, folder ids)`` removed (or, with
    ``dry_run``, the images that would be and no folder)."""
    from .db.locations import remove_missing
    from .models import DeleteFolderConfirm

    gone = missing_images(project.db)
    if dry_run or not gone:
        return gone, []
    removed, folders = remove_missing(project.db, gone)
    if removed:
        project.run(project.emit_folder_delete(DeleteFolderConfirm(deleted_folders=folders,
                                                                   deleted_instances=removed)))
        project.run(project.tasks.run_all(None))
    return removed, folders
