"""Runs recorded as running, closed as success, error or interrupted; Ctrl-C and kill keep cached work."""

from __future__ import annotations

import json
import signal
import time

import pytest

from procs import (
    FIXTURES, alive, descendants, environment, interrupt, json_of, make_images, plugin_path, run, start, wait_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def setup(tmp_path):
    env = environment([plugin_path(tmp_path, "lifecycle", "lifecycle_plugin", FIXTURES / "lifecycle_plugin")],
                      LIGHTPLUG_PLUGINS="lifecycle")
    root = tmp_path / "proj"
    make_images(tmp_path / "photos", 6)
    assert run("init", root, env=env).returncode == 0
    assert run("-C", root, "import", tmp_path / "photos", env=env).returncode == 0
    return root, env


def _running(root, env):
    runs = json_of("-C", root, "runs", "list", env=env)
    return runs if runs and runs[0]["status"] == "running" else None


def _vectors(root, env) -> int:
    return sum(v["vectors"] for v in json_of("-C", root, "vectors", "list", env=env))


def test_ctrl_c_stops_a_run_at_once_and_reverts_its_commits(setup):
    root, env = setup
    process = start("-C", root, "run", "lifecycle.write_then_wait", "--seconds", "120", "--workers", "2", env=env)
    runs = wait_for(lambda: _running(root, env))
    assert runs[0]["operator"] == "lifecycle.write_then_wait" and runs[0]["pid"] == process.pid
    wait_for(lambda: (root / ".lightplug" / "plugin_data" / "lifecycle" / "written").exists())
    workers = wait_for(lambda: descendants(process.pid) if len(descendants(process.pid)) >= 2 else None)
    began = time.monotonic()
    interrupt(process)
    out, err = process.communicate(timeout=30)
    assert time.monotonic() - began < 5
    assert process.returncode == 130, err
    assert "Traceback" not in err and "Interrupted:" in err, err
    assert len([line for line in err.splitlines() if line.strip()]) <= 2, err
    assert "reverted 1 commit(s)" in err and out == ""
    wait_for(lambda: not [pid for pid in workers if alive(pid)], timeout=5)  # no worker left behind
    record = json_of("-C", root, "runs", "show", str(runs[0]["id"]), env=env)
    assert record["status"] == "interrupted" and record["finished"]
    assert json_of("-C", root, "properties", "list", env=env) == []  # the commit was reverted
    assert _vectors(root, env) == 6  # cached results were kept


def test_a_killed_run_is_closed_as_interrupted_by_the_next_command(setup):
    root, env = setup
    process = start("-C", root, "run", "lifecycle.write_then_wait", "--seconds", "120", env=env)
    wait_for(lambda: (root / ".lightplug" / "plugin_data" / "lifecycle" / "written").exists())
    assert len(json_of("-C", root, "properties", "list", env=env)) == 1
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    runs = json_of("-C", root, "runs", "list", env=env)
    assert runs[0]["status"] == "interrupted"
    assert json_of("-C", root, "properties", "list", env=env) == []
    assert _vectors(root, env) == 6


def test_sys_exit_in_an_action_is_an_error_of_the_run_not_the_exit_code(setup):
    root, env = setup
    result = run("-C", root, "run", "lifecycle.exit_now", "--code", "7", "--json", env=env)
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "error" and "SystemExit(7)" in data["message"]
    assert json_of("-C", root, "properties", "list", env=env) == []


def test_an_interrupted_import_keeps_what_it_recorded_and_resumes(tmp_path):
    env = environment(LIGHTPLUG_PLUGINS="")
    photos = tmp_path / "many"
    make_images(photos, 1500, size=32)
    root = tmp_path / "proj"
    assert run("init", root, env=env).returncode == 0
    process = start("-C", root, "import", photos, env=env)
    db = root / ".lightplug" / "project.db"

    def recorded() -> int:
        import sqlite3

        return sqlite3.connect(db).execute("select count(*) from instances").fetchone()[0]

    wait_for(lambda: recorded() > 0 or process.poll() is not None, every=0.02)
    interrupt(process)
    _, err = process.communicate(timeout=30)
    assert process.returncode in (0, 130), err
    assert "Traceback" not in err, err
    if process.returncode == 130:
        assert "Interrupted:" in err
    again = run("-C", root, "import", photos, "--json", env=env)
    assert again.returncode == 0, again.stderr
    assert recorded() == 1500
    assert json.loads(again.stdout)["imported"] == 1500 - json.loads(again.stdout)["already_known"]
