"""`images move --to DIR` and `images trash`: the files move and the records follow in one commit that
`undo` reverts and `redo` re-applies across processes; the image a duplicates group keeps never
leaves while it is the last copy; a failure halfway puts every file back; nothing is overwritten."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from installed_cli import Installed, duplicates_project, files_under
from lightplug.testing import PluginCli

DUPLICATES = {"more/photo_000_small.jpg", "more/photo_000_mirror.jpg", "more/photo_000_bright.jpg",
              "more/photo_001_q30.jpg", "more/photo_002_copy.jpg"}
KEEPERS = {"photo_000.png", "photo_001.jpg", "photo_002.jpg"}


def _permissions_enforced() -> bool:
    """Whether this process is stopped by a read-only folder (root, with its capabilities, is not)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o555)
        try:
            Path(folder, "probe").touch()
        except PermissionError:
            return True
        finally:
            os.chmod(folder, 0o755)
    return False


as_root = pytest.mark.skipif(sys.platform == "win32" or not _permissions_enforced(),
                             reason="file permissions are not enforced for this user (root)")


@pytest.fixture
def cli() -> PluginCli:
    return PluginCli(plugins="dedup")


@pytest.fixture
def setup(tmp_path, cli):
    """The project, its images folder, and the duplicates run that tagged the non-keepers."""
    project, images = duplicates_project(tmp_path, cli)
    found = cli.run(project, "dedup.find_duplicates")
    tagged = cli.run(project, "dedup.tag_duplicates", "--from-run", found["run_id"])
    assert tagged["value"]["tagged"] == len(DUPLICATES) and tagged["value"]["spared_keepers"] == len(KEEPERS)
    return project, images, found


def paths(cli: PluginCli, project: Path, *args: str) -> dict[int, str]:
    return {r["id"]: r["path"] for r in cli.json("-C", project, "images", "list", *args)}


@pytest.mark.slow
def test_trash_then_undo_and_redo_in_other_processes(setup, cli, tmp_path):
    project, images, _ = setup
    lp = Installed(tmp_path / "cache")
    before = paths(cli, project)
    tagged_before = paths(cli, project, "--tag", "duplicate")
    everything = files_under(images)
    done = lp.json("-C", project, "images", "trash", "--tag", "duplicate")
    trash = project / ".lightplug" / "trash" / str(done["commit"])
    assert done["destination"] == str(trash) and not done["skipped"] and not done["dry_run"]
    assert {m["id"] for m in done["moved"]} == set(tagged_before)
    # the files are in the trash under their full path, and out of the folder and of the project
    assert files_under(images) == everything - DUPLICATES
    assert files_under(trash) == {str(images / d).lstrip("/") for d in DUPLICATES}
    assert paths(cli, project) == {i: p for i, p in before.items() if i not in tagged_before}
    history = lp.json("-C", project, "history")
    assert (history[0]["source"], history[0]["changes"]) == ("images trash", "moved 5 files, -5 images")

    undone = lp("-C", project, "undo")
    assert f"Undid commit {done['commit']} (images trash)" in undone.stderr
    assert files_under(images) == everything and not trash.exists()  # the emptied trash folder goes too
    assert paths(cli, project) == before and paths(cli, project, "--tag", "duplicate") == tagged_before

    lp("-C", project, "redo")
    assert files_under(images) == everything - DUPLICATES and len(files_under(trash)) == len(DUPLICATES)
    assert set(paths(cli, project)) == set(before) - set(tagged_before)
    lp("-C", project, "undo")
    assert files_under(images) == everything and paths(cli, project) == before


