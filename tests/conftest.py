"""Shared fixtures: generated images, projects, and a CLI runner that reloads plugins per call."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


class Cli:
    """Invoke the real Typer app; each call starts with a fresh plugin host like a new process."""

    def __init__(self, modules: dict[str, str] | None = None) -> None:
        self.runner = CliRunner()
        self.modules = modules or {}

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None):
        from lightplug.cli import app
        from lightplug.host import PluginInfo, get_host, reset_host

        reset_host()
        host = get_host()
        for name, module in self.modules.items():
            if name in host.plugins:  # installed in this environment already
                continue
            mod = importlib.import_module(module)
            host.add(mod, PluginInfo(name=name, distribution="test", version="0"))
        return self.runner.invoke(app, [str(a) for a in args], input=input, env=env)

    def json(self, *args: str, code: int = 0):
        result = self(*args, "--json")
        assert result.exit_code == code, result.output
        return json.loads(result.stdout)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def example_cli() -> Cli:
    """A CLI whose host also has the documentation examples and a raising plugin registered."""
    for path in (EXAMPLES / "panoptic_hue", EXAMPLES / "lightly_greeting", EXAMPLES / "lightly_autolabel",
                 FIXTURES / "raising_plugin"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    return Cli({"my_plugin": "my_plugin", "greeting": "greeting_operator", "autolabel": "autolabel_example",
                "raising": "raising_actions", "events": "event_hooks"})


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    from lightplug.sample import make_sample

    path = tmp_path_factory.mktemp("sample")
    make_sample(path, count=9)
    return path


@pytest.fixture
def project(tmp_path, cli, sample_dir) -> Path:
    root = tmp_path / "proj"
    assert cli("init", root).exit_code == 0
    result = cli("-C", root, "import", sample_dir)
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def example_project(project, example_cli) -> Path:
    """``project`` after the example plugins were loaded once (their ``_start`` has run)."""
    assert example_cli("-C", project, "ops", "list").exit_code == 0
    return project
