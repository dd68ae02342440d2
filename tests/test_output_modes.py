"""Output for people and pipes: `-q/--quiet` and `-v/--verbose` on every command, `NO_COLOR`,
`run ... --report FILE`, long values cut in `run`'s human output, hints on stderr."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from installed_cli import LIGHTPLUG, Installed, duplicates_project
from lightplug import ActionContext, ActionResult, APlugin
from lightplug.testing import PluginCli

COLOUR = re.compile(r"\x1b\[[0-9;]*(?:3[0-7]|38;|9[0-7])[0-9;]*m")


class Chatty(APlugin):
    """A plugin whose action returns a very long value."""

    def __init__(self, project, plugin_path: str, name: str) -> None:
        super().__init__(name=name, project=project, plugin_path=plugin_path)
        self.add_action_easy(self.numbers, ["execute"])

    async def numbers(self, context: ActionContext, count: int = 8000) -> ActionResult:
        """Return the first COUNT numbers as the value."""
        return ActionResult(value={"numbers": list(range(count))})


class Splitter(APlugin):
    """A plugin whose action makes one group per image."""

    def __init__(self, project, plugin_path: str, name: str) -> None:
        super().__init__(name=name, project=project, plugin_path=plugin_path)
        self.add_action_easy(self.singles, ["group"])

    async def singles(self, context: ActionContext) -> ActionResult:
        """One group per image."""
        from lightplug import Group

        images = await self.project.get_instances(ids=context.instance_ids)
        return ActionResult(groups=[Group(ids=[i.id], name=f"image {i.id}") for i in images])


class Wordy(APlugin):
    """A plugin whose actions' descriptions are hard to wrap."""

    def __init__(self, project, plugin_path: str, name: str) -> None:
        super().__init__(name=name, project=project, plugin_path=plugin_path)
        self.add_action_easy(self.long_words, ["execute"])
        self.add_action_easy(self.short, ["execute"])

    async def long_words(self, context: ActionContext, first_option_with_a_long_name: int = 1,
                         second_option_with_a_long_name: str = "x", third: bool = False) -> ActionResult:
        """A description with aVeryLongWordThatIsLongerThanAnyLineCanHoldWhenTheTerminalIsNarrow, some
        hyphenated-words-that-must-not-break-at-hyphens,  doubled  spaces, a tab\there, an
        escape \x1b[31m sequence and unicode: café, naïve, Ärger."""
        return ActionResult()

    async def short(self, context: ActionContext) -> ActionResult:
        """Short."""
        return ActionResult()


def test_ops_list_for_a_pipe_is_the_terminal_listing_without_styles(tmp_path, monkeypatch):
    """``ops list`` written to a pipe or a file gives the text rich draws on a terminal, wrapped
    the same at any width, minus its styles and the spaces rich pads wrapped lines with. Plain
    words are wrapped without rich (~20 ms of every listing); texts with tabs, wide characters
    or words longer than a line, and widths under 20 columns, are left to rich."""
    plain_words = PluginCli(plugins="dedup")
    hard_words = PluginCli(plugins="dedup")
    hard_words.add("wordy", Wordy)
    for cli, simple in ((plain_words, True), (hard_words, False)):
        root = cli.init(tmp_path / f"p{simple}")
        for columns in ("12", "40", "63", "80", "120"):
            monkeypatch.setenv("COLUMNS", columns)
            monkeypatch.delenv("FORCE_COLOR", raising=False)
            plain = cli("-C", root, "ops", "list")
            monkeypatch.setenv("FORCE_COLOR", "1")  # rich draws as on a terminal
            drawn = cli("-C", root, "ops", "list")
            assert plain.exit_code == drawn.exit_code == 0
            assert "\x1b" not in plain.stdout and "\x1b[1m" in drawn.stdout  # bold ids: styles were drawn
            unstyled = re.sub(r"\x1b\[[0-9;]*m", "", drawn.stdout)
            rstripped = "\n".join(line.rstrip() for line in unstyled.split("\n"))
            assert "\n".join(line.rstrip() for line in plain.stdout.split("\n")) == rstripped, columns
            assert "dedup.find_duplicates  action (group)" in plain.stdout
            monkeypatch.delenv("FORCE_COLOR")
            monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich's other way of being told to draw
            assert cli("-C", root, "ops", "list").stdout == drawn.stdout
            monkeypatch.delenv("TTY_COMPATIBLE")
            if simple and int(columns) >= 20:  # without rich: no padded lines, none wider than the terminal
                assert plain.stdout == rstripped and "    Find exact and near-duplicate" in plain.stdout
                assert all(len(line) <= int(columns) for line in plain.stdout.splitlines()
                           if not line.startswith("dedup."))
            elif not simple:
                assert "wordy.long_words  action (execute)" in plain.stdout and "\\x1b[31m" in plain.stdout


