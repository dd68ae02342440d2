"""Writing ``DbCommit`` objects: id assignment, reference rewriting, inverse commits, undo/redo.

A ``FileCommit`` also moves files (``images move``/``images trash``): its moves are done first,
one by one, and put back if a move or the database write fails, so disk and records agree.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable, Sequence, overload

from . import rows
from ..models import COMMIT_LISTS, TAG_TYPES, DbCommit, ImagePropertyKey, InstancePropertyKey
from ..moves import Move, apply_moves, put_back
from .commit_json import commit_from_json, commit_to_json  # noqa: F401 - re-exported

if TYPE_CHECKING:
    from sqlite_utils import Database

class CommitError(ValueError):
    """A commit that cannot be applied (unknown reference, tag cycle, ...)."""


@dataclasses.dataclass
class FileCommit(DbCommit):
    """A commit that moves image files too: ``file_moves`` are ``[instance id, from, to]`` lists,
    done in order before the records change (the inverse moves them back, newest first)."""

    file_moves: list[list] = dataclasses.field(default_factory=list)

    def moves(self) -> list[Move]:
        return [Move(int(i), str(src), str(dst)) for i, src, dst in self.file_moves]

    def is_empty(self) -> bool:
        return not self.file_moves and super().is_empty()


def _fetch(db: Database, table: str, where: str, args: list) -> dict | None:
    found = list(db.query(f"select * from {table} where {where}", args))
    return found[0] if found else None


class _Writer:
    """Applies one commit and builds its inverse."""

    def __init__(self, db: Database):
        self.db = db
        self.inverse = DbCommit()
        self.types: dict[int, str] = {}
        self.new_ids: dict[str, dict[int, int]] = {k: {} for k in
                                                  ("folders", "instances", "property_groups", "properties", "tags")}

    @overload
    def real(self, kind: str, ref: int) -> int: ...

    @overload
    def real(self, kind: str, ref: None) -> None: ...

    def real(self, kind: str, ref: int | None) -> int | None:
        """The real id of ``ref``: itself, or the id given to the object created as ``ref`` (< 0)."""
        if ref is None or ref >= 0:
            return ref
        try:
            return self.new_ids[kind][ref]
        except KeyError:
            raise CommitError(f"{kind[:-1]} id {ref} is referenced but not created in this commit") from None

    # -- deletions ------------------------------------------------------------------------
    def delete_value(self, table: str, key_field: str, prop: int, key: Any) -> None:
        where = f"property_id = ? and {key_field} = ?"
        old = _fetch(self.db, table, where, [prop, key])
        if old is None:
            return
        if table == "instance_values":
            self.inverse.instance_values.append(rows.instance_value(old))
        else:
            self.inverse.image_values.append(rows.image_value(old))
        self.db.execute(f"delete from {table} where {where}", [prop, key])

    def delete_tag(self, tag_id: int) -> None:
        old = _fetch(self.db, "tags", "id = ?", [tag_id])
        if old is None:
            return
        self.inverse.tags.append(rows.tag(old))
        for table, key_field in (("instance_values", "instance_id"), ("image_values", "sha1")):
            for row in list(self.db.query(f"select * from {table} where property_id = ?", [old["property_id"]])):
                value = rows.loads(row["value"])
                if isinstance(value, list) and tag_id in value:
                    self.set_value(table, key_field, row["property_id"], row[key_field],
                                   [v for v in value if v != tag_id])
        for row in list(self.db.query("select * from tags where property_id = ?", [old["property_id"]])):
            parents = rows.loads(row["parents"]) or []
            if tag_id in parents:
                self.inverse.tags.append(rows.tag(row))
                self.db.execute("update tags set parents = ? where id = ?",
                                [rows.dumps([p for p in parents if p != tag_id]), row["id"]])
        self.db.execute("delete from tags where id = ?", [tag_id])

    def delete_property(self, prop_id: int) -> None:
        old = _fetch(self.db, "properties", "id = ?", [prop_id])
        if old is None:
            return
        self.inverse.properties.append(rows.property_(old))
        self.inverse.tags += [rows.tag(r) for r in self.db.query("select * from tags where property_id = ?", [prop_id])]
        self.inverse.instance_values += [rows.instance_value(r) for r in self.db.query(
            "select * from instance_values where property_id = ?", [prop_id])]
        self.inverse.image_values += [rows.image_value(r) for r in self.db.query(
            "select * from image_values where property_id = ?", [prop_id])]
        for table in ("tags", "instance_values", "image_values"):
            self.db.execute(f"delete from {table} where property_id = ?", [prop_id])
        self.db.execute("delete from properties where id = ?", [prop_id])

    def delete_group(self, group_id: int) -> None:
        old = _fetch(self.db, "property_groups", "id = ?", [group_id])
        if old is None:
            return
        self.inverse.property_groups.append(rows.property_group(old))
        for row in list(self.db.query("select * from properties where property_group_id = ?", [group_id])):
            self.inverse.properties.append(rows.property_(row))
        self.db.execute("update properties set property_group_id = null where property_group_id = ?", [group_id])
        self.db.execute("delete from property_groups where id = ?", [group_id])

    def delete_instance(self, instance_id: int) -> None:
        old = _fetch(self.db, "instances", "id = ?", [instance_id])
        if old is None:
            return
        self.inverse.instances.append(rows.instance(old))
        self.inverse.instance_values += [rows.instance_value(r) for r in self.db.query(
            "select * from instance_values where instance_id = ?", [instance_id])]
        self.db.execute("delete from instance_values where instance_id = ?", [instance_id])
        self.db.execute("delete from instances where id = ?", [instance_id])

    # -- upserts --------------------------------------------------------------------------
    def upsert(self, kind: str, obj: Any) -> Any:
        row = rows.to_row(obj)
        table = self.db.table(kind)
        if obj.id < 0:
            fake = row.pop("id")
            real = int(table.insert(row).last_pk or 0)
            self.new_ids[kind][fake] = real
            getattr(self.inverse, "empty_" + kind).append(real) if kind != "folders" else None
            obj.id = real
            return obj
        old = _fetch(self.db, kind, "id = ?", [obj.id])
        if old is None:
            if kind != "folders":
                getattr(self.inverse, "empty_" + kind).append(obj.id)
        else:
            convert = {"folders": rows.folder, "instances": rows.instance, "tags": rows.tag,
                       "property_groups": rows.property_group, "properties": rows.property_}[kind]
            getattr(self.inverse, kind).append(convert(old))
        table.upsert(row, pk="id")
        return obj

    def set_values(self, table: str, key_field: str, items: list[tuple[int, Any, Any]]) -> None:
        """Upsert many values at once, recording the old ones (or their absence) in the inverse."""
        from .store import chunked

        by_prop: dict[int, dict[Any, Any]] = {}
        for prop, key, value in items:
            by_prop.setdefault(prop, {})[key] = value
        instance = table == "instance_values"
        for prop, values in by_prop.items():
            keys = list(values)
            for part in chunked(keys):
                sql = f"select * from {table} where property_id = ? and {key_field} in ({','.join('?' * len(part))})"
                old = {r[key_field]: r for r in self.db.query(sql, [prop, *part])}
                for key in part:
                    if key in old and instance:
                        self.inverse.instance_values.append(rows.instance_value(old[key]))
                    elif key in old:
                        self.inverse.image_values.append(rows.image_value(old[key]))
                    elif instance:
                        self.inverse.empty_instance_values.append(InstancePropertyKey(prop, key))
                    else:
                        self.inverse.empty_image_values.append(ImagePropertyKey(prop, key))
            self.db.conn.executemany(  # (property_id, key) is the table's primary key
                f"INSERT INTO {table} (property_id, {key_field}, value) VALUES (?, ?, ?) "
                f"ON CONFLICT (property_id, {key_field}) DO UPDATE SET value = excluded.value",
                [(prop, key, rows.dumps(value)) for key, value in values.items()])

    def set_value(self, table: str, key_field: str, prop: int, key: Any, value: Any) -> None:
        self.set_values(table, key_field, [(prop, key, value)])

    def property_type(self, prop_id: int) -> str:
        if prop_id not in self.types:
            row = _fetch(self.db, "properties", "id = ?", [prop_id])
            if row is None:
                raise CommitError(f"property {prop_id} does not exist")
            self.types[prop_id] = row["type"]
        return self.types[prop_id]

    def value_of(self, prop_id: int, value: Any) -> Any:
        if self.property_type(prop_id) in {t.value for t in TAG_TYPES} and value is not None:
            value = value if isinstance(value, list) else [value]
            return [self.real("tags", v) for v in value]
        return value


def _check_tag_cycles(db: Database) -> None:
    parents = {r["id"]: rows.loads(r["parents"]) or [] for r in db.query("select id, parents from tags")}
    state: dict[int, int] = {}

    def visit(node: int) -> None:
        state[node] = 1
        for parent in parents.get(node, []):
            if state.get(parent) == 1:
                raise CommitError(f"tag {parent} would become its own ancestor (tag cycle)")
            if parent in parents and state.get(parent) is None:
                visit(parent)
        state[node] = 2

    for node in parents:
        if state.get(node) is None:
            visit(node)


def apply_commit(db: Database, commit: DbCommit) -> DbCommit:
    """Write ``commit`` atomically, give new objects real ids, return the inverse commit.

    The file moves of a ``FileCommit`` are done first (``FileMoveError`` when one fails, every
    file put back); a failing database write puts the files back too.
    """
    from .tx import write

    moves = commit.moves() if isinstance(commit, FileCommit) else []
    moved = False
    try:
        with write(db):
            apply_moves(moves)
            moved = True
            inverse = _apply_records(db, commit)
    except BaseException as exc:
        if moved:
            _put_back_after(exc, moves)
        raise
    if not isinstance(commit, FileCommit):
        return inverse
    fields = {name: getattr(inverse, name) for name in COMMIT_LISTS}
    return FileCommit(**fields, file_moves=[[m.instance_id, m.dst, m.src] for m in reversed(moves)])


def _put_back_after(exc: BaseException, moves: Sequence[Move]) -> None:
    """The records of moved files could not be written (``exc``): move the files back."""
    from ..moves import EXIT_IO, FileMoveError

    stuck = put_back(moves)
    if stuck:
        raise FileMoveError(f"the project could not record the moved files ({exc}), and these could not be put "
                            "back, move them by hand: " + ", ".join(f"{m.dst} (was {m.src})" for m in stuck),
                            EXIT_IO, stuck) from exc


def _apply_records(db: Database, commit: DbCommit) -> DbCommit:
    """The database part of ``apply_commit`` (inside its transaction)."""
    w = _Writer(db)
    for ikey in commit.empty_instance_values:
        w.delete_value("instance_values", "instance_id", ikey.property_id, ikey.instance_id)
    for mkey in commit.empty_image_values:
        w.delete_value("image_values", "sha1", mkey.property_id, mkey.sha1)
    for tag_id in commit.empty_tags:
        w.delete_tag(tag_id)
    for prop_id in commit.empty_properties:
        w.delete_property(prop_id)
    for group_id in commit.empty_property_groups:
        w.delete_group(group_id)
    for instance_id in commit.empty_instances:
        w.delete_instance(instance_id)
    for f in commit.folders:
        f.parent = w.real("folders", f.parent)
        w.upsert("folders", f)
    for i in commit.instances:
        i.folder_id = w.real("folders", i.folder_id)
        w.upsert("instances", i)
    for g in commit.property_groups:
        w.upsert("property_groups", g)
    for p in commit.properties:
        p.property_group_id = w.real("property_groups", p.property_group_id)
        w.upsert("properties", p)
    new_tags = [t for t in commit.tags]
    for t in new_tags:
        t.property_id = w.real("properties", t.property_id)
        w.upsert("tags", t)
    for t in new_tags:  # parents may point at tags created later in the list
        real_parents = [w.real("tags", parent) for parent in t.parents or []]
        if real_parents != list(t.parents or []):
            t.parents = real_parents
            db.execute("update tags set parents = ? where id = ?", [rows.dumps(real_parents), t.id])
    if new_tags:
        _check_tag_cycles(db)
    for v in commit.instance_values:
        v.property_id = w.real("properties", v.property_id)
        v.instance_id = w.real("instances", v.instance_id)
        v.value = w.value_of(v.property_id, v.value)
    w.set_values("instance_values", "instance_id",
                 [(v.property_id, v.instance_id, v.value) for v in commit.instance_values])
    for mv in commit.image_values:
        mv.property_id = w.real("properties", mv.property_id)
        mv.value = w.value_of(mv.property_id, mv.value)
    w.set_values("image_values", "sha1", [(mv.property_id, mv.sha1, mv.value) for mv in commit.image_values])
    return w.inverse


# -- storage of commits for undo/redo: ``commit_json`` (re-exported) -------------------------


# what users read: an instance is an image (file), an image (content) is shared by its copies
_WORDS = {"instances": "images", "instance_values": "image values", "image_values": "values shared by copies",
          "property_groups": "property groups"}


def summarize(commit: DbCommit) -> str:
    """A short description such as ``+2 tags, +10 image values, -1 properties``."""
    moved = len(commit.file_moves) if isinstance(commit, FileCommit) else 0
    parts = [f"moved {moved} file{'s' if moved != 1 else ''}"] if moved else []
    for name in COMMIT_LISTS:
        count = len(getattr(commit, name))
        if count:
            label = _WORDS.get(name.replace("empty_", ""), name.replace("empty_", "").replace("_", " "))
            parts.append(f"{'-' if name.startswith('empty_') else '+'}{count} {label}")
    return ", ".join(parts) or "no change"


def record(db: Database, forward: DbCommit, inverse: DbCommit, source: str | None,
           run_id: int | None = None, state: str = "done") -> int:
    """Store a commit; a new ``done`` commit drops everything undone (no redo past it).

    ``state`` ``applied`` records a run's non-undoable write, so the run can still be reverted.
    """
    from .tx import write

    with write(db):
        if state == "done":
            db.execute("delete from commits where state = 'undone'")
        return int(db.table("commits").insert({  # type: ignore[arg-type]
            "created": forward.timestamp.isoformat(), "source": source, "run_id": run_id,
            "forward": commit_to_json(forward), "inverse": commit_to_json(inverse), "state": state,
        }).last_pk)


def do(db: Database, commit: DbCommit, source: str) -> int:
    """Apply ``commit`` and store it as one undoable commit (one transaction); returns its id."""
    from .tx import write

    with write(db):
        return record(db, commit, apply_commit(db, commit), source)


def record_files(db: Database, make: Callable[[int], FileCommit], source: str) -> int | None:
    """``make(id)`` the commit that will get ``id`` (under the write lock), apply it (its file
    moves, then its records) and store it as one undoable commit, all or nothing: if it cannot be
    stored, the files go back. Returns the commit's id (None when it changes nothing)."""
    def body(applied: list[DbCommit]) -> int | None:
        forward = make(next_commit_id(db))
        if forward.is_empty():
            return None
        inverse = apply_commit(db, forward)
        applied.append(forward)
        return record(db, forward, inverse, source)

    return _transaction(db, body)