@pytest.mark.slow
def test_move_to_a_folder_keeps_the_images_with_their_new_paths(setup, cli, tmp_path):
    project, images, _ = setup
    lp = Installed(tmp_path / "cache")
    target = tmp_path / "set aside"
    before = paths(cli, project)
    done = lp("-C", project, "images", "move", "--tag", "duplicate", "--to", target)
    assert "Moved 5 image(s) to" in done.stderr and "`lightplug undo` puts them back" in done.stderr
    assert len(done.stdout.splitlines()) == 5 and all(" -> " + str(target) in line for line in done.stdout.splitlines())
    assert files_under(target) == {Path(d).name for d in DUPLICATES}
    moved = paths(cli, project, "--folder", target)
    assert sorted(Path(p).name for p in moved.values()) == sorted(Path(d).name for d in DUPLICATES)
    assert paths(cli, project, "--tag", "duplicate") == moved  # same images, tags kept
    assert set(paths(cli, project)) == set(before)
    lp("-C", project, "undo")
    assert paths(cli, project) == before and files_under(target) == set()
    assert all(Path(p).is_file() for p in before.values())
    lp("-C", project, "redo")
    assert paths(cli, project, "--folder", target) == moved


def test_the_keeper_of_every_group_stays(setup, cli):
    """--from-run selects whole groups, keepers included: every keeper stays (it is its content's
    last copy), with the reason; the others move."""
    project, images, found = setup
    done = cli.json("-C", project, "images", "trash", "--from-run", found["run_id"])
    kept = {Path(s["path"]).name: s["reason"] for s in done["skipped"]}
    assert set(kept) == KEEPERS
    assert all(f"of run {found['run_id']} keeps it" in reason for reason in kept.values())
    assert {str(Path(m["from"]).relative_to(images)) for m in done["moved"]} == DUPLICATES
    assert all((images / k).is_file() for k in KEEPERS)
    human = cli("-C", project, "undo")
    assert human.exit_code == 0


def test_a_keeper_with_another_copy_left_may_go_but_not_the_last_copy(setup, cli):
    project, images, _ = setup
    ids = {Path(p).name: i for i, p in paths(cli, project).items()}
    # the keeper alone: its byte copy stays, so the content stays
    alone = cli.json("-C", project, "images", "trash", "--ids", ids["photo_002.jpg"], "--dry-run")
    assert [m["id"] for m in alone["moved"]] == [ids["photo_002.jpg"]] and not alone["skipped"]
    # both copies (by content): the keeper stays
    sha1 = cli.json("-C", project, "images", "list", "--ids", ids["photo_002.jpg"])[0]["sha1"]
    both = cli.json("-C", project, "images", "trash", "--sha1", sha1)
    assert [m["id"] for m in both["moved"]] == [ids["photo_002_copy.jpg"]]
    assert [s["id"] for s in both["skipped"]] == [ids["photo_002.jpg"]]
    # a folder holding the keepers: they stay
    assert (images / "photo_002.jpg").is_file() and not (images / "more" / "photo_002_copy.jpg").exists()
    folder = cli.json("-C", project, "images", "move", "--folder", images, "--to", images.parent / "all", "--dry-run")
    assert {Path(s["path"]).name for s in folder["skipped"]} == KEEPERS  # photo_002.jpg: its copy is gone


def test_dry_run_changes_nothing(setup, cli):
    project, images, _ = setup
    before, history = paths(cli, project), cli.json("-C", project, "history")
    everything = files_under(images)
    plan = cli.json("-C", project, "images", "trash", "--tag", "duplicate", "--dry-run")
    assert plan["dry_run"] and plan["commit"] is None and len(plan["moved"]) == len(DUPLICATES)
    human = cli("-C", project, "images", "move", "--tag", "duplicate", "--to", images / "x", "--dry-run")
    assert human.exit_code == 0 and "Would move 5 image(s)" in human.stderr and "nothing was changed" in human.stderr
    assert human.stdout.count(" -> ") == 5
    assert files_under(images) == everything and paths(cli, project) == before
    assert cli.json("-C", project, "history") == history and not (images / "x").exists()


