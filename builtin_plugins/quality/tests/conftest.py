"""Fixtures of the quality plugin's tests: a generated image folder and a CLI runner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from quality_images import write_dataset


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[str]]]:
    """A folder of generated images and the file names expected in each issue group."""
    folder = tmp_path_factory.mktemp("quality_images") / "images"
    return folder, write_dataset(folder)


class Cli:
    """Runs ``lightplug`` commands in one project through Typer's CliRunner."""

    def __init__(self, root: Path) -> None:
        from typer.testing import CliRunner

        self.root = root
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Any:
        from lightplug.cli import app

        return self.runner.invoke(app, ["-C", str(self.root), *args])

    def json(self, *args: str, code: int = 0) -> Any:
        """Run with ``--json``, check the exit code, return the parsed stdout."""
        result = self(*args, "--json")
        assert result.exit_code == code, (result.exit_code, result.output)
        return json.loads(result.stdout)

    def find(self, *args: str, code: int = 0) -> dict[str, Any]:
        """``run quality.find_issues ARGS --json``."""
        return self.json("run", "quality.find_issues", "--no-input", *args, code=code)

    def names(self) -> dict[int, str]:
        """File name of each instance id."""
        return {r["id"]: r["name"] for r in self.json("images", "list")}


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Cli]:
    """``cli(images_dir, ...)``: a fresh project with those folders imported."""
    monkeypatch.setenv("LIGHTPLUG_WORKERS", "2")

    count = iter(range(1000))

    def make(*folders: Path) -> Cli:
        c = Cli(tmp_path / f"project{next(count)}")
        result = c("init", str(c.root))
        assert result.exit_code == 0, result.output
        for folder in folders:
            result = c("import", str(folder))
            assert result.exit_code == 0, result.output
        return c

    return make
