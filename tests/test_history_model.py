"""A property-based state machine (hypothesis) of the project's history: imports, tagging
commits, undo, redo, annotations, remove-folder and re-import, checked against a plain model.

Invariants after every step: the stored tags of every instance equal the model's; undo and redo are
possible exactly when the model says so; nothing references an instance that is gone (values,
annotations, the undo history); SQLite's integrity check passes.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from lightplug import (AnnotationCreate, AnnotationLabelCreate, DbCommit, InstanceProperty, Property, PropertyType,
                       Tag, annotation_label_resolver, annotation_resolver, api)
from lightplug.db import commits
from procs import make_images

FOLDERS = 3
TAGS = ["keep", "drop", "maybe"]


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("photos")
    for k in range(FOLDERS):
        make_images(root / f"f{k}", 2, start=10 * k, size=16)
    return root


class History(RuleBasedStateMachine):
    """One fresh project per example; the model keys everything by instance id."""

    photos: Path
    scratch: Path

    def __init__(self) -> None:
        super().__init__()
        root = self.scratch / f"p{id(self)}"
        shutil.rmtree(root, ignore_errors=True)
        api.init_project(root)
        self.opened = api.open_project(root, plugins=False)
        self.project = self.opened.__enter__()
        self.iface = self.project.interface()
        prop = Property(-1, "labels", PropertyType.multi_tags)
        tags = [Tag(-2 - i, -1, value) for i, value in enumerate(TAGS)]
        commits.apply_commit(self.project.db, DbCommit(properties=[prop], tags=tags))  # not on the undo stack
        self.prop, self.tag_ids = prop.id, {t.value: t.id for t in tags}
        self.folder_of: dict[int, int] = {}  # instance id -> folder number
        self.values: dict[int, str] = {}  # instance id -> its one tag
        self.done: list[dict[int, tuple[str | None, str | None]]] = []  # id -> (before, after)
        self.undone: list[dict[int, tuple[str | None, str | None]]] = []
        self.annotated: set[int] = set()

    def teardown(self) -> None:
        self.opened.__exit__(None, None, None)

    # -- rules -----------------------------------------------------------------------------
    @rule(k=st.integers(0, FOLDERS - 1))
    def import_folder(self, k: int) -> None:
        summary = api.import_paths(self.project, [self.photos / f"f{k}"])
        for instance in summary.instances:
            self.folder_of[instance.id] = k

    @precondition(lambda self: self.folder_of)
    @rule(data=st.data(), tag=st.sampled_from(TAGS))
    def tag_some(self, data: st.DataObject, tag: str) -> None:
        chosen = data.draw(st.sets(st.sampled_from(sorted(self.folder_of)), min_size=1))
        values = [InstanceProperty(self.prop, i, [self.tag_ids[tag]]) for i in sorted(chosen)]
        self.project.run(self.iface.do(DbCommit(instance_values=values)))
        self.done.append({i: (self.values.get(i), tag) for i in chosen})
        self.undone.clear()
        self.values.update({i: tag for i in chosen})

    @precondition(lambda self: self.folder_of)
    @rule(data=st.data())
    def annotate(self, data: st.DataObject) -> None:
        instance = data.draw(st.sampled_from(sorted(self.folder_of)))
        label = annotation_label_resolver.create(session=self.project.db,
                                                 label=AnnotationLabelCreate(annotation_label_name="cat"))
        annotation_resolver.create_many(session=self.project.db, annotations=[AnnotationCreate(
            parent_sample_id=instance, annotation_label_id=label.annotation_label_id)])
        self.annotated.add(instance)

    @rule()
    def undo(self) -> None:
        row = api.undo(self.project)
        assert (row is None) == (not self.done)
        if self.done:
            change = self.done.pop()
            self.undone.insert(0, change)
            self._set({i: before for i, (before, _) in change.items()})

    @rule()
    def redo(self) -> None:
        row = api.redo(self.project)
        assert (row is None) == (not self.undone)
        if self.undone:
            change = self.undone.pop(0)
            self.done.append(change)
            self._set({i: after for i, (_, after) in change.items()})

    @rule(k=st.integers(0, FOLDERS - 1))
    def remove_folder(self, k: int) -> None:
        confirm = api.remove_folder(self.project, self.photos / f"f{k}")
        gone = {i for i, f in self.folder_of.items() if f == k}
        assert (confirm is None) == (not gone) or confirm is not None
        for i in gone:
            del self.folder_of[i]
            self.values.pop(i, None)
        self.annotated -= gone
        for stack in (self.done, self.undone):
            for change in stack:
                for i in gone:
                    change.pop(i, None)
            stack[:] = [c for c in stack if c]

    def _set(self, values: dict[int, str | None]) -> None:
        for i, value in values.items():
            if value is None:
                self.values.pop(i, None)
            else:
                self.values[i] = value

    # -- invariants ------------------------------------------------------------------------
    @invariant()
    def tags_match_the_model(self) -> None:
        names = {v: k for k, v in self.tag_ids.items()}
        stored = {r["instance_id"]: r["value"] for r in self.project.db.query(
            "select instance_id, value from instance_values where property_id = ?", [self.prop])}
        assert {i: names[int(v.strip("[]"))] for i, v in stored.items()} == self.values

    @invariant()
    def instances_match_the_model(self) -> None:
        assert {r["id"] for r in self.project.db.query("select id from instances")} == set(self.folder_of)

    @invariant()
    def nothing_points_at_a_removed_instance(self) -> None:
        db = self.project.db
        for table, column in (("instance_values", "instance_id"), ("annotations", "sample_id")):
            orphans = list(db.query(f"select 1 from {table} where {column} not in (select id from instances)"))
            assert not orphans, table
        assert {r["sample_id"] for r in db.query("select sample_id from annotations")} == self.annotated
        history = [commits.commit_from_json(r["forward"]) for r in db.query("select forward from commits")]
        mentioned = {v.instance_id for c in history for v in c.instance_values}
        assert mentioned <= set(self.folder_of)

    @invariant()
    def database_is_sound(self) -> None:
        path = self.project.dir / "project.db"
        with sqlite3.connect(path) as conn:
            assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        conn.close()


def test_history_against_a_model(photos, tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTPLUG_WORKERS", "1")
    History.photos, History.scratch = photos, tmp_path
    runner = History.TestCase
    runner.settings = settings(max_examples=25, stateful_step_count=12, deadline=None,
                               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    runner().runTest()