def test_names_taken_at_the_destination_get_a_number(setup, cli, tmp_path):
    project, images, _ = setup
    target = tmp_path / "dups"
    target.mkdir()
    (target / "photo_001_q30.jpg").write_bytes(b"someone else's file")
    (images / "other").mkdir()
    (images / "other" / "photo_000_small.jpg").write_bytes((images / "photo_003.png").read_bytes())
    assert cli("-C", project, "import", images / "other").exit_code == 0
    ids = {p: i for i, p in paths(cli, project).items()}
    chosen = [ids[str(images / "more" / "photo_001_q30.jpg")], ids[str(images / "more" / "photo_000_small.jpg")],
              ids[str(images / "other" / "photo_000_small.jpg")]]
    done = cli.json("-C", project, "images", "move", "--ids", ",".join(map(str, chosen)), "--to", target)
    assert sorted(Path(m["to"]).name for m in done["moved"]) == [
        "photo_000_small (2).jpg", "photo_000_small.jpg", "photo_001_q30 (2).jpg"]
    assert (target / "photo_001_q30.jpg").read_bytes() == b"someone else's file"  # never overwritten
    assert cli("-C", project, "undo").exit_code == 0
    assert files_under(target) == {"photo_001_q30.jpg"}


@pytest.mark.slow
def test_undo_never_overwrites_a_file_put_in_the_way(setup, cli, tmp_path):
    project, images, _ = setup
    lp = Installed(tmp_path / "cache")
    done = cli.json("-C", project, "images", "move", "--tag", "duplicate", "--to", tmp_path / "dups")
    (images / "more" / "photo_001_q30.jpg").write_bytes(b"new file")
    refused = lp("-C", project, "undo", code=1)
    assert refused.stderr.startswith("Error: cannot move") and "never replaced" in refused.stderr
    assert (images / "more" / "photo_001_q30.jpg").read_bytes() == b"new file"
    assert len(files_under(tmp_path / "dups")) == 5  # nothing went back
    latest = lp.json("-C", project, "history")[0]
    assert (latest["id"], latest["state"]) == (done["commit"], "done")
    (images / "more" / "photo_001_q30.jpg").unlink()
    lp("-C", project, "undo")
    assert files_under(tmp_path / "dups") == set() and len(files_under(images / "more")) == 5


@pytest.mark.slow
def test_undo_of_a_trash_emptied_by_hand_says_so(setup, cli, tmp_path):
    import shutil

    project, _, _ = setup
    lp = Installed(tmp_path / "cache")
    done = cli.json("-C", project, "images", "trash", "--tag", "duplicate")
    shutil.rmtree(done["destination"])
    left = paths(cli, project)
    refused = lp("-C", project, "undo", code=1)
    assert "no longer in the trash" in refused.stderr and "empty-trash" in refused.stderr
    assert paths(cli, project) == left  # nothing restored
    lp("-C", project, "images", "empty-trash", "--yes")  # the way out: forget them, undo goes on
    assert "Undid" in lp("-C", project, "undo").stderr


def test_a_missing_file_stops_the_move_before_anything_moves(setup, cli):
    project, images, _ = setup
    everything = files_under(images)
    (images / "more" / "photo_001_q30.jpg").unlink()
    refused = cli("-C", project, "images", "trash", "--tag", "duplicate")
    assert refused.exit_code == 1
    assert "photo_001_q30.jpg is missing on disk" in refused.stderr and "lightplug prune" in refused.stderr
    assert files_under(images) == everything - {"more/photo_001_q30.jpg"}
    assert len(paths(cli, project, "--tag", "duplicate")) == 5
    assert cli.json("-C", project, "history")[0]["source"] == "dedup"