def trashed(db: Database, source: str) -> dict[int, list[int]]:
    """The done commits made by ``source`` (``images trash``) with the images each took out."""
    return {r["id"]: list(commit_from_json(r["forward"]).empty_instances) for r in db.query(
        "select id, forward from commits where source = ? and state = 'done' order by id", [source])}


def next_commit_id(db: Database) -> int:
    """The id the next stored commit gets (inside ``write``: nobody else can take it first)."""
    found = list(db.query("select seq from sqlite_sequence where name = 'commits'"))
    return int(found[0]["seq"]) + 1 if found else 1


def _transaction(db: Database, body: Callable[[list[DbCommit]], Any]) -> Any:
    """``body(applied)`` in one write transaction; the files moved by the commits it lists in
    ``applied`` go back when the transaction does not commit."""
    from .tx import write

    applied: list[DbCommit] = []
    try:
        with write(db):
            return body(applied)
    except BaseException as exc:
        for commit in reversed(applied):
            if isinstance(commit, FileCommit):
                _put_back_after(exc, commit.moves())
        raise


def _switch(db: Database, state: str, side: str, new_state: str) -> dict | None:
    """Apply the ``side`` of the next commit in ``state`` and give it ``new_state``."""
    def body(applied: list[DbCommit]) -> dict | None:
        order = "desc" if state == "done" else "asc"
        row = _fetch(db, "commits", f"state = ? order by id {order} limit 1", [state])
        if row is None:
            return None
        commit = commit_from_json(row[side])
        apply_commit(db, commit)
        applied.append(commit)
        db.execute("update commits set state = ? where id = ?", [new_state, row["id"]])
        return row

    return _transaction(db, body)


