"""pytest fixtures for plugin authors (registered through the ``pytest11`` entry point).

    def test_my_operator(lightplug_project, lightplug_run):
        result = lightplug_run("my_plugin.my_operator", "--threshold", "3")
        assert result["success"] and result["groups"]

Fixtures: ``lightplug_images`` (a folder of generated photos, near duplicates and a broken file
among them), ``lightplug_cli`` (a ``PluginCli``; limit the plugins with
``@pytest.mark.lightplug_plugins("a,b")``), ``lightplug_project`` (a project with those images
imported), ``lightplug_run`` (run an operator there, get the ``--json`` result) and
``lightplug_plugin`` (register a plugin object for one test). The plugin metadata cache of the
test session lives in a temporary folder, never in the user's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from .testing import PluginCli


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "lightplug_plugins(names): the plugins lightplug_cli loads, e.g. 'hue,dedup'")


@pytest.fixture(autouse=True, scope="session")
def _lightplug_private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the plugin metadata cache of the test session out of the user's ~/.cache."""
    previous = os.environ.get("LIGHTPLUG_CACHE_DIR")
    os.environ["LIGHTPLUG_CACHE_DIR"] = str(tmp_path_factory.mktemp("lightplug-cache"))
    yield
    if previous is None:
        os.environ.pop("LIGHTPLUG_CACHE_DIR", None)
    else:
        os.environ["LIGHTPLUG_CACHE_DIR"] = previous


@pytest.fixture
def lightplug_images(tmp_path: Path) -> Path:
    """A folder of generated photo-like images (mixed formats, near duplicates, one broken file)."""
    from .sample import make_sample

    folder = tmp_path / "images"
    make_sample(folder, count=6)
    return folder


@pytest.fixture
def lightplug_cli(request: pytest.FixtureRequest) -> PluginCli:
    """The command line in-process; every call is a fresh command that loads the plugins anew."""
    marker = request.node.get_closest_marker("lightplug_plugins")
    return PluginCli(plugins=marker.args[0] if marker else None)


@pytest.fixture
def lightplug_project(lightplug_cli: PluginCli, lightplug_images: Path, tmp_path: Path) -> Path:
    """A project in ``tmp_path / "project"`` with ``lightplug_images`` imported."""
    root = lightplug_cli.init(tmp_path / "project")
    result = lightplug_cli("-C", root, "import", lightplug_images)
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def lightplug_run(lightplug_cli: PluginCli, lightplug_project: Path) -> Callable[..., dict]:
    """``lightplug_run(OPERATOR, *ARGS, code=0)``: run it in ``lightplug_project`` with ``--json
    --no-input``; returns the parsed result (the exit code must be ``code``)."""
    def run(operator: str, *args: Any, code: int = 0) -> dict:
        return lightplug_cli.run(lightplug_project, operator, *args, code=code)

    return run


@pytest.fixture
def lightplug_plugin(lightplug_cli: PluginCli) -> Callable[[str, Any], None]:
    """``lightplug_plugin(NAME, PLUGIN)``: register a plugin object (module, class, object with
    hooks) for this test's ``lightplug_cli`` calls, as if it were installed under ``NAME``."""
    return lightplug_cli.add
