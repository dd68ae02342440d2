"""A plugin written the way PanopticML writes its own (tests/fixtures/panoptic_style, imports from
``lightplug.dialects.panoptic``), found through its real entry point, run by real ``lightplug`` processes:
Panoptic's hook names, ``start()``, tasks with their project, ``run_async`` keyword arguments,
hashable vector types, maps, base64 ``InputFile`` and ``group_by_sha1``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from procs import FIXTURES, environment, json_of, plugin_path, run

PLUGIN = "panoptic_style"
COLOURS = {"red": [(220, 20, 20), (200, 40, 30), (240, 10, 60)], "blue": [(20, 20, 220), (30, 50, 200), (10, 60, 240)]}


def make_colour_images(folder: Path, colours: dict[str, list[tuple[int, int, int]]], seed: int = 0) -> dict[str, list[Path]]:
    """Noisy flat-colour PNGs named after their colour, plus a copy of the first red one (same content)."""
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    made: dict[str, list[Path]] = {}
    for name, values in colours.items():
        for i, colour in enumerate(values):
            pixels = np.clip(np.asarray(colour) + rng.integers(-10, 10, (32, 32, 3)), 0, 255).astype(np.uint8)
            path = folder / f"{name}_{seed}_{i}.png"
            Image.fromarray(pixels).save(path)
            made.setdefault(name, []).append(path)
    return made


def sha1(path: Path) -> str:
    import hashlib

    return hashlib.sha1(path.read_bytes()).hexdigest()


@pytest.fixture
def ps(tmp_path):
    """``(project, env, images)``: a new project with the panoptic_style plugin installed, nothing imported."""
    site = plugin_path(tmp_path, PLUGIN, "panoptic_style", FIXTURES / "panoptic_style")
    env = environment([site], LIGHTPLUG_PLUGINS=PLUGIN)
    images = make_colour_images(tmp_path / "photos", COLOURS)
    (tmp_path / "photos" / "copy_of_red.png").write_bytes(images["red"][0].read_bytes())
    project = tmp_path / "proj"
    assert run("init", project, env=env).returncode == 0
    return project, env, images


def lp(project: Path, env: dict, *args, code: int = 0) -> dict:
    result = run("-C", project, *args, "--json", env=env)
    assert result.returncode == code, result.stderr + result.stdout
    return json.loads(result.stdout)


def imported(ps) -> tuple[Path, dict, dict]:
    project, env, images = ps
    result = run("-C", project, "import", images["red"][0].parent, env=env)
    assert result.returncode == 0, result.stderr
    return project, env, images


def own_types(project: Path, env: dict) -> list[dict]:
    return [v for v in json_of("-C", project, "vectors", "list", env=env) if v["source"] == PLUGIN]


def test_plugin_with_panoptic_hook_names_loads_and_lists_every_action(ps):
    project, env, _ = ps
    listed = {o["id"]: o for o in json_of("-C", project, "ops", "list", env=env)}
    ours = {i.split(".", 1)[1]: o["hooks"] for i, o in listed.items() if i.startswith(PLUGIN + ".")}
    assert ours == {
        "create_default_vector_type": ["vector_type"], "compute_vectors": ["vector"],
        "find_images": ["similar", "execute"], "compute_clusters": ["group"],
        "search_by_text": ["execute", "text_search"], "spread_map": ["map", "execute"], "show_maps": ["map"],
        "export_rows": ["export"], "count_imported": ["import"], "start_report": ["execute"],
        "set_greeting": ["execute"], "label_first": ["execute"]}
    shown = json_of("-C", project, "ops", "show", "compute_clusters", env=env)
    # Panoptic's docstring convention: the description stops at the first @, "@name: text" documents a parameter
    assert shown["description"] == "Computes images clusters with k-means"
    assert {p["name"]: p["description"] for p in shown["parameters"]}["nb_clusters"] == "requested number of clusters"


def test_start_gets_stored_settings_and_vector_types_before_the_plugin_code(ps):
    project, env, _ = ps
    first = lp(project, env, "run", "start_report")["value"]
    assert first == {"greeting": "hello", "compute_on_import": True, "vector_types": [], "now": [1]}
    again = lp(project, env, "run", "start_report")["value"]
    assert again["vector_types"] == [1] and again["now"] == [1]  # loaded by super().start(): no second type
    assert len(own_types(project, env)) == 1
    config = run("-C", project, "plugins", "config", PLUGIN, "greeting=bonjour", "compute_on_import=false", env=env)
    assert config.returncode == 0, config.stderr
    seen = lp(project, env, "run", "start_report")["value"]
    assert (seen["greeting"], seen["compute_on_import"]) == ("bonjour", False)


def test_vectors_are_computed_on_import_by_tasks_that_reach_their_project(ps):
    project, env, images = imported(ps)
    distinct = {sha1(p) for paths in images.values() for p in paths}
    [vector_type] = own_types(project, env)
    assert (vector_type["vectors"], vector_type["dimensions"]) == (len(distinct), 12)
    # run_if_last wrote its index under str(VectorType): "{source}_{model without '/'}_{id}"
    index = project / ".lightplug" / "plugin_data" / PLUGIN / "panoptic_style_testmean-rgb_1_index.json"
    assert set(json.loads(index.read_text())) == distinct
    assert run("-C", project, "plugins", "config", PLUGIN, "compute_on_import=false", env=env).returncode == 0
    more = make_colour_images(project.parent / "more", {"red": [(180, 30, 30)], "blue": [(40, 40, 180)]}, seed=1)
    assert run("-C", project, "import", project.parent / "more", env=env).returncode == 0
    assert own_types(project, env)[0]["vectors"] == len(distinct)  # the stored setting was honoured
    lp(project, env, "run", "compute_vectors", "--vec-type", "1")
    assert own_types(project, env)[0]["vectors"] == len(distinct) + len(more["red"]) + len(more["blue"])


def test_clusters_similar_images_from_a_file_and_text_search(ps):
    project, env, images = imported(ps)
    reds, blues = ({sha1(p) for p in images[c]} for c in ("red", "blue"))
    clusters = lp(project, env, "run", "compute_clusters", "--vec-type", "1", "--nb-clusters", "2")
    assert {frozenset(g["sha1s"]) for g in clusters["groups"]} == {frozenset(reds), frozenset(blues)}
    # the file goes to the plugin base64-encoded, as Panoptic sends it
    similar = lp(project, env, "run", "find_images", "--vec-type", "1", "--image-file", images["blue"][1])
    [group] = similar["groups"]
    assert set(group["sha1s"][:3]) == blues and group["scores"]["values"][0] >= 0.99
    assert similar["parameters"]["image_file"] == str(images["blue"][1])  # the run records the path
    found = lp(project, env, "run", "search_by_text", "--vec-type", "1", "--text", "red")
    assert found["groups"][0]["name"] == "Text Search: red" and set(found["groups"][0]["sha1s"]) == reds
    saved = project / ".lightplug" / "plugin_data" / PLUGIN / "panoptic_style_testmean-rgb_1_text_vectors.json"
    assert list(json.loads(saved.read_text())) == ["red"]


def test_a_notification_suggests_the_command_with_its_ui_inputs(ps):
    project, env, _ = imported(ps)
    made = lp(project, env, "run", "create_default_vector_type", "--model", "test/other", "--greyscale")
    assert made["value"]["params"] == {"model": "test/other", "greyscale": True}
    empty = lp(project, env, "run", "compute_clusters", "--vec-type", str(made["value"]["id"]), code=1)
    [function] = empty["notifs"][0]["functions"]
    assert function["command"] == f"lightplug run {PLUGIN}.compute_vectors --param vec_type={made['value']['id']}"


def test_maps_are_stored_listed_shown_and_deleted(ps):
    project, env, images = imported(ps)
    made = lp(project, env, "run", "spread_map", "--vec-type", "1")["value"]
    distinct = {sha1(p) for paths in images.values() for p in paths}
    assert (made["id"], made["source"], made["name"], made["key"], made["count"]) == (
        1, PLUGIN, "spread: test/mean-rgb", "sha1", len(distinct))
    assert set(made["data"][0::3]) == distinct and all(isinstance(x, float) for x in made["data"][1::3])
    listed = lp(project, env, "run", "show_maps")["value"]
    assert listed == [{**made, "data": None}]
    shown = lp(project, env, "run", "show_maps", "--map-id", "1", "--delete")["value"]
    assert shown == made
    assert lp(project, env, "run", "show_maps")["value"] == []


def test_results_keep_datas_and_urls(ps):
    project, env, images = imported(ps)
    result = lp(project, env, "run", "export_rows", "--ids", "1,2")
    assert [d["id"] for d in result["datas"]] == [1, 2]
    assert all(Path(u).is_file() for u in result["urls"]) and len(result["urls"]) == 2
    assert lp(project, env, "run", "count_imported")["value"] == sum(len(v) for v in images.values()) + 1


def test_update_params_and_get_or_create_property(ps):
    project, env, _ = imported(ps)
    assert lp(project, env, "run", "set_greeting", "--greeting", "salut")["value"] == {
        "compute_on_import": True, "greeting": "salut"}
    assert json_of("-C", project, "plugins", "config", PLUGIN, env=env)["params"]["greeting"] == "salut"
    assert lp(project, env, "run", "start_report")["value"]["greeting"] == "salut"
    first = lp(project, env, "run", "label_first", "--label", "a")["value"]
    second = lp(project, env, "run", "label_first", "--label", "b")["value"]
    assert first["property"] == second["property"] > 0  # found the second time, not created again
    assert [p["name"] for p in json_of("-C", project, "properties", "list", env=env)] == ["labels"]
    tags = {t["value"]: t["id"] for t in json_of("-C", project, "tags", "list", env=env)}
    assert (first["values"], second["values"]) == ([[tags["a"]]], [[tags["b"]]])


# Every name PanopticML and Panoptic's guide import from `panoptic.*`, by Panoptic module.
PANOPTIC_IMPORTS = {
    "panoptic.core.plugin.plugin": ["APlugin"], "panoptic.core.project.project": ["Project"],
    "panoptic.core.task.task": ["Task"], "panoptic.utils": ["group_by_sha1"],
    "panoptic.models": ["Instance", "ActionContext", "PropertyId", "PropertyType", "PropertyMode", "VectorType",
                        "OwnVectorType", "InputFile", "Vector", "Tag", "Property", "DbCommit", "InstanceProperty",
                        "ImageProperty", "Map", "DeleteFolderConfirm", "FunctionDescription", "ParamDescription"],
    "panoptic.models.results": ["Group", "ActionResult", "Notif", "NotifType", "NotifFunction", "ScoreList", "Score"],
}


@pytest.mark.parametrize("module", sorted(PANOPTIC_IMPORTS))
def test_every_panoptic_import_has_its_name_in_the_ported_namespace(module):
    import lightplug
    import lightplug.dialects.panoptic as ported

    for name in PANOPTIC_IMPORTS[module]:
        value = getattr(ported, name)
        if name != "InputFile":  # the one that differs: Panoptic's base64 content
            assert value is getattr(lightplug, name), name
    assert issubclass(ported.InputFile, lightplug.InputFile) and ported.InputFile is not lightplug.InputFile
