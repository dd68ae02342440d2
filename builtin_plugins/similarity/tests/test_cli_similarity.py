"""End to end through the real CLI and the installed entry point: init, import, run."""

from __future__ import annotations

import json
import pathlib
import shutil

import pytest
from typer.testing import CliRunner

from lightplug.cli import app
from lightplug.host import reset_host
from similarity_images import synthetic_photo, variants, write_photos

FAMILIES = {1, 2, 3}  # photo seeds that have four variants each in ``photo_dir``


class Cli:
    """Runs ``lightplug -C ROOT ...`` in-process with only this plugin loaded."""

    def __init__(self, root: pathlib.Path) -> None:
        self.root = root
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0):
        reset_host()
        result = self.runner.invoke(app, ["-C", str(self.root), *args])
        assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
        return result

    def run(self, action: str, *args: str, code: int = 0) -> dict:
        """``run similarity.<action> --json``: the parsed result."""
        return json.loads(self("run", f"similarity.{action}", "--json", *args, code=code).stdout)

    def ids(self) -> dict[str, int]:
        """Instance id by file name."""
        return {row["name"]: row["id"] for row in json.loads(self("images", "list", "--json").stdout)}


@pytest.fixture(scope="module")
def photos_once(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    folder = tmp_path_factory.mktemp("similarity") / "photos"
    write_photos(folder, sorted(FAMILIES), with_variants=True)
    write_photos(folder, list(range(4, 13)))
    return folder


@pytest.fixture
def photo_dir(tmp_path: pathlib.Path, photos_once: pathlib.Path) -> pathlib.Path:
    """Twelve distinct synthetic photos, three of them with four variants each (a fresh copy)."""
    return pathlib.Path(shutil.copytree(photos_once, tmp_path / "photos"))


@pytest.fixture
def cli(tmp_path, photo_dir, monkeypatch) -> Cli:
    monkeypatch.setenv("LIGHTPLUG_PLUGINS", "similarity")
    root = tmp_path / "project"
    c = Cli(root)
    CliRunner().invoke(app, ["init", str(root)])
    c("import", str(photo_dir))
    return c


def _family(ids: dict[str, int], seed: int) -> set[int]:
    return {i for name, i in ids.items() if name.startswith(f"photo_{seed:03d}_")}


def test_loaded_from_its_installed_entry_point(cli):
    (info,) = json.loads(cli("plugins", "list", "--json").stdout)
    assert (info["name"], info["distribution"], info["status"]) == ("similarity", "lightplug-similarity", "loaded")
    assert info["actions"] == ["compute_embeddings", "similar", "clusters", "near_duplicates"]


def test_import_computes_vectors_once(cli):
    out = cli.run("compute_embeddings")
    assert out["success"] and out["value"] == {"computed": 0, "cached": 24, "failed": 0}
    vectors = json.loads(cli("vectors", "list", "--json").stdout)
    assert [(v["source"], v["params"]["model"], v["vectors"]) for v in vectors] == [("similarity", "pixels", 24)]


def test_similar_to_a_selected_image_finds_its_variants(cli):
    ids = cli.ids()
    for seed in FAMILIES:
        out = cli.run("similar", "--ids", str(ids[f"photo_{seed:03d}.jpg"]), "--k", "4")
        (group,) = out["groups"]
        assert set(group["ids"]) == _family(ids, seed)
        values = group["scores"]["values"]
        assert values == sorted(values, reverse=True) and 0.9 < values[-1] <= 1.0
    both = cli.run("similar", "--ids", f"{ids['photo_001.jpg']},{ids['photo_002.jpg']}", "--k", "30")
    returned = both["groups"][0]["ids"]
    assert len(returned) == 22 and ids["photo_001.jpg"] not in returned  # selection excluded


def test_similar_to_a_file_outside_the_project(cli, tmp_path):
    outside = tmp_path / "query.png"
    variants(synthetic_photo(2))["crop"].resize((200, 150)).save(outside)
    ids = cli.ids()
    out = cli.run("similar", "--path", str(outside), "--k", "5")
    assert set(out["groups"][0]["ids"]) == _family(ids, 2) | {ids["photo_002.jpg"]}
    # with a selection, only the selected images are candidates
    some = [ids["photo_004.jpg"], ids["photo_002_hflip.jpg"]]
    out = cli.run("similar", "--path", str(outside), "--ids", ",".join(map(str, some)))
    assert out["groups"][0]["ids"] == [ids["photo_002_hflip.jpg"], ids["photo_004.jpg"]]


def test_clusters_cover_the_selection_deterministically(cli):
    first = cli.run("clusters", "--k", "4")
    assert len(first["groups"]) == 4
    members = [i for g in first["groups"] for i in g["ids"]]
    assert sorted(members) == sorted(cli.ids().values())
    for g in first["groups"]:
        assert len(g["scores"]["values"]) == g["size"]
        assert -1 <= g["score"]["value"] <= 1 and "cohesion" in g["score"]["description"]
    again = cli.run("clusters", "--k", "4")
    assert [g["ids"] for g in again["groups"]] == [g["ids"] for g in first["groups"]]
    ids = cli.ids()
    family = _family(ids, 1) | {ids["photo_001.jpg"]}
    assert any(family <= set(g["ids"]) for g in first["groups"])


def test_clusters_with_more_clusters_than_images(cli):
    ids = cli.ids()
    out = cli.run("clusters", "--k", "5", "--ids", f"{ids['photo_004.jpg']},{ids['photo_005.jpg']}")
    assert len(out["groups"]) == 2
    assert any(n["type"] == "warning" and "only 2" in n["message"] for n in out["notifs"])


def test_near_duplicates_finds_the_variant_families_and_copies(cli, photo_dir):
    shutil.copy(photo_dir / "photo_007.jpg", photo_dir / "copy_of_7.jpg")
    cli("import", str(photo_dir))
    ids = cli.ids()
    out = cli.run("near_duplicates")
    found = sorted(sorted(g["ids"]) for g in out["groups"])
    expected = sorted(sorted(_family(ids, s) | {ids[f"photo_{s:03d}.jpg"]}) for s in FAMILIES)
    expected.append(sorted([ids["photo_007.jpg"], ids["copy_of_7.jpg"]]))
    assert found == sorted(expected)
    copies = next(g for g in out["groups"] if ids["copy_of_7.jpg"] in g["ids"])
    assert copies["scores"]["values"] == [1.0, 1.0]
    strict = cli.run("near_duplicates", "--threshold", "1.0")
    assert [sorted(g["ids"]) for g in strict["groups"]] == [sorted([ids["photo_007.jpg"], ids["copy_of_7.jpg"]])]


@pytest.mark.parametrize("args", [
    ["similar", "--ids", "1", "--k", "many"],
    ["clusters", "--k", "2.5"],
    ["similar", "--ids", "1", "--model", "resnet"],
    ["similar", "--path", "/no/such/image.jpg"],
    ["near_duplicates", "--threshold", "high"],
    ["similar", "--ids", "999"],
])
def test_bad_parameter_values_exit_2(cli, args):
    result = cli("run", f"similarity.{args[0]}", *args[1:], code=2)
    assert "Error" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["similar", "--ids", "1", "--k", "0"], "0 is not in the range x>=1"),
    (["clusters", "--k", "-3"], "-3 is not in the range x>=1"),
    (["near_duplicates", "--threshold", "1.5"], "1.5 is not in the range 0<=x<=1"),
])
def test_out_of_range_values_are_usage_errors(cli, args, message):
    """Bounds declared with Annotated[..., Bounds(...)] are enforced by the CLI: exit 2."""
    from lightplug.cli import app

    result = cli.runner.invoke(app,
                               ["-C", str(cli.root), "run", f"similarity.{args[0]}", *args[1:], "--no-input"])
    assert result.exit_code == 2 and message in result.output


