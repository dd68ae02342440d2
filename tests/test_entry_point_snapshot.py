"""The installed entry points are remembered between commands (``lightplug.installed``) and found
again whenever a distribution appears, goes or edits its entry points: on real ``.dist-info``
folders in a directory put on ``sys.path``, with their times set as an older install leaves them."""

from __future__ import annotations

import importlib.metadata  # noqa: F401  (imported before sys.path is narrowed below)
import json
import os
import sys
import time
from pathlib import Path

import pytest

import lightplug.catalog  # noqa: F401
import lightplug.plugin_cache  # noqa: F401
from lightplug import installed

GROUP = "lightplug"


def dist(folder: Path, name: str, entry_points: dict[str, str], age: float) -> Path:
    """Write ``<name>-1.0.dist-info`` into ``folder`` declaring ``entry_points`` (name -> value)."""
    info = folder / f"{name}-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    lines = "".join(f"{k} = {v}\n" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{lines}")
    aged(age, info / "METADATA", info / "entry_points.txt", info, folder)
    return info


def aged(age: float, *paths: Path) -> None:
    then = time.time() - age
    for path in paths:
        os.utime(path, (then, then))


def names(found: dict[str, list[installed.Found]]) -> dict[str, str]:
    return {f.name: f.value for f in found[GROUP] if f.name.startswith("snap")}


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder that is all of ``sys.path`` (what the metadata is read from; the modules the test
    needs are imported already)."""
    folder = tmp_path / "site"
    folder.mkdir()
    aged(100, folder)
    monkeypatch.setenv("LIGHTPLUG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "path", [str(folder)])
    return folder


def test_the_snapshot_is_read_until_the_installed_distributions_change(site: Path, monkeypatch) -> None:
    dist(site, "snap_one", {"snap1": "snap_one:plugin"}, age=100)
    assert names(installed.entry_points((GROUP,))) == {"snap1": "snap_one:plugin"}
    assert list((site.parent / "cache").glob("entry-points-*.json"))

    real_scan = installed._scan

    def no_scan(groups):
        raise AssertionError("the metadata was read although nothing changed")

    monkeypatch.setattr(installed, "_scan", no_scan)
    found = installed.entry_points((GROUP,))
    assert names(found) == {"snap1": "snap_one:plugin"}
    one = next(f for f in found[GROUP] if f.name == "snap1")
    assert (one.dist, one.version) == ("snap_one", "1.0")

    monkeypatch.setattr(installed, "_scan", real_scan)
    dist(site, "snap_two", {"snap2": "snap_two:plugin"}, age=50)  # installed: the folder's time moves
    assert names(installed.entry_points((GROUP,))) == {"snap1": "snap_one:plugin", "snap2": "snap_two:plugin"}

    before = site.stat().st_mtime_ns, (site / "snap_one-1.0.dist-info").stat().st_mtime_ns
    info = dist(site, "snap_one", {"snap1": "snap_one.v2:plugin"}, age=100)  # edited in place
    aged(30, info / "entry_points.txt")
    os.utime(site, ns=(before[0], before[0]))  # the folders look exactly as before
    os.utime(info, ns=(before[1], before[1]))
    assert names(installed.entry_points((GROUP,))) == {"snap1": "snap_one.v2:plugin", "snap2": "snap_two:plugin"}

    for path in sorted(site.glob("snap_two-1.0.dist-info/*")):  # uninstalled
        path.unlink()
    (site / "snap_two-1.0.dist-info").rmdir()
    aged(20, site)
    assert names(installed.entry_points((GROUP,))) == {"snap1": "snap_one.v2:plugin"}

    monkeypatch.setattr(installed, "_scan", no_scan)
    assert names(installed.entry_points((GROUP,))) == {"snap1": "snap_one.v2:plugin"}


def test_no_snapshot_while_an_install_is_too_recent_to_tell_apart(site: Path) -> None:
    dist(site, "snap_new", {"snap3": "snap_new:plugin"}, age=0)  # this very second
    assert names(installed.entry_points((GROUP,))) == {"snap3": "snap_new:plugin"}
    assert not list((site.parent / "cache").glob("entry-points-*.json"))


def test_a_damaged_snapshot_is_read_again_from_the_metadata(site: Path) -> None:
    dist(site, "snap_one", {"snap1": "snap_one:plugin"}, age=100)
    installed.entry_points((GROUP,))
    snapshot = next((site.parent / "cache").glob("entry-points-*.json"))
    snapshot.write_text("{not json")
    assert names(installed.entry_points((GROUP,))) == {"snap1": "snap_one:plugin"}
    good = json.loads(snapshot.read_text())  # written again
    for damaged in ({**good, "sources": [3]}, {**good, "groups": {GROUP: [{"nonsense": 1}]}}):
        snapshot.write_text(json.dumps(damaged))
        assert names(installed.entry_points((GROUP,))) == {"snap1": "snap_one:plugin"}


def test_found_loads_what_its_entry_point_names(site: Path) -> None:
    """``Found.load`` (no importlib.metadata) loads what ``EntryPoint.load`` loads, for every form."""
    (site / "snap_mod.py").write_text("plugin = 'hello from snap_mod'\n"
                                      "class Holder:\n    class Inner:\n        name = 'inner'\n")
    forms = {"snap4": "snap_mod:plugin", "snap5": "snap_mod:Holder.Inner.name", "snap6": "snap_mod",
             "snap7": "snap_mod : plugin [extra]", "snap8": "snap_mod:missing"}
    dist(site, "snap_mod", forms, age=100)
    found = {f.name: f for f in installed.entry_points((GROUP,))[GROUP] if f.name.startswith("snap")}
    try:
        assert found["snap4"].load() == "hello from snap_mod"
        assert found["snap5"].load() == "inner"
        assert found["snap6"].load() is sys.modules["snap_mod"]
        assert found["snap7"].load() == "hello from snap_mod"
        for name in ("snap4", "snap5", "snap6", "snap7"):
            reference = importlib.metadata.EntryPoint(name, forms[name], GROUP).load()
            assert found[name].load() is reference or found[name].load() == reference
        with pytest.raises(AttributeError, match="missing"):
            found["snap8"].load()
        with pytest.raises(ValueError, match="is not 'module' or 'module:attribute'"):
            installed.Found(GROUP, "bad", "snap_mod:").load()
    finally:
        sys.modules.pop("snap_mod", None)
