"""Results people can look at: ``show`` lists a run's groups by path with scores, ``--json`` groups
carry paths, ``report --html`` writes a self-contained page that headless Chromium renders with
every member's thumbnail, name and score (KEEP on the image a duplicates group keeps), and
``--contact-sheet`` writes a PNG grid."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lightplug.testing import PluginCli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    """Headless Chromium, offline (as the Makefile installs it: Debian's package)."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)  # type: ignore[list-item]


@pytest.fixture
def clusters(example_cli, example_project):
    assert example_cli.json("-C", example_project, "run", "compute_vectors")["success"]
    return example_cli.json("-C", example_project, "run", "compute_clusters", "--nb-clusters", "3")


def test_json_groups_carry_paths_and_show_lists_them(example_cli, example_project, clusters):
    images = {i["id"]: i for i in example_cli.json("-C", example_project, "images", "list")}
    for group in clusters["groups"]:
        assert group["paths"] == [images[i]["path"] for i in group["ids"]]
    shown = example_cli("-C", example_project, "show", str(clusters["run_id"]))
    assert shown.exit_code == 0
    for group in clusters["groups"]:
        assert f"{group['index']}. {group['name']}" in shown.stdout
        assert all(path in shown.stdout for path in group["paths"])
    one = example_cli.json("-C", example_project, "show", f"{clusters['run_id']}:2")
    assert [m["path"] for m in one["groups"][0]["members"]] == clusters["groups"][1]["paths"]
    assert example_cli("-C", example_project, "show", "999").exit_code == 2
    missing = example_cli("-C", example_project, "show", f"{clusters['run_id']}:9")
    assert missing.exit_code == 2 and "its groups: 1:" in missing.output


def test_contact_sheet_is_a_grid_per_group(example_cli, example_project, clusters, tmp_path):
    from PIL import Image

    sheet = tmp_path / "sheet.png"
    assert example_cli("-C", example_project, "report", "last", "--contact-sheet", sheet).exit_code == 0
    with Image.open(sheet) as image:
        assert image.format == "PNG" and image.width > 200 and image.height > 3 * 100
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 1000  # thumbnails, not an empty canvas
    refused = example_cli("-C", example_project, "report", "last", "--html", example_project / ".lightplug" / "x.html")
    assert refused.exit_code == 2 and ".lightplug" in refused.output


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)")
def test_html_report_renders_in_chromium_with_keepers(tmp_path, sample_dir):
    cli = PluginCli(plugins="dedup")
    root = cli.init(tmp_path / "project")
    assert cli("-C", root, "import", sample_dir).exit_code == 0
    found = cli.json("-C", root, "run", "dedup.find_duplicates", "--no-input")
    assert found["groups"], found
    page = tmp_path / "report" / "duplicates.html"
    assert cli("-C", root, "report", str(found["run_id"]), "--html", page).exit_code == 0
    assert "<img src='data:image/jpeg;base64," in page.read_text()  # self-contained

    profile = tmp_path / "chromium-profile"
    dom = chromium("--dump-dom", page.as_uri(), profile=profile).stdout
    figures = re.findall(r"<figure class=\"member( keep)?\"[^>]*>(.*?)</figure>", dom, flags=re.S)
    assert len(figures) == sum(g["size"] for g in found["groups"])
    keepers = [body for keep, body in figures if keep]
    assert len(keepers) == len(found["groups"])  # one KEEP per group
    assert all("KEEP" in body for body in keepers)
    names = {Path(p).name for g in found["groups"] for p in g["paths"]}
    assert names == {re.search(r"</span> ?([^<]+)|<figcaption>([^<]+)", body).group(1 if keep else 2).strip()
                     for keep, body in figures}

    shot = tmp_path / "report.png"
    chromium(f"--screenshot={shot}", "--window-size=1000,800", page.as_uri(), profile=profile)
    from PIL import Image

    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 500  # thumbnails were drawn


def test_status_shows_the_project_on_one_screen(example_cli, example_project, clusters):
    data = example_cli.json("-C", example_project, "status")
    images = example_cli.json("-C", example_project, "images", "list")
    assert data["images"] == len(images) and data["folders"] >= 1
    assert data["recent_runs"][0]["id"] == clusters["run_id"] and data["undo"] is None
    assert {"my_plugin", "raising"} <= {p["name"] for p in data["plugins"]}
    example_cli("-C", example_project, "run", "raising.RaisingPlugin.tag_selection", "--ids", "1", "--no-input")
    human = example_cli("-C", example_project, "status").stdout
    assert f"Images: {len(images)}" in human and "Undo would revert: commit" in human and "image values" in human


def test_maps_are_listed_shown_and_drawn(cli, project, tmp_path):
    from PIL import Image

    from lightplug import Map, Project
    from lightplug.db import maps

    images = cli.json("-C", project, "images", "list")
    opened = Project(project)
    try:
        data = [v for n, i in enumerate(images) for v in (i["id"], float(n), float(n % 3))]
        maps.add_map(opened.db, Map(id=-1, source="tests", name="diagonal", key="id", count=len(images), data=data))
    finally:
        opened.close()
    listed = cli.json("-C", project, "maps", "list")
    assert [(m["id"], m["name"], m["count"]) for m in listed] == [(1, "diagonal", len(images))]
    shown = cli.json("-C", project, "maps", "show", "1")
    assert [p["path"] for p in shown["points"]] == [i["path"] for i in images]
    assert cli("-C", project, "maps", "show", "9").exit_code == 2
    picture, page = tmp_path / "map.png", tmp_path / "map.html"
    assert cli("-C", project, "maps", "show", "1", "--png", picture, "--html", page).exit_code == 0
    with Image.open(picture) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 500  # thumbnails drawn at their points
    text = page.read_text()
    assert text.count("<circle") == len(images) and text.count("<a href='file://") == len(images)
    if CHROMIUM:
        dom = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile").stdout
        assert dom.count("<circle") == len(images)