def test_a_move_failing_halfway_puts_back_the_files_moved_before(tmp_path, cli):
    """The last file's new path is too long for the file system (also as root): the files moved
    before it go back, the records are unchanged, the command says so (exit 74)."""
    from lightplug.sample import photo

    project = cli.init(tmp_path / "project")
    short, long_ = tmp_path / "a", tmp_path / "b"
    short.mkdir()
    long_.mkdir()
    for name in ("one.jpg", "two.jpg"):
        photo(len(name)).save(short / name)
    long_name = "x" * 200 + ".jpg"
    photo(3).save(long_ / long_name)
    for folder in (short, long_):
        assert cli("-C", project, "import", folder).exit_code == 0
    length = os.pathconf(tmp_path, "PC_PATH_MAX") - 100  # room for the short names, not for the long one
    target = tmp_path
    while len(str(target)) + 251 < length:
        target = target / ("d" * 250)
    target = target / ("e" * (length - len(str(target)) - 1))
    os.makedirs(target)
    before = paths(cli, project)
    failed = cli("-C", project, "images", "move", "--folder", short, "--folder", long_, "--to", target)
    assert failed.exit_code == 74, failed.output
    assert "nothing was moved (2 file(s) moved before it were put back)" in failed.stderr
    assert files_under(short) == {"one.jpg", "two.jpg"} and files_under(long_) == {long_name}
    assert not any(target.iterdir())
    assert paths(cli, project) == before and cli.json("-C", project, "history") == []


@as_root
def test_a_read_only_destination_moves_nothing(setup, cli, tmp_path):
    project, images, _ = setup
    target = tmp_path / "locked"
    target.mkdir()
    target.chmod(0o555)
    try:
        failed = cli("-C", project, "images", "move", "--tag", "duplicate", "--to", target)
    finally:
        target.chmod(0o755)
    assert failed.exit_code == 74 and "Permission denied" in failed.stderr and "nothing was moved" in failed.stderr
    assert len(files_under(images / "more")) == 5 and files_under(target) == set()


@as_root
def test_a_read_only_source_halfway_puts_back_the_others(setup, cli, tmp_path):
    project, images, _ = setup
    locked = images / "more"
    ids = [r["id"] for r in cli.json("-C", project, "images", "list", "--tag", "duplicate")]
    locked.chmod(0o555)  # the files cannot leave this folder
    try:
        failed = cli("-C", project, "images", "move", "--ids", ",".join(map(str, ids)), "--to", tmp_path / "dups")
    finally:
        locked.chmod(0o755)
    assert failed.exit_code == 74 and "nothing was moved" in failed.stderr
    assert len(files_under(locked)) == 5 and files_under(tmp_path / "dups") == set()


def test_refusals(setup, cli, tmp_path):
    project, images, _ = setup
    nothing = cli("-C", project, "images", "trash")
    assert nothing.exit_code == 2 and "say which images" in nothing.stderr
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert cli("-C", project, "images", "move", "--tag", "duplicate", "--to", a_file).exit_code == 2
    inside = cli("-C", project, "images", "move", "--tag", "duplicate", "--to", project / ".lightplug" / "x")
    assert inside.exit_code == 2 and "images trash" in inside.stderr
    unknown = cli("-C", project, "images", "trash", "--tag", "no-such-tag")
    assert unknown.exit_code == 2 and "no tag" in unknown.stderr


def test_empty_trash_deletes_for_good_and_forgets_the_commit(setup, cli):
    project, images, _ = setup
    done = cli.json("-C", project, "images", "trash", "--tag", "duplicate")
    refused = cli("-C", project, "images", "empty-trash")
    assert refused.exit_code == 2 and "--yes" in refused.stderr  # no terminal: asks for --yes
    preview = cli.json("-C", project, "images", "empty-trash", "--dry-run")
    assert (preview["commits"], preview["images"], preview["files"]) == ([done["commit"]], 5, 5)
    assert Path(done["destination"]).is_dir()
    emptied = cli.json("-C", project, "images", "empty-trash", "--yes")
    assert emptied["files"] == 5 and not Path(done["destination"]).exists()
    history = cli.json("-C", project, "history")
    assert [h["source"] for h in history] == ["dedup"]  # the trash commit is gone; undo reverts the tags
    assert cli("-C", project, "undo").exit_code == 0
    assert cli.json("-C", project, "tags", "list") == [] or all(
        t["count"] == 0 for t in cli.json("-C", project, "tags", "list"))
    again = cli("-C", project, "images", "empty-trash", "--yes")
    assert again.exit_code == 0 and "The trash is empty." in again.stderr
    assert json.loads(cli("-C", project, "images", "empty-trash", "--json").stdout)["commits"] == []
