"""``lightplug plugins new`` makes packages that, unchanged, pip-install, show in ``ops list``, run,
and pass their own tests, in both dialects; ``plugins install``, ``info`` and ``uninstall`` manage them
in lightplug's own environment (a new virtual environment, offline from the wheelhouse)."""

from __future__ import annotations

import json
import subprocess
import venv

import pytest

from conftest import REPO, _wheelhouse


def _run(*args, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=600, **kwargs)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done


@pytest.mark.slow
def test_scaffolded_plugins_install_run_and_pass_their_tests(tmp_path):
    venv.create(tmp_path / "v", with_pip=True)
    bin_ = tmp_path / "v" / "bin"
    pip = [bin_ / "python", "-m", "pip", "install", "-q", "--no-index", "--find-links", _wheelhouse(tmp_path)]
    _run(*pip, "setuptools>=68", "wheel", REPO, "pytest")
    env = {"PATH": f"{bin_}:/usr/bin:/bin", "HOME": str(tmp_path), "LIGHTPLUG_CACHE_DIR": str(tmp_path / "cache")}
    project = tmp_path / "project"  # Panoptic-style actions exist once started in a project
    _run(bin_ / "lightplug", "init", project, env=env)
    for name, dialect, op in (("count-tool", "lightly", "count_tool.count_images"),
                              ("ext_groups", "panoptic", "ext_groups.by_extension")):
        made = _run(bin_ / "lightplug", "plugins", "new", name, "--dialect", dialect, "--dir", tmp_path, env=env)
        package = tmp_path / f"lightplug-{name.replace('_', '-')}"
        assert str(package) in made.stderr
        if dialect == "lightly":
            _run(*pip, "--no-build-isolation", "-e", package, env=env)
        else:  # through lightplug itself, into its own environment
            house = f"--pip-arg=--find-links={_wheelhouse(tmp_path)}"
            installed = _run(bin_ / "lightplug", "plugins", "install", "-e", package, "--pip-arg=--no-index", house,
                             "--pip-arg=--no-build-isolation", "--pip-arg=-q", env=env)
            assert "New plugin(s): ext_groups." in installed.stderr and installed.stdout == ""
        listed = _run(bin_ / "lightplug", "-C", project, "ops", "list", "--json", env=env).stdout
        ids = {o["id"] for o in json.loads(listed)}
        assert op in ids
        _run(bin_ / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", package / "tests", env=env,
             cwd=package)
    info = json.loads(_run(bin_ / "lightplug", "-C", project, "plugins", "info", "ext_groups", "--json", env=env).stdout)
    assert info["distribution"] == "lightplug-ext-groups" and info["entry_point"] == "lightplug_ext_groups"
    assert info["actions"] == ["by_extension"] and info["enabled"] is True
    refused = subprocess.run([bin_ / "lightplug", "plugins", "uninstall", "lightplug-ext-groups"],
                             capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    _run(bin_ / "lightplug", "plugins", "uninstall", "lightplug-ext-groups", "--yes", "--pip-arg=-q", env=env)
    names = {p["name"] for p in json.loads(_run(bin_ / "lightplug", "plugins", "list", "--json", env=env).stdout)}
    assert "ext_groups" not in names and "count_tool" in names
    # a Panoptic plugin as Panoptic users have it: a folder with __init__.py and requirements.txt
    folder = tmp_path / "loose" / "by_size"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(
        "from lightplug import APlugin, ActionResult\n"
        "class BySize(APlugin):\n"
        "    def __init__(self, project, plugin_path, name):\n"
        "        super().__init__(name=name, project=project, plugin_path=plugin_path)\n"
        "        self.add_action_easy(self.count, ['execute'])\n"
        "    async def count(self, context):\n"
        "        return ActionResult(value=len(await self.project.get_instances(context.instance_ids)))\n"
        "plugin_class = BySize\n")
    (folder / "requirements.txt").write_text("pytest\n")  # installed from the wheelhouse
    house = f"--pip-arg=--find-links={_wheelhouse(tmp_path)}"
    added = _run(bin_ / "lightplug", "plugins", "add", folder, "--pip-arg=--no-index", house, "--pip-arg=-q", env=env)
    assert "Added plugin 'by_size'" in added.stderr
    ran = json.loads(_run(bin_ / "lightplug", "-C", project, "run", "by_size.count", "--json", env=env).stdout)
    assert ran["success"] and ran["value"] == 0
    twice = subprocess.run([bin_ / "lightplug", "plugins", "add", folder], capture_output=True, text=True, env=env)
    assert twice.returncode == 2 and "added already" in twice.stderr
    _run(bin_ / "lightplug", "plugins", "uninstall", "lightplug-added-by-size", "--yes", "--pip-arg=-q", env=env)
    assert "by_size" not in {p["name"] for p in json.loads(
        _run(bin_ / "lightplug", "plugins", "list", "--json", env=env).stdout)}
    # a pip package without lightplug's entry point (as PanopticML's own is)
    source = tmp_path / "pkgsrc"
    (source / "size_panel").mkdir(parents=True)
    (source / "size_panel" / "__init__.py").write_text((folder / "__init__.py").read_text())
    (source / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools>=68"]\n'
                                           'build-backend = "setuptools.build_meta"\n'
                                           '[project]\nname = "size-panel"\nversion = "1.0"\n')
    wheels = tmp_path / "own-wheels"
    _run(bin_ / "python", "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", wheels, source,
         env=env)
    added = _run(bin_ / "lightplug", "plugins", "add", "size-panel", "--pip-arg=--no-index",
                 f"--pip-arg=--find-links={wheels}", "--pip-arg=-q", env=env)
    assert "Added plugin 'size_panel'" in added.stderr
    ran = json.loads(_run(bin_ / "lightplug", "-C", project, "run", "size_panel.count", "--json", env=env).stdout)
    assert ran["success"]
    not_a_plugin = subprocess.run([bin_ / "lightplug", "plugins", "add", "no-such-package-here", "--pip-arg=--no-index",
                                   "--pip-arg=-q"], capture_output=True, text=True, env=env)
    assert not_a_plugin.returncode == 1 and "pip exited" in not_a_plugin.stderr
    again = subprocess.run([bin_ / "lightplug", "plugins", "new", "count-tool", "--dir", tmp_path],
                           capture_output=True, text=True, env=env)
    assert again.returncode == 2 and "exists already" in again.stderr
    bad = subprocess.run([bin_ / "lightplug", "plugins", "new", "../x"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "not a plugin name" in bad.stderr
