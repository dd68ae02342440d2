"""The pure parts of the export plugin: tables, COCO parsing and matching, atomic writes."""

from __future__ import annotations

import os
import pathlib
import stat
import subprocess
import sys

import pytest

from lightplug import Instance, Property, PropertyMode, PropertyType
from lightplug_export.coco import CocoFile, CocoImage, images_root, match_images, parse_coco
from lightplug_export.files import ExportError, cell, csv_writer, write_atomic
from lightplug_export.tables import groups_table, properties_table


def inst(iid: int, url: str, sha1: str = "") -> Instance:
    return Instance(iid, 1, os.path.basename(url), "jpg", sha1 or f"{iid:040d}", url, 100, 80)


def test_cells() -> None:
    assert [cell(None), cell(["a", "b"]), cell([]), cell({"k": 1}), cell(2.5)] == ["", "a|b", "", '{"k": 1}', 2.5]


def test_groups_table_with_a_deleted_instance_and_a_selection() -> None:
    run = {"id": 7, "operator": "x.y", "result": {"groups": [
        {"index": 1, "name": "A", "ids": [1, 2, 9], "scores": {"values": [0.1, 0.2, 0.9]}, "score": None},
        {"index": 2, "name": "B", "sha1s": ["s" * 40], "score": {"value": 3}}]}}
    members = [inst(1, "/d/a.jpg"), inst(2, "/d/b.jpg"), inst(3, "/d/c.jpg", "s" * 40), inst(4, "/e/c.jpg", "s" * 40)]
    table = groups_table(run, members, None)
    assert [(r["group_name"], r["instance_id"], r["path"], r["score"]) for r in table.rows] == [
        ("A", 1, "/d/a.jpg", 0.1), ("A", 2, "/d/b.jpg", 0.2), ("A", 9, None, 0.9),
        ("B", 3, "/d/c.jpg", None), ("B", 4, "/e/c.jpg", None)]
    assert table.counts == {"run_id": 7, "operator": "x.y", "groups": 2, "rows": 5}
    narrowed = groups_table(run, members, {2, 4})
    assert [r["instance_id"] for r in narrowed.rows] == [2, 4]
    assert [g["size"] for g in narrowed.document["groups"]] == [1, 1]


def test_property_columns_never_clash() -> None:
    props = [Property(1, "name", PropertyType.text, PropertyMode.id), Property(2, "score", PropertyType.number),
             Property(3, "score", PropertyType.number)]
    table = properties_table([inst(1, "/d/a.jpg")], props, [], [], [])
    assert table.columns == ["instance_id", "sha1", "path", "name", "name (property 1)", "score",
                             "score (property 3)"]


@pytest.mark.parametrize("doc, message", [
    ({"images": [{"id": True, "file_name": "a"}], "annotations": []}, "images[0]"),
    ({"images": [{"id": 1, "file_name": "a"}, {"id": 1, "file_name": "b"}], "annotations": []}, "appears twice"),
    ({"images": [{"id": 1, "file_name": "a"}], "categories": [{"id": 1, "name": " "}], "annotations": []},
     "categories[0]"),
    ({"images": [{"id": 1, "file_name": "a"}], "categories": [{"id": 1, "name": "c"}],
      "annotations": [{"image_id": 1, "category_id": 1, "bbox": [0, 0, float("nan"), 1]}]}, "bbox"),
    ({"images": [{"id": 1, "file_name": "a"}], "categories": [{"id": 1, "name": "c"}],
      "annotations": [{"image_id": 1, "category_id": 1, "score": "high"}]}, "score must be a number"),
    ({"images": [], "annotations": [], "categories": {}}, "'categories' must be a list"),
])
def test_parse_coco_rejects(doc: dict, message: str) -> None:
    with pytest.raises(ExportError, match=message.replace("[", r"\[")):
        parse_coco(doc)


def test_parse_coco_accepts_string_ids_types_and_scores() -> None:
    coco = parse_coco({
        "info": {"images_root": "/data"},
        "images": [{"id": "a", "file_name": "x/1.jpg"}], "categories": [{"id": "c", "name": " car "}],
        "annotations": [{"image_id": "a", "category_id": "c", "bbox": [1, 2, 3, 4], "score": 1,
                         "type": "instance_segmentation"},
                        {"image_id": "a", "category_id": "c", "type": "bogus", "bbox": [0, 0, 0, 0]},
                        {"image_id": "a", "category_id": "c"}]})
    assert coco.labels == ["car"] and coco.images_root == "/data"
    assert [(a.type, a.bbox, a.score) for a in coco.annotations] == [
        ("instance_segmentation", (1.0, 2.0, 3.0, 4.0), 1.0), ("object_detection", (0.0, 0.0, 0.0, 0.0), None),
        ("classification", None, None)]


def test_matching_by_path_suffix_and_name(tmp_path: pathlib.Path) -> None:
    instances = [inst(1, "/data/cats/a.jpg"), inst(2, "/data/dogs/a.jpg"), inst(3, "/data/dogs/b.jpg")]

    def coco(*names: str, root: str | None = None) -> CocoFile:
        return CocoFile([CocoImage(k, n) for k, n in enumerate(names)], [], [], root, tmp_path)

    found = match_images(coco("cats/a.jpg", "dogs/a.jpg", root="/data"), instances, "path", "/proj")
    assert {k: i.id for k, i in found.found.items()} == {0: 1, 1: 2}
    found = match_images(coco("cats/a.jpg", "a.jpg", "b.jpg", "other/b.jpg", "zz.jpg"), instances, "auto", "/proj")
    assert {k: i.id for k, i in found.found.items()} == {0: 1, 2: 3, 3: 3}
    assert found.ambiguous == ["a.jpg"] and found.unmatched == ["zz.jpg"]
    found = match_images(coco("/data/dogs/b.jpg", "b.jpg"), instances, "path", "/proj")
    assert list(found.found) == [0] and found.unmatched == ["b.jpg"]
    found = match_images(coco("x/y/b.jpg"), instances, "name", "/proj")
    assert found.found[0].id == 3
    assert images_root(["/data/cats/a.jpg", "/data/dogs/b.jpg"]) == "/data" and images_root([]) is None


def test_write_atomic_keeps_mode_and_cleans_up(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "out.csv"
    write_atomic(target, csv_writer(["a", "b"], [{"a": 1, "b": ["x", "y"]}]))
    assert target.read_text() == "a,b\n1,x|y\n"
    os.chmod(target, 0o640)

    def broken(handle) -> None:  # type: ignore[no-untyped-def]
        handle.write("half")
        raise KeyError("boom")

    with pytest.raises(KeyError):
        write_atomic(target, broken)
    assert target.read_text() == "a,b\n1,x|y\n" and list(tmp_path.iterdir()) == [target]
    write_atomic(target, csv_writer(["a"], []))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() == "a\n"
    with pytest.raises(ExportError, match="cannot write"):
        write_atomic(tmp_path / "missing" / "x.csv", csv_writer(["a"], []))


def test_entry_module_is_light() -> None:
    code = ("import sys, lightplug_export; bad = {'numpy', 'PIL', 'pydantic'} & set(sys.modules); "
            "assert not bad, bad; print(lightplug_export.plugin_class.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ExportPlugin"
