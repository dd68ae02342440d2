"""init, project discovery, import and remove-folder through the real CLI."""

from __future__ import annotations

import json
import shutil
import sqlite3


def test_init_creates_database_in_wal_mode(cli, tmp_path):
    result = cli("init", tmp_path / "p")
    assert result.exit_code == 0
    db = tmp_path / "p" / ".lightplug" / "project.db"
    assert db.is_file() and (tmp_path / "p" / ".lightplug" / "plugin_data").is_dir()
    conn = sqlite3.connect(db)
    assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    names = {r[0] for r in conn.execute("select name from _sqlite_migrations")}
    assert "m001_initial" in names
    assert cli("init", tmp_path / "p").exit_code == 0  # idempotent


def test_project_found_from_subdirectory_env_and_option(cli, tmp_path, monkeypatch):
    cli("init", tmp_path / "p")
    sub = tmp_path / "p" / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert cli("images", "list", "--json").exit_code == 0
    monkeypatch.chdir(tmp_path)
    outside = cli("images", "list")
    assert outside.exit_code == 2
    assert "not inside a lightplug project" in outside.output
    assert cli("-C", tmp_path / "p", "images", "list").exit_code == 0
    assert cli("images", "list", env={"LIGHTPLUG_PROJECT": str(tmp_path / "p")}).exit_code == 0
    missing = cli("-C", tmp_path / "nope", "images", "list")
    assert missing.exit_code == 2 and "lightplug init" in missing.output


def test_import_records_instances_and_reports_bad_files(cli, tmp_path, sample_dir):
    cli("init", tmp_path / "p")
    data = cli.json("-C", tmp_path / "p", "import", sample_dir)
    assert data["imported"] == data["files"] - 2
    reasons = {s["path"].rsplit("/", 1)[1]: s["reason"] for s in data["skipped"]}
    assert set(reasons) == {"broken.jpg", "notes.txt"}
    assert "truncated" in reasons["broken.jpg"] and "not an image" in reasons["notes.txt"]
    assert data["new_images"] == data["imported"] - 1  # one exact copy shares its content
    images = cli.json("-C", tmp_path / "p", "images", "list")
    first = images[0]
    assert first["width"] > 0 and len(first["sha1"]) == 40 and first["path"].startswith(str(sample_dir))
    again = cli.json("-C", tmp_path / "p", "import", sample_dir)
    assert again["imported"] == 0 and again["already_known"] == data["imported"] + 2 - 2


def test_import_without_recursion_and_missing_path(cli, tmp_path, sample_dir):
    cli("init", tmp_path / "p")
    data = cli.json("-C", tmp_path / "p", "import", "--no-recursive", sample_dir)
    assert all("/more/" not in i["path"] for i in cli.json("-C", tmp_path / "p", "images", "list"))
    assert data["imported"] > 0
    bad = cli("-C", tmp_path / "p", "import", tmp_path / "missing")
    assert bad.exit_code == 2 and "no such file or folder" in bad.output


def test_import_adds_new_files_only(cli, tmp_path, sample_dir):
    work = tmp_path / "imgs"
    shutil.copytree(sample_dir, work)
    cli("init", tmp_path / "p")
    first = cli.json("-C", tmp_path / "p", "import", work)
    from lightplug.sample import photo

    photo(999).save(work / "new.jpg")
    second = cli.json("-C", tmp_path / "p", "import", work)
    assert second["imported"] == 1 and second["already_known"] == first["imported"]


def test_remove_folder(cli, project, sample_dir):
    before = len(cli.json("-C", project, "images", "list"))
    data = cli.json("-C", project, "remove-folder", sample_dir / "more")
    assert data["instances"] == 5
    assert len(cli.json("-C", project, "images", "list")) == before - 5
    assert cli("-C", project, "remove-folder", sample_dir / "more").exit_code == 2


def test_json_output_is_plain_json(cli, project):
    result = cli("-C", project, "images", "list", "--json")
    json.loads(result.stdout)
