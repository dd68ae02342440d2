"""A command killed with ``kill -9`` leaves no worker process behind (they would hold the caller's
pipes open, and a CI harness reading to EOF would hang)."""

from __future__ import annotations

import os
import signal
import time

import pytest

import procs


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc (Linux)")
def test_workers_die_with_a_killed_import(tmp_path):
    env = procs.environment(LIGHTPLUG_PLUGINS="", LIGHTPLUG_WORKERS="2")
    procs.make_images(tmp_path / "photos", 1500, size=96)
    assert procs.run("init", tmp_path / "project", env=env).returncode == 0
    for attempt in range(3):
        importer = procs.start("-C", tmp_path / "project", "import", tmp_path / "photos", env=env)
        workers = procs.wait_for(lambda: [p for p in procs.descendants(importer.pid) if procs.alive(p)] or None,
                                 timeout=60, every=0.02)
        time.sleep(0.1 * attempt)
        os.kill(importer.pid, signal.SIGKILL)
        importer.wait(timeout=30)
        procs.wait_for(lambda: not any(procs.alive(p) for p in workers), timeout=10)
        assert importer.stdout is not None
        assert importer.stdout.read() == ""  # EOF: no worker holds the pipe
