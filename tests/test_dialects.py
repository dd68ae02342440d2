"""Dialects are pluggable: a third one, FiftyOne-style, comes as one pip-installed package (entry
point groups ``lightplug.dialects`` and ``lightplug``) and its plugin is listed, described, run,
recorded and switched off like the built-in dialects' (tests/fixtures/third_dialect)."""

from __future__ import annotations

import json

from procs import make_images


def _json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


ONLY = {"LIGHTPLUG_PLUGINS": "fo,hello"}  # not the fixture plugins that misbehave on purpose


def test_a_third_dialect_is_one_package_and_an_entry_point(lp, tmp_path):
    def lp(*args, _lp=lp, **kwargs):
        return _lp(*args, extra_env=ONLY, **kwargs)

    make_images(tmp_path / "photos", 4)
    assert lp("init", tmp_path, cwd=tmp_path).returncode == 0
    assert lp("import", "photos", cwd=tmp_path).returncode == 0

    listed = {o["id"]: o for o in _json(lp("ops", "list", "--json", cwd=tmp_path))}
    count = listed["fo.count_images"]
    assert count["dialect"] == "fiftyone" and count["description"].startswith("Count the selected")
    assert [(p["name"], p["type"], p["default"], p["min"]) for p in count["parameters"]] == [
        ("limit", "int", 3, 1), ("label", "str", "images", None)]
    shown = lp("ops", "show", "count_images", cwd=tmp_path)
    assert shown.returncode == 0 and "--limit" in shown.stdout and "fiftyone" in shown.stdout
    assert "fo" in {p["name"] for p in _json(lp("plugins", "list", "--json", cwd=tmp_path))}

    whole = _json(lp("run", "fo.count_images", "--json", cwd=tmp_path))
    assert whole["value"] == {"count": 3, "label": "images"} and whole["scope"] == "root"
    picked = _json(lp("run", "count_images", "--ids", "1,2", "--limit", "5", "--label", "cats", "--json",
                      cwd=tmp_path))
    assert picked["value"] == {"count": 2, "label": "cats"} and picked["scope"] == "image"
    assert picked["dialect"] == "fiftyone" and picked["status"] == "success"
    runs = _json(lp("runs", "list", "--json", cwd=tmp_path))
    assert [(r["operator"], r["status"]) for r in runs][:2] == [("fo.count_images", "success")] * 2

    too_small = lp("run", "fo.count_images", "--limit", "0", cwd=tmp_path)
    assert too_small.returncode == 2 and "0 is not in the range x>=1" in too_small.stderr  # Typer's range check

    assert lp("plugins", "disable", "fo", cwd=tmp_path).returncode == 0
    off = lp("run", "fo.count_images", "--json", cwd=tmp_path)
    assert off.returncode == 2 and "lightplug plugins enable fo" in off.stderr
    assert "fo.count_images" not in {o["id"] for o in _json(lp("ops", "list", "--json", cwd=tmp_path))}
    assert lp("plugins", "enable", "fo", cwd=tmp_path).returncode == 0
    assert _json(lp("run", "fo.count_images", "--json", cwd=tmp_path))["value"]["count"] == 3


def test_the_python_api_runs_a_third_dialect(installed_env, tmp_path):
    """The same through ``lightplug.api``, in the Python of the environment the package is installed in."""
    import os
    import subprocess

    make_images(tmp_path / "photos", 2)
    script = tmp_path / "script.py"
    script.write_text(
        "import json, sys\n"
        "from lightplug import api\n"
        "root = api.init_project(sys.argv[1])\n"
        "with api.open_project(root) as project:\n"
        "    api.import_paths(project, [sys.argv[2]])\n"
        "    result = api.run(project, 'fo.count_images', {'limit': 9})\n"
        "print(json.dumps(result))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTPLUG")}
    env.update(LIGHTPLUG_CACHE_DIR=str(tmp_path / "cache"), **ONLY)
    done = subprocess.run([str(installed_env / "python"), str(script), str(tmp_path / "proj"), str(tmp_path / "photos")],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["dialect"] == "fiftyone" and result["value"] == {"count": 2, "label": "images"}
