"""docs/tutorial.md runs as written: every ``$ command`` of its ```console blocks, in order, in a shell
with the installed ``lightplug`` on PATH and HOME in a temporary folder, must exit 0 and print the
lines shown under it (``…`` stands for any text, ``~`` for HOME)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).resolve().parent.parent / "docs" / "tutorial.md"
BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)


def steps(text: str) -> list[tuple[str, list[str]]]:
    """``(command, expected output lines)`` of every console block, in order."""
    out: list[tuple[str, list[str]]] = []
    for block in BLOCK.findall(text):
        for line in block.splitlines():
            if line.startswith("$ "):
                out.append((line[2:], []))
            elif line.strip():
                assert out, f"output before any command in docs/tutorial.md: {line!r}"
                out[-1][1].append(line)
    return out


def shown(expected: str, output: str) -> bool:
    """Whether the line ``expected`` (``…``: any text) is a line of ``output`` or part of one."""
    pattern = ".*".join(re.escape(part) for part in expected.split("…"))
    return any(re.search(pattern, line) for line in output.splitlines())


def test_the_tutorial_has_the_whole_recipe():
    commands = " ".join(command for command, _ in steps(TUTORIAL.read_text()))
    for needed in ("find_duplicates", "report", "tag_duplicates", "images trash", "undo", "run export",
                   "empty-trash"):
        assert needed in commands


@pytest.mark.slow
def test_the_tutorial_runs_as_written(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTPLUG", "NO_COLOR", "FORCE_COLOR"))}
    env.update(HOME=str(home), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
               COLUMNS="200", LIGHTPLUG_CACHE_DIR=str(tmp_path / "cache"), LIGHTPLUG_PLUGINS="dedup,export")
    cwd = home
    for command, expected in steps(TUTORIAL.read_text()):
        if command.startswith("cd "):
            cwd = Path(os.path.expanduser(command[3:].replace("~", str(home), 1)))
            continue
        done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=300)
        # HOME as ~, also inside the trash (.lightplug/trash/2 + HOME + /photos/...)
        output = re.sub(r"(trash/\d+)~/", r"\1/~/", (done.stdout + done.stderr).replace(str(home), "~"))
        assert done.returncode == 0, (command, output)
        for line in expected:
            assert shown(line, output), f"docs/tutorial.md: `{command}` did not print {line!r}; it printed:\n{output}"
