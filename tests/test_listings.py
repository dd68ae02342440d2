"""Listings for people and pipes: ``images`` alone lists, ``--csv``/``--tsv``/``--nl``/``--json``,
``--limit``, and the selection options as filters."""

from __future__ import annotations

import csv
import io
import json


def test_images_alone_lists_them(cli, project):
    bare, listed = cli("-C", project, "images"), cli("-C", project, "images", "list")
    assert bare.exit_code == 0 and bare.stdout == listed.stdout and "row(s)" in bare.stdout


def test_formats_agree(cli, project):
    rows = cli.json("-C", project, "images", "list")
    as_csv = list(csv.DictReader(io.StringIO(cli("-C", project, "images", "list", "--csv").stdout)))
    assert [int(r["id"]) for r in as_csv] == [r["id"] for r in rows]
    assert [r["path"] for r in as_csv] == [r["path"] for r in rows]
    tsv = cli("-C", project, "images", "list", "--tsv").stdout.splitlines()
    assert tsv[0].split("\t")[:2] == ["id", "name"] and len(tsv) == len(rows) + 1
    lines = cli("-C", project, "images", "list", "--nl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == rows
    both = cli("-C", project, "images", "list", "--csv", "--json")
    assert both.exit_code == 2 and "one output format" in both.output


def test_limit_and_filters(cli, project):
    rows = cli.json("-C", project, "images", "list")
    assert cli.json("-C", project, "images", "list", "--limit", "2") == rows[:2]
    table = cli("-C", project, "images", "list", "--limit", "2").stdout
    assert f"2 row(s) of {len(rows)} (--limit)" in table
    picked = cli.json("-C", project, "images", "list", "--ids", "2-3")
    assert [r["id"] for r in picked] == [2, 3]
    more = [r for r in rows if "/more/" in r["path"]]
    folder = more[0]["path"].rsplit("/", 1)[0]
    assert cli.json("-C", project, "images", "list", "--folder", folder) == more
    assert cli("-C", project, "images", "list", "--tag", "nope").exit_code == 2
    assert cli("-C", project, "tags", "list", "--ids", "1").exit_code == 2


def test_a_reader_that_stops_early_is_not_an_error(tmp_path):
    """``lightplug images list | head -1``: exit 0 and nothing on stderr, for a table and for --nl."""
    import subprocess

    import procs

    env = procs.environment(LIGHTPLUG_PLUGINS="")
    procs.make_images(tmp_path / "photos", 400, size=8)
    assert procs.run("init", tmp_path / "project", env=env).returncode == 0
    assert procs.run("-C", tmp_path / "project", "import", tmp_path / "photos", env=env).returncode == 0
    for fmt in ([], ["--nl"], ["--csv"]):
        reader = subprocess.Popen(procs.command("-C", tmp_path / "project", "images", "list", *fmt),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
        assert reader.stdout is not None and reader.stderr is not None
        reader.stdout.readline()
        reader.stdout.close()  # the reader goes away with most of the output unread
        assert reader.wait(timeout=60) == 0, fmt
        assert reader.stderr.read() == b"", fmt


def test_annotations_and_captions_are_listed_filtered_and_exported(example_cli, example_project, tmp_path):
    from lightplug import CaptionCreate, Project, caption_resolver

    cli, project = example_cli, example_project
    assert cli.json("-C", project, "run", "LightlyTrain: OD auto-labeling", "--no-input")["success"]
    everything = cli.json("-C", project, "annotations", "list")
    assert everything and f"{len(everything)} row(s)" in cli("-C", project, "annotations").stdout
    label = everything[0]["label"]
    by_label = cli.json("-C", project, "annotations", "list", "--label", label)
    assert by_label == [a for a in everything if a["label"] == label]
    assert cli.json("-C", project, "annotations", "list", "--type", "instance_segmentation") == []
    first = cli.json("-C", project, "annotations", "list", "--ids", str(everything[0]["sample_id"]))
    assert first and {a["sample_id"] for a in first} == {everything[0]["sample_id"]}
    collection = everything[0]["collection_id"]
    assert cli.json("-C", project, "annotations", "list", "--collection", collection) == everything

    opened = Project(project)
    try:
        caption_resolver.create_many(session=opened.db, captions=[CaptionCreate(parent_sample_id=1, text="a cat")])
    finally:
        opened.close()
    captions = cli.json("-C", project, "captions", "list")
    assert [(c["sample_id"], c["text"]) for c in captions] == [(1, "a cat")]
    assert cli.json("-C", project, "captions", "list", "--ids", "2") == []

    coco = tmp_path / "coco.json"
    assert cli("-C", project, "annotations", "export", "--output", coco).exit_code == 0
    data = json.loads(coco.read_text())
    assert len(data["annotations"]) == len(everything) and data["captions"] == [{"image_id": 1, "caption": "a cat"}]
    assert {c["name"] for c in data["categories"]} == {a["label"] for a in everything}
    assert cli("-C", project, "annotations", "export", "--format", "voc").exit_code == 2
