"""Schema of ``project.db``, evolved through sqlite-utils migrations (one set: ``lightplug``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import lean_import
from .compat import MIGRATION_SET, SCHEMA_STEPS

lean_import()
from sqlite_utils.migrations import Migrations  # noqa: E402

if TYPE_CHECKING:
    from sqlite_utils import Database

migrations = Migrations(MIGRATION_SET)

# AUTOINCREMENT keeps ids from being reused, so undo and redo can restore objects by id.
_INITIAL = """
CREATE TABLE folders (
    id INTEGER PRIMARY KEY AUTOINCREMENT, parent INTEGER, path TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL);
CREATE TABLE images (
    sha1 TEXT PRIMARY KEY, width INTEGER, height INTEGER, format TEXT, mode TEXT,
    ahash TEXT, file_size INTEGER);
CREATE TABLE instances (
    id INTEGER PRIMARY KEY AUTOINCREMENT, folder_id INTEGER NOT NULL, name TEXT NOT NULL,
    extension TEXT, sha1 TEXT NOT NULL, url TEXT NOT NULL UNIQUE, width INTEGER,
    height INTEGER, ahash TEXT);
CREATE INDEX idx_instances_sha1 ON instances(sha1);
CREATE INDEX idx_instances_folder ON instances(folder_id);
CREATE TABLE property_groups (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
CREATE TABLE properties (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, type TEXT NOT NULL,
    mode TEXT NOT NULL, property_group_id INTEGER);
CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT, property_id INTEGER NOT NULL, value TEXT NOT NULL,
    parents TEXT NOT NULL DEFAULT '[]', color INTEGER NOT NULL DEFAULT -1);
CREATE INDEX idx_tags_property ON tags(property_id);
CREATE TABLE instance_values (
    property_id INTEGER NOT NULL, instance_id INTEGER NOT NULL, value TEXT,
    PRIMARY KEY (property_id, instance_id));
CREATE INDEX idx_instance_values_instance ON instance_values(instance_id);
CREATE TABLE image_values (
    property_id INTEGER NOT NULL, sha1 TEXT NOT NULL, value TEXT,
    PRIMARY KEY (property_id, sha1));
CREATE TABLE vector_types (
    id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, params TEXT NOT NULL);
CREATE TABLE vectors (
    type_id INTEGER NOT NULL, sha1 TEXT NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (type_id, sha1));
CREATE TABLE annotation_labels (
    id INTEGER PRIMARY KEY AUTOINCREMENT, collection_id TEXT NOT NULL, name TEXT NOT NULL,
    UNIQUE (collection_id, name));
CREATE TABLE annotations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, collection_id TEXT NOT NULL,
    sample_id INTEGER NOT NULL, label_id INTEGER NOT NULL, type TEXT NOT NULL,
    x REAL, y REAL, width REAL, height REAL, confidence REAL, created TEXT NOT NULL);
CREATE INDEX idx_annotations_sample ON annotations(sample_id);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, operator TEXT NOT NULL, plugin TEXT,
    parameters TEXT NOT NULL, selection TEXT NOT NULL, started TEXT NOT NULL,
    duration REAL, status TEXT NOT NULL, result TEXT);
CREATE TABLE commits (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, source TEXT,
    forward TEXT NOT NULL, inverse TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'done');
CREATE TABLE plugin_settings (
    name TEXT PRIMARY KEY, enabled INTEGER NOT NULL DEFAULT 1, params TEXT);
"""


@migrations()
def m001_initial(db: Database) -> None:
    """Create every table of the first schema."""
    for statement in _INITIAL.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m002_run_lifecycle(db: Database) -> None:
    """Runs that are visible while they run, and the commits and annotations each run made.

    ``runs``: ``pid`` and ``host`` of the process running it (to tell a killed run), ``finished``.
    ``commits.run_id`` / ``annotations.run_id``: what to revert when the run raises or is
    interrupted. Commit state ``applied`` marks a run's non-undoable ``apply_commit`` writes.
    """
    runs = db.table("runs")
    for column, kind in (("pid", int), ("host", str), ("finished", str)):
        runs.add_column(column, kind)
    db.table("commits").add_column("run_id", int)
    db.table("annotations").add_column("run_id", int)
    db.execute("CREATE INDEX IF NOT EXISTS idx_commits_run ON commits(run_id)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_runs_status ON runs(status)")



@migrations()
def m004_maps(db: Database) -> None:
    """Panoptic's maps: 2-D point maps of the images made by plugins (``data`` is flat JSON
    ``[key, x, y, ...]``); ``run_id`` is the run that made the map."""
    db.execute("""CREATE TABLE IF NOT EXISTS maps (
        id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, name TEXT NOT NULL,
        key TEXT NOT NULL, count INTEGER NOT NULL, data TEXT, created TEXT, run_id INTEGER)""")


@migrations()
def m005_lightly(db: Database) -> None:
    """LightlyStudio's data: collections (the root and its named annotation/caption children),
    segmentation masks on annotations, and captions (sample metadata are properties).

    The root collection ``default`` is its own dataset; annotations and captions live in child
    collections whose id is ``<parent>/<name>``. ``captions.run_id``: the run that wrote it.
    """
    db.execute("CREATE TABLE IF NOT EXISTS lightly_collections (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
               "parent_id TEXT, sample_type TEXT NOT NULL, dataset_id TEXT NOT NULL, created TEXT NOT NULL, "
               "UNIQUE (parent_id, name))")
    db.execute("INSERT OR IGNORE INTO lightly_collections VALUES "
               "('default', 'default', NULL, 'image', 'default', datetime('now'))")
    if "segmentation_mask" not in db.table("annotations").columns_dict:
        db.table("annotations").add_column("segmentation_mask", str)
    db.execute("CREATE TABLE IF NOT EXISTS captions (id INTEGER PRIMARY KEY AUTOINCREMENT, "
               "collection_id TEXT NOT NULL, sample_id INTEGER NOT NULL, text TEXT NOT NULL, "
               "created TEXT NOT NULL, run_id INTEGER)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_captions_sample ON captions(sample_id)")


@migrations()
def m006_run_executor(db: Database) -> None:
    """``runs.executor``: where the run's per-image work was sent (``process``, ``dask://local``, ...)."""
    if "executor" not in db.table("runs").columns_dict:
        db.table("runs").add_column("executor", str)


@migrations()
def m007_exact_file_names(db: Database) -> None:
    """File names stored exactly (``db/paths.py``): a byte that is not UTF-8 is U+FFFD and two hex
    digits, so a U+FFFD already in a stored name is written twice."""
    for table, columns in (("folders", ("path", "name")), ("instances", ("url", "name", "extension"))):
        for column in columns:
            db.execute(f"UPDATE {table} SET {column} = replace({column}, char(65533), char(65533, 65533)) "
                       f"WHERE instr({column}, char(65533)) > 0")


if tuple(m.name for m in migrations._migrations) != SCHEMA_STEPS:
    raise RuntimeError("lightplug.db.compat.SCHEMA_STEPS must list the migrations of lightplug.db.schema, in order")


def migrate(db: Database) -> None:
    """Bring ``db`` up to the current schema (under the write lock, so concurrent openers agree)."""
    from .tx import write

    if not migrations.pending(db):
        return
    with write(db):
        migrations.apply(db)
