"""End-to-end tests of ``lightplug run quality.find_issues`` through the real CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from quality_images import photo_like

GROUPS = ["dark", "light", "odd_aspect_ratio", "low_information", "blurry", "grayscale",
          "odd_size", "unreadable"]


def members(cli, out) -> dict[str, set[str]]:
    """File names in each issue group of a run's JSON."""
    names = cli.names()
    return {g["name"].split(" ")[0]: {names[i] for i in g["ids"]} for g in out["groups"]}


def test_plugin_is_listed_and_imports_no_numpy() -> None:
    code = ("import sys, lightplug_quality; "
            "assert not {'numpy', 'PIL', 'pydantic'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_finds_each_issue_type(cli, dataset) -> None:
    folder, expected = dataset
    c = cli(folder)
    out = c.find()
    assert out["status"] == "success"
    assert [g["name"].split(" ")[0] for g in out["groups"]] == GROUPS
    assert members(c, out) == expected
    n = len(list(folder.iterdir()))
    assert out["value"]["images"] == n
    assert out["value"]["measured"] == n - 1  # dark_copy.jpg has the same sha1 as dark.jpg
    assert out["value"]["decoded"] == 0  # measured at import, on its one decode
    for g in out["groups"]:
        values = g["scores"]["values"]
        assert len(values) == len(g["ids"]) and values == sorted(values)
        assert all(0.0 <= v < 1.0 for v in values)
        assert g["score"]["value"] == len(g["ids"]) / n
        assert g["score"]["max_is_best"] is False


def test_scores_are_stored_per_image(cli, dataset) -> None:
    folder, _ = dataset
    c = cli(folder)
    c.find()
    props = {p["name"]: p for p in c.json("properties", "list")}
    distinct = len({r["sha1"] for r in c.json("images", "list")})
    for issue in GROUPS[:-1]:
        p = props[f"quality.{issue}_score"]
        assert (p["type"], p["mode"], p["values_count"]) == ("number", "sha1", distinct)


def test_cache_and_added_images(cli, dataset, tmp_path) -> None:
    folder, _ = dataset
    c = cli(folder)
    first = c.find()
    again = c.find()
    assert again["value"]["measured"] == 0
    assert again["value"]["cached"] == first["value"]["measured"]
    assert members(c, again) == members(c, first)

    more = tmp_path / "more"
    more.mkdir()
    for i in range(3):
        photo_like(330, 250, seed=200 + i).save(more / f"new_{i}.jpg")
    assert c("import", str(more)).exit_code == 0
    third = c.find()
    assert third["value"]["measured"] == 3
    assert third["value"]["images"] == first["value"]["images"] + 3
    assert c.find("--recompute")["value"]["measured"] == first["value"]["measured"] + 3


def test_scores_are_a_cache_not_on_the_undo_stack(cli, dataset) -> None:
    folder, _ = dataset
    c = cli(folder)
    assert c.find()["value"]["measured"] > 0
    nothing = c("undo")
    assert nothing.exit_code == 1 and "nothing to undo" in nothing.output
    assert c.find()["value"]["measured"] == 0  # still stored


def test_selection_and_thresholds(cli, dataset) -> None:
    folder, expected = dataset
    c = cli(folder)
    ids = {name: i for i, name in c.names().items()}
    out = c.find("--ids", f"{ids['dark.jpg']},{ids['photo_00.jpg']}")
    assert out["value"]["images"] == 2
    assert members(c, out)["dark"] == {"dark.jpg"}
    strict = c.find("--dark-threshold", "0.0", "--param", "blurry_threshold=0")
    got = members(c, strict)
    assert got["dark"] == set() and got["blurry"] == set()
    assert got["grayscale"] == expected["grayscale"]


def test_ci_gate(cli, dataset, tmp_path) -> None:
    folder, _ = dataset
    failed = cli(folder).find("--fail-on-issues", code=1)
    assert failed["status"] == "failure" and failed["success"] is False
    assert "quality gate failed" in failed["message"]
    assert failed["notifs"][0]["type"] == "error"

    clean = tmp_path / "clean"
    clean.mkdir()
    for i in range(6):
        w = 300 + 10 * i
        photo_like(w, w * 3 // 4, seed=i).save(clean / f"p{i}.jpg", quality=92)
    shutil.copy(folder / "gray.jpg", clean / "gray.jpg")
    c = cli(clean)
    assert c.find("--fail-on-issues", code=1)["value"]["issues"]["grayscale"] == 1
    passed = c.find("--fail-on-issues", "--ignore", "grayscale")
    assert passed["status"] == "success"
    assert "grayscale" not in [g["name"].split(" ")[0] for g in passed["groups"]]
    assert c.find()["status"] == "success"  # without the gate, issues do not fail a run


def test_bad_parameter_values(cli, dataset) -> None:
    folder, _ = dataset
    c = cli(folder)
    for args in (["--dark-threshold", "dark"], ["--param", "blurry_threshold=high"],
                 ["--param", "no_such_param=1"], ["--fail-on-issues", "maybe"],
                 ["--dark-threshold", "1.5"], ["--odd-size-iqr-factor", "-1"],
                 ["--param", "blurry_threshold=-0.1"]):
        result = c("run", "quality.find_issues", "--no-input", *args)
        assert result.exit_code == 2, (args, result.output)
    # an unknown issue name is checked by the action: ERROR notification, exit 1, nothing written
    for args in (["--ignore", "dark,fuzzy"],):
        out = c.find(*args, code=1)
        assert out["status"] == "failure" and out["notifs"][0]["name"] == "invalid parameters"
    assert all(p["values_count"] == 0 for p in c.json("properties", "list"))


def test_unreadable_files(cli, dataset, tmp_path) -> None:
    folder, _ = dataset
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    c = cli(copy)
    (copy / "photo_03.jpg").write_bytes(b"\xff\xd8\xff\xe0 broken after import")
    (copy / "photo_04.jpg").unlink()
    out = c.find()
    got = members(c, out)
    assert got["unreadable"] == {"photo_03.jpg", "photo_04.jpg"}
    reasons = {Path(k).name: v for k, v in out["notifs"][-1]["data"]["unreadable"].items()}
    assert reasons["photo_04.jpg"] == "file not found"
    assert reasons["photo_03.jpg"].startswith("changed on disk since import (")
    assert all("photo_03.jpg" not in v for k, v in got.items() if k != "unreadable")
    assert c.find("--fail-on-issues", "--ignore", "dark,light,odd_aspect_ratio,blurry,"
                  "grayscale,odd_size", code=1)["value"]["issues"]["unreadable"] == 2
    # a cached image whose file disappears is reported too
    (copy / "photo_05.jpg").unlink()
    assert "photo_05.jpg" in members(c, c.find())["unreadable"]


def test_full_resolution_measures_exactly_as_cleanvision(cli, dataset) -> None:
    """By default images are measured decoded at reduced size; `full_resolution=true` (then
    `--recompute`) measures the file as Pillow decodes it, the scores then equal the exact ones."""
    from lightplug_quality import checks

    folder, expected = dataset
    c = cli(folder)

    def dark_score(out: dict) -> float:
        group = next(g for g in out["groups"] if g["name"].startswith("dark"))
        return dict(zip((c.names()[i] for i in group["ids"]), group["scores"]["values"]))["dark.jpg"]

    exact = checks.image_scores(checks.measure_file(str(folder / "dark.jpg")))["dark"]
    reduced = c.find()
    assert members(c, reduced) == expected and dark_score(reduced) != exact
    assert c("plugins", "config", "quality", "full_resolution=true").exit_code == 0
    assert dark_score(c.find()) != exact  # stored scores are kept until --recompute
    full = c.find("--recompute")
    assert members(c, full) == expected and dark_score(full) == exact


def test_measure_on_import_shares_the_import_decode(cli, dataset) -> None:
    """By default the import stores the measures (on its one reduced decode) and find_issues
    reads them; with measure_on_import=false the import stores none and find_issues measures."""
    folder, expected = dataset
    distinct = None
    for setting, at_import in ((None, True), ("measure_on_import=false", False)):
        c = cli()
        if setting:
            assert c("plugins", "config", "quality", setting).exit_code == 0
        assert c("import", str(folder)).exit_code == 0
        distinct = len({r["sha1"] for r in c.json("images", "list")})

        def stored() -> list[tuple[int, int]]:
            types = [t for t in c.json("status")["vector_types"] if t["source"] == "quality"]
            return [(t["params"]["size"], t["vectors"]) for t in types]

        assert stored() == ([(64, distinct)] if at_import else [])
        out = c.find()
        assert members(c, out) == expected
        assert out["value"]["decoded"] == (0 if at_import else distinct)
        assert stored() == [(64, distinct)]
