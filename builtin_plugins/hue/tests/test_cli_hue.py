"""``lightplug run compute_hue`` and ``hue_groups`` through the real CLI on generated images."""

from __future__ import annotations

import json
import pathlib

import pytest
from hue_images import make_images

import lightplug_hue.compute as compute

# three reds (either side of 0), three greens, three blues, two grayscale images
PALETTE = {"red1": 2, "red2": 356, "red3": 8, "green1": 115, "green2": 125, "green3": 130,
           "blue1": 225, "blue2": 235, "blue3": 245, "gray1": None, "gray2": None}


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Files whose hue is computed (in this process: fewer than 32 images use threads)."""
    seen: list[str] = []
    original = compute.hues_of_images

    def record(images, size=compute.SIZE):  # type: ignore[no-untyped-def]
        seen.extend(pathlib.Path(i.path).stem for i in images)
        return original(images, size)

    monkeypatch.setattr(compute, "hues_of_images", record)
    return seen


def vector_count(cli, project: pathlib.Path) -> int:  # type: ignore[no-untyped-def]
    result = cli("-C", project, "vectors", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = [r for r in json.loads(result.stdout) if r["source"] == "hue"]
    assert len(rows) == 1 and rows[0]["dimensions"] in (1, None)
    return rows[0]["vectors"]


def test_import_computes_hues_then_compute_hue_uses_the_cache(cli, project, run, tmp_path, spy) -> None:
    make_images(tmp_path / "images", PALETTE)
    assert cli("-C", project, "import", tmp_path / "images").exit_code == 0
    assert sorted(spy) == sorted(PALETTE)
    assert vector_count(cli, project) == len(PALETTE)

    spy.clear()
    out = run(project, "compute_hue")
    assert out["success"] and spy == []
    assert out["value"] == {"images": 11, "computed": 0, "cached": 11, "grayscale": 2, "failed": 0}
    assert out["notifs"][0]["type"] == "info"
    assert out["notifs"][0]["functions"][0]["function"] == "hue.hue_groups"

    out = run(project, "hue.compute_hue", "--force", "--ids", "1,2")
    assert out["value"]["computed"] == 2 and out["value"]["cached"] == 0
    assert len(spy) == 2


def test_only_new_images_are_computed_after_a_second_import(cli, project, run, tmp_path, spy) -> None:
    make_images(tmp_path / "images", {"a": 10, "b": 200, "g": None})
    assert cli("-C", project, "import", tmp_path / "images").exit_code == 0
    make_images(tmp_path / "images", {"c": 100, "d": 300}, seed=10)
    (tmp_path / "images" / "copy_of_a.jpg").write_bytes((tmp_path / "images" / "a.jpg").read_bytes())
    spy.clear()
    assert cli("-C", project, "import", tmp_path / "images").exit_code == 0
    assert sorted(spy) == ["c", "d"]  # the copy of a has a known SHA-1
    spy.clear()
    out = run(project, "hue_groups", "--nb-groups", "2")
    assert spy == []
    assert out["value"]["coloured"] == 5 and out["value"]["grayscale"] == 1
    assert vector_count(cli, project) == 5


def test_hue_groups_by_colour_with_a_grayscale_group(cli, project, run, names, tmp_path) -> None:
    make_images(tmp_path / "images", PALETTE)
    assert cli("-C", project, "import", tmp_path / "images").exit_code == 0
    out = run(project, "hue_groups", "--nb-groups", "3")
    stems = names(project)
    groups = {g["name"]: sorted(stems[i] for i in g["ids"]) for g in out["groups"]}
    by_colour = {name.rsplit("(", 1)[-1].rstrip(")"): members for name, members in groups.items()}
    assert by_colour["red"] == ["red1", "red2", "red3"]
    assert by_colour["green"] == ["green1", "green2", "green3"]
    assert by_colour["blue"] == ["blue1", "blue2", "blue3"]
    assert groups["Grayscale (no dominant hue)"] == ["gray1", "gray2"]
    red = next(g for g in out["groups"] if g["name"].endswith("(red)"))
    assert red["name"].startswith("Hue 35") and "-" in red["name"]  # the range wraps: 35x-8
    assert red["score"]["min"] == 0 and red["score"]["max"] == 360
    assert len(red["scores"]["values"]) == 3
    assert out["value"] == {"groups": 4, "coloured": 9, "grayscale": 2, "computed": 0, "failed": 0}
    assert [n["type"] for n in out["notifs"]] == ["info"]

    # the groups feed the next run: group the greens alone
    green_index = next(g["index"] for g in out["groups"] if g["name"].endswith("(green)"))
    out = run(project, "hue_groups", "--nb-groups", "1", "--from-run", f"{out['run_id']}:{green_index}")
    assert [sorted(stems[i] for i in g["ids"]) for g in out["groups"]] == [["green1", "green2", "green3"]]


def test_fewer_images_than_groups(cli, project, run, tmp_path) -> None:
    make_images(tmp_path / "images", {"a": 20, "b": 180, "g": None})
    assert cli("-C", project, "import", tmp_path / "images").exit_code == 0
    out = run(project, "hue_groups", "--nb-groups", "5")
    sizes = [g["size"] for g in out["groups"]]
    assert sizes == [1, 1, 1] and all(s > 0 for s in sizes)
    notes = {n["name"]: n for n in out["notifs"]}
    assert notes["Fewer groups than asked"]["type"] == "info"
    assert "only 2 image(s)" in notes["Fewer groups than asked"]["message"]


def test_only_grayscale_and_empty_selection(cli, project, run, tmp_path) -> None:
    out = run(project, "hue_groups")
    assert out["success"] and out["groups"] == [] and out["message"] == "No images to group."
    make_images(tmp_path / "images", {"g1": None, "g2": None})
    assert cli("-C", project, "import", tmp_path / "images").exit_code == 0
    out = run(project, "hue_groups")
    assert [g["name"] for g in out["groups"]] == ["Grayscale (no dominant hue)"]


def test_missing_vectors_are_computed_on_demand(cli, project, run, tmp_path, spy) -> None:
    assert cli("-C", project, "plugins", "config", "hue", "compute_on_import=false").exit_code == 0
    make_images(tmp_path / "images", {"a": 30, "b": 90, "c": 270, "g": None})
    assert cli("-C", project, "import", tmp_path / "images").exit_code == 0
    assert spy == [] and vector_count(cli, project) == 0
    out = run(project, "hue_groups", "--nb-groups", "2", "--ids", "1,2")
    assert out["value"]["computed"] == 2 and sorted(spy) == ["a", "b"]
    assert "computed 2 missing hue(s)" in out["message"]
    out = run(project, "hue_groups", "--nb-groups", "2")
    assert out["value"]["computed"] == 2 and vector_count(cli, project) == 4


def test_unreadable_image_is_reported_not_fatal(cli, project, run, tmp_path) -> None:
    assert cli("-C", project, "plugins", "config", "hue", "compute_on_import=false").exit_code == 0
    paths = make_images(tmp_path / "images", {"a": 30, "b": 200, "c": 100})
    assert cli("-C", project, "import", tmp_path / "images").exit_code == 0
    paths["b"].write_bytes(b"corrupted since import")
    out = run(project, "hue_groups", "--nb-groups", "2")
    assert out["success"] and out["value"]["failed"] == 1
    assert sum(g["size"] for g in out["groups"]) == 2
    warning = next(n for n in out["notifs"] if n["type"] == "warning")
    assert "b.jpg" in warning["message"]
    assert vector_count(cli, project) == 2  # the failure is not stored, so it is retried later


@pytest.mark.parametrize("value", ["0", "-3"])
def test_bad_nb_groups(cli, project, tmp_path, value: str) -> None:
    make_images(tmp_path / "images", {"a": 30})
    assert cli("-C", project, "import", tmp_path / "images").exit_code == 0
    result = cli("-C", project, "run", "hue_groups", "--nb-groups", value, "--json")
    # the bound comes from `Annotated[int, Bounds(ge=1)]`: a usage error, nothing runs
    assert result.exit_code == 2, result.output
    assert f"{value} is not in the range x>=1" in result.output


def test_non_numeric_nb_groups_is_a_usage_error(cli, project) -> None:
    result = cli("-C", project, "run", "hue_groups", "--nb-groups", "many")
    assert result.exit_code == 2


def test_many_images_use_worker_processes(cli, project, run, tmp_path) -> None:
    """40 images go through tasks and the process pool (no spy: it would not cross processes)."""
    hues = {f"img{k:02d}": (k * 9) % 360 for k in range(40)}
    make_images(tmp_path / "images", hues)
    result = cli("-C", project, "import", tmp_path / "images", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["task_failures"] == []
    assert vector_count(cli, project) == 40
    out = run(project, "hue_groups", "--nb-groups", "4")
    assert [g["size"] for g in out["groups"]] == [10, 10, 10, 10]
    out = run(project, "compute_hue", "--force")
    assert out["value"]["computed"] == 40 and out["value"]["failed"] == 0


def test_actions_are_listed_with_their_parameters(cli, project) -> None:
    result = cli("-C", project, "ops", "list", "--json")
    assert result.exit_code == 0, result.output
    specs = {s["id"]: s for s in json.loads(result.stdout)}
    assert specs["hue.compute_hue"]["hooks"] == ["vector"]
    assert specs["hue.hue_groups"]["hooks"] == ["group"]
    (param,) = specs["hue.hue_groups"]["parameters"]
    assert (param["option"], param["type"], param["default"]) == ("--nb-groups", "int", 3)
    assert "at least 1" in param["description"]


def test_a_new_rule_version_recomputes_into_a_new_vector_type(cli, project, run, tmp_path, monkeypatch) -> None:
    import lightplug_hue.plugin as plugin

    make_images(tmp_path / "images", {"a": 30, "b": 200})
    assert cli("-C", project, "import", tmp_path / "images").exit_code == 0
    monkeypatch.setattr(plugin, "VERSION", plugin.VERSION + 1)
    out = run(project, "compute_hue")
    assert out["value"]["computed"] == 2 and out["value"]["cached"] == 0
    types = [r for r in json.loads(cli("-C", project, "vectors", "list", "--json").stdout) if r["source"] == "hue"]
    assert [(t["params"]["version"], t["vectors"]) for t in types] == [(plugin.VERSION - 1, 2), (plugin.VERSION, 2)]
