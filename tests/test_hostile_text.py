"""User text is never markup and never reaches the terminal raw: file names, tags, plugin
descriptions, messages, group names and errors carrying rich markup (``[/x]``, ``[bold]``),
ANSI escapes or bytes that are not UTF-8 are shown literally (escapes as ``\\x1b``), through the
installed command line with a real plugin package (tests/fixtures/hostile_plugin)."""

from __future__ import annotations

import json

import pytest

from procs import make_images

ONLY = {"LIGHTPLUG_PLUGINS": "hostile", "COLUMNS": "200"}
NAMES = ["a[red]b[x].png", "[bold]b.png", "esc\x1b[31m.png"]  # ("/" cannot be in a file name)


@pytest.fixture
def hostile(lp, tmp_path):
    """``lp`` with only the hostile plugin, in a project holding images with hostile names."""
    def run(*args, code: int | None = 0):
        done = lp(*args, cwd=tmp_path, extra_env=ONLY)
        if code is not None:
            assert done.returncode == code, (args, done.stdout, done.stderr)
        assert "\x1b" not in done.stdout + done.stderr, (args, done.stdout, done.stderr)
        return done

    photos = tmp_path / "photos"
    for path, name in zip(make_images(photos, 3), NAMES):
        path.rename(photos / name)
    run("init", ".")
    return run


def test_file_names_and_tags_are_shown_literally(hostile):
    imported = hostile("import", "photos")
    assert "Imported 3 file(s)" in imported.stderr
    listed = hostile("images", "list").stdout
    assert "a[red]b[x].png" in listed and "[bold]b.png" in listed and "esc\\x1b[31m.png" in listed
    names = {i["name"] for i in json.loads(hostile("images", "list", "--json").stdout)}
    assert names == set(NAMES)  # JSON keeps the exact name
    hostile("run", "hostile.tag", "--name", "[red]keep[/x]", "--no-input")
    assert "[red]keep[/x]" in hostile("tags", "list").stdout
    assert "labels [/x]" in hostile("properties", "list").stdout


def test_plugin_text_is_shown_literally(hostile):
    hostile("import", "photos")
    listed = hostile("ops", "list").stdout
    assert "[bold]bold[/bold]" in listed and "\\x1b[31mred" in listed
    shown = hostile("ops", "show", "hostile.shout").stdout
    assert "what to say [/x]" in shown
    assert "what to say [/x]" in hostile("run", "hostile.shout", "--help").stdout
    said = hostile("run", "hostile.shout", "--text", "[/x] <&> [bold]", "--no-input").stdout
    assert "[/x] said" in said and "[/x] <&> [bold]\\x1b[31m" in said and "[bold]group[/x]" in said
    assert "[bold]b.png" in said or "id " in said  # group members
    runs = hostile("runs", "list").stdout
    assert "hostile.shout" in runs
    hostile("runs", "show", "1")
    assert "[bold]bold[/bold]" in hostile("plugins", "list").stdout or "hostile" in hostile("plugins", "list").stdout


def test_a_hostile_error_is_one_clear_line(hostile):
    hostile("import", "photos")
    exploded = hostile("run", "hostile.explode", "--no-input", code=1)
    assert "bad [/x] value\\x1b[31m" in exploded.stdout + exploded.stderr
    data = json.loads(hostile("run", "hostile.explode", "--json", code=1).stdout)
    assert data["status"] == "error" and "bad [/x] value\x1b[31m" in data["message"]
    missing = hostile("run", "hostile.shout", "--ids", "99", code=2)
    assert "Error:" in missing.stderr
    unknown = hostile("run", "[/x]", code=2)
    assert "'[/x]'" in unknown.stderr
