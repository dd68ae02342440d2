"""Meta-tests for the documentation (in the spirit of datasette's ``test_docs.py``).

* every public name of ``lightplug`` has a ``### `Name` `` heading in docs/api.md, and every
  heading of that form names something public;
* every hook (the core's and each dialect's) has a ``### hook `name` `` heading in docs/api.md;
* every command and sub-command of the CLI (not the operators under ``run``, which come from
  plugins) has a heading in docs/cli.md, its options are mentioned there, and its ``--help``
  block is the one the CLI prints today;
* every ```` ```python ```` block of docs/plugin-guide.md compiles.

When a help text changes on purpose, refresh docs/cli.md with
``.venv/bin/python tests/test_docs.py --update``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
HELP_ENV = {"COLUMNS": "100", "TERMINAL_WIDTH": "100", "LIGHTPLUG_PLUGINS": ""}
HELP_BLOCK = re.compile(r"<!-- help: (?P<path>[^>]*?) -->\n```text\n(?P<body>.*?)\n```", re.S)
DYNAMIC = {"run"}  # groups whose children are built from the installed plugins


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _headings(text: str) -> list[str]:
    """Markdown headings (``#`` lines outside fenced code blocks), without the hashes."""
    out, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif line.startswith("#") and not fenced:
            out.append(line.lstrip("#").strip())
    return out


# -- docs/api.md ------------------------------------------------------------------------------
def _public_names() -> list[str]:
    import lightplug

    return [name for name in lightplug.__all__ if name != "__version__"]


def _hook_names() -> list[str]:
    from lightplug.host import PluginHost

    pm = PluginHost().pm  # the core's hookspecs and every dialect's
    return sorted(name for name in vars(pm.hook) if not name.startswith("_"))


@pytest.mark.parametrize("name", _public_names())
def test_public_name_documented(name: str) -> None:
    assert f"`{name}`" in _headings(_read("api.md")), f"docs/api.md needs a heading: ### `{name}`"


@pytest.mark.parametrize("hook", _hook_names())
def test_hook_documented(hook: str) -> None:
    assert f"hook `{hook}`" in _headings(_read("api.md")), f"docs/api.md needs a heading: ### hook `{hook}`"


def test_api_documents_nothing_that_is_not_public() -> None:
    public = set(_public_names())
    hooks = set(_hook_names())
    for heading in _headings(_read("api.md")):
        bare = re.fullmatch(r"`(\w+)`", heading)
        if bare:
            assert bare.group(1) in public, f"docs/api.md documents {heading}, which lightplug does not export"
        hook = re.fullmatch(r"hook `(\w+)`", heading)
        if hook:
            assert hook.group(1) in hooks, f"docs/api.md documents {heading}, which is not a hook"


# -- docs/cli.md ------------------------------------------------------------------------------
def _commands() -> list[tuple[str, object]]:
    """``(path, click command)`` for every command and sub-command, ``run``'s children excluded."""
    import typer

    from lightplug.cli import app

    out: list[tuple[str, object]] = []

    def walk(command, path: list[str]) -> None:
        if path:
            out.append((" ".join(path), command))
        if path and path[-1] in DYNAMIC:
            return
        if hasattr(command, "list_commands"):  # a group (the top one builds its commands when asked)
            for name in command.list_commands(None):
                walk(command.get_command(None, name), [*path, name])

    walk(typer.main.get_command(app), [])
    return out


def _cli_sections() -> dict[str, str]:
    """The text under each ``## `lightplug ...` `` heading of docs/cli.md, up to the next one."""
    sections: dict[str, str] = {}
    current = None
    for line in _read("cli.md").splitlines():
        found = re.match(r"#{2,4} `lightplug (?P<path>[a-z -]+?)`\s*$", line)
        if found:
            current = found.group("path")
            sections[current] = ""
        elif line.startswith("## "):
            current = None
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def _live_help(path: str) -> str:
    from typer.testing import CliRunner

    from lightplug.cli import app
    from lightplug.host import reset_host

    reset_host()
    result = CliRunner().invoke(app, [*path.split(), "--help"], env=HELP_ENV)
    assert result.exit_code == 0, result.output
    return _normalise(result.stdout)


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


@pytest.mark.parametrize("path", [p for p, _ in _commands()])
def test_command_documented(path: str) -> None:
    sections = _cli_sections()
    assert path in sections, f"docs/cli.md needs a heading: ## `lightplug {path}`"
    command = dict(_commands())[path]
    for param in getattr(command, "params", []):
        for opt in [*param.opts, *param.secondary_opts]:
            if opt.startswith("--") and opt != "--help":
                assert opt in sections[path], f"docs/cli.md, `lightplug {path}`: option {opt} is not mentioned"


def _help_paths() -> list[str]:
    """The top level ("") and every command whose help does not depend on installed plugins."""
    return ["", *(p for p, _ in _commands() if p not in DYNAMIC)]


@pytest.mark.parametrize("path", _help_paths())
def test_help_block_is_current(path: str) -> None:
    blocks = {m.group("path"): _normalise(m.group("body")) for m in HELP_BLOCK.finditer(_read("cli.md"))}
    assert path in blocks, f"docs/cli.md needs the help of `lightplug {path}` after <!-- help: {path} -->"
    assert blocks[path] == _live_help(path), (
        f"the help of `{('lightplug ' + path).strip()}` changed; run: .venv/bin/python tests/test_docs.py --update")


def test_global_options_documented() -> None:
    text = _read("cli.md")
    for needle in ("-C", "--project", "LIGHTPLUG_PROJECT", "LIGHTPLUG_PLUGINS", "LIGHTPLUG_WORKERS"):
        assert needle in text


def test_run_options_documented() -> None:
    """The fixed options of every ``run OP`` command (they are not reachable by walking the app)."""
    from lightplug.specs import RESERVED_OPTIONS, SELECTION_OPTIONS

    text = _cli_sections()["run"]
    for option in [*RESERVED_OPTIONS, *SELECTION_OPTIONS, *("--select-" + o[2:] for o in SELECTION_OPTIONS)]:
        assert option in text, f"docs/cli.md, `lightplug run`: {option} is not mentioned"


# -- docs/plugin-guide.md ---------------------------------------------------------------------
def _python_blocks(name: str) -> list[tuple[int, str]]:
    text = _read(name)
    blocks = []
    for match in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M):
        blocks.append((text[:match.start()].count("\n") + 1, match.group(1)))
    return blocks