@pytest.fixture
def cli() -> PluginCli:
    return PluginCli(plugins="dedup")


@pytest.fixture
def project(tmp_path, cli) -> tuple[Path, Path]:
    return duplicates_project(tmp_path, cli)


@pytest.mark.slow
def test_quiet_keeps_data_and_errors_and_drops_messages(project, tmp_path):
    root, images = project
    lp = Installed(tmp_path / "cache")
    loud = lp("-C", root, "import", images)
    assert "14 already known" in loud.stderr
    quiet = lp("-q", "-C", root, "import", images)
    assert quiet.stderr == "" and quiet.stdout == ""
    listed = lp("--quiet", "-C", root, "images", "list", "--json")
    assert listed.stderr == "" and len(json.loads(listed.stdout)) == 14
    run = lp("-q", "-C", root, "run", "dedup.find_duplicates", "--no-input")
    assert run.stderr == "" and "3 group(s)" in run.stdout and "Files of each group" not in run.stdout
    error = lp("-q", "-C", tmp_path / "nowhere", "images", "list", code=2)
    assert error.stderr.startswith("Error: ") and "not a lightplug project" in error.stderr
    moved = lp("-q", "-C", root, "images", "move", "--ids", "1", "--to", tmp_path / "x")
    assert moved.stderr == "" and " -> " in moved.stdout  # the moves are data; the summary a message


@pytest.mark.slow
def test_verbose_adds_details_on_stderr_only(project, tmp_path):
    root, _ = project
    lp = Installed(tmp_path / "cache")
    plain = lp("-C", root, "images", "list", "--csv")
    verbose = lp("-v", "-C", root, "images", "list", "--csv")
    assert verbose.stdout == plain.stdout and plain.stderr == ""
    assert f"project {root}" in verbose.stderr and re.search(r"lightplug images: \d+\.\d\d s", verbose.stderr)
    imported = lp("--verbose", "-C", root, "import", root.parent / "photos")
    assert "plugins loaded in" in imported.stderr and "dedup" in imported.stderr
    assert lp("-q", "-v", "-C", root, "images", "list", "--csv").stderr == ""  # --quiet wins


