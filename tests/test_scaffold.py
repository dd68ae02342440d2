"""``lightplug plugins new`` makes packages that, unchanged, pip-install, show in ``ops list``, run,
and pass their own tests, in both dialects (a new virtual environment, offline from the wheelhouse)."""

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
        _run(*pip, "--no-build-isolation", "-e", package, env=env)
        listed = _run(bin_ / "lightplug", "-C", project, "ops", "list", "--json", env=env).stdout
        ids = {o["id"] for o in json.loads(listed)}
        assert op in ids
        _run(bin_ / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", package / "tests", env=env,
             cwd=package)
    again = subprocess.run([bin_ / "lightplug", "plugins", "new", "count-tool", "--dir", tmp_path],
                           capture_output=True, text=True, env=env)
    assert again.returncode == 2 and "exists already" in again.stderr
    bad = subprocess.run([bin_ / "lightplug", "plugins", "new", "../x"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "not a plugin name" in bad.stderr