@pytest.mark.parametrize("args, message", [
    (["near_duplicates", "--threshold", "0"], "threshold must be"),
    (["similar"], "--path"),
])
def test_values_refused_by_the_action(cli, args, message):
    out = cli.run(*args, code=1)
    assert not out["success"] and message in out["message"]


def test_new_images_are_embedded_on_import_only(cli, tmp_path):
    write_photos(tmp_path / "more", [20, 21])
    cli("import", str(tmp_path / "more"))
    assert cli.run("compute_embeddings")["value"] == {"computed": 0, "cached": 26, "failed": 0}


def test_vectors_computed_on_demand_when_import_skips_them(cli, tmp_path):
    cli("plugins", "config", "similarity", "compute_on_import=false")
    write_photos(tmp_path / "more", [30, 31, 32])
    cli("import", str(tmp_path / "more"))
    ids = cli.ids()
    out = cli.run("similar", "--ids", str(ids["photo_030.jpg"]), "--k", "3")
    assert len(out["groups"][0]["ids"]) == 3
    assert cli.run("compute_embeddings")["value"] == {"computed": 0, "cached": 27, "failed": 0}


def test_unreadable_images_are_left_out_with_a_warning(cli, tmp_path):
    cli("plugins", "config", "similarity", "compute_on_import=false")
    more = tmp_path / "more"
    write_photos(more, [40, 41])
    cli("import", str(more))
    (more / "photo_041.jpg").unlink()
    out = cli.run("clusters", "--k", "2")
    assert out["success"]
    warning = next(n for n in out["notifs"] if n["type"] == "warning")
    assert "photo_041.jpg" in warning["message"]
    assert cli.ids()["photo_041.jpg"] not in [i for g in out["groups"] for i in g["ids"]]


def test_clip_without_a_model_package_says_what_to_install(cli, monkeypatch):
    from lightplug_similarity import models

    monkeypatch.setattr(models, "CLIP_PACKAGES", ("no_such_clip_package_xyz",))
    out = cli.run("similar", "--ids", "1", "--model", "clip", code=1)
    assert not out["success"]
    assert out["notifs"][0]["type"] == "error" and "pip install sentence-transformers" in out["message"]
    assert cli.run("near_duplicates", "--model", "clip", code=1)["message"] == out["message"]
    vectors = json.loads(cli("vectors", "list", "--json").stdout)
    assert [v["params"]["model"] for v in vectors] == ["pixels"]  # no clip type was created
