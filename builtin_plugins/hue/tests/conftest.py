"""Fixtures: the real CLI limited to the hue plugin, a project, JSON runs."""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Iterator

import pytest
from lightplug.testing import PluginCli


Cli = PluginCli


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
def names(cli: PluginCli) -> Callable[[pathlib.Path], dict[int, str]]:
    """``names(project)``: instance id -> file stem."""
    return cli.stems
