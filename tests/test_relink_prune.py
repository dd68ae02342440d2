"""`relink OLD NEW` repairs a folder moved on disk (undoably, after checking the files by SHA-1);
`prune` removes the images whose files are gone (asks, or needs --yes); `status` counts them."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from installed_cli import LIGHTPLUG, Installed, duplicates_project
from lightplug.testing import PluginCli


@pytest.fixture
def cli() -> PluginCli:
    return PluginCli(plugins="dedup")


@pytest.fixture
def moved(tmp_path, cli):
    """A project whose images folder (with its sub-folder ``more``) was then moved on disk."""
    project, images = duplicates_project(tmp_path, cli)
    before = {r["id"]: r for r in cli.json("-C", project, "images", "list")}
    new = tmp_path / "elsewhere" / "photos"
    new.parent.mkdir()
    images.rename(new)
    return project, images, new, before


def test_relink_points_every_image_of_the_folder_and_its_sub_folders_to_the_new_place(moved, cli):
    project, old, new, before = moved
    assert cli.json("-C", project, "status")["missing"] == len(before)
    assert "Missing on disk: " in cli("-C", project, "status").stdout
    preview = cli.json("-C", project, "relink", old, new, "--dry-run")
    assert preview["dry_run"] and (preview["folders"], preview["images"]) == (2, len(before))
    assert cli.json("-C", project, "images", "list") == list(before.values())  # --dry-run changed nothing
    done = cli("-C", project, "relink", old, new)
    assert done.exit_code == 0 and "Relinked 2 folder(s) and 14 image(s)" in done.stderr
    after = {r["id"]: r for r in cli.json("-C", project, "images", "list")}
    assert after == {i: {**r, "path": r["path"].replace(str(old), str(new), 1)} for i, r in before.items()}
    assert all(Path(r["path"]).is_file() for r in after.values())
    assert cli.json("-C", project, "status")["missing"] == 0
    assert len(cli.json("-C", project, "images", "list", "--folder", new / "more")) == 5  # the folders moved too
    assert cli("-C", project, "images", "list", "--folder", old).exit_code == 2
    found = cli.run(project, "dedup.find_duplicates")  # the files are read at their new place
    assert len(found["groups"]) == 3 and all(str(new) in p for g in found["groups"] for p in g["paths"])
    assert cli.json("-C", project, "history")[0]["source"] == "relink"
    assert cli("-C", project, "undo").exit_code == 0
    assert cli.json("-C", project, "images", "list") == list(before.values())
    assert cli("-C", project, "redo").exit_code == 0
    assert {r["id"]: r for r in cli.json("-C", project, "images", "list")} == after


def test_relink_of_a_parent_folder(tmp_path, cli):
    from lightplug.sample import make_sample

    parent = tmp_path / "disk"
    make_sample(parent / "trip", count=3)
    project = cli.init(tmp_path / "project")
    assert cli("-C", project, "import", parent / "trip").exit_code == 0
    parent.rename(tmp_path / "disk2")
    done = cli.json("-C", project, "relink", parent, tmp_path / "disk2")
    assert done["folders"] == 2 and done["new"] == str(tmp_path / "disk2")
    assert all(r["path"].startswith(str(tmp_path / "disk2" / "trip")) for r in cli.json("-C", project, "images", "list"))


def test_relink_refuses_what_it_cannot_use_and_changes_nothing(moved, cli, tmp_path):
    project, old, new, before = moved
    history = cli.json("-C", project, "history")

    def refused(*args, says: str) -> None:
        result = cli("-C", project, "relink", *args)
        assert result.exit_code == 2 and result.stderr.startswith("Error: ") and says in result.stderr, result.output
        assert cli.json("-C", project, "images", "list") == list(before.values())
        assert cli.json("-C", project, "history") == history

    refused(tmp_path / "never-imported", new, says="no imported folder is at or under")
    refused(old, tmp_path / "nowhere", says="is not a folder")
    (tmp_path / "empty").mkdir()
    refused(old, tmp_path / "empty", says="none of the 14 image(s)")
    impostor = tmp_path / "impostor"
    shutil.copytree(new, impostor)
    for path in impostor.rglob("*.jpg"):  # same names, other content
        shutil.copyfile(impostor / "photo_003.png", path)
    refused(old, impostor, says="its content differs")
    assert cli("-C", project, "import", impostor / "more").exit_code == 0
    history = cli.json("-C", project, "history")
    before = {r["id"]: r for r in cli.json("-C", project, "images", "list")}
    refused(old, impostor, says="is imported already")


def test_check_all_compares_every_file(tmp_path, cli):
    from procs import make_images

    from lightplug.relink import SAMPLE

    images = tmp_path / "many"
    paths = make_images(images, SAMPLE + 10)
    project = cli.init(tmp_path / "project")
    assert cli("-C", project, "import", images).exit_code == 0
    ids = sorted(r["id"] for r in cli.json("-C", project, "images", "list"))
    sampled = {int(k * len(ids) / SAMPLE) for k in range(SAMPLE)}
    unchecked = next(k for k in range(len(ids)) if k not in sampled)
    new = tmp_path / "moved"
    images.rename(new)
    shutil.copyfile(new / paths[0].name, new / paths[unchecked].name)  # another content, not in the sample
    assert cli("-C", project, "relink", images, new, "--check-all", "--dry-run").exit_code == 2
    sample = cli.json("-C", project, "relink", images, new, "--dry-run")
    assert sample["checked"] == SAMPLE
    complete = cli("-C", project, "relink", images, new, "--check-all")
    assert complete.exit_code == 2 and paths[unchecked].name in complete.stderr


def test_relink_with_files_gone_then_prune(moved, cli):
    project, old, new, before = moved
    (new / "more" / "photo_001_q30.jpg").unlink()
    done = cli.json("-C", project, "relink", old, new)
    assert done["missing"] == [str(new / "more" / "photo_001_q30.jpg")]
    human_prune = cli("-C", project, "prune", "--dry-run")
    assert human_prune.exit_code == 0 and str(new / "more" / "photo_001_q30.jpg") in human_prune.stdout
    assert cli.json("-C", project, "status")["missing"] == 1
    pruned = cli.json("-C", project, "prune", "--yes")
    assert [r["path"] for r in pruned["removed"]] == [str(new / "more" / "photo_001_q30.jpg")]
    assert len(cli.json("-C", project, "images", "list")) == len(before) - 1
    assert cli.json("-C", project, "status")["missing"] == 0


def test_prune_removes_images_their_values_and_folders_gone_and_undo_cannot_bring_them_back(tmp_path, cli):
    project, images = duplicates_project(tmp_path, cli)
    tagged = cli.run(project, "dedup.tag_duplicates")
    assert tagged["value"]["tagged"] == 5
    shutil.rmtree(images / "more")  # every tagged image, and their folder
    (images / "gray.jpg").unlink()
    refused = cli("-C", project, "prune")
    assert refused.exit_code == 2 and "--yes" in refused.stderr  # no terminal: --yes is needed
    assert len(cli.json("-C", project, "images", "list")) == 14
    pruned = cli.json("-C", project, "prune", "--yes")
    assert len(pruned["removed"]) == 6 and len(pruned["folders"]) == 1
    listed = cli.json("-C", project, "images", "list")
    assert len(listed) == 8 and all(Path(r["path"]).is_file() for r in listed)
    assert cli.json("-C", project, "tags", "list")[0]["count"] == 0
    assert cli.json("-C", project, "status")["folders"] == 1
    # the tag commit no longer concerns them: undo and redo leave no values for images that are gone
    assert cli("-C", project, "undo").exit_code == 0 and cli("-C", project, "redo").exit_code == 0
    assert cli.json("-C", project, "tags", "list")[0]["count"] == 0
    nothing = cli("-C", project, "prune", "--yes")
    assert nothing.exit_code == 0 and "nothing to prune" in nothing.stderr


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_prune_asks_on_a_terminal(tmp_path, cli):
    sys.path.insert(0, str(Path(__file__).parent))
    import pexpect_like as pt

    project, images = duplicates_project(tmp_path, cli)
    (images / "gray.jpg").unlink()
    lp = Installed(tmp_path / "cache")
    argv = ["env", f"LIGHTPLUG_CACHE_DIR={tmp_path / 'cache'}", "LIGHTPLUG_PLUGINS=dedup", str(LIGHTPLUG),
            "-C", str(project), "prune"]
    with pt.Terminal(argv) as term:
        term.expect("Remove these 1 image(s) from the project (not undoable)?")
        term.send("n\n")
        said = term.read_all()
    assert "nothing removed" in said and term.proc.returncode == 1
    assert lp.json("-C", project, "status")["missing"] == 1
    with pt.Terminal(argv) as term:
        term.expect("gray.jpg")
        term.send("y\n")
        said = term.read_all()
    assert "Removed 1 image(s)" in said and term.proc.returncode == 0
    assert lp.json("-C", project, "status")["missing"] == 0
