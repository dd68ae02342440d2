"""Shared fixtures: generated images, projects, and a CLI runner that reloads plugins per call."""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The per-user plugin metadata cache goes to a temporary directory, never to ~/.cache.
os.environ["LIGHTPLUG_CACHE_DIR"] = tempfile.mkdtemp(prefix="lightplug-cache-")


class Cli:
    """Invoke the real Typer app; each call starts with a fresh plugin host like a new process."""

    def __init__(self, modules: dict[str, str] | None = None) -> None:
        self.runner = CliRunner()
        self.modules = modules or {}

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None):
        from lightplug.cli import app
        from lightplug.host import PluginInfo, current_host, reset_host

        reset_host()
        host = current_host()  # nothing loaded: the command loads what it needs, like a new process
        for name, module in self.modules.items():
            if name in host.entry_points():  # installed in this environment already
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


# -- a fresh virtual environment with real pip-installed plugins (test_installed, test_plugin_loading)
def _wheelhouse(tmp: Path) -> Path:
    import subprocess

    given = os.environ.get("LIGHTPLUG_WHEELHOUSE")
    if given and Path(given).is_dir():
        return Path(given)
    house = tmp / "wheels"
    # this tree's wheel and its dependencies as pyproject.toml pins them
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "-w", house, REPO, "setuptools>=68", "wheel",
                    "pytest"], check=True)
    return house


@pytest.fixture(scope="session")
def installed_env(tmp_path_factory) -> Path:
    """The bin/ of a new venv with lightplug, hello, the greeting example, and the fixture plugins:
    broken (raises at import), slow (2 s import, writes LIGHTPLUG_SLOW_MARKER), unruly (sys.exit, fd 1)
    fo (a third dialect, FiftyOne-style, with a plugin written in it) and hostile (markup and escapes)."""
    import subprocess
    import venv

    tmp = tmp_path_factory.mktemp("venv")
    venv.create(tmp / "v", with_pip=True)
    pip = [str(tmp / "v" / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index",
           "--find-links", str(_wheelhouse(tmp))]
    subprocess.run([*pip, str(REPO), str(REPO / "builtin_plugins" / "hello"), str(EXAMPLES / "lightly_greeting"),
                    *(str(FIXTURES / f) for f in ("broken_plugin", "slow_plugin", "unruly_plugins", "third_dialect",
                                                   "hostile_plugin"))], check=True)
    return tmp / "v" / "bin"


@pytest.fixture
def lp(installed_env, tmp_path):
    """Run the installed ``lightplug`` console script: ``lp(*args, cwd=..., extra_env=...)``.

    LIGHTPLUG_* variables of the test process are dropped; the plugin cache is this test's own.
    """
    import subprocess

    def run(*args, cwd: Path, extra_env: dict | None = None) -> subprocess.CompletedProcess:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTPLUG")}
        environment["LIGHTPLUG_CACHE_DIR"] = str(tmp_path / "user-cache")
        environment.update(extra_env or {})
        return subprocess.run([str(installed_env / "lightplug"), *map(str, args)], cwd=cwd, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, env=environment, timeout=120)

    return run
