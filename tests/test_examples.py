"""The documentation examples of both source systems, with only their import lines changed."""

from __future__ import annotations


def test_lightly_greeting_example(example_cli, example_project):
    project = example_project
    result = example_cli("-C", project, "run", "GreetingOperator", "--name", "Ada", "--no-input")
    assert result.exit_code == 0 and result.stdout.strip() == "Hello Ada!"


def test_panoptic_hue_example_groups_by_hue(example_cli, example_project):
    project = example_project
    cli = example_cli
    types = cli.json("-C", project, "vectors", "list")
    assert any(t["source"] == "my_plugin" and t["params"] == {"model": "fake_vector"} for t in types)
    # bare names, as the source documentation uses them: no built-in plugin may clash with them
    vectors = cli.json("-C", project, "run", "compute_vectors")
    assert vectors["success"] and vectors["notifs"][0]["message"] == "Computed all vectors"
    groups = cli.json("-C", project, "run", "compute_clusters", "--nb-clusters", "3")
    assert [g["name"].startswith("Hue group: ") for g in groups["groups"]] == [True] * 3
    images = {i["id"]: i for i in cli.json("-C", project, "images", "list")}
    assert sum(g["size"] for g in groups["groups"]) == len(images)
    # hues grow from group to group
    bounds = [tuple(float(x) for x in g["name"].split(": ")[1].split("-")) for g in groups["groups"]]
    assert all(a[1] <= b[0] for a, b in zip(bounds, bounds[1:]))
    # the groups feed the next run
    second = cli.json("-C", project, "run", "compute_clusters", "--nb-clusters", "1",
                      "--from-run", f"{groups['run_id']}:2")
    assert sorted(second["groups"][0]["ids"]) == sorted(groups["groups"][1]["ids"])
    named = cli.json("-C", project, "run", "compute_clusters", "--nb-clusters", "1",
                     "--from-run", f"{groups['run_id']}:{groups['groups'][0]['name']}")
    assert sorted(named["groups"][0]["ids"]) == sorted(groups["groups"][0]["ids"])
    assert cli("-C", project, "run", "compute_clusters", "--nb-clusters", "1", "--from-run", "999").exit_code == 2
    human = cli("-C", project, "run", "compute_clusters", "--nb-clusters", "3")
    assert "Hue group" in human.stdout and "3 group(s)" in human.stdout


def test_autolabel_example_writes_annotations(example_cli, example_project):
    project = example_project
    cli = example_cli
    op = "LightlyTrain: OD auto-labeling"
    result = cli.json("-C", project, "run", op, "--no-input")
    assert result["success"] and result["message"].startswith("Auto-labeling complete. Added ")
    annotations = cli.json("-C", project, "annotations", "list")
    added = int(result["message"].split("Added ")[1].split()[0])
    assert added > 0 and len(annotations) == added
    a = annotations[0]
    assert a["type"] == "object_detection" and a["label"].endswith("thing") and a["width"] > 0
    selected = cli.json("-C", project, "run", op, "--ids", "1", "--no-input")
    assert selected["message"].endswith("Added 1 annotations.")
    bad = cli.json("-C", project, "run", op, "--param", "Threshold=2", code=1)
    assert bad["success"] is False and "Threshold" in bad["message"]
    model = cli.json("-C", project, "run", op, "--model", "nope", "--no-input", code=1)
    assert "Model load failed" in model["message"]
