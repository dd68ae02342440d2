"""The installed ``lightplug`` console script as real processes, and a duplicates project to use it on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

LIGHTPLUG = Path(sys.executable).parent / "lightplug"


class Installed:
    """``lp(*args, code=0)``: run ``.venv/bin/lightplug ARGS`` in a fresh process (only the plugins in
    ``plugins``, a private metadata cache), check its exit code and return the finished process."""

    def __init__(self, cache: Path, plugins: str = "dedup") -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTPLUG", "NO_COLOR", "FORCE_COLOR"))}
        self.env.update(LIGHTPLUG_CACHE_DIR=str(cache), LIGHTPLUG_PLUGINS=plugins, COLUMNS="200")

    def __call__(self, *args: Any, code: int | None = 0, env: dict[str, str] | None = None,
                 input: str | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run([str(LIGHTPLUG), *map(str, args)], capture_output=True, text=True, input=input,
                              stdin=None if input is not None else subprocess.DEVNULL,
                              env={**self.env, **(env or {})}, timeout=180)
        if code is not None:
            assert done.returncode == code, (args, done.returncode, done.stdout[-3000:], done.stderr[-3000:])
        return done

    def json(self, *args: Any, code: int = 0) -> Any:
        return json.loads(self(*args, "--json", code=code).stdout)


def duplicates_project(tmp: Path, cli: Any) -> tuple[Path, Path]:
    """A project over ``lightplug.sample``'s images (three duplicates groups: photo_000.png with
    three near copies, photo_001.jpg with a re-encoded one, photo_002.jpg with a byte copy),
    imported through ``cli`` (a ``PluginCli``). Returns ``(project, images folder)``."""
    from lightplug.sample import make_sample

    images = tmp / "photos"
    make_sample(images, count=6)
    project = cli.init(tmp / "project")
    result = cli("-C", project, "import", images)
    assert result.exit_code == 0, result.output
    return project, images


def files_under(folder: Path) -> set[str]:
    """Paths of the files under ``folder``, relative to it."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()
