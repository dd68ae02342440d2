"""``lightplug run export`` and ``import_coco`` through the real CLI on generated images."""

from __future__ import annotations

import csv
import json
import pathlib

import pytest

import lightplug_export.files as files
from lightplug import (
    AnnotationCreate, AnnotationLabelCreate, AnnotationType, DbCommit, ImageProperty, InstanceProperty,
    Project, PropertyMode, PropertyType, Session, annotation_label_resolver, annotation_resolver,
)


def read_csv(path: pathlib.Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def add_tags_and_values(root: pathlib.Path) -> None:
    """animal (multi_tags, per instance): 1 cat, 2 cat+dog, 4 kitten (child of cat);
    quality (number, per image) 0.25 on image 3; note (text) on 1."""
    project = Project(root)
    try:
        api = project.interface()
        images = {i.id: i for i in project.run(api.get_instances())}
        animal = api.create_property("animal", PropertyType.multi_tags, PropertyMode.id)
        quality = api.create_property("quality", PropertyType.number, PropertyMode.sha1)
        note = api.create_property("note", PropertyType.text, PropertyMode.id)
        cat, dog = api.create_tag(animal.id, "cat"), api.create_tag(animal.id, "dog")
        kitten = api.create_tag(animal.id, "kitten", parent_ids=[cat.id])
        project.run(api.do(DbCommit(
            properties=[animal, quality, note], tags=[cat, dog, kitten],
            instance_values=[InstanceProperty(animal.id, 1, [cat.id]), InstanceProperty(animal.id, 2, [cat.id, dog.id]),
                             InstanceProperty(animal.id, 4, [kitten.id]), InstanceProperty(note.id, 1, "sharp, bright")],
            image_values=[ImageProperty(quality.id, images[3].sha1, 0.25)])))
    finally:
        project.close()


def add_annotations(root: pathlib.Path) -> None:
    """Two boxes on image 1 (cat, dog), one on image 4 (cat, with confidence), a classification on 2."""
    project = Project(root)
    try:
        session = Session(project)
        cat = annotation_label_resolver.create(session=session, label=AnnotationLabelCreate("cat", "default"))
        dog = annotation_label_resolver.create(session=session, label=AnnotationLabelCreate("dog", "default"))
        box = AnnotationType.OBJECT_DETECTION
        annotation_resolver.create_many(session=session, parent_collection_id="default", annotations=[
            AnnotationCreate(1, cat.annotation_label_id, box, 10, 20, 30, 40),
            AnnotationCreate(1, dog.annotation_label_id, box, 50.5, 60, 20, 10),
            AnnotationCreate(4, cat.annotation_label_id, box, 0, 0, 100, 80, confidence=0.9),
            AnnotationCreate(2, dog.annotation_label_id, AnnotationType.CLASSIFICATION)])
    finally:
        project.close()


def stored_annotations(root: pathlib.Path) -> list[tuple]:
    """(file name, label, type, x, y, width, height, confidence) of every stored annotation."""
    project = Project(root)
    try:
        names = {i.id: i.name for i in project.run(project.interface().get_instances())}
        return sorted((names[a.parent_sample_id], a.annotation_label_name, a.annotation_type.value, a.x, a.y,
                       a.width, a.height, a.confidence)
                      for a in annotation_resolver.get_all(session=Session(project)).annotations)
    finally:
        project.close()


# -- groups -------------------------------------------------------------------------------
def test_groups_of_the_latest_run_to_csv_and_json(project, run, tmp_path) -> None:
    grouping = run(project, "make_groups")
    out = run(project, "export", "--output", tmp_path / "groups.csv")
    value = out["value"]
    assert value == {"path": str(tmp_path / "groups.csv"), "what": "groups", "format": "csv",
                     "run_id": grouping["run_id"], "operator": "grouper.make_groups", "groups": 2, "rows": 6}
    assert out["notifs"][0]["type"] == "info" and str(tmp_path / "groups.csv") in out["message"]
    rows = read_csv(tmp_path / "groups.csv")
    assert [(r["group_name"], r["instance_id"], r["score"]) for r in rows] == [
        ("odd", "1", "1.0"), ("odd", "3", "3.0"), ("odd", "5", "5.0"), ("even", "2", ""), ("even", "4", ""),
        ("even", "6", "")]
    assert rows[0]["path"].endswith("cats/img0.jpg") and rows[0]["group_score"] == "1.0"
    assert rows[-1]["name"] == "img5.png" and len(rows[0]["sha1"]) == 40

    # run 0 skips this plugin's own runs: the JSON export still finds the grouping run
    out = run(project, "export", "--output", tmp_path / "groups.json")
    assert out["value"]["run_id"] == grouping["run_id"] and out["value"]["format"] == "json"
    doc = json.loads((tmp_path / "groups.json").read_text())
    assert doc["run_id"] == grouping["run_id"] and doc["operator"] == "grouper.make_groups"
    assert [(g["name"], g["size"]) for g in doc["groups"]] == [("odd", 3), ("even", 3)]
    assert doc["groups"][0]["members"][1]["instance_id"] == 3 and doc["groups"][0]["score"]["value"] == 1.0


def test_groups_by_sha1_an_explicit_run_and_a_selection(project, run, tmp_path) -> None:
    by_sha1 = run(project, "make_groups", "--by-sha1")["run_id"]
    run(project, "make_groups")
    out = run(project, "export", "--run-id", str(by_sha1), "--output", tmp_path / "g.csv", "--ids", "2-3")
    rows = read_csv(tmp_path / "g.csv")
    assert out["value"]["run_id"] == by_sha1
    assert sorted(r["instance_id"] for r in rows) == ["2", "3"] and {r["score"] for r in rows} == {"0.5"}


def test_groups_errors(project, run, tmp_path) -> None:
    out = run(project, "export", "--output", tmp_path / "g.csv", code=1)
    assert "no run to export" in out["message"]
    run(project, "make_groups")
    out = run(project, "export", "--output", tmp_path / "g.csv", "--run-id", "99", code=1)
    assert "no run 99" in out["message"]
    out = run(project, "export", "--output", tmp_path / "g.csv", "--run-id", "-1", code=1)
    assert "--run-id" in out["message"]
    out = run(project, "export", "--output", tmp_path / "g.json", "--format", "coco", code=1)
    assert "coco format holds annotations only" in out["message"]
    failed_export = out["run_id"]
    out = run(project, "export", "--output", tmp_path / "g.csv", "--run-id", str(failed_export), code=1)
    assert "produced no groups" in out["message"]
    assert not any(tmp_path.glob("g.*"))


# -- tags and properties ------------------------------------------------------------------------
def test_tags_to_csv_and_json(project, run, tmp_path) -> None:
    add_tags_and_values(project)
    out = run(project, "export", "--what", "tags", "--output", tmp_path / "tags.csv")
    assert out["value"]["rows"] == 4 and out["value"]["instances"] == 3
    rows = read_csv(tmp_path / "tags.csv")
    assert [(r["instance_id"], r["property"], r["tag"], r["parents"]) for r in rows] == [
        ("1", "animal", "cat", ""), ("2", "animal", "cat", ""), ("2", "animal", "dog", ""),
        ("4", "animal", "kitten", "cat")]
    run(project, "export", "--what", "tags", "--format", "json", "--output", tmp_path / "tags.out")
    doc = json.loads((tmp_path / "tags.out").read_text())
    assert {t["value"]: t["count"] for t in doc["tags"]} == {"cat": 2, "dog": 1, "kitten": 1}
    assert doc["instances"][1]["tags"] == {"animal": ["cat", "dog"]}


def test_property_values_to_csv_and_json(project, run, tmp_path) -> None:
    add_tags_and_values(project)
    out = run(project, "export", "--what", "properties", "--output", tmp_path / "props.csv", "--ids", "1-4")
    assert out["value"] == {"path": str(tmp_path / "props.csv"), "what": "properties", "format": "csv",
                            "rows": 4, "properties": 3, "values": 5}
    rows = read_csv(tmp_path / "props.csv")
    assert list(rows[0]) == ["instance_id", "sha1", "path", "name", "animal", "quality", "note"]
    assert [(r["animal"], r["quality"], r["note"]) for r in rows] == [
        ("cat", "", "sharp, bright"), ("cat|dog", "", ""), ("", "0.25", ""), ("kitten", "", "")]
    run(project, "export", "--what", "properties", "--output", tmp_path / "props.json")
    doc = json.loads((tmp_path / "props.json").read_text())
    assert len(doc["instances"]) == 6
    assert doc["instances"][1]["properties"] == {"animal": ["cat", "dog"], "quality": None, "note": None}
    assert [p["mode"] for p in doc["properties"]] == ["id", "sha1", "id"]


# -- annotations ----------------------------------------------------------------------------------
def test_annotations_to_csv_json_and_coco(project, run, tmp_path, images) -> None:
    add_annotations(project)
    out = run(project, "export", "--what", "annotations", "--output", tmp_path / "a.csv")
    assert out["value"]["annotations"] == 4 and out["value"]["images"] == 3
    rows = read_csv(tmp_path / "a.csv")
    assert [(r["instance_id"], r["label"], r["type"], r["x"], r["width"]) for r in rows] == [
        ("1", "cat", "object_detection", "10.0", "30.0"), ("1", "dog", "object_detection", "50.5", "20.0"),
        ("4", "cat", "object_detection", "0.0", "100.0"), ("2", "dog", "classification", "", "")]
    run(project, "export", "--what", "annotations", "--output", tmp_path / "a.json")
    assert len(json.loads((tmp_path / "a.json").read_text())["annotations"]) == 4

    out = run(project, "export", "--what", "annotations", "--format", "coco", "--output", tmp_path / "coco.json")
    assert out["value"]["annotations"] == 3 and out["value"]["images"] == 6 and out["value"]["categories"] == 2
    assert [n["type"] for n in out["notifs"]] == ["info", "warning"]  # the classification is left out
    coco = json.loads((tmp_path / "coco.json").read_text())
    assert coco["info"]["images_root"] == str(images)
    first = coco["images"][0]
    assert (first["file_name"], first["width"], first["height"]) == ("cats/img0.jpg", 160, 120)
    assert {c["name"] for c in coco["categories"]} == {"cat", "dog"}
    box = coco["annotations"][1]
    assert box["bbox"] == [50.5, 60.0, 20.0, 10.0] and box["area"] == 200 and box["image_id"] == 1
    assert coco["annotations"][2]["score"] == 0.9


def test_coco_round_trip_into_another_project(cli, project, run, tmp_path, images) -> None:
    add_annotations(project)
    run(project, "export", "--what", "annotations", "--format", "coco", "--output", tmp_path / "coco.json")
    other = tmp_path / "other"
    assert cli("init", other).exit_code == 0
    assert cli("-C", other, "import", images / "dogs", images / "cats").exit_code == 0  # other ids
    out = run(other, "import_coco", "--coco-file", tmp_path / "coco.json")
    assert out["value"]["annotations"] == 3 and out["value"]["labels_created"] == 2
    assert stored_annotations(other) == [a for a in stored_annotations(project) if a[2] != "classification"]

    out = run(other, "import_coco", "--coco-file", tmp_path / "coco.json")  # again: nothing new
    assert out["value"]["annotations"] == 0 and out["value"]["duplicates"] == 3
    assert len(stored_annotations(other)) == 3


def write_coco(path: pathlib.Path, file_names: list[str], extra: dict | None = None) -> pathlib.Path:
    doc = {"images": [{"id": k + 1, "file_name": f, "width": 160, "height": 120} for k, f in enumerate(file_names)],
           "categories": [{"id": 7, "name": "bird"}, {"id": 9, "name": "plane"}],
           "annotations": [{"id": k + 1, "image_id": k + 1, "category_id": 7, "bbox": [1, 2, 3, 4]}
                           for k in range(len(file_names))]}
    doc["annotations"].append({"id": 99, "image_id": 1, "category_id": 9, "score": 0.5})  # a classification
    doc.update(extra or {})
    path.write_text(json.dumps(doc))
    return path


def test_import_coco_by_file_name_with_unmatched_images(project, run, tmp_path) -> None:
    coco = write_coco(tmp_path / "c.json", ["img1.jpg", "elsewhere/img4.jpg", "missing.jpg"])
    out = run(project, "import_coco", "--coco-file", coco)
    value = out["value"]
    assert (value["annotations"], value["images"], value["unmatched_images"], value["skipped_annotations"]) == (3, 2, 1, 1)
    warning = out["notifs"][1]
    assert warning["type"] == "warning" and "missing.jpg" in warning["message"]
    assert stored_annotations(project) == [("img1.jpg", "bird", "object_detection", 1.0, 2.0, 3.0, 4.0, None),
                                           ("img1.jpg", "plane", "classification", None, None, None, None, 0.5),
                                           ("img4.jpg", "bird", "object_detection", 1.0, 2.0, 3.0, 4.0, None)]
    out = run(project, "import_coco", "--coco-file", coco, "--match", "path", code=1)
    assert "none of the 3 image(s)" in out["message"]


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"images": []}', "'annotations' must be a list"),
    ('{"images": [{"id": 1}], "annotations": []}', "images[0] must have an 'id' and a 'file_name'"),
    ('{"images": [{"id": 1, "file_name": "img1.jpg"}], "categories": [{"id": 1, "name": "a"}], '
     '"annotations": [{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}, '
     '{"image_id": 1, "category_id": 1, "bbox": [1, 2, -3]}]}', "annotations[1]: bbox must be"),
    ('{"images": [{"id": 1, "file_name": "img1.jpg"}], "categories": [], '
     '"annotations": [{"image_id": 1, "category_id": 5}]}', "category_id 5 is not the id"),
    ('{"images": [{"id": 1, "file_name": "img1.jpg"}], "categories": [{"id": 1, "name": "a"}], '
     '"annotations": [{"image_id": 2, "category_id": 1}]}', "image_id 2 is not the id"),
])
def test_malformed_coco_files_store_nothing(project, run, tmp_path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    out = run(project, "import_coco", "--coco-file", path, code=1)
    assert message in out["message"] and str(path) in out["message"]
    assert stored_annotations(project) == []
    assert not out["success"]


def test_import_coco_usage_errors(cli, project, tmp_path) -> None:
    assert cli("-C", project, "run", "import_coco", "--coco-file", tmp_path / "nope.json").exit_code == 2
    assert cli("-C", project, "run", "import_coco").exit_code == 2
    coco = write_coco(tmp_path / "c.json", ["img1.jpg"])
    assert cli("-C", project, "run", "import_coco", "--coco-file", coco, "--match", "fuzzy").exit_code == 2


# -- writing ------------------------------------------------------------------------------------
def test_bad_outputs(cli, project, run, tmp_path) -> None:
    run(project, "make_groups")
    out = run(project, "export", "--output", tmp_path / "no" / "such" / "dir.csv", code=1)
    assert "does not exist" in out["message"]
    out = run(project, "export", "--output", tmp_path, code=1)
    assert "is a directory" in out["message"]
    (tmp_path / "file").write_text("x")
    out = run(project, "export", "--output", tmp_path / "file" / "g.csv", code=1)
    assert "does not exist" in out["message"]
    out = run(project, "export", "--output", "/proc/lightplug-export.csv", code=1)
    assert out["message"].startswith("cannot write /proc/lightplug-export.csv")
    database = project / ".lightplug" / "project.db"
    before = database.read_bytes()
    for target in (database, project / ".lightplug" / "plugin_data" / "x.csv"):
        out = run(project, "export", "--output", target, code=1)
        assert "inside the project's .lightplug folder" in out["message"]
    (tmp_path / "link").symlink_to(project / ".lightplug")
    assert "inside the project" in run(project, "export", "--output", tmp_path / "link" / "project.db", code=1)["message"]
    assert database.read_bytes()[:16] == before[:16] == b"SQLite format 3\x00"
    assert cli("-C", project, "run", "export").exit_code == 2  # --output is required
    assert cli("-C", project, "run", "export", "--output", "x.csv", "--what", "everything").exit_code == 2
    assert cli("-C", project, "run", "export", "--output", "x.csv", "--format", "xml").exit_code == 2


def test_a_failed_write_leaves_the_old_file_untouched(project, run, tmp_path, monkeypatch) -> None:
    run(project, "make_groups")
    target = tmp_path / "groups.json"
    target.write_text("previous export\n")

    def explode(value):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full, say")

    original = files.finite
    monkeypatch.setattr(files, "finite", explode)
    out = run(project, "export", "--output", target, code=1)
    assert "disk full" in out["message"]
    assert target.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    monkeypatch.setattr(files, "finite", original)
    run(project, "export", "--output", target)
    assert json.loads(target.read_text())["groups"][0]["name"] == "odd"


def test_file_names_that_are_not_utf8_are_exported_exactly(tmp_path, cli, run) -> None:
    """A name's bytes come back as they are in CSV, and as \\udcNN escapes in (valid) JSON."""
    import os

    folder = tmp_path / "odd"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/caf\xe9.jpg"  # Latin-1 bytes: not UTF-8
    from PIL import Image

    with open(raw, "wb") as handle:
        Image.new("RGB", (32, 24), (200, 120, 40)).save(handle, format="JPEG")
    root = tmp_path / "project"
    assert cli("init", root).exit_code == 0 and cli("-C", root, "import", folder).exit_code == 0
    run(root, "make_groups")
    run(root, "export", "--output", tmp_path / "g.csv")
    with open(tmp_path / "g.csv", "rb") as handle:
        assert raw in handle.read()
    run(root, "export", "--output", tmp_path / "g.json")
    doc = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    assert os.fsencode(doc["groups"][0]["members"][0]["path"]) == raw
