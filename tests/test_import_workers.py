"""An import that needs worker processes starts them before it loads the plugins, so their
start-up (a fresh interpreter importing numpy and Pillow each) overlaps the plugins' on the
other cores; one that does not need them starts none. Ctrl-C before anything is recorded says so.

A Panoptic-style plugin defined here (``plugin_class``) looks, when the project starts it, at the
worker processes that exist; it is driven through the real command line (Typer's CliRunner, the
pool's workers real spawned processes) against real image files.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path
from typing import Any

import pytest
from procs import make_images

from lightplug import APlugin

SEEN: list[int] = []  # worker processes alive when the plugin started, one entry per command


class StartProbe(APlugin):
    """Records the worker processes alive when the project starts it."""

    def __init__(self, project: Any, plugin_path: str, name: str) -> None:
        super().__init__(name=name, project=project, plugin_path=plugin_path)

    async def _start(self) -> None:
        SEEN.append(len(multiprocessing.active_children()))


plugin_class = StartProbe


def lightplug(*args: Any) -> Any:
    """The real Typer app with a fresh host per call, this module added to it as ``startprobe``."""
    from typer.testing import CliRunner

    from lightplug.cli import app
    from lightplug.host import PluginInfo, get_host, reset_host

    reset_host()
    host = get_host()
    if "startprobe" not in host.plugins:
        host.add(sys.modules[__name__], PluginInfo(name="startprobe", distribution="test", version="0"))
    return CliRunner().invoke(app, [str(a) for a in args])


def stop_workers() -> None:
    """Kill the pool's workers and wait until they are gone (killed, not yet reaped, they still
    count as alive)."""
    from procs import wait_for

    from lightplug.compute import pools

    pools.terminate_workers()
    wait_for(lambda: not multiprocessing.active_children(), timeout=20, every=0.02)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from lightplug.compute import pools
    from lightplug.host import reset_host

    monkeypatch.setenv("LIGHTPLUG_PLUGINS", "startprobe")
    monkeypatch.setenv("LIGHTPLUG_WORKERS", "2")
    monkeypatch.delenv("LIGHTPLUG_EXECUTOR", raising=False)
    stop_workers()
    SEEN.clear()
    assert lightplug("init", tmp_path / "p").exit_code == 0
    yield tmp_path / "p"
    pools.terminate_workers()
    reset_host()  # the next test module finds the installed plugins, not this one alone


def test_workers_start_before_the_plugins_when_the_import_needs_them(env, tmp_path):
    from lightplug.importer import _INLINE_LIMIT

    photos = tmp_path / "photos"
    make_images(photos, _INLINE_LIMIT + 30, size=24)
    done = lightplug("-C", env, "import", photos, "--json")
    assert done.exit_code == 0, done.output
    assert '"imported": 230' in done.stdout
    assert SEEN == [2]  # both workers were already starting while the plugin started

    stop_workers()
    again = lightplug("-C", env, "import", photos, "--json")  # nothing new: no worker at all
    assert again.exit_code == 0 and '"already_known": 230' in again.stdout
    assert SEEN[-1] == 0 and multiprocessing.active_children() == []

    few = tmp_path / "few"
    make_images(few, 20, start=1000, size=24)
    small = lightplug("-C", env, "import", few, "--json")  # decoded in-process: no worker either
    assert small.exit_code == 0 and '"imported": 20' in small.stdout
    assert SEEN[-1] == 0 and multiprocessing.active_children() == []


def test_ctrl_c_while_plugins_load_records_nothing_and_says_so(tmp_path):
    """Ctrl-C while a plugin starts (its workers already starting): exit 130, nothing recorded, no
    worker left behind, and the message says nothing was recorded; the import then runs whole."""
    from procs import FIXTURES, descendants, environment, interrupt, plugin_path, run, start, wait_for

    from lightplug.importer import _INLINE_LIMIT

    marker = tmp_path / "plugin-starting"
    env = environment([plugin_path(tmp_path, "lifecycle", "lifecycle_plugin", FIXTURES / "lifecycle_plugin")],
                      LIGHTPLUG_PLUGINS="lifecycle", LIGHTPLUG_WORKERS="2", LIFECYCLE_START_SECONDS="60",
                      LIFECYCLE_START_MARKER=str(marker))
    photos = tmp_path / "photos"
    make_images(photos, _INLINE_LIMIT + 10, size=24)
    root = tmp_path / "proj"
    assert run("init", root, env=env).returncode == 0
    process = start("-C", root, "import", photos, env=env)
    wait_for(marker.exists, timeout=60, every=0.02)  # the plugin is starting (60 s)...
    workers = descendants(process.pid)
    assert workers  # ... and the workers were started before it
    interrupt(process)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "import stopped before any file was recorded; run the same import again" in err
    assert "Traceback" not in err
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), timeout=10)
    env["LIFECYCLE_START_SECONDS"] = "0"
    assert run("-C", root, "images", "list", "--json", env=env).stdout.strip() == "[]"
    done = run("-C", root, "import", photos, "--json", env=env)
    assert done.returncode == 0 and '"imported": 210' in done.stdout
