"""A command loads only the plugins it needs (metadata cache), and plugin code cannot end the command.

The subprocess tests use the session venv of conftest (``installed_env``), where the fixture
plugins are pip-installed for real: ``slow`` (records each import in LIGHTPLUG_SLOW_MARKER),
``broken``, and the ``unruly`` distribution (sys.exit(3) at import, in ``_start`` and in a
listener; writes to fd 1; an operator whose ``parameters`` call sys.exit(4)).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def marker(tmp_path) -> Path:
    return tmp_path / "slow-imports.txt"


@pytest.fixture
def slow_env(marker) -> dict:
    return {"LIGHTPLUG_SLOW_MARKER": str(marker), "LIGHTPLUG_SLOW_SECONDS": "0.2"}


def _imports(marker: Path) -> int:
    return len(marker.read_text().splitlines()) if marker.exists() else 0


def test_help_imports_no_plugin(lp, tmp_path, marker, slow_env):
    assert lp("--help", cwd=tmp_path, extra_env=slow_env).returncode == 0
    assert lp("ops", "--help", cwd=tmp_path, extra_env=slow_env).returncode == 0
    assert _imports(marker) == 0


def test_run_and_warm_listing_do_not_import_other_plugins(lp, tmp_path, marker, slow_env):
    assert lp("init", tmp_path, cwd=tmp_path).returncode == 0
    cold = lp("ops", "list", "--json", cwd=tmp_path, extra_env=slow_env)
    assert cold.returncode == 0 and "slow.nap" in {o["id"] for o in json.loads(cold.stdout)}
    assert _imports(marker) == 1  # the cold cache imported everything once
    warm = lp("ops", "list", "--json", cwd=tmp_path, extra_env=slow_env)
    assert json.loads(warm.stdout) == json.loads(cold.stdout)
    assert lp("plugins", "list", "--json", cwd=tmp_path, extra_env=slow_env).returncode == 0
    assert lp("ops", "show", "nap", "--json", cwd=tmp_path, extra_env=slow_env).returncode == 0
    ran = lp("run", "hello.greet", "--no-input", "--json", cwd=tmp_path, extra_env=slow_env)
    assert json.loads(ran.stdout)["message"] == "Hello beautiful and smart person!"
    bare = lp("run", "greet", "--name", "Ada", "--json", cwd=tmp_path, extra_env=slow_env)
    assert json.loads(bare.stdout)["message"] == "Hello Ada!"
    assert lp("run", "greet", "--help", cwd=tmp_path, extra_env=slow_env).returncode == 0
    assert _imports(marker) == 1  # none of these imported the slow plugin
    assert "broken" not in ran.stderr  # nor the broken one
    assert lp("run", "nap", "--json", cwd=tmp_path, extra_env=slow_env).returncode == 0
    assert _imports(marker) == 2
    assert lp("plugins", "refresh", cwd=tmp_path, extra_env=slow_env).returncode == 0
    assert _imports(marker) == 3
    lp("ops", "list", cwd=tmp_path, extra_env={**slow_env, "LIGHTPLUG_PLUGINS": "hello,slow"})
    assert _imports(marker) == 4  # another key: another cache


def test_sys_exit_and_fd1_noise_are_contained(lp, tmp_path, sample_dir):
    root = tmp_path / "p"
    lp("init", root, cwd=tmp_path)
    plugins = lp("plugins", "list", "--json", cwd=root)
    assert plugins.returncode == 0, plugins.stderr
    rows = {r["name"]: r for r in json.loads(plugins.stdout)}  # fd-1 noise of imports did not get in
    assert rows["exit_import"]["status"] == "failed" and rows["exit_import"]["error"] == "SystemExit: 3"
    assert rows["exit_start"]["status"] == "failed" and rows["exit_start"]["error"] == "SystemExit: 3"
    assert rows["bad_params"]["failed_operators"] == {"broken_params": "SystemExit: 4"}
    assert "noise at import" in plugins.stderr and "print at import" in plugins.stderr
    assert "plugin 'exit_start' failed to start" in plugins.stderr

    ops = lp("ops", "list", "--json", cwd=root)
    by_id = {o["id"]: o for o in json.loads(ops.stdout)}
    assert by_id["bad_params.sound"]["status"] == "ok"
    assert by_id["bad_params.broken_params"]["status"] == "failed"
    assert "exit_listener.ping" in by_id and "exit_start.never" not in by_id

    imported = lp("-C", root, "import", sample_dir, "--json", cwd=tmp_path)
    assert imported.returncode in (0, 1), imported.stderr  # never the plugin's 3
    assert json.loads(imported.stdout)["imported"] > 0
    assert "plugin 'exit_listener'" in imported.stderr and "SystemExit: 3" in imported.stderr
    assert not (root / ".lightplug" / "exit_start_listener_ran").exists()  # failed plugin: no listener

    noisy = lp("-C", root, "run", "noisy.shout", "--json", cwd=tmp_path)
    assert noisy.returncode == 0 and json.loads(noisy.stdout)["message"] == "done"
    assert "noise in execute" in noisy.stderr and "print in execute" in noisy.stderr

    assert json.loads(lp("-C", root, "run", "ping", "--json", cwd=tmp_path).stdout)["value"] == "pong"
    broken = lp("-C", root, "run", "bad_params.broken_params", cwd=tmp_path)
    assert broken.returncode == 1 and "SystemExit: 4" in broken.stderr
    assert lp("-C", root, "run", "bad_params.sound", cwd=tmp_path).returncode == 0
    never = lp("-C", root, "run", "exit_start.never", cwd=tmp_path)
    assert never.returncode == 2 and never.stdout == ""


def test_disable_an_operator_plugin(lp, tmp_path):
    lp("init", tmp_path, cwd=tmp_path)
    assert lp("plugins", "disable", "hello", cwd=tmp_path).returncode == 0
    ops = {o["id"] for o in json.loads(lp("ops", "list", "--json", cwd=tmp_path).stdout)}
    assert "hello.greet" not in ops and "greeting.GreetingOperator" in ops
    for name in ("hello.greet", "greet"):
        refused = lp("run", name, "--no-input", cwd=tmp_path)
        assert refused.returncode == 2 and "plugins enable hello" in refused.stderr, refused.stderr
    rows = {r["name"]: r for r in json.loads(lp("plugins", "list", "--json", cwd=tmp_path).stdout)}
    assert rows["hello"]["enabled"] is False
    assert lp("plugins", "enable", "hello", cwd=tmp_path).returncode == 0
    assert lp("run", "greet", "--no-input", cwd=tmp_path).stdout.strip() == "Hello beautiful and smart person!"


# -- in-process (CliRunner) --------------------------------------------------------------------
def test_cache_files_and_project_actions(example_cli, example_project):
    import os

    cache = Path(os.environ["LIGHTPLUG_CACHE_DIR"])
    assert list(cache.glob("plugins-*.json"))
    project_cache = json.loads((example_project / ".lightplug" / "plugin_cache.json").read_text())
    assert "hue" in project_cache["plugins"]  # an installed Panoptic-style plugin's actions
    shown = example_cli.json("-C", example_project, "ops", "show", "bounded")
    assert shown["parameters"][0]["min"] == 1


def test_listener_sys_exit_in_process(example_cli, tmp_path, sample_dir, monkeypatch):
    """A listener's sys.exit() is the plugin's failure; the import command ends normally."""
    import raising_actions

    async def leave(self, instance):
        raise SystemExit(3)

    monkeypatch.setattr(raising_actions.RaisingPlugin, "seen", leave)
    root = tmp_path / "p"
    example_cli("init", root)
    result = example_cli("-C", root, "import", sample_dir / "more")
    assert result.exit_code == 1 and "SystemExit: 3" in result.stderr
    assert "plugin 'raising.RaisingPlugin'" in result.stderr


def test_a_misspelled_hook_is_reported_with_the_closest_name(tmp_path):
    import procs

    site = procs.plugin_path(tmp_path, "typo", "lightplug_typo", procs.FIXTURES / "typo_plugin")
    env = procs.environment([site], LIGHTPLUG_PLUGINS="typo")
    for _ in ("cold cache", "warm cache"):
        listed = procs.run("plugins", "list", "--json", env=env)
        assert listed.returncode == 0
        assert "unknown hook 'on_imprt'" in listed.stderr and "did you mean 'on_import'?" in listed.stderr
        assert {p["name"]: p["status"] for p in json.loads(listed.stdout)} == {"typo": "loaded"}
