"""A plugin's name never reaches outside ``.lightplug/plugin_data/``: entry points named ``..``,
``../../x`` or an absolute path get a sanitised folder inside it, ``plugins remove`` deletes only
that folder (and asks first), and a data folder that is a symbolic link is not followed."""

from __future__ import annotations

import json
from pathlib import Path

import procs

def _hostile(tmp_path: Path) -> list[str]:
    """Entry-point names that are paths: up, up and over, and absolute (under this test's folder)."""
    return ["..", "../../x", str(tmp_path / "absolute")]


def _site(tmp_path: Path) -> Path:
    """One distribution with the plugin under four entry-point names (a module each: pluggy
    registers a module once)."""
    import shutil

    site = procs.plugin_path(tmp_path, "safe", "lightplug_datapath", procs.FIXTURES / "datapath_plugin")
    lines = ["[lightplug]", "safe = lightplug_datapath"]
    for i, name in enumerate(_hostile(tmp_path)):
        shutil.copytree(site / "lightplug_datapath", site / f"lightplug_datapath{i}", dirs_exist_ok=True)
        lines.append(f"{name} = lightplug_datapath{i}")
    (next(site.glob("*.dist-info")) / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return site




def test_hostile_plugin_names_stay_inside_plugin_data(tmp_path):
    hostile = _hostile(tmp_path)
    env = procs.environment([_site(tmp_path)], LIGHTPLUG_PLUGINS=",".join(["safe", *hostile]))
    project = tmp_path / "project"
    assert procs.run("init", project, env=env).returncode == 0
    listed = procs.json_of("-C", project, "plugins", "list", env=env)
    assert {"safe", *hostile} <= {p["name"] for p in listed}
    data = project / ".lightplug" / "plugin_data"
    folders = sorted(p.name for p in data.iterdir())
    assert len(folders) == 4 and "safe" in folders and all("/" not in f and f not in (".", "..") for f in folders)
    assert sorted((f / "mine.txt").read_text() for f in data.iterdir()) == sorted(["safe", *hostile])
    assert not (tmp_path / "x").exists() and not (tmp_path / "absolute").exists()

    asked = procs.run("-C", project, "plugins", "remove", "..", env=env)
    assert asked.returncode == 2 and "--yes" in asked.stderr and len(list(data.iterdir())) == 4
    assert procs.run("-C", project, "plugins", "remove", "..", "--yes", env=env).returncode == 0
    assert (project / ".lightplug" / "project.db").is_file() and "safe" in {p.name for p in data.iterdir()}
    assert len(list(data.iterdir())) == 3
    assert json.loads(procs.run("-C", project, "images", "list", "--json", env=env).stdout) == []


def test_a_data_folder_that_is_a_link_is_not_followed(tmp_path):
    env = procs.environment([_site(tmp_path)], LIGHTPLUG_PLUGINS="safe")
    project = tmp_path / "project"
    assert procs.run("init", project, env=env).returncode == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious")
    (project / ".lightplug" / "plugin_data" / "safe").symlink_to(outside)
    listed = procs.run("-C", project, "plugins", "list", "--json", env=env)
    assert "symbolic link" in listed.stderr and not (outside / "mine.txt").exists()
    assert procs.run("-C", project, "plugins", "remove", "safe", "--yes", env=env).returncode == 0
    assert (outside / "keep.txt").read_text() == "precious"
    assert not (project / ".lightplug" / "plugin_data" / "safe").exists()
