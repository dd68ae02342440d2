"""Helpers for testing plugins through the real command line (pytest or any runner).

    from lightplug.testing import PluginCli

    cli = PluginCli(plugins="hue")          # only these plugins load (None: all installed)
    root = cli.init(tmp_path / "project")
    cli("-C", root, "import", images)
    result = cli.run(root, "hue.hue_groups", "--nb-groups", "2")   # parsed --json output
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class PluginCli:
    """Invoke ``lightplug`` in-process like a fresh command: plugins are reloaded on every call."""

    def __init__(self, plugins: str | None = None) -> None:
        from typer.testing import CliRunner

        self.plugins = plugins
        self.runner = CliRunner()
        self.extra: dict[str, Any] = {}  # plugins registered for this CLI only (``add``)

    def add(self, name: str, plugin: Any) -> None:
        """Register ``plugin`` (a module, class or object with hooks) as plugin ``name`` for every
        later call, as if it were installed (it is not written to any cache)."""
        self.extra[name] = plugin

    def __call__(self, *args: Any) -> Any:
        """Run ``lightplug ARGS...`` and return Typer's ``Result``."""
        from .cli import app
        from .host import PLUGINS_ENV, reset_host

        previous = os.environ.get(PLUGINS_ENV)
        if self.plugins is not None:
            os.environ[PLUGINS_ENV] = self.plugins
        try:
            reset_host()
            if self.extra:
                from .host import PluginInfo, current_host

                for name, plugin in self.extra.items():
                    current_host().add(plugin, PluginInfo(name=name, distribution="test", version="0"))
            return self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        finally:
            reset_host()
            if self.plugins is not None:
                if previous is None:
                    os.environ.pop(PLUGINS_ENV, None)
                else:
                    os.environ[PLUGINS_ENV] = previous

    def init(self, root: Path) -> Path:
        """Create a project at ``root`` and return it."""
        result = self("init", root)
        assert result.exit_code == 0, result.output
        return Path(root)

    def json(self, *args: Any, code: int = 0) -> Any:
        """Run with ``--json``, check the exit code, return the parsed output."""
        result = self(*args, "--json")
        assert result.exit_code == code, result.output
        return json.loads(result.stdout)

    def stems(self, project: Path) -> dict[int, str]:
        """Instance id -> file name without extension, for the project's images."""
        return {row["id"]: Path(row["path"]).stem for row in self.json("-C", project, "images", "list")}

    def run(self, project: Path, action: str, *args: Any, code: int = 0) -> dict:
        """``lightplug -C PROJECT run ACTION ARGS --json --no-input``, parsed."""
        return self.json("-C", project, "run", action, *args, "--no-input", code=code)