def undo(db: Database) -> dict | None:
    """Revert the latest done commit; returns its row, or None when there is nothing to undo.

    A commit that moved files moves them back (``moves.FileMoveError`` if one cannot go back).
    """
    return _switch(db, "done", "inverse", "undone")


def redo(db: Database) -> dict | None:
    """Re-apply the earliest undone commit; returns its row, or None when there is none."""
    return _switch(db, "undone", "forward", "done")


def forget_instances(db: Database, ids: Sequence[int]) -> int:
    """Drop removed instances from the undo history (call inside a write): no undo or redo may
    re-create values or rows of an instance that is gone. Commits left with nothing on either side
    are deleted. Returns how many commits changed."""
    gone = set(ids)
    if not gone:
        return 0
    changed = 0
    for row in list(db.query("select id, forward, inverse from commits")):
        sides = [commit_from_json(row["forward"]), commit_from_json(row["inverse"])]
        if not any([_drop_instances(c, gone) for c in sides]):  # a list: filter both sides
            continue
        changed += 1
        if all(c.is_empty() for c in sides):
            db.execute("delete from commits where id = ?", [row["id"]])
        else:
            db.execute("update commits set forward = ?, inverse = ? where id = ?",
                       [commit_to_json(sides[0]), commit_to_json(sides[1]), row["id"]])
    return changed


