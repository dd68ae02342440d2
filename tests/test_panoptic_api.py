"""Commits, undo/redo across invocations, rollback of raising actions, tasks, tags, plugin settings."""

from __future__ import annotations


def test_raising_action_leaves_database_unchanged(example_cli, example_project):
    project = example_project
    cli = example_cli
    before = (cli.json("-C", project, "properties", "list"), cli.json("-C", project, "vectors", "list"),
              cli.json("-C", project, "history"))
    result = cli("-C", project, "run", "write_then_raise", "--json")
    assert result.exit_code == 1
    import json

    data = json.loads(result.stdout)
    assert data["status"] == "error" and data["notifs"][0]["type"] == "error"
    assert "exploded after writing" in data["notifs"][0]["message"]
    after = (cli.json("-C", project, "properties", "list"), cli.json("-C", project, "vectors", "list"),
             cli.json("-C", project, "history"))
    # its commit is reverted; the vector type it made is cache (kept, like any computed vectors)
    assert (after[0], after[2]) == (before[0], before[2])
    assert [v for v in after[1] if v not in before[1]] == [
        {**after[1][-1], "params": {"doomed": True}}] and after[1][:-1] == before[1]
    assert "reverted: 1 commit(s)" in data["message"]
    run = cli.json("-C", project, "runs", "show", str(data["run_id"]))
    assert run["status"] == "error" and run["finished"]
    verbose = cli("-C", project, "run", "write_then_raise", "--verbose")
    assert verbose.exit_code == 1 and "Traceback" in verbose.stdout


def test_undo_redo_across_invocations(example_cli, example_project):
    project = example_project
    cli = example_cli
    # the parameter `tag` owns --tag; the selection by tag is then --select-tag (--param works too)
    tagged = cli.json("-C", project, "run", "tag_selection", "--ids", "1,2", "--tag", "keep")
    assert tagged["value"] == 2 and tagged["selection"] == {"ids": [1, 2]} and tagged["parameters"]["tag"] == "keep"
    tags = cli.json("-C", project, "tags", "list")
    assert [(t["value"], t["count"]) for t in tags] == [("keep", 2)]
    chained = cli.json("-C", project, "run", "raising.RaisingPlugin.tag_selection", "--param", "tag=second",
                       "--select-tag", "keep")
    assert chained["selection"] == {"tag": ["keep"]} and chained["value"] == 2
    help_text = cli("-C", project, "run", "tag_selection", "--help").stdout
    assert "--select-tag" in help_text and "--select-ids" in help_text and "--ids" in help_text
    history = cli.json("-C", project, "history")
    assert [h["state"] for h in history] == ["done", "done"]
    assert cli("-C", project, "undo").exit_code == 0
    assert cli("-C", project, "undo").exit_code == 0
    assert cli.json("-C", project, "tags", "list") == []
    assert cli.json("-C", project, "properties", "list") == []
    assert cli("-C", project, "undo").exit_code == 1  # nothing left
    assert cli("-C", project, "redo").exit_code == 0
    tags = cli.json("-C", project, "tags", "list")
    assert [(t["value"], t["count"]) for t in tags] == [("keep", 2)]
    assert tags[0]["id"] == 1  # redo restores the same ids


def test_failed_task_does_not_stop_others_and_run_if_last_runs(example_cli, example_project):
    project = example_project
    result = example_cli("-C", project, "run", "failing_tasks", "--json")
    assert result.exit_code == 1
    assert "run_if_last ran for k" in result.stderr
    import json

    data = json.loads(result.stdout)
    errors = [n for n in data["notifs"] if n["type"] == "error"]
    assert len(errors) == 1 and "task failed on purpose" in errors[0]["message"]


def test_plugin_enable_disable_and_config(example_cli, example_project):
    project = example_project
    cli = example_cli
    assert cli("-C", project, "plugins", "disable", "my_plugin").exit_code == 0
    ops = {o["id"] for o in cli.json("-C", project, "ops", "list")}
    assert "my_plugin.compute_clusters" not in ops
    assert cli("-C", project, "plugins", "enable", "my_plugin").exit_code == 0
    ops = {o["id"] for o in cli.json("-C", project, "ops", "list")}
    assert "my_plugin.compute_clusters" in ops
    assert cli("-C", project, "plugins", "disable", "nope").exit_code == 2
    listed = {p["name"]: p for p in cli.json("-C", project, "plugins", "list")}
    assert listed["my_plugin"]["actions"] == ["compute_vectors", "compute_clusters"]


