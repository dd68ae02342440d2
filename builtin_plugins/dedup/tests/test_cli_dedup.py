"""End to end through the real CLI: init, import, find_duplicates, tag_duplicates, undo."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from dedup_images import write_set

EDITS = {1: ["resize", "hflip"], 2: ["q30", "crop"], 3: ["bright"]}
FAMILIES = [{"p1", "p1_resize", "p1_hflip", "p1_copy"}, {"p2", "p2_q30", "p2_crop"},
            {"p3", "p3_bright"}, {"p4", "p4_copy"}]


@pytest.fixture
def photos(tmp_path: Path) -> dict[str, Path]:
    """Eight photos; near duplicates of 1, 2 and 3; byte copies of 1 and 4."""
    return write_set(tmp_path / "photos", list(range(1, 9)), EDITS, copies=[1, 4])


@pytest.fixture
def loaded(project, photos, imported) -> Path:
    imported(project, next(iter(photos.values())).parent)
    return project


def stems_of(groups: list[dict], names: dict[int, str]) -> list[set[str]]:
    return [{names[i] for i in g["ids"]} for g in groups]


def best_to_keep(paths: list[Path]) -> str:
    """The rule: most pixels, then the largest file."""
    def rank(p: Path):
        with Image.open(p) as im:
            return im.width * im.height, p.stat().st_size
    return max(paths, key=rank).stem


def test_finds_exact_and_near_duplicates_and_names_the_keeper(loaded, run, names, photos):
    out = run(loaded, "find_duplicates")
    assert out["status"] == "success" and out["plugin"] == "dedup"
    id_to_stem = names(loaded)
    groups = out["groups"]
    assert sorted(map(sorted, stems_of(groups, id_to_stem))) == sorted(map(sorted, FAMILIES))
    for g, summary in zip(groups, out["value"]["groups"]):
        stems = [id_to_stem[i] for i in g["ids"]]
        keeper = best_to_keep([photos[s] for s in stems])
        if keeper.endswith("_copy"):  # same content: the first imported copy is kept
            keeper = keeper[:-len("_copy")]
        assert stems[0] == keeper
        assert g["name"].startswith(f"keep {keeper}.jpg (")
        assert summary["keep"] == g["ids"][0] and summary["duplicates"] == g["ids"][1:]
        scores = g["scores"]
        assert len(scores["values"]) == len(g["ids"]) and scores["values"][0] == 0
        assert scores["max_is_best"] is False and scores["max"] == 64
        assert g["score"]["value"] == max(scores["values"])
    exact = next(g for g in groups if {id_to_stem[i] for i in g["ids"]} == {"p4", "p4_copy"})
    assert "exact duplicate" in exact["name"] and exact["scores"]["values"] == [0, 0]
    [notif] = out["notifs"]
    [suggestion] = notif["functions"]
    to_drop = [i for g in groups for i in g["ids"][1:]]
    assert suggestion["function"] == "dedup.tag_duplicates"
    assert suggestion["instance_ids"] == to_drop
    assert suggestion["command"] == "lightplug run dedup.tag_duplicates --ids " + ",".join(map(str, to_drop))
    assert out["value"]["duplicates"] == len(to_drop) == 7
    assert out["value"]["hashed"] == 0  # hashed at import time


def test_tag_duplicates_then_undo(loaded, run, cli):
    found = run(loaded, "find_duplicates")
    ids = found["notifs"][0]["functions"][0]["instance_ids"]
    tagged = run(loaded, "dedup.tag_duplicates", "--ids", ",".join(map(str, ids)))
    groups = tagged["value"].pop("groups")
    assert tagged["value"] == {"tagged": len(ids), "property": "duplicate", "tag": "duplicate", "spared_keepers": 0}
    assert sorted(i for g in groups for i in g["duplicates"]) == sorted(ids)  # keepers named for `images trash`
    assert {g["keep"] for g in groups}.isdisjoint(ids)

    def tag_rows():
        return json.loads(cli("-C", loaded, "tags", "list", "--json").stdout)

    [row] = tag_rows()
    assert (row["property"], row["value"], row["count"]) == ("duplicate", "duplicate", len(ids))
    again = run(loaded, "tag_duplicates", "--ids", ",".join(map(str, ids)))
    assert again["value"]["tagged"] == 0
    assert cli("-C", loaded, "undo").exit_code == 0
    assert tag_rows() == []


def test_tag_duplicates_without_selection_finds_them_first(loaded, run, cli):
    tagged = run(loaded, "tag_duplicates")
    assert tagged["value"]["tagged"] == 7


def test_tag_duplicates_never_tags_a_keeper(loaded, run, cli):
    """--from-run selects whole groups, keepers included; a folder selects everything: in both
    cases only the other images are tagged, so every group keeps one untagged copy."""
    found = run(loaded, "find_duplicates")
    keepers = {g["ids"][0] for g in found["groups"]}
    tagged = run(loaded, "tag_duplicates", "--from-run", str(found["run_id"]))
    assert tagged["value"]["tagged"] == 7 and tagged["value"]["spared_keepers"] == len(keepers)
    rows = json.loads(cli("-C", loaded, "images", "list", "--tag", "duplicate", "--json").stdout)
    assert {r["id"] for r in rows}.isdisjoint(keepers) and len(rows) == 7
    assert cli("-C", loaded, "undo").exit_code == 0
    folder = str(Path(rows[0]["path"]).parent)
    everything = run(loaded, "tag_duplicates", "--folder", folder)
    assert everything["value"]["tagged"] == 7


def test_options(loaded, run, names):
    id_to_stem = names(loaded)
    no_mirror = stems_of(run(loaded, "find_duplicates", "--no-mirror")["groups"], id_to_stem)
    assert {"p1", "p1_resize", "p1_copy"} in no_mirror and not any("p1_hflip" in g for g in no_mirror)
    exact_only = run(loaded, "find_duplicates", "--no-near")
    exact_groups = sorted(map(sorted, stems_of(exact_only["groups"], id_to_stem)))
    assert exact_groups == [["p1", "p1_copy"], ["p4", "p4_copy"]]
    for method in ("dhash", "whash", "ahash"):
        out = run(loaded, "find_duplicates", "--method", method, "--threshold", "6")
        assert {"p4", "p4_copy"} in stems_of(out["groups"], id_to_stem)
        assert out["value"]["hashed"] == 13  # another hash kind: hashed on demand, once
        assert run(loaded, "find_duplicates", "--method", method, "--threshold", "6")["value"]["hashed"] == 0
    ids = [i for i, s in id_to_stem.items() if s in {"p2", "p2_q30", "p5"}]
    selected = run(loaded, "find_duplicates", "--ids", ",".join(map(str, ids)))
    assert stems_of(selected["groups"], id_to_stem) == [{"p2", "p2_q30"}]


@pytest.mark.parametrize("args, code, message", [
    (["--threshold", "many"], 2, "--threshold"),
    (["--method", "md5"], 2, "md5"),
    (["--threshold", "65"], 2, "65 is not in the range 0<=x<=64"),
    (["--threshold", "-1"], 2, "-1 is not in the range 0<=x<=64"),
    (["--param", "threshold=70"], 2, "at most 64"),
    (["--param", "threshold=x"], 2, "threshold"),
])
def test_bad_parameters(loaded, cli, args, code, message):
    result = cli("-C", loaded, "run", "find_duplicates", *args, "--json", "--no-input")
    assert result.exit_code == code
    assert message in result.output


def test_help_lists_the_parameters(project, cli):
    result = cli("-C", project, "run", "find_duplicates", "--help")
    assert result.exit_code == 0
    for option in ("--method", "--threshold", "--mirror", "--no-mirror", "--colour-check", "--no-near"):
        assert option in result.output


def vector_counts(cli, project: Path) -> dict[str, int]:
    rows = json.loads(cli("-C", project, "vectors", "list", "--json").stdout)
    return {r["params"]["dedup"]: r["vectors"] for r in rows if r["source"] == "dedup"}


def test_only_new_images_are_hashed(project, cli, run, imported, photos, tmp_path):
    later = write_set(tmp_path / "later", [20, 21])
    shutil.copy(photos["p5"], tmp_path / "later" / "p5_again.jpg")  # known content, new file

    imported(project, photos["p1"].parent)
    assert vector_counts(cli, project) == {"phash": 13}  # 15 files, 13 contents
    assert run(project, "find_duplicates")["value"]["hashed"] == 0
    added = imported(project, later["p20"].parent)
    assert (added["imported"], added["new_images"]) == (3, 2)
    assert vector_counts(cli, project) == {"phash": 15}
    out = run(project, "find_duplicates")
    assert out["value"]["hashed"] == 0
    assert len(out["groups"]) == 5  # p5 and its new copy joined the four families


def test_hashing_on_demand_is_cached(project, cli, run, imported, photos, tmp_path):
    assert cli("-C", project, "plugins", "config", "dedup", "hash_on_import=false").exit_code == 0
    imported(project, photos["p1"].parent)
    assert vector_counts(cli, project) == {}
    assert run(project, "find_duplicates")["value"]["hashed"] == 13
    assert run(project, "find_duplicates")["value"]["hashed"] == 0
    later = write_set(tmp_path / "later", [20, 21])
    imported(project, later["p20"].parent)
    out = run(project, "find_duplicates")
    assert out["value"]["hashed"] == 2
    assert vector_counts(cli, project) == {"phash": 15}
