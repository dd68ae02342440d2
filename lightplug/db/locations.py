"""Where images are: removing the records of files that are gone, and folders left empty."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import paths

if TYPE_CHECKING:
    from sqlite_utils import Database

    from ..models import Instance


def remove_missing(db: Database, candidates: Sequence[Instance]) -> tuple[list[Instance], list[int]]:
    """In one write: delete the ``candidates`` whose file is (still) gone, with everything that
    hangs off them, forget them in the undo history, and delete the folders that are gone from
    disk and hold nothing any more. Returns ``(removed images, removed folder ids)``."""
    from . import store
    from .commits import forget_instances
    from .tx import write

    with write(db):
        known = {i.id for i in store.get_instances(db, ids=[c.id for c in candidates])}
        gone = [c for c in candidates if c.id in known and not os.path.exists(c.url)]
        ids = [c.id for c in gone]
        store.delete_instances(db, ids)
        forget_instances(db, ids)
        folders = _drop_empty_folders(db)
    return gone, folders


def _drop_empty_folders(db: Database) -> list[int]:
    """Delete folders missing on disk that hold no image and no other folder (call in ``write``)."""
    dropped: list[int] = []
    while True:
        empty = [r["id"] for r in db.query(
            "select id, path from folders f where not exists (select 1 from instances i where i.folder_id = f.id) "
            "and not exists (select 1 from folders c where c.parent = f.id)")
            if not os.path.isdir(paths.decode(r["path"]))]
        if not empty:
            return dropped
        for folder_id in empty:
            db.execute("delete from folders where id = ?", [folder_id])
        dropped += empty