def test_action_parameter_bounds_enums_and_paths(example_cli, example_project):
    project = example_project
    cli = example_cli
    ok = cli.json("-C", project, "run", "raising.BoundedPlugin.bounded", "--k", "10", "--colour", "blue",
                  "--where", "a/b")
    assert ok["value"] == {"k": 10, "colour": "blue", "where": "a/b"}
    assert cli("-C", project, "run", "bounded", "--k", "11").exit_code == 2
    assert cli("-C", project, "run", "bounded", "--param", "k=0").exit_code == 2
    assert cli("-C", project, "run", "bounded", "--colour", "green").exit_code == 2
    shown = cli.json("-C", project, "ops", "show", "bounded")
    k = shown["parameters"][0]
    assert (k["min"], k["max"], k["default"], k["type"]) == (1, 10, 3, "int")
    assert shown["parameters"][1]["choices"] == ["red", "blue"]


def test_module_hooks_see_imports_and_folder_deletes(example_cli, tmp_path, sample_dir):
    import json

    root = tmp_path / "p"
    example_cli("init", root)
    assert example_cli("-C", root, "import", sample_dir / "more").exit_code == 0
    assert example_cli("-C", root, "import", sample_dir / "more").exit_code == 0  # nothing new: no event
    assert example_cli("-C", root, "remove-folder", sample_dir / "more").exit_code == 0
    events = [json.loads(line) for line in (root / ".lightplug" / "events.jsonl").read_text().splitlines()]
    assert events[0]["event"] == "import" and len(events[0]["names"]) == 5
    assert events[1:] == [{"event": "folder_delete", "folders": 1, "instances": 5}]


def test_plugin_events_settings_and_data_path(example_cli, tmp_path, sample_dir):
    cli = example_cli
    root = tmp_path / "p"
    cli("init", root)
    name = "raising.RaisingPlugin"
    data = root / ".lightplug" / "plugin_data" / name
    assert cli("-C", root, "plugins", "config", name, "greeting=yo", "repeat=2").exit_code == 0
    assert cli.json("-C", root, "plugins", "config", name)["params"] == {"greeting": "yo", "repeat": 2}
    bad = cli("-C", root, "plugins", "config", name, "repeat=0")
    assert bad.exit_code == 2 and "repeat" in bad.output
    assert cli("-C", root, "plugins", "config", name, "nope=1").exit_code == 2
    cli("-C", root, "import", sample_dir / "more")
    cli("-C", root, "remove-folder", sample_dir / "more")
    lines = (data / "seen.txt").read_text().splitlines()
    assert len(lines) == 6 and lines[0].startswith("yoyo ") and lines[-1] == "gone 5"
    cli("-C", root, "plugins", "config", name, "greeting=explode")
    failed = cli("-C", root, "import", sample_dir / "gray.jpg")
    assert failed.exit_code == 1 and "listener exploded" in failed.output
    assert any(i["name"] == "gray.jpg" for i in cli.json("-C", root, "images", "list"))
    assert cli("-C", root, "plugins", "remove", name).exit_code == 2  # no terminal: --yes is needed
    assert data.exists()
    assert cli("-C", root, "plugins", "remove", name, "--yes").exit_code == 0
    assert not data.exists()
    assert name not in {p["name"] for p in cli.json("-C", root, "plugins", "list") if p.get("enabled")}


def test_selection_options(example_cli, example_project, sample_dir):
    cli, project = example_cli, example_project
    images = cli.json("-C", project, "images", "list")
    copy = next(i for i in images if i["name"] == "photo_002_copy.jpg")

    def count(*selection):
        return cli.json("-C", project, "run", "tag_selection", "--param", "tag=t", *selection)["value"]

    assert count("--sha1", copy["sha1"]) == 2  # the copy and its original
    assert count("--folder", sample_dir / "more") == 5
    assert count("--folder", sample_dir / "more", "--ids", "1") == 6
    assert count("--select-tag", "t") == 7  # everything tagged by the three runs above (--tag is the parameter)
    assert count("--select-tag", "labels:t") == 7
    assert count("--select-ids", "1,2") == 2
    for bad in (["--ids", "99999"], ["--ids", "x"], ["--sha1", "0" * 40], ["--folder", "/nope"],
                ["--select-tag", "missing"], ["--from-run", "abc"]):
        assert cli("-C", project, "run", "tag_selection", *bad).exit_code == 2, bad
