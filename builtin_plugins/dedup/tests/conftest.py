"""Fixtures: the real CLI limited to the dedup plugin, projects and JSON runs."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable, Iterator

import pytest
from typer.testing import CliRunner, Result

Cli = Callable[..., Result]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """Invoke the real ``lightplug`` CLI with only the dedup plugin loaded."""
    from lightplug.cli import app
    from lightplug.host import reset_host

    monkeypatch.setenv("LIGHTPLUG_PLUGINS", "dedup")
    reset_host()
    runner = CliRunner()

    def invoke(*args: object) -> Result:
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    yield invoke
    reset_host()


@pytest.fixture
def project(tmp_path: pathlib.Path, cli: Cli) -> pathlib.Path:
    """An empty project."""
    root = tmp_path / "project"
    assert cli("init", root).exit_code == 0
    return root


@pytest.fixture
def run(cli: Cli) -> Callable[..., dict]:
    """``run(project, ACTION, *ARGS, code=0)``: ``lightplug -C project run ... --json``, parsed."""

    def invoke(project: pathlib.Path, *args: object, code: int = 0) -> dict:
        result = cli("-C", project, "run", *args, "--json", "--no-input")
        assert result.exit_code == code, result.output
        return json.loads(result.stdout)

    return invoke


@pytest.fixture
def names(cli: Cli) -> Callable[[pathlib.Path], dict[int, str]]:
    """``names(project)``: instance id -> file stem."""

    def read(project: pathlib.Path) -> dict[int, str]:
        result = cli("-C", project, "images", "list", "--json")
        assert result.exit_code == 0, result.output
        return {row["id"]: pathlib.Path(row["path"]).stem for row in json.loads(result.stdout)}

    return read


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
