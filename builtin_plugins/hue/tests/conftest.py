"""Fixtures: the real CLI limited to the hue plugin, a project, JSON runs."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable, Iterator

import pytest
from typer.testing import Result

from lightplug.testing import PluginCli


Cli = Callable[..., Result]


@pytest.fixture
def cli() -> Iterator[PluginCli]:
    """Invoke the real ``lightplug`` CLI with only the hue plugin loaded."""
    yield PluginCli(plugins="hue")


@pytest.fixture
def project(tmp_path: pathlib.Path, cli: PluginCli) -> pathlib.Path:
    """An empty project."""
    return cli.init(tmp_path / "project")


@pytest.fixture
def run(cli: PluginCli) -> Callable[..., dict]:
    """``run(project, ACTION, *ARGS, code=0)``: ``lightplug -C project run ... --json`` parsed."""
    return cli.run


@pytest.fixture
def names(cli: Cli) -> Callable[[pathlib.Path], dict[int, str]]:
    """``names(project)``: instance id -> file stem."""

    def read(project: pathlib.Path) -> dict[int, str]:
        result = cli("-C", project, "images", "list", "--json")
        assert result.exit_code == 0, result.output
        return {row["id"]: pathlib.Path(row["path"]).stem for row in json.loads(result.stdout)}

    return read
