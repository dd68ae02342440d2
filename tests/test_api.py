"""``lightplug.api``: the same operations as the CLI, from Python, on a real project and plugins."""

from __future__ import annotations

import pytest

from lightplug import api
from lightplug.catalog import LookupFailed
from lightplug.selection import SelectionError
from lightplug.specs import ParameterError


@pytest.fixture
def root(tmp_path, sample_dir, monkeypatch):
    monkeypatch.setenv("LIGHTPLUG_PLUGINS", "hue,hello")
    monkeypatch.setenv("LIGHTPLUG_CACHE_DIR", str(tmp_path / "cache"))
    return api.init_project(tmp_path / "proj")


def test_import_list_run_and_read_back(root, sample_dir):
    with api.open_project(root) as project:
        summary = api.import_paths(project, [sample_dir])
        assert summary.imported > 0 and summary.task_failures == []
        again = api.import_paths(project, [sample_dir])
        assert again.imported == 0 and again.already_known == summary.imported
        ids = {s.qualified for s in api.operators(project)}
        assert {"hue.hue_groups", "hello.greet"} <= ids
        result = api.run(project, "hue.hue_groups", {"nb_groups": 2})
        assert result["status"] == "success" and 1 <= len(result["groups"]) <= 3
        chained = api.run(project, "hue.hue_groups", {"nb_groups": 1}, selection={"run": f"{result['run_id']}:1"})
        assert sorted(chained["groups"][0]["ids"]) == sorted(result["groups"][0]["ids"])
        assert [r["id"] for r in api.runs(project)] == [chained["run_id"], result["run_id"]]
        assert api.get_run(project, result["run_id"])["status"] == "success"
        greeting = api.run(project, "greet", {"name": "Ada"})
        assert greeting["message"] == "Hello Ada!"


def test_clear_errors_for_bad_names_values_and_selections(root, sample_dir):
    with api.open_project(root) as project:
        api.import_paths(project, [sample_dir])
        with pytest.raises(LookupFailed, match="Did you mean"):
            api.run(project, "hue.hue_grups")
        with pytest.raises(ParameterError, match="at least 1"):
            api.run(project, "hue.hue_groups", {"nb_groups": 0})
        with pytest.raises(ParameterError, match="no parameter colour"):
            api.run(project, "hue.hue_groups", {"colour": 1})
        with pytest.raises(SelectionError, match="no image with id 999"):
            api.run(project, "hue.hue_groups", selection={"ids": [999]})
        assert api.runs(project) == []  # refused runs are not recorded
        assert api.undo(project) is None


def test_jsonable_converts_what_results_hold():
    """``catalog.jsonable``: plain records are copied (not shared), keys made strings, and
    numpy values, enums, paths, sets, dataclasses (also nested, also of the same class
    again) and pydantic models converted."""
    import dataclasses
    import enum
    import json
    from pathlib import Path

    import numpy as np
    from pydantic import BaseModel

    from lightplug.catalog import jsonable

    class Colour(enum.Enum):
        RED = "red"

    @dataclasses.dataclass
    class Member:
        id: int
        path: Path
        score: float | None = None

    class Settings(BaseModel):
        k: int = 3

    record = {"id": 1, "name": "a", "score": 0.5, "flag": True, "none": None}
    copied = jsonable(record)
    assert copied == record and copied is not record
    value = {"record": record, 2: {"x": np.float32(0.25)}, "colour": Colour.RED, "tags": {"b"},
             "members": [Member(1, Path("/p/a.jpg"), 0.5), Member(2, Path("/p/b.jpg"))],
             "array": np.arange(3), "settings": Settings()}
    out = jsonable(value)
    assert out == {"record": record, "2": {"x": 0.25}, "colour": "red", "tags": ["b"],
                   "members": [{"id": 1, "path": "/p/a.jpg", "score": 0.5}, {"id": 2, "path": "/p/b.jpg", "score": None}],
                   "array": [0, 1, 2], "settings": {"k": 3}}
    assert json.loads(json.dumps(out)) == out
