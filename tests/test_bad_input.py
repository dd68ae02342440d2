"""Bad selections and numbers get exit 2 and one ``Error:`` line, never a traceback, an empty run
or exhausted memory; ``--json`` output is strict JSON."""

from __future__ import annotations

import json

import pytest

OP = "raising.RaisingPlugin.tag_selection"  # an action that runs on a selection and writes a tag


@pytest.mark.parametrize("ids, says", [
    ("5-1", "the range 5-1 is empty; write it as 1-5"),
    ("", "needs ids like 1,2,5-7"),
    (" , ", "needs ids like 1,2,5-7"),
    ("1--5", "'1--5' is not one"),
    ("-3", "'-3' is not one"),
    ("1,x", "'x' is not one"),
    ("99999999999999999999999", "larger than any id can be"),
    ("1-1000000000", "spans more than 1,000,000 ids"),
    ("9999", "no image with id 9999"),
])
def test_bad_ids_are_exit_2_with_one_error_line(example_cli, example_project, ids, says):
    result = example_cli("-C", example_project, "run", OP, "--ids", ids, "--no-input")
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("Error:")] != []
    assert example_cli.json("-C", example_project, "runs", "list") == []  # nothing ran


def test_good_ids_still_select(example_cli, example_project):
    result = example_cli.json("-C", example_project, "run", OP, "--ids", "1, 2-3,3", "--no-input")
    assert result["success"] and result["value"] == 3


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_numbers_are_refused(project, value):
    from dataclasses import dataclass

    from typer.testing import CliRunner

    from lightplug import BaseOperator, FloatParameter, OperatorResult, operator_registry
    from lightplug.cli import app
    from lightplug.host import get_host, reset_host

    @dataclass
    class Ratio(BaseOperator):
        name: str = "ratio"

        @property
        def parameters(self):
            return [FloatParameter(name="ratio", default=0.5)]  # no bounds: Typer would catch it first

        def execute(self, *, session, context, parameters):
            return OperatorResult(success=True, message=str(parameters["ratio"]))

    reset_host()
    try:
        operator_registry.register(Ratio())
        get_host()
        result = CliRunner().invoke(app, ["-C", str(project), "run", "ratio", "--ratio", value, "--no-input"])
    finally:
        reset_host()
    assert result.exit_code == 2 and "must be a finite number" in result.output, result.output


def test_json_output_is_strict(example_cli, example_project):
    import contextlib
    import io

    from lightplug.cli.common import print_json

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_json({"score": float("nan"), "scores": [1.0, float("inf")], "name": "bad\udcff.png"})
    data = json.loads(out.getvalue(), parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))
    assert data == {"score": None, "scores": [1.0, None], "name": "bad\udcff.png"}


def test_a_project_from_a_newer_lightplug_is_refused_untouched(cli, project):
    """A schema step this version does not know: every command says to upgrade, exit 2, no write."""
    import sqlite3

    db = project / ".lightplug" / "project.db"
    with sqlite3.connect(db) as conn:
        conn.execute("insert into _sqlite_migrations (migration_set, name, applied_at) "
                     "values ('lightplug', 'm999_from_the_future', '2030-01-01')")
    conn.close()
    before = db.read_bytes()
    for args in (["images", "list"], ["run", "greet", "--no-input"], ["undo"], ["init", str(project)]):
        result = cli("-C", project, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "newer lightplug" in result.stderr and "m999_from_the_future" in result.stderr
    assert db.read_bytes() == before