def _drop_instances(commit: DbCommit, gone: set[int]) -> bool:
    """Remove from ``commit`` what concerns the instances ``gone`` (their file moves too);
    whether anything was."""
    before = (len(commit.instances), len(commit.empty_instances), len(commit.instance_values),
              len(commit.empty_instance_values), len(getattr(commit, "file_moves", [])))
    commit.instances = [i for i in commit.instances if i.id not in gone]
    commit.empty_instances = [i for i in commit.empty_instances if i not in gone]
    commit.instance_values = [v for v in commit.instance_values if v.instance_id not in gone]
    commit.empty_instance_values = [k for k in commit.empty_instance_values if k.instance_id not in gone]
    if isinstance(commit, FileCommit):
        commit.file_moves = [m for m in commit.file_moves if m[0] not in gone]
    return before != (len(commit.instances), len(commit.empty_instances), len(commit.instance_values),
                      len(commit.empty_instance_values), len(getattr(commit, "file_moves", [])))


def history(db: Database) -> list[dict]:
    """Undoable commits, newest first: id, created, source, state, run_id and a summary."""
    return [{"id": r["id"], "created": r["created"], "source": r["source"], "state": r["state"],
             "run_id": r["run_id"], "changes": summarize(commit_from_json(r["forward"]))}
            for r in db.query("select * from commits where state in ('done', 'undone') order by id desc")]
