"""Fixtures: the real CLI limited to the dedup plugin, projects and JSON runs."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable, Iterator

import pytest
from lightplug.testing import PluginCli

Cli = PluginCli


@pytest.fixture
def cli() -> Iterator[PluginCli]:
    """Invoke the real ``lightplug`` CLI with only the dedup plugin loaded."""
    yield PluginCli(plugins="dedup")


@pytest.fixture
def project(tmp_path: pathlib.Path, cli: PluginCli) -> pathlib.Path:
    """An empty project."""
    return cli.init(tmp_path / "project")


@pytest.fixture
def run(cli: PluginCli) -> Callable[..., dict]:
    """``run(project, ACTION, *ARGS, code=0)``: ``lightplug -C project run ... --json`` parsed."""
    return cli.run


@pytest.fixture
def names(cli: PluginCli) -> Callable[[pathlib.Path], dict[int, str]]:
    """``names(project)``: instance id -> file stem."""
    return cli.stems


@pytest.fixture
def imported(cli: Cli) -> Callable[..., dict]:
    """``imported(project, folder)``: ``lightplug import --json``, parsed."""

    def invoke(project: pathlib.Path, folder: pathlib.Path) -> dict:
        result = cli("-C", project, "import", folder, "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert not data["task_failures"], data
        return data

    return invoke