@pytest.mark.slow
def test_no_color_is_respected(project, tmp_path):
    root, _ = project
    lp = Installed(tmp_path / "cache")
    forced = {"FORCE_COLOR": "1", "COLUMNS": "120"}
    coloured = lp("-C", root, "status", env=forced)
    failed = lp("-C", tmp_path / "nowhere", "status", env=forced, code=2)
    assert COLOUR.search(coloured.stdout) and COLOUR.search(failed.stderr)  # the check can see colour
    for args, code in ((("-C", root, "status"), 0), (("-C", tmp_path / "nowhere", "status"), 2),
                       (("-C", root, "run", "dedup.find_duplicates", "--no-input"), 0), (("--help",), 0)):
        plain = lp(*args, env={**forced, "NO_COLOR": "1"}, code=code)
        assert not COLOUR.search(plain.stdout + plain.stderr), args


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_quiet_on_a_terminal_prints_nothing_but_data(project, tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    import pexpect_like as pt

    from procs import make_images

    root, _ = project
    make_images(tmp_path / "many", 300)
    env = ["env", f"LIGHTPLUG_CACHE_DIR={tmp_path / 'cache'}", "LIGHTPLUG_PLUGINS=dedup", "LIGHTPLUG_WORKERS=2",
           str(LIGHTPLUG)]
    with pt.Terminal([*env, "-q", "-C", str(root), "import", str(tmp_path / "many")]) as term:
        said = term.read_all()
    assert term.proc.returncode == 0 and said.strip() == "", said
    # hashes of another method are computed by the run, with a progress bar on a terminal …
    with pt.Terminal([*env, "-C", str(root), "run", "dedup.find_duplicates", "--no-input", "--method", "whash"]) as term:
        said = term.read_all()
    assert term.proc.returncode == 0 and "dedup: whash" in said and "Files of each group" in said, said
    # … but for -q
    with pt.Terminal([*env, "-q", "-C", str(root), "run", "dedup.find_duplicates", "--no-input",
                      "--method", "dhash"]) as term:
        said = term.read_all()
    assert term.proc.returncode == 0 and "group(s)" in said, said
    assert "dedup: dhash" not in said and "Files of each group" not in said, said


def test_run_report_writes_the_page_of_the_run(project, cli, tmp_path):
    root, _ = project
    page = tmp_path / "out" / "dups.html"
    result = cli("-C", root, "run", "dedup.find_duplicates", "--no-input", "--report", page, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert f"Wrote {page} (3 group(s))." in result.stderr
    again = tmp_path / "again.html"
    assert cli("-C", root, "report", data["run_id"], "--html", again).exit_code == 0
    assert page.read_bytes() == again.read_bytes()
    text = page.read_text()
    assert text.count("<section class='group'") == 3 and text.count(">KEEP</span>") == 3


def test_run_report_refuses_a_bad_file_before_running(project, cli):
    root, _ = project
    before = cli.json("-C", root, "runs", "list")
    bad = cli("-C", root, "run", "dedup.find_duplicates", "--no-input", "--report", root / ".lightplug" / "r.html")
    assert bad.exit_code == 2 and "outside the project's .lightplug folder" in bad.stderr
    assert cli.json("-C", root, "runs", "list") == before  # nothing ran


def test_a_long_value_is_cut_with_a_hint(project, tmp_path):
    root, _ = project
    cli = PluginCli(plugins="")
    cli.add("chatty", Chatty)
    human = cli("-C", root, "run", "chatty.numbers", "--no-input")
    assert human.exit_code == 0, human.output
    [line] = [line for line in human.stdout.splitlines() if line.startswith("value: ")]
    full = json.dumps({"numbers": list(range(8000))})
    assert len(full) > 40_000 and len(line) < 1000 and line.endswith("…")
    assert f"of {len(full):,} characters" in human.stderr and "lightplug runs show" in human.stderr
    run_id = re.search(r"runs show (\d+) --json", human.stderr).group(1)
    assert cli.json("-C", root, "runs", "show", run_id)["result"]["value"]["numbers"][-1] == 7999
    short = cli("-C", root, "run", "chatty.numbers", "--count", "3", "--no-input")
    assert 'value: {"numbers": [0, 1, 2]}' in short.stdout and "cut" not in short.stderr


def test_hints_go_to_stderr_and_suggested_ids_are_ranges(project, cli):
    root, _ = project
    human = cli("-C", root, "run", "dedup.find_duplicates", "--no-input")
    assert "3 group(s)" in human.stdout and "keep photo_000.png" in human.stdout
    for hint in ("Files of each group", "suggested:", "--from-run"):
        assert hint in human.stderr and hint not in human.stdout
    ids = json.loads(cli("-C", root, "run", "dedup.find_duplicates", "--no-input", "--json").stdout)
    wanted = sorted(ids["notifs"][0]["functions"][0]["instance_ids"])
    assert wanted == list(range(wanted[0], wanted[-1] + 1))  # the five duplicates were imported one after another
    assert f"lightplug run dedup.tag_duplicates --ids {wanted[0]}-{wanted[-1]}" in human.stderr


def test_many_groups_are_cut_in_human_output_not_in_json(project):
    from PIL import Image

    root, _ = project
    more = root.parent / "more"
    more.mkdir()
    for k in range(50):
        Image.new("RGB", (8, 8), (k * 5, 100, 200 - k * 3)).save(more / f"tile_{k:02}.png")
    cli = PluginCli(plugins="")
    cli.add("splitter", Splitter)
    assert cli("-C", root, "import", more).exit_code == 0
    count = len(cli.json("-C", root, "images", "list"))
    assert count > 50
    human = cli("-C", root, "run", "splitter.singles", "--no-input")
    assert human.exit_code == 0, human.output
    shown = [line for line in human.stdout.splitlines() if re.match(r"\d+\. image \d+: ", line)]
    assert len(shown) == 50 and f"… and {count - 50} more group(s): lightplug show" in human.stderr
    assert len(cli.json("-C", root, "run", "splitter.singles", "--no-input")["groups"]) == count