@pytest.mark.parametrize("doc", ["plugin-guide.md", "api.md", "architecture.md"])
def test_python_blocks_compile(doc: str) -> None:
    blocks = _python_blocks(doc)
    if doc == "plugin-guide.md":
        assert blocks, "docs/plugin-guide.md has no ```python blocks"
    for line, code in blocks:
        compile(code, f"docs/{doc}:{line}", "exec")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("doc", ["api.md", "cli.md", "plugin-guide.md", "exit-codes-and-json.md",
                                 "architecture.md"])
def test_links_between_docs_resolve(doc: str) -> None:
    for target, anchor in re.findall(r"\]\(([\w./-]*\.md|)(?:#([\w-]+))?\)", _read(doc)):
        name = target or doc
        if "/" in name:
            continue  # outside docs/ (README, examples)
        assert (DOCS / name).is_file(), f"docs/{doc} links to missing {name}"
        if anchor:
            anchors = {_slug(h) for h in _headings(_read(name))}
            assert anchor in anchors, f"docs/{doc} links to {name}#{anchor}, which has no such heading"


def test_docs_exist() -> None:
    for name in ("api.md", "cli.md", "plugin-guide.md", "exit-codes-and-json.md", "architecture.md"):
        assert (DOCS / name).is_file(), name


# -- refreshing the help blocks ---------------------------------------------------------------
def update() -> None:
    """Rewrite every ``<!-- help: PATH -->`` block of docs/cli.md with today's ``--help``."""
    path = DOCS / "cli.md"
    text = path.read_text(encoding="utf-8")

    def replace(match: re.Match) -> str:
        if match.group("path") in DYNAMIC:
            return match.group(0)
        return f"<!-- help: {match.group('path')} -->\n```text\n{_live_help(match.group('path'))}\n```"

    path.write_text(HELP_BLOCK.sub(replace, text), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--update"]:
        update()
    else:
        for p in _help_paths():
            print(f"<!-- help: {p} -->\n```text\n{_live_help(p)}\n```\n")


def test_every_api_function_documented() -> None:
    from lightplug import api

    headings = _headings(_read("api.md"))
    missing = [name for name in api.__all__ if name != "ParameterError" and f"`api.{name}`" not in headings]
    assert not missing, f"docs/api.md needs a heading ### `api.NAME` for {missing}"
