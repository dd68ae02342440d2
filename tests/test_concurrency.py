"""Several real lightplug processes on one project: writers wait for each other, nothing is lost."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import Counter

import pytest

from procs import FIXTURES, environment, json_of, make_images, plugin_path, run, start

pytestmark = pytest.mark.slow


@pytest.fixture
def photos(tmp_path):
    make_images(tmp_path / "photos" / "a", 30)
    make_images(tmp_path / "photos" / "b", 30, start=30)
    return tmp_path / "photos"


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "proj"
    assert run("init", root, env=environment()).returncode == 0
    return root


def test_concurrent_imports_record_every_file_once(photos, root):
    env = environment()
    targets = [photos / "a", photos / "b", photos, photos, photos / "a"]  # disjoint, overlapping, same
    procs = [start("-C", root, "import", target, "--json", env=env) for target in targets]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), [err[-2000:] for _, err in outputs]
    summaries = [json.loads(out) for out, _ in outputs]
    assert sum(s["imported"] for s in summaries) == 60
    images = json_of("-C", root, "images", "list", env=env)
    assert len(images) == 60 and len({i["path"] for i in images}) == 60
    # every file was announced to the plugins once, and their listeners' vectors were all stored
    hue = [v for v in json_of("-C", root, "vectors", "list", env=env) if v["source"] == "hue"]
    assert len(hue) == 1 and hue[0]["vectors"] == 60
    folders = sqlite3.connect(root / ".lightplug" / "project.db").execute("select path from folders").fetchall()
    assert len(folders) == len(set(folders)) == 2


def test_concurrent_runs_and_undos_keep_history_consistent(tmp_path, photos, root):
    env = environment([plugin_path(tmp_path, "lifecycle", "lifecycle_plugin", FIXTURES / "lifecycle_plugin")],
                      LIGHTPLUG_PLUGINS="lifecycle")
    assert run("-C", root, "import", photos / "a", env=env).returncode == 0
    runs = [start("-C", root, "run", "lifecycle.add_property", "--name", f"p{i}", "--json", env=env)
            for i in range(6)]
    undos = [start("-C", root, "undo", "--json", env=env) for _ in range(3)]
    for p in runs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert json.loads(out)["status"] == "success"
    undone = 0
    for p in undos:
        out, err = p.communicate(timeout=300)
        assert p.returncode in (0, 1), err  # 1: nothing to undo yet
        undone += p.returncode == 0
    history = json_of("-C", root, "history", env=env)
    states = Counter(h["state"] for h in history)
    # a commit recorded after an undo ends the redo branch (the undone commit is dropped), so the
    # history holds 6 commits less those undone before a later run; each undo undid exactly one
    assert states["done"] == 6 - undone and len(history) <= 6 and states["undone"] <= undone
    properties = json_of("-C", root, "properties", "list", env=env)
    assert len(properties) == states["done"]
    assert [r["status"] for r in json_of("-C", root, "runs", "list", env=env)] == ["success"] * 6


def _hold_write_lock(db_path, seconds: float, ready: threading.Event) -> None:
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("insert into plugin_settings (name, enabled) values ('lock-holder', 1)")
    ready.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def test_a_writer_waits_for_the_lock_instead_of_failing(photos, root):
    ready = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(root / ".lightplug" / "project.db", 3, ready))
    holder.start()
    ready.wait(10)
    began = time.monotonic()
    result = run("-C", root, "import", photos / "a", "--json", env=environment(LIGHTPLUG_PLUGINS=""))
    holder.join()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["imported"] == 30
    assert time.monotonic() - began >= 2.5  # it waited for the other writer


def test_a_writer_gives_up_after_the_configured_wait_with_a_clear_message(photos, root):
    ready = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(root / ".lightplug" / "project.db", 4, ready))
    holder.start()
    ready.wait(10)
    result = run("-C", root, "import", photos / "a", env=environment(LIGHTPLUG_PLUGINS="",
                                                                       LIGHTPLUG_BUSY_TIMEOUT="0.5"))
    holder.join()
    assert result.returncode == 75, result.stderr
    assert "locked by another lightplug process" in result.stderr and "LIGHTPLUG_BUSY_TIMEOUT" in result.stderr
    assert "Traceback" not in result.stderr
    assert json_of("-C", root, "images", "list", env=environment(LIGHTPLUG_PLUGINS="")) == []
