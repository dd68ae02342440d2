"""A project that cannot be written (a read-only database file) gets one clear line and exit 74,
reads keep working, and the project is intact once it is writable again. (A full disk takes the
same path: SQLite reports it as an OperationalError that undoes the failed write.)"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess

import pytest

import procs


def _immutable(path, on: bool) -> bool:
    """``chattr ±i path``: a file even root cannot write; False where that is not possible."""
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True).returncode == 0


def test_a_read_only_project_is_refused_with_exit_74(tmp_path):
    env = procs.environment(LIGHTPLUG_PLUGINS="")
    project = tmp_path / "project"
    assert procs.run("init", project, env=env).returncode == 0
    procs.make_images(tmp_path / "photos", 3)
    assert procs.run("-C", project, "import", tmp_path / "photos" / "img_00000.png", env=env).returncode == 0
    db = project / ".lightplug" / "project.db"
    if not _immutable(db, True):
        pytest.skip("chattr +i is not available here (needs Linux and CAP_LINUX_IMMUTABLE)")
    try:
        refused = procs.run("-C", project, "import", tmp_path / "photos", env=env)
        assert refused.returncode == 74, refused.stderr
        assert refused.stderr.count("Error:") == 1 and "read-only" in refused.stderr
        assert "Traceback" not in refused.stderr
        listed = procs.run("-C", project, "images", "list", "--json", env=env)
        assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 1
    finally:
        _immutable(db, False)
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    conn.close()
    again = procs.run("-C", project, "import", tmp_path / "photos", "--json", env=env)
    summary = json.loads(again.stdout)
    assert again.returncode == 0 and (summary["imported"], summary["already_known"]) == (2, 1)
